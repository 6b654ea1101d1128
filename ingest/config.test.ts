import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, validateConfig } from '../common/config.js';
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../protocol/batch.js';
import { defaultIngestConfig, IngestConfig } from './config.js';

interface SchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
}

/** Every leaf option, as a dotted path, with its schema. */
function leaves(node: SchemaNode, path = ''): Array<[string, SchemaNode]> {
  if (node.type === 'object' && node.properties) {
    return Object.entries(node.properties).flatMap(([k, child]) => leaves(child, path ? `${path}.${k}` : k));
  }
  return [[path, node]];
}

describe('IngestConfig', () => {
  it('gives a runnable embedded configuration from {}', () => {
    expect(validateConfig({}, IngestConfig, 'defaults')).toEqual({
      dataDir: './freshtrail-data',
      http: { host: '127.0.0.1', port: 8080, bodyLimitBytes: 4 * 1024 * 1024 },
      mqtt: { maxInFlight: 64, embedded: { host: '127.0.0.1', port: 1883 } },
      limits: { maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES, maxClockSkewMs: 300_000, maxQuarantinePerGateway: 10_000, gatewayRate: { readingsPerSecond: 2000, burstReadings: 200_000 } },
      store: { sqlite: { synchronous: 'FULL' } },
      integrity: { intervalSeconds: 60, gapGraceSeconds: 300 },
      retention: { enabled: true, intervalMinutes: 60, readingsDays: 730, rejectionsDays: 730, quarantineDays: 90, resolvedAlertsDays: 730 },
      shelfLife: { enabled: true },
      alerts: {
        silentSensors: { enabled: true, afterMinutes: 30, severity: 'warning', forgetAfterDays: 7, intervalSeconds: 60 },
        rules: [],
        webhooks: [],
        mqtt: { enabled: false, topicPrefix: 'freshtrail/v1/alerts', minSeverity: 'warning' },
        delivery: { maxAttempts: 15, initialBackoffSeconds: 2, maxBackoffSeconds: 3600, pollIntervalMs: 1000, backfillMinutes: 10 },
      },
      anchoring: { enabled: false, log: 'freshtrail', epochMinutes: 60, intervalMs: 15_000, targets: [] },
      auth: { enabled: true, publicMetrics: false, rateLimit: { requestsPerSecond: 50, burst: 200, failuresPerMinute: 30 } },
      logLevel: 'info',
    });
  });

  it('keeps retention horizons at one day or more (FSMA 204 needs 730)', () => {
    expect(defaultIngestConfig({ retention: { readingsDays: 1 } }).retention.readingsDays).toBe(1);
    expect(() => defaultIngestConfig({ retention: { readingsDays: 0 } })).toThrow(/retention\.readingsDays/);
    expect(() => defaultIngestConfig({ retention: { quarantineDays: 0.5 } })).toThrow(/retention\.quarantineDays/);
    expect(() => defaultIngestConfig({ retention: { keepForever: true } })).toThrow('retention.keepForever: unknown key');
  });

  it('documents every option with its default', () => {
    for (const [path, schema] of leaves(IngestConfig as unknown as SchemaNode)) {
      expect(schema.description, path).toMatch(/Default/);
    }
  });

  it('rejects unknown keys and bad values with the key in the message', () => {
    expect(() => defaultIngestConfig({ http: { prot: 80 } })).toThrow(ConfigError);
    expect(() => defaultIngestConfig({ http: { prot: 80 } })).toThrow('http.prot: unknown key');
    expect(() => defaultIngestConfig({ mqtt: { embedded: { port: 70000 } } })).toThrow(/mqtt\.embedded\.port/);
    expect(() => defaultIngestConfig({ mqtt: { url: 'http://broker' } })).toThrow(/mqtt\.url/);
    expect(() => defaultIngestConfig({ store: { sqlite: { synchronous: 'OFF' } } })).toThrow('must be one of "FULL", "NORMAL"');
  });

  it('fills anchor target defaults and refuses a target without its fee cap', () => {
    const target = { name: 'sepolia', rpcUrl: 'https://rpc.example', chainId: 11155111, contract: `0x${'ab'.repeat(20)}`, keyFile: '/etc/freshtrail/anchorer.key', maxFeeGwei: 50 };
    expect(defaultIngestConfig({ anchoring: { enabled: true, headKeyFile: 'head.key', targets: [target] } }).anchoring.targets).toEqual([
      { ...target, rebroadcastAfterMs: 180_000, finality: 'finalized', confirmations: 12, fromBlock: 0, requestTimeoutMs: 15_000 },
    ]);
    expect(() => defaultIngestConfig({ anchoring: { targets: [{ ...target, maxFeeGwei: undefined }] } })).toThrow(/maxFeeGwei/);
    expect(() => defaultIngestConfig({ anchoring: { targets: [{ ...target, contract: '0x12' }] } })).toThrow(/contract/);
  });

  it('accepts port 0 and an external broker URL', () => {
    const config = defaultIngestConfig({ http: { port: 0 }, mqtt: { url: 'mqtts://broker:8883', embedded: { port: 0 } } });
    expect(config.http.port).toBe(0);
    expect(config.mqtt.url).toBe('mqtts://broker:8883');
  });

  it('loads the commented sample file, which spells out the defaults', () => {
    const sample = loadConfigFile(new URL('./ingest.sample.yaml', import.meta.url).pathname, IngestConfig);
    expect(sample).toEqual(defaultIngestConfig());
  });
});
