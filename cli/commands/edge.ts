import { createLogger } from '../../common/log.js';
import { EdgeAgent } from '../../edge/agent.js';
import { loadEdgeConfig } from '../../edge/config.js';
import { loadGatewaySigner } from '../../edge/keyfile.js';
import { parseCommandArgs, print, UsageError } from '../args.js';
import { untilSignal } from '../lifecycle.js';
import { edgeJoinCommand } from './edge-join.js';
import { edgeStatusCommand } from './edge-status.js';

const USAGE = `usage: freshtrail edge --config edge.yaml
       freshtrail edge status [--url URL] [--config edge.yaml] [--json]   (freshtrail edge status --help)
       freshtrail edge join --url INGEST_URL --token TOKEN --config edge.yaml   (freshtrail edge join --help)

Runs the gateway agent: reads the configured sensors, signs batches with the gateway key, keeps
them in the on-disk outbox until the ingest acknowledges them. See edge/edge.sample.yaml.`;

export async function edgeCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'status') return edgeStatusCommand(argv.slice(1));
  if (argv[0] === 'join') return edgeJoinCommand(argv.slice(1));
  const { values } = parseCommandArgs(argv, { config: { type: 'string', short: 'c' } }, USAGE);
  if (values.help) return print(USAGE), 0;
  if (!values.config) throw new UsageError(`--config is required\n\n${USAGE}`);
  const config = loadEdgeConfig(values.config);
  const logger = createLogger({ level: config.logLevel, name: 'edge' });
  const signer = await loadGatewaySigner(config.gateway);
  logger.info({ gateway: config.gateway.id, publicKey: signer.publicKeyHex, key: signer.describe() }, 'gateway key loaded');
  try {
    const agent = new EdgeAgent({ config, signer, logger });
    await agent.start();
    const statusTimer = setInterval(() => logger.info(agent.counters(), 'status'), 60_000);
    await untilSignal(async () => {
      clearInterval(statusTimer);
      await agent.stop();
    });
  } finally {
    signer.close?.();
  }
  return 0;
}
