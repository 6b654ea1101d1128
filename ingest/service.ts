/**
 * Starts and stops the whole ingest service: store, verification pipeline, MQTT transport
 * (embedded broker or external), HTTP API. `freshtrail ingest` calls startIngest with the
 * validated configuration and calls close() on SIGINT/SIGTERM.
 */
import { redactUrl } from '../common/net.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FreshTrailError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { IngestConfig } from './config.js';
import { buildApp } from './http/app.js';
import { listenHttp } from './http/server.js';
import { configuredConsumers, createSingletonJobs } from './jobs/singletons.js';
import { IngestMetrics } from './metrics.js';
import { startBatchSubscriber, type BatchSubscriber } from './mqtt/batch-subscriber.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './mqtt/embedded-broker.js';
import { IngestPipeline } from './pipeline.js';
import { openPostgresStore } from './store/postgres/store.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Store } from './store/types.js';
import { freshTrailVersion } from './version.js';
import { ShelfLifeModel } from '../models/runner.js';
import { prepareAnchoring } from './anchoring/setup.js';
import { prepareAuth } from './auth/setup.js';
import { Authenticator } from './auth/authenticator.js';

export const SQLITE_FILE_NAME = 'ingest.sqlite';

export interface IngestDeps {
  logger: Logger;
  /** Receipt clock (UTC ms); tests inject one to exercise clock-skew flags. */
  now?: () => number;
  /** A store to use instead of the configured one (tests). Closed by close(). */
  store?: Store;
}

export interface IngestHandle {
  /** Base URL of the HTTP API with the bound port, e.g. http://127.0.0.1:8080. */
  readonly httpUrl: string;
  /** URL gateways publish to: the embedded broker's (bound port) or mqtt.url without its password. */
  readonly mqttUrl: string;
  /** The embedded broker's MQTT over TLS listener (mqtt.embedded.tls), with the bound port. */
  readonly mqttsUrl?: string;
  readonly store: Store;
  readonly metrics: IngestMetrics;
  /** Enrollment and admission for in-process callers (the CLI, tests). */
  readonly pipeline: IngestPipeline;
  /** The file of the first admin API key (auth.adminKeyFile, default <dataDir>/admin.key); undefined when auth is off. */
  readonly adminKeyFile?: string;
  /**
   * Stops taking batches, finishes those in flight (every Ack sent is for a committed batch),
   * then closes the MQTT subscriber, the HTTP server, the embedded broker and the store.
   * Safe to call twice.
   */
  close(): Promise<void>;
}

export async function startIngest(config: IngestConfig, deps: IngestDeps): Promise<IngestHandle> {
  const logger = deps.logger;
  const closers: Array<() => Promise<void>> = [];
  const unwind = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'error while closing'));
  };
  try {
    checkTransportConfig(config);
    await checkShelfLifeModel(config);
    const webhookSecrets = resolveWebhookSecrets(config.alerts.webhooks);
    const anchoring = await prepareAnchoring(config.anchoring, logger.child({ component: 'anchor' }));
    closers.push(async () => anchoring?.close());
    const store = deps.store ?? (await openStore(config));
    closers.push(() => store.close());
    const auth = await prepareAuth(config, store, logger.child({ component: 'auth' }), deps.now);
    const metrics = new IngestMetrics();
    const pipeline = new IngestPipeline({ store, metrics, logger: logger.child({ component: 'pipeline' }), limits: config.limits, now: deps.now });
    closers.push(() => pipeline.close());
    await pipeline.init();
    await pipeline.admitAllQuarantined();

    let broker: EmbeddedBroker | undefined;
    if (config.mqtt.url === undefined) {
      const { requireAuth, tls, ...listener } = config.mqtt.embedded;
      // Gateways log in with their API keys (docs/transport-security.md), also when only the broker asks for it.
      const keys = (requireAuth ?? config.auth.enabled) ? (auth.authenticator ?? new Authenticator({ store, ...(deps.now ? { now: deps.now } : {}) })) : undefined;
      broker = await startEmbeddedBroker({
        ...listener,
        ...(tls ? { tls } : {}),
        ...(keys ? { auth: { keys } } : {}),
        onRefused: (reason) => metrics.mqttAuthFailures.inc({ reason }),
        logger: logger.child({ component: 'broker' }),
      });
      closers.push(() => broker!.close());
    }
    // The ingest's own clients log in to the embedded broker with its internal secret (in the URL: never log it unredacted).
    const subscribeUrl = config.mqtt.url ?? broker!.internalUrl;
    // After the broker: alert delivery publishes to it.
    const jobs = createSingletonJobs(config, { store, metrics, pipeline, brokerUrl: subscribeUrl, webhookSecrets, anchoring }, logger);
    jobs.start();
    closers.push(() => jobs.stop());

    let subscriber: BatchSubscriber | undefined;
    let closing = false;
    const app = await buildApp(
      {
        pipeline,
        store,
        metrics,
        version: freshTrailVersion(),
        startedAt: Date.now(),
        bodyLimitBytes: config.http.bodyLimitBytes,
        consumers: configuredConsumers(config),
        alertPollIntervalMs: config.alerts.delivery.pollIntervalMs,
        shelfLifeModelPath: config.shelfLife.modelPath,
        ...(anchoring ? { evidence: { epochMinutes: config.anchoring.epochMinutes, headPublicKey: anchoring.headPublicKeyHex } } : {}),
        anchorTargets: config.anchoring.enabled ? config.anchoring.targets : [],
        transportsReady: () => !closing && subscriber?.connected === true,
        auth: { ...(auth.authenticator ? { authenticator: auth.authenticator } : {}), publicMetrics: auth.publicMetrics, rateLimit: config.auth.rateLimit },
      },
      logger.child({ component: 'http' }),
    );
    closers.push(() => app.close());
    const httpUrl = await listenHttp(app, config.http.host, config.http.port, config.http.tls);

    subscriber = await startBatchSubscriber({
      url: subscribeUrl,
      clientId: subscriberClientId(config.mqtt),
      shareGroup: config.mqtt.shareGroup,
      maxInFlight: config.mqtt.maxInFlight,
      sink: pipeline,
      logger: logger.child({ component: 'mqtt' }),
    });
    const mqttUrl = config.mqtt.url === undefined ? broker!.url : redactUrl(config.mqtt.url);
    const mqttsUrl = broker?.tlsUrl;
    const storeAt = config.store.postgres ? redactUrl(config.store.postgres.url) : join(config.dataDir, SQLITE_FILE_NAME);
    logger.info({ httpUrl, mqttUrl, ...(mqttsUrl ? { mqttsUrl } : {}), embeddedBroker: broker !== undefined, store: deps.store ? 'injected' : storeAt }, 'ingest ready');

    let closed: Promise<void> | undefined;
    return {
      httpUrl,
      mqttUrl,
      ...(mqttsUrl ? { mqttsUrl } : {}),
      store,
      metrics,
      pipeline,
      ...(auth.adminKeyFile ? { adminKeyFile: auth.adminKeyFile } : {}),
      close: () => {
        closed ??= (async () => {
          closing = true;
          // Transports first (each finishes its batch in flight), then whatever is still queued
          // (an admission), then the broker and the store.
          await Promise.all([subscriber!.close(), app.close()]);
          await pipeline.close();
          // After the last commit and before the store closes: a round in flight finishes.
          await jobs.stop();
          anchoring?.close();
          await broker?.close();
          await store.close();
          logger.info('ingest stopped');
        })();
        return closed;
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/** Combinations the schema cannot express, refused before anything starts. */
function checkTransportConfig(config: IngestConfig): void {
  if (config.mqtt.shareGroup !== undefined && config.mqtt.url === undefined) {
    throw new FreshTrailError('FT_ERR_CONFIG', 'mqtt.shareGroup needs an external broker (mqtt.url): the embedded broker has no shared subscriptions; run one instance with the embedded broker, or several on Mosquitto/EMQX/HiveMQ');
  }
}

/**
 * Each webhook's signing secret, from the file or the named environment variable; a webhook
 * without one, or with a short one, stops the start (an unsigned alert could be forged).
 */
export function resolveWebhookSecrets(webhooks: IngestConfig['alerts']['webhooks']): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const w of webhooks) {
    const where = `alerts.webhooks "${w.name}"`;
    if (secrets.has(w.name)) throw new FreshTrailError('FT_ERR_CONFIG', `${where}: two webhooks with this name; names must be unique`);
    if ((w.secret === undefined) === (w.secretEnv === undefined)) throw new FreshTrailError('FT_ERR_CONFIG', `${where}: set exactly one of secret, secretEnv (the HMAC key receivers check the FreshTrail-Signature header with)`);
    const secret = w.secret ?? process.env[w.secretEnv!];
    if (secret === undefined || secret.length < 16) {
      throw new FreshTrailError('FT_ERR_CONFIG', `${where}: environment variable ${w.secretEnv} ${secret === undefined ? 'is not set' : 'is shorter than 16 characters'}; generate one with: openssl rand -hex 32`);
    }
    secrets.set(w.name, secret);
  }
  return secrets;
}

/** A configured model that cannot be used stops the start, naming what is wrong with it. */
async function checkShelfLifeModel(config: IngestConfig): Promise<void> {
  const path = config.shelfLife.modelPath;
  if (!config.shelfLife.enabled || path === undefined) return;
  try {
    await (await ShelfLifeModel.load(path)).close();
  } catch (err) {
    throw new FreshTrailError('FT_ERR_CONFIG', `shelfLife.modelPath: ${errorMessage(err)}`, { cause: err });
  }
}

/** See config.ts mqtt.clientId: fixed alone (persistent session), unique per instance in a share group. */
export function subscriberClientId(mqtt: IngestConfig['mqtt']): string {
  if (mqtt.clientId !== undefined) return mqtt.clientId;
  return mqtt.shareGroup === undefined ? 'freshtrail-ingest' : `freshtrail-ingest-${randomBytes(3).toString('hex').slice(0, 5)}`;
}

/**
 * The configured system of record: PostgreSQL when store.postgres is set, else the SQLite file
 * under dataDir. Either is open and migrated when this resolves; a database that cannot be
 * reached fails the start with FT_ERR_STORE naming the URL without its password.
 */
export async function openStore(config: IngestConfig): Promise<Store> {
  const postgres = config.store.postgres;
  if (postgres) return openPostgresStore({ url: postgres.url, poolSize: postgres.poolSize });
  try {
    mkdirSync(config.dataDir, { recursive: true });
  } catch (err) {
    throw new FreshTrailError('FT_ERR_CONFIG', `cannot create the data directory ${config.dataDir} (${errorMessage(err)}): set dataDir or pass --data-dir`, { cause: err });
  }
  return openSqliteStore({ path: join(config.dataDir, SQLITE_FILE_NAME), synchronous: config.store.sqlite.synchronous });
}

