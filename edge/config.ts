/**
 * Edge agent configuration (`freshtrail edge --config edge.yaml`). The schema is the reference
 * documentation of every option; unknown keys are rejected. Secrets can come from the
 * environment: FRESHTRAIL_MQTT_USERNAME / FRESHTRAIL_MQTT_PASSWORD (MQTT forwarder),
 * FRESHTRAIL_HTTP_BEARER_TOKEN (HTTP forwarder).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError, loadConfigFile } from '../common/config.js';
import { Pkcs11KeySchema } from '../common/signers/schema.js';
import { GATEWAY_ID_PATTERN } from '../protocol/batch.js';
import { InputConfigSchema } from './inputs/registry.js';
import { OUTBOX_DEFAULTS } from './outbox/outbox.js';
import { AlarmsSchema, resolveAlarmsConfig } from './alarms/config.js';
import { LocalBrokerSchema, resolveLocalBrokerConfig } from './local-broker/config.js';
import { StatusConfigSchema } from './status/config.js';
import { applyForwardEnv, checkForwardConfig, ForwardConfigSchema } from './forward/config.js';

const idPattern = GATEWAY_ID_PATTERN.source;

export const EdgeConfigSchema = Type.Object(
  {
    gateway: Type.Object(
      {
        id: Type.String({ pattern: idPattern, description: 'Gateway id as enrolled at the ingest: 1–128 printable ASCII characters, none of " \\ / + #.' }),
        keyFile: Type.Optional(Type.String({ minLength: 1, description: 'Path to the Ed25519 private key made by `freshtrail keygen` (PKCS#8 PEM, mode 0600, optionally encrypted with `--encrypt`). One of keyFile and pkcs11.' })),
        keyPassphraseEnv: Type.Optional(Type.String({ minLength: 1, description: 'With an encrypted keyFile: the environment variable holding its passphrase. Default FRESHTRAIL_KEY_PASSPHRASE.' })),
        keyPassphraseFile: Type.Optional(Type.String({ minLength: 1, description: 'With an encrypted keyFile: a file holding its passphrase (mode 0600); wins over keyPassphraseEnv. Default none.' })),
        pkcs11: Type.Optional(Pkcs11KeySchema),
      },
      {
        additionalProperties: false,
        // A key is required ("gateway.keyFile: required key is missing"); edge/keyfile.ts gatewaySignerSpec refuses both.
        anyOf: [{ required: ['keyFile'] }, { required: ['pkcs11'] }],
        description: 'The gateway: its id and its Ed25519 key, in a file (keyFile) or inside a PKCS#11 token (pkcs11); docs/keys.md.',
      },
    ),
    dataDir: Type.String({ default: './freshtrail-edge', description: 'Folder for the outbox and dead letters. Default ./freshtrail-edge.' }),
    batch: Type.Object(
      {
        maxReadings: Type.Integer({ minimum: 1, maximum: 10_000, default: 200, description: 'Seal a batch at this many readings. Default 200.' }),
        maxAgeMs: Type.Integer({ minimum: 50, default: 5000, description: 'Seal a batch when its oldest reading is this old (ms). Default 5000.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    outbox: Type.Object(
      {
        fsync: Type.Union([Type.Literal('batch'), Type.Literal('always'), Type.Literal('interval')], {
          default: OUTBOX_DEFAULTS.fsync,
          description:
            "When the outbox calls fdatasync. 'batch' (default): readings are written at once (they survive a crash or kill -9 of the agent) and fdatasync'd with the batch that seals them, so a power cut can lose at most the batch being filled (batch.maxAgeMs). 'always': every write is fdatasync'd before a reading counts as accepted (nothing accepted is lost to a power cut; slower, more flash wear). 'interval': fdatasync every fsyncIntervalMs (least flash wear).",
        }),
        fsyncIntervalMs: Type.Integer({ minimum: 10, maximum: 60_000, default: OUTBOX_DEFAULTS.fsyncIntervalMs, description: "With fsync 'interval': fdatasync this often (ms). Default 1000." }),
        maxBytes: Type.Integer({ minimum: 1024 * 1024, default: OUTBOX_DEFAULTS.maxBytes, description: 'Disk the outbox may use, in bytes (about 300 bytes per reading while unacknowledged). Default 1073741824 (1 GiB: over 3 million readings, weeks of a busy cold room offline).' }),
        whenFull: Type.Union([Type.Literal('block'), Type.Literal('drop-oldest')], {
          default: OUTBOX_DEFAULTS.whenFull,
          description:
            "What to do at maxBytes. 'block' (default): refuse new readings (counted in freshtrail_edge_outbox_dropped_readings_total{reason=\"full\"}; MQTT sensors are not acknowledged, so their broker keeps them) and keep everything already recorded. 'drop-oldest': delete the oldest segment of unacknowledged data to make room (counted, logged with the seqs; the ingest reports them as a gap).",
        }),
        segmentBytes: Type.Integer({ minimum: 64 * 1024, default: OUTBOX_DEFAULTS.segmentBytes, description: 'Size at which the outbox starts a new segment file; acknowledged segments are deleted whole. At most maxBytes / 8. Default 8388608 (8 MiB).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    forward: ForwardConfigSchema,
    status: StatusConfigSchema,
    localBroker: Type.Optional(LocalBrokerSchema),
    alarms: Type.Optional(AlarmsSchema),
    inputs: Type.Array(InputConfigSchema, { minItems: 1, description: 'Sensor inputs: modbus, serial-lines, mqtt.' }),
    logLevel: Type.Optional(Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')])),
  },
  { additionalProperties: false },
);

export type EdgeConfig = Static<typeof EdgeConfigSchema>;

/** Reads, validates and checks an agent config file, then applies environment overrides. */
export function loadEdgeConfig(path: string, env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  const config = loadConfigFile(path, EdgeConfigSchema);
  checkEdgeConfig(config, path);
  return applyEdgeEnv(config, env);
}

/** Rules a schema cannot express. Throws ConfigError naming the key. */
export function checkEdgeConfig(config: EdgeConfig, source = 'config'): void {
  checkForwardConfig(config.forward, source);
  if (config.localBroker) resolveLocalBrokerConfig(config.localBroker, source);
  if (config.alarms) resolveAlarmsConfig(config.alarms, source);
  const { maxBytes, segmentBytes } = config.outbox;
  if (segmentBytes * 8 > maxBytes) {
    // drop-oldest frees space a whole segment at a time, and the bound must hold several.
    throw new ConfigError(`${source}: outbox.segmentBytes (${segmentBytes}) must be at most outbox.maxBytes / 8 (${Math.floor(maxBytes / 8)})`);
  }
}

/** Applies environment overrides for secrets, so they need not sit in the file. */
export function applyEdgeEnv(config: EdgeConfig, env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  return { ...config, forward: applyForwardEnv(config.forward, env) };
}
