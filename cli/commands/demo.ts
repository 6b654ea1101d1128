import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../common/log.js';
import { FreshTrailError } from '../../common/errors.js';
import { intOption, parseCommandArgs, print } from '../args.js';
import { keyFileHeader } from '../ingest-client.js';
import { untilSignal } from '../lifecycle.js';
import { DEMO_EPOCH_SECONDS, startDemo, type DemoSummary, type RunningDemo } from '../demo/run.js';
import { COLD_ROOM, DEMO_LOTS } from '../demo/site.js';

const USAGE = `usage: freshtrail demo [--duration SECONDS] [--http-port PORT] [--data-dir DIR]

Starts the ingest, a simulator (cold-room Modbus and text-line sensors on serial
pseudo-terminals, reefer-truck Zigbee2MQTT and Tasmota sensors over MQTT) and two edge agents,
enrolls their keys and prints a status line every 5 seconds. Stops on Ctrl-C or after
--duration; the last line is a JSON summary. Data goes to a temporary directory unless
--data-dir is given (then it is kept). Default HTTP port 8080, or any free port if it is taken.`;

interface Stats {
  gateways: number;
  readingsVerified: number;
  rejectedByCode: Record<string, number>;
  quarantined: number;
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { duration: { type: 'string' }, 'http-port': { type: 'string' }, 'data-dir': { type: 'string' } }, USAGE);
  if (values.help) return print(USAGE), 0;
  const duration = intOption(values.duration, 'duration');
  const askedPort = intOption(values['http-port'], 'http-port');
  const dataDir = values['data-dir'] ?? (await mkdtemp(join(tmpdir(), 'freshtrail-demo-')));
  const logger = createLogger({ level: process.env.FRESHTRAIL_LOG_LEVEL ?? 'warn', name: 'demo' });

  let demo: RunningDemo;
  try {
    demo = await startDemo({ dataDir, httpPort: askedPort ?? 8080, logger });
  } catch (err) {
    if (!(err instanceof FreshTrailError && err.code === 'FT_ERR_PORT_IN_USE' && askedPort === undefined)) throw err;
    print('port 8080 is in use; the demo API takes a free port instead');
    demo = await startDemo({ dataDir, httpPort: 0, logger });
  }
  const api = demo.ingest.httpUrl;
  if (demo.serialTransport === 'mock') {
    print('socat is not installed: the serial sensors use node-serialport\'s mock binding. For real pseudo-terminals: apt-get install socat');
  }
  // The ingest wrote its first admin API key there (docs/security.md); the key itself is never printed.
  const keyFile = demo.ingest.adminKeyFile ?? join(dataDir, 'ingest', 'admin.key');
  const adminAuth = keyFileHeader(keyFile);
  const auth = `-H "Authorization: Bearer $FRESHTRAIL_API_KEY"`;
  print(`FreshTrail demo running. API ${api}/api/v1 · OpenAPI ${api}/docs · metrics ${api}/metrics`);
  print(`admin API key in ${keyFile}:  export FRESHTRAIL_API_KEY=$(cat ${keyFile})`);
  print(`try: curl ${auth} '${api}/api/v1/readings?location=${COLD_ROOM}&limit=5'`);
  print(`     curl ${auth} '${api}/api/v1/lots/${DEMO_LOTS[0].id}/shelf-life?history=3'`);
  print(`     curl ${auth} '${api}/api/v1/lots/${DEMO_LOTS[0].id}/trace?direction=back'`);
  print(`     curl -s ${auth} '${api}/api/v1/lots/${DEMO_LOTS[0].id}/evidence' > bundle.json && npx freshtrail verify bundle.json --rpc ${demo.chain.anvil.rpcUrl} --head-key ${demo.chain.headPublicKeyHex}`);
  print(`     (epochs close every ${DEMO_EPOCH_SECONDS} s on a local anvil chain, ${demo.chain.anvil.rpcUrl})`);
  print(`data: ${dataDir}${values['data-dir'] ? '' : ' (temporary)'} · stop with Ctrl-C${duration !== undefined ? ` or wait ${duration} s` : ''}`);

  const started = Date.now();
  const statusTimer = setInterval(() => {
    void fetchStats(api, adminAuth).then((s) => {
      const rejected = Object.values(s.rejectedByCode).reduce((a, b) => a + b, 0);
      const pending = demo.agents.reduce((sum, a) => sum + a.counters().pendingBatches, 0);
      print(`[${Math.round((Date.now() - started) / 1000)} s] gateways ${s.gateways} · readings verified ${s.readingsVerified} · rejected ${rejected} · quarantined ${s.quarantined} · batches in outboxes ${pending}`);
    }).catch(() => undefined);
  }, 5000);

  let timer: NodeJS.Timeout | undefined;
  let stopping: Promise<DemoSummary> | undefined;
  const stop = (): Promise<DemoSummary> => (stopping ??= demo.stop());
  await Promise.race([
    untilSignal(async () => void (await stop())),
    new Promise<void>((resolve) => {
      if (duration !== undefined) timer = setTimeout(resolve, duration * 1000);
    }),
  ]);
  clearTimeout(timer);
  clearInterval(statusTimer);
  const summary = await stop();
  if (values['data-dir'] === undefined) await rm(dataDir, { recursive: true, force: true });
  if (!summary.drained) print('note: some batches were still in an outbox when the demo stopped; they were not lost, but the demo data is temporary');
  print(JSON.stringify({ gateways: summary.gateways, verified: summary.verified, rejected: summary.rejected, quarantined: summary.quarantined, lots: summary.lots, anchoring: summary.anchoring }));
  return 0;
}

async function fetchStats(api: string, auth: { authorization: string }): Promise<Stats> {
  const res = await fetch(`${api}/api/v1/stats`, { headers: auth });
  return (await res.json()) as Stats;
}
