import { loadConfigFile } from '../../common/config.js';
import { createLogger } from '../../common/log.js';
import { defaultIngestConfig, IngestConfig } from '../../ingest/config.js';
import { startIngest } from '../../ingest/service.js';
import { intOption, parseCommandArgs, print } from '../args.js';
import { untilSignal } from '../lifecycle.js';

const USAGE = `usage: freshtrail ingest [--config ingest.yaml] [--data-dir DIR] [--http-port P] [--mqtt-port P]

Runs the ingest service: the HTTP API (/api/v1, OpenAPI at /docs, metrics at /metrics), the
embedded MQTT broker for gateways, verification of every signed batch, and the SQLite store.
With no --config it runs on embedded defaults (see ingest/ingest.sample.yaml). Flags override
the file; port 0 picks any free port.`;

export async function ingestCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    { config: { type: 'string', short: 'c' }, 'data-dir': { type: 'string' }, 'http-port': { type: 'string' }, 'mqtt-port': { type: 'string' } },
    USAGE,
  );
  if (values.help) return print(USAGE), 0;
  const config = values.config ? loadConfigFile(values.config, IngestConfig) : defaultIngestConfig();
  if (values['data-dir']) config.dataDir = values['data-dir'];
  const httpPort = intOption(values['http-port'], 'http-port');
  const mqttPort = intOption(values['mqtt-port'], 'mqtt-port');
  if (httpPort !== undefined) config.http.port = httpPort;
  if (mqttPort !== undefined) config.mqtt.embedded.port = mqttPort;
  const logger = createLogger({ level: process.env.FRESHTRAIL_LOG_LEVEL ?? config.logLevel, name: 'ingest' });
  const ingest = await startIngest(config, { logger });
  print(`FreshTrail ingest: API ${ingest.httpUrl}/api/v1 (OpenAPI ${ingest.httpUrl}/docs), MQTT ${ingest.mqttUrl}, data ${config.dataDir}`);
  await untilSignal(() => ingest.close());
  return 0;
}
