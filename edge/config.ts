/**
 * Edge agent configuration (`freshtrail edge --config edge.yaml`). The schema is the reference
 * documentation of every option; unknown keys are rejected. Secrets can come from the
 * environment: FRESHTRAIL_MQTT_USERNAME / FRESHTRAIL_MQTT_PASSWORD for the forwarder.
 */
import { Type, type Static } from '@sinclair/typebox';
import { GATEWAY_ID_PATTERN } from '../protocol/batch.js';
import { InputConfigSchema } from './inputs/registry.js';

const idPattern = GATEWAY_ID_PATTERN.source;

export const EdgeConfigSchema = Type.Object(
  {
    gateway: Type.Object(
      {
        id: Type.String({ pattern: idPattern, description: 'Gateway id as enrolled at the ingest: 1–128 printable ASCII characters, none of " \\ / + #.' }),
        keyFile: Type.String({ description: 'Path to the Ed25519 private key made by `freshtrail keygen` (mode 0600).' }),
      },
      { additionalProperties: false },
    ),
    dataDir: Type.String({ default: './freshtrail-edge', description: 'Folder for the outbox and dead letters. Default ./freshtrail-edge.' }),
    batch: Type.Object(
      {
        maxReadings: Type.Integer({ minimum: 1, maximum: 10_000, default: 200, description: 'Seal a batch at this many readings. Default 200.' }),
        maxAgeMs: Type.Integer({ minimum: 50, default: 5000, description: 'Seal a batch when its oldest reading is this old (ms). Default 5000.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    forward: Type.Object(
      {
        mqtt: Type.Object(
          {
            url: Type.String({ description: 'Broker URL of the ingest, e.g. mqtt://ingest.example:1883 or mqtts://…' }),
            clientId: Type.Optional(Type.String({ description: 'MQTT client id. Default freshtrail-edge-<gateway id>.' })),
            username: Type.Optional(Type.String({ description: 'MQTT user name (or FRESHTRAIL_MQTT_USERNAME).' })),
            password: Type.Optional(Type.String({ description: 'MQTT password (or FRESHTRAIL_MQTT_PASSWORD).' })),
          },
          { additionalProperties: false },
        ),
        ackTimeoutMs: Type.Integer({ minimum: 100, default: 15_000, description: 'Re-send a batch not acknowledged within this time (ms). Default 15000.' }),
        maxInFlight: Type.Integer({ minimum: 1, maximum: 1000, default: 8, description: 'Batches sent and awaiting acknowledgement at most. Default 8.' }),
        retryDelayMs: Type.Integer({ minimum: 0, default: 5000, description: 'Wait before re-sending a batch the ingest asked to retry (ms). Default 5000.' }),
      },
      { additionalProperties: false },
    ),
    inputs: Type.Array(InputConfigSchema, { minItems: 1, description: 'Sensor inputs: modbus, serial-lines, mqtt.' }),
    logLevel: Type.Optional(Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')])),
  },
  { additionalProperties: false },
);

export type EdgeConfig = Static<typeof EdgeConfigSchema>;

/** Applies environment overrides for secrets, so they need not sit in the file. */
export function applyEdgeEnv(config: EdgeConfig, env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  const mqttOpts = { ...config.forward.mqtt };
  if (env.FRESHTRAIL_MQTT_USERNAME) mqttOpts.username = env.FRESHTRAIL_MQTT_USERNAME;
  if (env.FRESHTRAIL_MQTT_PASSWORD) mqttOpts.password = env.FRESHTRAIL_MQTT_PASSWORD;
  return { ...config, forward: { ...config.forward, mqtt: mqttOpts } };
}
