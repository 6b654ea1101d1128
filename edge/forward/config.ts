/**
 * The `forward` section of the edge agent configuration and the factory that builds the
 * forwarder it describes: MQTT, HTTP, or both with failover. The schema is the user
 * documentation of every option. It accepts every config written for the earlier MQTT-only
 * section (mqtt {url, clientId, username, password}, ackTimeoutMs, maxInFlight, retryDelayMs).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../../common/config.js';
import type { Logger } from '../../common/log.js';
import type { EdgeMetrics } from '../metrics.js';
import { DEFAULT_BACKOFF, type BackoffSettings, type RandomSource } from './backoff.js';
import { FailoverForwarder } from './failover.js';
import { HttpForwarder } from './http-forwarder.js';
import { MqttForwarder } from './mqtt-forwarder.js';
import type { BatchQueue, Forwarder } from './types.js';

/** A string enum as JSON Schema `enum`, so a wrong value gets a "must be one of" message. */
function StringEnum<T extends readonly string[]>(values: T, options: { default?: T[number]; description: string }) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

const TlsSchema = (transport: string) =>
  Type.Object(
    {
      caFile: Type.Optional(Type.String({ minLength: 1, description: `PEM file of the CA certificate(s) that signed the ${transport} server certificate, for a private CA. Default: the system trust store.` })),
      certFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM client certificate for mutual TLS; needs keyFile. Default none.' })),
      keyFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of certFile (keep it mode 0600). Default none.' })),
      rejectUnauthorized: Type.Boolean({ default: true, description: 'Refuse a server whose certificate does not verify against the CAs. Set false only on a test bench: anyone on the path can then read and alter the traffic. Default true.' }),
      servername: Type.Optional(Type.String({ minLength: 1, description: 'Host name to send (SNI) and to check the server certificate against, when it differs from the URL host (e.g. connecting by IP address). Default: the URL host.' })),
    },
    { additionalProperties: false, description: `TLS settings for ${transport}; only with a TLS URL.` },
  );

const MqttSchema = Type.Object(
  {
    url: Type.String({ pattern: '^(mqtts?|wss?|tcp|ssl)://', description: "Broker URL of the ingest, e.g. mqtt://ingest.example:1883, or mqtts://ingest.example:8883 for TLS." }),
    clientId: Type.Optional(Type.String({ minLength: 1, description: 'MQTT client id; keep it stable so the broker keeps the persistent session (acks sent while the gateway was away). Default freshtrail-edge-<gateway id>.' })),
    username: Type.Optional(Type.String({ description: 'MQTT user name (or FRESHTRAIL_MQTT_USERNAME). Default none.' })),
    password: Type.Optional(Type.String({ description: 'MQTT password (or FRESHTRAIL_MQTT_PASSWORD). Default none.' })),
    tls: Type.Optional(TlsSchema('the MQTT broker (mqtts://, wss://)')),
  },
  { additionalProperties: false, description: 'Batches published QoS 1 to freshtrail/v1/gateways/<id>/batches; acks on .../acks.' },
);

const HttpSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', description: 'Base URL of the ingest HTTP API, e.g. https://ingest.example:8443; batches are POSTed to <url>/api/v1/batches.' }),
    headers: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$' }), Type.String(), {
        description: 'Extra request headers, e.g. an API key header for a gateway in front of the ingest. Values are never logged. Default none.',
      }),
    ),
    bearerToken: Type.Optional(Type.String({ minLength: 1, description: 'Sent as `Authorization: Bearer <token>` (or FRESHTRAIL_HTTP_BEARER_TOKEN). Default none.' })),
    tls: Type.Optional(TlsSchema('the ingest HTTPS server (https://)')),
  },
  { additionalProperties: false, description: 'Batches POSTed to the ingest; the answer, sent after the commit, is the acknowledgement.' },
);

const BackoffSchema = Type.Object(
  {
    initialMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000, description: `Bound of the first delay (ms) after a failure; the n-th failure in a row waits up to initialMs × 2^n. Default ${DEFAULT_BACKOFF.initialMs}.` })),
    maxMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: DEFAULT_BACKOFF.maxMs, description: `No delay exceeds this (ms). Default ${DEFAULT_BACKOFF.maxMs}.` }),
    jitter: StringEnum(['full', 'decorrelated'] as const, {
      default: DEFAULT_BACKOFF.jitter,
      description: "'full': a random delay between 0 and the bound; 'decorrelated': between initialMs and 3 × the previous delay. Either keeps a fleet of gateways from reconnecting in lockstep. Default full.",
    }),
  },
  { additionalProperties: false, default: {}, description: 'Delays between reconnects and before re-sending a batch after a failure or a retryable rejection (exponential backoff with jitter).' },
);

export const ForwardConfigSchema = Type.Object(
  {
    mqtt: Type.Optional(MqttSchema),
    http: Type.Optional(HttpSchema),
    primary: Type.Optional(StringEnum(['mqtt', 'http'] as const, { description: 'With both mqtt and http set: the transport used while it works; the other takes over after failoverAfterMs. Default mqtt.' })),
    failoverAfterMs: Type.Integer({ minimum: 100, default: 30_000, description: 'With both transports: switch to the other one when the primary has been disconnected, or has had batches waiting without an acknowledgement, this long (ms); return once it has been connected this long again. Default 30000.' }),
    ackTimeoutMs: Type.Integer({ minimum: 100, default: 15_000, description: 'Re-send a batch not acknowledged within this time (ms); for HTTP, the request deadline. Default 15000.' }),
    maxInFlight: Type.Integer({ minimum: 1, maximum: 1000, default: 8, description: 'Batches sent and awaiting acknowledgement at most; the rest wait in the outbox. Default 8.' }),
    retryDelayMs: Type.Optional(Type.Integer({ minimum: 0, description: 'Deprecated, use backoff.initialMs. Kept for older configs: when set and backoff.initialMs is not, MQTT waits about this long (growing up to backoff.maxMs) before re-sending a batch the ingest asked to retry; reconnects and HTTP use backoff. Default unset.' })),
    backoff: BackoffSchema,
  },
  { additionalProperties: false, description: 'How batches reach the ingest: forward.mqtt, forward.http, or both (failover). At least one is required.' },
);

export type ForwardConfig = Static<typeof ForwardConfigSchema>;

/** Rules the schema cannot express; throws ConfigError naming the key. `source` names the file. */
export function checkForwardConfig(config: ForwardConfig, source = 'config'): void {
  const fail = (message: string): never => {
    throw new ConfigError(`${source}: ${message}`);
  };
  if (!config.mqtt && !config.http) fail('forward: set forward.mqtt, forward.http, or both (failover); batches have nowhere to go');
  if (config.primary && !config[config.primary]) fail(`forward.primary: '${config.primary}' is not configured (add forward.${config.primary})`);
  const tlsChecks = [
    { key: 'forward.mqtt', url: config.mqtt?.url, tls: config.mqtt?.tls, secure: /^(mqtts|wss|ssl):\/\//i },
    { key: 'forward.http', url: config.http?.url, tls: config.http?.tls, secure: /^https:\/\//i },
  ];
  for (const { key, url, tls, secure } of tlsChecks) {
    if (!tls || url === undefined) continue;
    if (!secure.test(url)) fail(`${key}.tls: only applies to a TLS URL (${key}.url is ${url.split(':')[0]}://)`);
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) fail(`${key}.tls: certFile and keyFile go together (mutual TLS needs both)`);
  }
  const { initialMs, maxMs } = resolveBackoff(config);
  if (maxMs < initialMs) fail(`forward.backoff.maxMs (${maxMs}) must be at least backoff.initialMs (${initialMs})`);
}

export function resolveBackoff(config: ForwardConfig): Required<BackoffSettings> {
  return {
    initialMs: config.backoff.initialMs ?? DEFAULT_BACKOFF.initialMs,
    maxMs: config.backoff.maxMs ?? DEFAULT_BACKOFF.maxMs,
    jitter: config.backoff.jitter ?? DEFAULT_BACKOFF.jitter,
  };
}

/** The legacy retryDelayMs, unless backoff.initialMs (which supersedes it) is set. */
function legacyRetryDelay(config: ForwardConfig): number | undefined {
  return config.backoff.initialMs === undefined ? config.retryDelayMs : undefined;
}

/** Secrets from the environment, so they need not sit in the file. */
export function applyForwardEnv(config: ForwardConfig, env: NodeJS.ProcessEnv = process.env): ForwardConfig {
  const out = { ...config };
  if (config.mqtt) {
    out.mqtt = { ...config.mqtt };
    if (env.FRESHTRAIL_MQTT_USERNAME) out.mqtt.username = env.FRESHTRAIL_MQTT_USERNAME;
    if (env.FRESHTRAIL_MQTT_PASSWORD) out.mqtt.password = env.FRESHTRAIL_MQTT_PASSWORD;
  }
  if (config.http && env.FRESHTRAIL_HTTP_BEARER_TOKEN) out.http = { ...config.http, bearerToken: env.FRESHTRAIL_HTTP_BEARER_TOKEN };
  return out;
}

export interface ForwarderDeps {
  gatewayId: string;
  /** The agent's Outbox. */
  outbox: BatchQueue;
  /** Where permanently rejected batches are written, e.g. <dataDir>/dead-letter. */
  deadLetterDir: string;
  logger: Logger;
  metrics: EdgeMetrics;
  now(): number;
  /** For tests: the jitter's random source. */
  random?: RandomSource;
}

/** Builds the forwarder the (validated) config describes. Throws ConfigError when it cannot work. */
export function createForwarder(config: ForwardConfig, deps: ForwarderDeps): Forwarder {
  checkForwardConfig(config);
  const common = {
    gatewayId: deps.gatewayId,
    ackTimeoutMs: config.ackTimeoutMs,
    maxInFlight: config.maxInFlight,
    backoff: resolveBackoff(config),
    random: deps.random,
    deadLetterDir: deps.deadLetterDir,
    metrics: deps.metrics,
    now: deps.now,
  };
  const builders = {
    mqtt: (outbox: BatchQueue): Forwarder =>
      new MqttForwarder({ ...common, ...config.mqtt!, retryDelayMs: legacyRetryDelay(config), outbox, logger: deps.logger.child({ transport: 'mqtt' }) }),
    http: (outbox: BatchQueue): Forwarder => {
      const { url, headers, bearerToken, tls } = config.http!;
      const allHeaders = bearerToken === undefined ? headers : { ...headers, authorization: `Bearer ${bearerToken}` };
      return new HttpForwarder({ ...common, url, headers: allHeaders, tls, outbox, logger: deps.logger.child({ transport: 'http' }) });
    },
  };
  if (config.mqtt && config.http) {
    const primary = config.primary ?? 'mqtt';
    const secondary = primary === 'mqtt' ? 'http' : 'mqtt';
    return new FailoverForwarder({
      primary: builders[primary],
      secondary: builders[secondary],
      outbox: deps.outbox,
      failoverAfterMs: config.failoverAfterMs,
      settleTimeoutMs: config.ackTimeoutMs,
      logger: deps.logger,
      metrics: deps.metrics,
      now: deps.now,
    });
  }
  const only = config.mqtt ? 'mqtt' : 'http';
  deps.metrics.forwardTransport.set({ transport: only }, 1);
  return builders[only](deps.outbox);
}
