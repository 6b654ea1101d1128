/**
 * The ingest service's configuration schema (STYLE.md §2): every option is documented here with
 * its default, unknown keys are rejected, and `validateConfig({}, IngestConfig, 'defaults')`
 * yields a runnable single-machine setup (embedded MQTT broker, SQLite under ./freshtrail-data).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Pkcs11KeySchema } from '../common/signers/schema.js';
import { validateConfig } from '../common/config.js';
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../protocol/batch.js';
import { ALERT_EVENT_TYPES } from './store/alert-delivery-types.js';
import { ALERT_KINDS } from './store/integrity-types.js';

/** A string enum as JSON Schema `enum` (not anyOf), so a wrong value gets a "must be one of" message. */
function StringEnum<T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

const Port = (description: string, dflt: number) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: dflt, description });

/** PEM files of a TLS listener (ingest/server-tls.ts reads and checks them at start). */
const ServerTlsFields = (what: string) => ({
  certFile: Type.String({ minLength: 1, description: `PEM certificate (chain, leaf first) of ${what}; its subjectAltName must name the host clients connect to. Read at start. Default: none, required.` }),
  keyFile: Type.String({ minLength: 1, description: 'PEM private key of certFile (unencrypted, mode 0600). Default: none, required.' }),
  caFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA certificate(s) that sign client certificates; required with requestClientCert. Default: none.' })),
  requestClientCert: Type.Optional(
    Type.Boolean({ description: 'Mutual TLS: only clients presenting a certificate signed by caFile complete the handshake (others get a TLS alert). Default false.' }),
  ),
});

export const HttpConfig = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address the HTTP API listens on. Default 127.0.0.1; use 0.0.0.0 to serve other machines (with auth.enabled, and TLS or a TLS-terminating proxy).' }),
    port: Port('TCP port of the HTTP API; 0 picks any free port. Default 8080.', 8080),
    bodyLimitBytes: Type.Integer({
      minimum: 1024,
      default: 4 * 1024 * 1024,
      description: 'Largest HTTP request body accepted, in bytes. Default 4194304 (4 MiB); keep it above limits.maxEnvelopeBytes so oversized batches get an FT_ERR_TOO_LARGE acknowledgement.',
    }),
    tls: Type.Optional(
      Type.Object(ServerTlsFields('the HTTP API'), {
        additionalProperties: false,
        description: 'Serve the API over HTTPS only (docs/transport-security.md). Default: unset (plain HTTP; put a TLS-terminating proxy in front when serving other machines).',
      }),
    ),
  },
  { additionalProperties: false, default: {}, description: 'HTTP API (batches, gateways, readings, health, metrics, /docs).' },
);

export const EmbeddedBrokerConfig = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address the embedded MQTT broker listens on. Default 127.0.0.1; use 0.0.0.0 for gateways on other machines.' }),
    port: Port('TCP port of the embedded MQTT broker; 0 picks any free port. Default 1883 (the IANA MQTT port).', 1883),
    requireAuth: Type.Optional(
      Type.Boolean({
        description:
          'Require every MQTT client to log in: a gateway with its id as user name and an API key of role gateway for that gateway as password (POST /api/v1/keys {role: "gateway", party: <gateway id>}); it may then publish only to freshtrail/v1/gateways/<id>/batches and subscribe only to freshtrail/v1/gateways/<id>/acks. Refused: CONNACK 4 or 5, a publish elsewhere closes the connection, a subscription elsewhere gets SUBACK 0x80; counted in freshtrail_ingest_mqtt_auth_failures_total. Default: auth.enabled (true).',
      }),
    ),
    tls: Type.Optional(
      Type.Object(
        { port: Port('TCP port of the MQTTS listener; 0 picks any free port. Default 8883 (the IANA MQTT over TLS port).', 8883), ...ServerTlsFields('the embedded MQTT broker') },
        {
          additionalProperties: false,
          description:
            'Also listen for MQTT over TLS (mqtts://) on mqtt.embedded.host. The plain listener stays (the ingest\'s own clients use it): with TLS set mqtt.embedded.host to 127.0.0.1 so gateways can only use TLS, and give mqtt.embedded.tls its own reachable address through a firewall or port mapping if needed. Default: unset (plain MQTT only).',
        },
      ),
    ),
  },
  { additionalProperties: false, default: {}, description: 'The MQTT broker started inside the ingest process (aedes) when mqtt.url is not set.' },
);

export const MqttConfig = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        pattern: '^mqtts?://',
        description: 'URL of an external broker (Mosquitto, EMQX, …), e.g. mqtt://user:pass@broker:1883. When set, the embedded broker is not started. Default: unset (embedded broker).',
      }),
    ),
    clientId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 23,
        description:
          'MQTT client id of the batch subscriber, at most 23 characters (MQTT 3.1.1 §3.1.3.1). Without mqtt.shareGroup it must stay the same across restarts, so that the broker keeps the persistent session (clean: false) and the batches sent while the ingest was down. With mqtt.shareGroup each instance needs its own id. Default freshtrail-ingest, or with mqtt.shareGroup freshtrail-ingest-<5 random hex digits>.',
      }),
    ),
    shareGroup: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.-]{1,64}$',
        description:
          'Name of an MQTT shared subscription group ($share/<group>/freshtrail/v1/gateways/+/batches), for several ingest instances on one external broker (mqtt.url) that split the gateways\' batches between them. Instances of one deployment use the same group. Requires mqtt.url (the embedded broker has no shared subscriptions). In a group each instance uses a clean session, so a stopped instance leaves the group at once instead of having its share queued (Mosquitto queues shared messages for offline persistent sessions); a batch in flight at that moment is re-sent by its gateway after forward.ackTimeoutMs. Default: unset (one subscriber with a persistent session).',
      }),
    ),
    maxInFlight: Type.Integer({
      minimum: 1,
      maximum: 1024,
      default: 64,
      description:
        'Most MQTT batches this instance verifies and commits at once. The broker gets a batch\'s PUBACK when it is taken in while fewer are in progress, so fewer than this many may be PUBACKed before their commit; a gateway re-sends any that the ingest dies on (its acknowledgement is the Ack after commit, not the PUBACK). 1 processes one batch at a time and PUBACKs after the commit, at a fraction of the throughput. Default 64.',
    }),
    embedded: EmbeddedBrokerConfig,
  },
  { additionalProperties: false, default: {}, description: 'MQTT transport: gateways publish batches QoS 1 to freshtrail/v1/gateways/{id}/batches.' },
);

export const GatewayRateConfig = Type.Object(
  {
    readingsPerSecond: Type.Number({
      exclusiveMinimum: 0,
      default: 2000,
      description: 'Readings per second one gateway may send on average; its bucket refills continuously at this rate. Default 2000 (a gateway with 200 sensors reading every second uses a tenth of it).',
    }),
    burstReadings: Type.Integer({
      minimum: 1,
      default: 200_000,
      description: 'Most readings one gateway may send at once above the rate (the bucket size), e.g. an outbox delivering its backlog after an outage. A batch larger than this needs a full bucket. Default 200000.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description:
      'Per-gateway rate limit over readings (a token bucket per gateway id). A batch beyond it is answered with FT_ERR_RATE_LIMITED (retryable; HTTP 429 with Retry-After), not stored and not kept as evidence; the edge keeps it and sends it again. The buckets are per ingest instance: with several instances a gateway may get up to this much at each.',
  },
);

export const LimitsConfig = Type.Object(
  {
    maxEnvelopeBytes: Type.Integer({
      minimum: 1024,
      default: DEFAULT_MAX_ENVELOPE_BYTES,
      description: `Largest signed batch envelope accepted, in bytes; larger ones are rejected with FT_ERR_TOO_LARGE. Default ${DEFAULT_MAX_ENVELOPE_BYTES} (2 MiB).`,
    }),
    maxClockSkewMs: Type.Integer({
      minimum: 0,
      default: 5 * 60_000,
      description: "How far a batch's createdAt may lie from its receipt time before the batch is flagged (it is still accepted: a late batch from an outbox is normal, a gateway clock that is wrong is worth an alert). Default 300000 (5 minutes).",
    }),
    maxQuarantinePerGateway: Type.Integer({
      minimum: 1,
      default: 10_000,
      description: 'Most batches held in quarantine for one unknown gateway; beyond it batches are refused (FT_ERR_UNKNOWN_GATEWAY, status rejected) and stay in the gateway outbox. Bounds the disk an unenrolled sender can use. Default 10000.',
    }),
    gatewayRate: GatewayRateConfig,
  },
  { additionalProperties: false, default: {}, description: 'Input limits.' },
);

export const SqliteConfig = Type.Object(
  {
    synchronous: StringEnum(['FULL', 'NORMAL'] as const, {
      default: 'FULL',
      description: 'SQLite PRAGMA synchronous in WAL mode. FULL fsyncs the WAL at every commit, so an acknowledged batch survives power loss; NORMAL is faster but may lose the last commits on power loss (not on a process crash). Default FULL.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'SQLite store (the file is <dataDir>/ingest.sqlite).' },
);

export const PostgresConfig = Type.Object(
  {
    url: Type.String({
      pattern: '^postgres(ql)?://',
      description:
        'Connection URL of an existing database, e.g. postgres://freshtrail@db.example:5432/freshtrail (a password may be given as postgres://user:secret@…, or through PGPASSWORD or ~/.pgpass). The schema is created and migrated at start. Default: none, required when store.postgres is set.',
    }),
    poolSize: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 10,
      description: 'Most connections this ingest instance opens to PostgreSQL; each concurrent commit or query uses one. Keep the sum over all instances below the server max_connections. Default 10.',
    }),
    leaderCheckIntervalMs: Type.Integer({
      minimum: 100,
      default: 2000,
      description:
        'Singleton jobs (after-commit consumers, maintenance) run on one instance, the holder of a PostgreSQL advisory lock per job. A standby tries the lock, and the leader checks its connection, this often (ms); failover after an instance dies takes about this long. Each job holds one extra connection on its leader. Default 2000.',
    }),
  },
  {
    additionalProperties: false,
    description: 'PostgreSQL store, for several ingest instances sharing one system of record. When this section is set the store is PostgreSQL and store.sqlite is not used. Default: unset (SQLite).',
  },
);

export const StoreConfig = Type.Object(
  { sqlite: SqliteConfig, postgres: Type.Optional(PostgresConfig) },
  { additionalProperties: false, default: {}, description: 'System of record: SQLite (the default, embedded) or, when store.postgres is set, PostgreSQL. Exactly one is in effect.' },
);

export const InfluxSinkConfig = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', description: 'Base URL of the InfluxDB v2 write API, e.g. http://influxdb:8086 (InfluxDB 2.x) or http://victoria-metrics:8428 (VictoriaMetrics, which accepts /api/v2/write). Default: none, required when sinks.influx is set.' }),
    org: Type.String({ minLength: 1, description: 'InfluxDB organization written to (VictoriaMetrics ignores it). Default: none, required.' }),
    bucket: Type.String({ minLength: 1, description: 'InfluxDB bucket written to (VictoriaMetrics ignores it). Default: none, required.' }),
    token: Type.Optional(
      Type.String({ minLength: 1, description: 'API token. Default: the environment variable FRESHTRAIL_INFLUX_TOKEN, else none (a server without authentication).' }),
    ),
    batchSize: Type.Integer({ minimum: 1, maximum: 100_000, default: 5000, description: 'Most points per write request. Default 5000 (the InfluxDB documentation recommends batches of 5000 lines).' }),
  },
  {
    additionalProperties: false,
    description:
      'Time-series sink: every committed reading is written as a point freshtrail_reading{location, sensor, gateway} with fields temp_c, rh, battery at the reading time (ms). It follows the store from a persisted cursor, so an outage of the server loses nothing. Default: unset (no sink).',
  },
);

export const SinksConfig = Type.Object(
  { influx: Type.Optional(InfluxSinkConfig) },
  { additionalProperties: false, description: 'After-commit consumers that export committed readings; each can be rebuilt from the store. Default: none.' },
);

export const IntegrityConfig = Type.Object(
  {
    intervalSeconds: Type.Integer({ minimum: 1, default: 60, description: 'How often the integrity monitor looks for gaps in the gateways\' hash chains, seconds. Default 60.' }),
    gapGraceSeconds: Type.Integer({
      minimum: 0,
      default: 300,
      description:
        'How long a gap (missing seqs before a stored batch) may exist before it raises a gap alert, seconds, counted from the receipt of the batch after it. A gateway sending over HTTP with several batches in flight, or an outbox catching up, fills short gaps by itself. Default 300 (5 minutes).',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Chain integrity monitor: gaps older than the grace period raise a gap alert (warning), resolved once the gap is filled. Forks, bad signatures and broken chains raise critical alerts at once, when the batch is refused. Alerts: GET /api/v1/alerts.',
  },
);

const RetentionDays = (what: string, dflt: number, why: string) =>
  Type.Integer({ minimum: 1, default: dflt, description: `Days ${what} are kept after receipt; older ones are deleted. ${why} Default ${dflt}.` });

const FSMA_204_RETENTION = 'FSMA 204 requires traceability records be kept 2 years (21 CFR 1.1455(c)): under it keep at least 730.';

export const RetentionConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Whether the retention job runs. Default true.' }),
    intervalMinutes: Type.Integer({ minimum: 1, default: 60, description: 'How often the retention job runs, minutes. Each run deletes in transactions of at most 10,000 rows. Default 60.' }),
    readingsDays: RetentionDays('signed batches (their exact bytes) and their readings', 730, FSMA_204_RETENTION),
    rejectionsDays: RetentionDays('refused envelopes (the evidence of forks, bad signatures, broken chains)', 730, FSMA_204_RETENTION),
    quarantineDays: RetentionDays('envelopes of gateways that were never enrolled', 90, 'They are not records of an enrolled gateway yet.'),
    resolvedAlertsDays: RetentionDays('resolved alerts', 730, 'Open and acknowledged alerts are never deleted. Alert events and finished deliveries (who was told what, when) are kept as long; pending deliveries are never deleted.'),
  },
  {
    additionalProperties: false,
    default: {},
    description:
      'Retention of the system of record. Never deleted, whatever the age: batches covered by an evidence hold (anchored evidence) and the rejections at their seqs, batches an after-commit consumer has not handled yet, and the newest batch. Deleted seqs are not reported as gaps.',
  },
);
export type RetentionConfig = Static<typeof RetentionConfig>;

export const AlertRule = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Rule name, part of the alert\'s dedupe key. Default: none, required.' }),
    measure: StringEnum(['temperature', 'humidity', 'battery'] as const, { default: 'temperature', description: 'What the rule watches: temperature (°C), relative humidity (%) or sensor battery (%, alerting per location on its weakest sensor). Default temperature.' }),
    location: Type.Optional(Type.String({ minLength: 1, description: 'A location id, or a prefix ending in * (truck-*). Default: every location.' })),
    commodity: Type.Optional(Type.String({ minLength: 1, description: 'Only while the location holds a lot of this commodity (models/commodities.ts). Default: whatever it holds.' })),
    above: Type.Optional(Type.Number({ description: 'Alert when the location\'s worst sensor is above this. Default: no upper limit.' })),
    below: Type.Optional(Type.Number({ description: 'Alert when the location\'s worst sensor is below this. Default: no lower limit.' })),
    forMinutes: Type.Number({ minimum: 0, default: 15, description: 'How long the excursion must last (reading time) before it raises an alert. Default 15.' }),
    hysteresis: Type.Number({ minimum: 0, default: 0.5, description: 'How far back inside a limit the value must be to count as recovered (°C or % RH). Default 0.5.' }),
    clearAfterMinutes: Type.Number({ minimum: 0, default: 5, description: 'How long it must stay recovered before the alert resolves. Default 5.' }),
    severity: StringEnum(['warning', 'critical'] as const, { default: 'warning', description: 'Severity of the alert. Default warning.' }),
  },
  { additionalProperties: false },
);
export type AlertRule = Static<typeof AlertRule>;

const EventFilterFields = {
  kinds: Type.Optional(Type.Array(StringEnum(ALERT_KINDS), { minItems: 1, uniqueItems: true, description: 'Only alerts of these kinds. Default: every kind.' })),
  minSeverity: StringEnum(['warning', 'critical'] as const, { default: 'warning', description: 'Only alerts at least this severe. Default warning (all).' }),
  events: Type.Optional(Type.Array(StringEnum(ALERT_EVENT_TYPES), { minItems: 1, uniqueItems: true, description: 'Only these changes (opened, escalated, acknowledged, resolved). Default: all.' })),
};

export const WebhookConfig = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Webhook name: the channel is webhook:<name> in the delivery list and metrics. Default: none, required.' }),
    url: Type.String({ pattern: '^https?://', description: 'Where alert events are POSTed (docs/alerts.md §3). Use https:// outside a trusted network. Default: none, required.' }),
    secret: Type.Optional(Type.String({ minLength: 16, description: 'HMAC-SHA256 key of the FreshTrail-Signature header, shared with the receiver. Prefer secretEnv. One of secret, secretEnv is required.' })),
    secretEnv: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Name of an environment variable holding the secret (at least 16 characters), so it stays out of the config file.' })),
    timeoutSeconds: Type.Number({ exclusiveMinimum: 0, default: 10, description: 'How long to wait for the receiver\'s answer; no answer counts as a failed attempt. Default 10.' }),
    ...EventFilterFields,
  },
  { additionalProperties: false },
);
export type WebhookConfig = Static<typeof WebhookConfig>;

export const AlertMqttConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Publish alert events to <topicPrefix>/<severity>/<kind> with QoS 1 on the ingest\'s broker (the embedded one or mqtt.url). Default false.' }),
    topicPrefix: Type.String({ minLength: 1, pattern: '^[^#+]+[^/#+]$', default: 'freshtrail/v1/alerts', description: 'Topic prefix. Default freshtrail/v1/alerts.' }),
    ...EventFilterFields,
  },
  { additionalProperties: false, default: {} },
);

export const AlertDeliveryConfig = Type.Object(
  {
    maxAttempts: Type.Integer({ minimum: 1, default: 15, description: 'Attempts before a delivery is dead (listed at GET /api/v1/alerts/deliveries?status=dead). With the default backoff 15 attempts span about 5 hours. Default 15.' }),
    initialBackoffSeconds: Type.Number({ exclusiveMinimum: 0, default: 2, description: 'Wait after the first failed attempt; doubles each attempt (±20 % jitter). Default 2.' }),
    maxBackoffSeconds: Type.Number({ exclusiveMinimum: 0, default: 3600, description: 'Longest wait between attempts. Default 3600.' }),
    pollIntervalMs: Type.Integer({ minimum: 10, default: 1000, description: 'How often the delivery job looks for new alert events written by other instances (this instance\'s own are sent at once). Default 1000.' }),
    backfillMinutes: Type.Number({ minimum: 0, default: 10, description: 'A channel added to the configuration first receives the alert events of this many minutes before it started. Default 10.' }),
  },
  { additionalProperties: false, default: {} },
);

export const SilentSensorsConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Raise a sensor_silent alert for a sensor the ingest has received nothing from for afterMinutes. Default true.' }),
    afterMinutes: Type.Number({ exclusiveMinimum: 0, default: 30, description: 'Silence (by receipt time of its latest reading) before the alert. Default 30.' }),
    severity: StringEnum(['warning', 'critical'] as const, { default: 'warning', description: 'Severity of the alert. Default warning.' }),
    locations: Type.Optional(Type.String({ minLength: 1, description: 'Only sensors at this location, or at locations starting with a prefix ending in * (truck-*). Default: every location.' })),
    forgetAfterDays: Type.Number({ exclusiveMinimum: 0, default: 7, description: 'A silence that began longer ago than this and was never alerted raises nothing (a sensor removed before the check was turned on). Default 7.' }),
    intervalSeconds: Type.Integer({ minimum: 1, default: 60, description: 'How often silences are checked. Default 60.' }),
  },
  { additionalProperties: false, default: {}, description: 'Silent sensors (docs/operations.md §2.1): one alert per silence, resolved when the sensor is heard again.' },
);

export const AlertsConfig = Type.Object(
  {
    silentSensors: SilentSensorsConfig,
    rules: Type.Array(AlertRule, { default: [], description: 'Threshold rules over the readings of each location (docs/operations.md §2.1). Default none.' }),
    webhooks: Type.Array(WebhookConfig, { default: [], description: 'Webhooks that receive alert events (docs/alerts.md). Default none.' }),
    mqtt: AlertMqttConfig,
    delivery: AlertDeliveryConfig,
  },
  { additionalProperties: false, default: {}, description: 'Alert rules and where alerts are delivered; integrity alerts (gaps, forks, bad signatures) need no rule. Alerts are also served at GET /api/v1/alerts and streamed at GET /api/v1/alerts/stream.' },
);

export const ShelfLifeConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Whether lots\' freshness is computed from the readings of their locations. Default true.' }),
    modelPath: Type.Optional(
      Type.String({ minLength: 1, description: 'Your own ONNX model with the signature of docs/model.md §2 instead of the built-in models/shelf-life.onnx (check it first: freshtrail model check --file F). Default: the built-in model.' }),
    ),
  },
  { additionalProperties: false, default: {}, description: 'Shelf-life model (docs/model.md): an after-commit consumer updates every lot in custody at a location from that location\'s readings.' },
);

export const AnchorTargetConfig = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Stable name of the target: store key and metrics label, e.g. "sepolia". A new contract needs a new name (it starts again at epoch 1). Default: none, required.' }),
    rpcUrl: Type.String({ pattern: '^https?://', description: 'JSON-RPC endpoint of the chain (http or https). Default: none, required.' }),
    chainId: Type.Integer({ minimum: 1, description: 'Expected chain id; checked against the endpoint at start when it answers. Default: none, required.' }),
    contract: Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: 'Address of the FreshTrailAnchor contract (freshtrail chain deploy). Default: none, required.' }),
    keyFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding the anchorer\'s Ethereum private key (0x and 64 hex characters, mode 0600). One of keyFile, keystoreFile and pkcs11. Default none.' })),
    keystoreFile: Type.Optional(Type.String({ minLength: 1, description: 'The anchorer\'s key as an encrypted JSON keystore (Web3 Secret Storage v3: geth, `cast wallet import`, ethers Wallet.encrypt), decrypted at start with the password from keystorePasswordEnv or keystorePasswordFile. One of keyFile, keystoreFile and pkcs11. Default none.' })),
    keystorePasswordEnv: Type.Optional(Type.String({ minLength: 1, description: 'Environment variable holding the keystore password. Default FRESHTRAIL_KEYSTORE_PASSWORD.' })),
    keystorePasswordFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding the keystore password (mode 0600); wins over keystorePasswordEnv. Default none.' })),
    pkcs11: Type.Optional(
      Type.Object(
        {
          ...Pkcs11KeySchema.properties,
          keyLabel: Type.String({ minLength: 1, description: 'CKA_LABEL of the secp256k1 key pair on the token (made by `freshtrail keygen --curve secp256k1 --pkcs11-module M --token T --key-label L`, which prints its address). Default: none, required.' }),
        },
        { additionalProperties: false, description: 'The anchorer\'s secp256k1 key inside a PKCS#11 token (HSM, YubiHSM 2, SoftHSM2), signing with CKM_ECDSA; the private key never leaves the token. The PIN comes from pinEnv or pinFile. One of keyFile, keystoreFile and pkcs11. Default none.' },
      ),
    ),
    maxFeeGwei: Type.Number({ exclusiveMinimum: 0, description: 'Fee cap: the most maxFeePerGas a transaction offers, gwei; above it nothing is sent until fees drop. Default: none, required.' }),
    priorityFeeGwei: Type.Optional(Type.Number({ minimum: 0, description: 'Tip, gwei. Default: the node\'s eth_maxPriorityFeePerGas.' })),
    rebroadcastAfterMs: Type.Integer({ minimum: 1000, default: 180_000, description: 'A transaction not included this long after its last broadcast is replaced at the same nonce with fees +12.5 %, ms. Default 180000.' }),
    finality: StringEnum(['finalized', 'confirmations'] as const, { default: 'finalized', description: 'When an anchor is final: at or below the node\'s finalized block (falls back to confirmations without the tag), or always by confirmations. Default finalized.' }),
    confirmations: Type.Integer({ minimum: 1, default: 12, description: 'Confirmations that make an anchor final without a finalized tag. Default 12.' }),
    fromBlock: Type.Integer({ minimum: 0, default: 0, description: 'The contract\'s deployment block, where Anchored events are searched from. Default 0.' }),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 15_000, description: 'Per-request timeout of the JSON-RPC provider, ms. Default 15000.' }),
  },
  { additionalProperties: false, description: 'One anchor target: a FreshTrailAnchor contract on one chain, anchored from one key (docs/anchoring.md "The anchoring job"; key options: docs/keys.md).' },
);
export type AnchorTargetConfig = Static<typeof AnchorTargetConfig>;

export const AnchoringConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Whether the ingest closes epochs (signed heads over changed lots) and anchors their hashes. Default false.' }),
    log: Type.String({ minLength: 1, maxLength: 256, default: 'freshtrail', description: 'The heads\' log name: this deployment\'s name for its chain of heads, so heads of two deployments never mix. Default freshtrail.' }),
    headKeyFile: Type.Optional(
      Type.String({ minLength: 1, description: 'The ingest\'s Ed25519 head key (PKCS#8 PEM, mode 0600, optionally encrypted; make one with `freshtrail keygen --out FILE [--encrypt]`, publish FILE.pub to verifiers). One of headKeyFile and headKeyPkcs11 is required when enabled; the ingest refuses to start without a usable one. Default: none.' }),
    ),
    headKeyPassphraseEnv: Type.Optional(Type.String({ minLength: 1, description: 'With an encrypted headKeyFile: the environment variable holding its passphrase. Default FRESHTRAIL_KEY_PASSPHRASE.' })),
    headKeyPassphraseFile: Type.Optional(Type.String({ minLength: 1, description: 'With an encrypted headKeyFile: a file holding its passphrase (mode 0600); wins over headKeyPassphraseEnv. Default none.' })),
    headKeyPkcs11: Type.Optional(Pkcs11KeySchema),
    epochMinutes: Type.Number({ exclusiveMinimum: 0, default: 60, description: 'Epoch length: an epoch closes this long after the previous one, if any lot changed (no empty epochs), minutes. Default 60.' }),
    intervalMs: Type.Integer({ minimum: 100, default: 15_000, description: 'Time between rounds of the anchoring job (about one block on Ethereum), ms. Default 15000.' }),
    targets: Type.Array(AnchorTargetConfig, { default: [], description: 'Where head hashes are anchored. Without targets epochs are still closed, signed and queued (a target added later gets every queued epoch). Default none.' }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Epochs and on-chain anchoring (docs/anchoring.md): the singleton job "epochs" closes signed epoch heads over the lots whose evidence changed, the job "anchor" sends their hashes to every target.',
  },
);
export type AnchoringConfig = Static<typeof AnchoringConfig>;

export const OidcConfig = Type.Object(
  {
    issuer: Type.String({ minLength: 1, description: 'Expected `iss` of access tokens, e.g. https://idp.example.org/realms/freshtrail. Default: none, required.' }),
    audience: Type.String({ minLength: 1, description: 'Expected `aud`, e.g. freshtrail-api. Default: none, required.' }),
    jwksUri: Type.Optional(Type.String({ pattern: '^https?://', description: "The issuer's JSON Web Key Set URL (fetched and cached; keys rotate without a restart). One of jwksUri and jwksFile. Default: none." })),
    jwksFile: Type.Optional(Type.String({ minLength: 1, description: 'A JWKS file, for deployments that cannot reach the issuer. One of jwksUri and jwksFile. Default: none.' })),
    roleClaim: Type.String({ minLength: 1, default: 'freshtrail_role', description: 'Claim holding the FreshTrail role (a string, or an array with exactly one role). Default freshtrail_role.' }),
    partyClaim: Type.String({ minLength: 1, default: 'freshtrail_party', description: 'Claim holding the party id of growers and distributors. Default freshtrail_party.' }),
    algorithms: Type.Array(Type.String({ pattern: '^(RS|PS|ES)(256|384|512)$|^EdDSA$' }), { minItems: 1, default: ['RS256', 'ES256', 'EdDSA'], description: 'Accepted signature algorithms (asymmetric only). Default RS256, ES256, EdDSA.' }),
    clockToleranceSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 30, description: 'Leeway for exp and nbf, seconds. Default 30.' }),
  },
  { additionalProperties: false, description: 'OIDC / OAuth 2.0 bearer tokens (JWT access tokens) from your identity provider, besides API keys.' },
);

export const AuthConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Require credentials on every API route but health, batches and join (batches and joins are authenticated by their signatures). Default true; false makes every request an anonymous admin: for development on one machine only.' }),
    adminKeyFile: Type.Optional(Type.String({ minLength: 1, description: 'Where the first admin API key is written (mode 0600) when the store has no active admin key. Default <dataDir>/admin.key. The key is never logged.' })),
    rateLimit: Type.Object(
      {
        requestsPerSecond: Type.Number({ exclusiveMinimum: 0, default: 50, description: 'Sustained API requests per second per principal (API key or token subject), per ingest instance. Default 50.' }),
        burst: Type.Integer({ minimum: 1, default: 200, description: 'Requests a principal may make at once above the sustained rate. Default 200.' }),
        failuresPerMinute: Type.Integer({ minimum: 1, default: 30, description: 'Refused credentials per client address per minute before that address gets 429 without a check. Default 30.' }),
      },
      { additionalProperties: false, default: {}, description: 'API rate limits (429 with Retry-After). Batches have their own limit (limits.gatewayRate).' },
    ),
    publicMetrics: Type.Boolean({ default: false, description: 'Serve /metrics without credentials (a Prometheus on a trusted network). Default false: scrape with an API key limited to metrics:read.' }),
    oidc: Type.Optional(OidcConfig),
  },
  { additionalProperties: false, default: {}, description: 'API authentication and authorization (docs/security.md).' },
);

export const IngestConfig = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: './freshtrail-data', description: 'Directory of the ingest data (the SQLite store unless store.postgres is set). Created if missing. Default ./freshtrail-data.' }),
    http: HttpConfig,
    mqtt: MqttConfig,
    limits: LimitsConfig,
    store: StoreConfig,
    sinks: Type.Optional(SinksConfig),
    integrity: IntegrityConfig,
    retention: RetentionConfig,
    shelfLife: ShelfLifeConfig,
    alerts: AlertsConfig,
    anchoring: AnchoringConfig,
    auth: AuthConfig,
    logLevel: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
      default: 'info',
      description: 'pino log level. Default info.',
    }),
  },
  { additionalProperties: false, description: 'FreshTrail ingest service configuration.' },
);

export type IngestConfig = Static<typeof IngestConfig>;

/** The defaults, fully filled in: an embedded, single-machine ingest. */
export function defaultIngestConfig(overrides: unknown = {}): IngestConfig {
  return validateConfig(overrides, IngestConfig, 'defaults');
}
