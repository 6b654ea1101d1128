/**
 * The ingest's singleton jobs — work that runs on one instance of a deployment at a time — and
 * how leaders are chosen for them: with PostgreSQL, one advisory-lock election per job
 * (leader/postgres-elector.ts); with SQLite there is one process, which leads them all.
 */
import type { Logger } from '../../common/log.js';
import type { IngestConfig } from '../config.js';
import { InfluxSink } from '../consumers/influx-sink.js';
import { ConsumerMetrics } from '../consumers/metrics.js';
import { ConsumerRunner } from '../consumers/runner.js';
import { SoleLeader, type LeaderElector } from '../leader/elector.js';
import { PostgresLeaderElector } from '../leader/postgres-elector.js';
import { SingletonJobs, periodicJob, type SingletonJob } from '../leader/singleton-jobs.js';
import type { IngestMetrics } from '../metrics.js';
import type { IngestPipeline } from '../pipeline.js';
import type { Store } from '../store/types.js';
import type { BatchConsumer } from '../consumers/consumer.js';
import { IntegrityMonitor } from './integrity-monitor.js';
import { ALERT_RULES_CONSUMER, AlertRuleConsumer } from '../alerts/rule-consumer.js';
import { ShelfLifeModel } from '../../models/runner.js';
import { SHELF_LIFE_CONSUMER, ShelfLifeConsumer } from '../shelf-life/consumer.js';
import { RetentionJob, retentionHorizons } from './retention.js';
import { randomBytes } from 'node:crypto';
import { mqttChannel, webhookChannel, type DeliveryChannel } from '../alerts/channels.js';
import { ALERT_DELIVERY_JOB, AlertDeliveryJob } from '../alerts/delivery-job.js';
import { DeliveryMetrics } from '../alerts/delivery-metrics.js';
import { SENSOR_ACTIVITY_CONSUMER, SensorActivityConsumer } from '../alerts/sensor-activity.js';
import { SilentSensorMonitor } from '../alerts/silent-sensors.js';
import { freshTrailVersion } from '../version.js';
import { AnchorJob } from '../anchoring/anchor-job.js';
import { EpochBuilder } from '../anchoring/epoch-builder.js';
import type { AnchoringSetup } from '../anchoring/setup.js';

const INFLUX_CONSUMER = 'influx';

/** Names (cursor names) of the after-commit consumers the configuration enables. */
export function configuredConsumers(config: IngestConfig): string[] {
  return [
    ...(config.sinks?.influx ? [INFLUX_CONSUMER] : []),
    ...(config.shelfLife.enabled ? [SHELF_LIFE_CONSUMER] : []),
    ...(config.alerts.rules.length > 0 ? [ALERT_RULES_CONSUMER] : []),
    ...(config.alerts.silentSensors.enabled ? [SENSOR_ACTIVITY_CONSUMER] : []),
  ];
}

/** What the jobs work on. */
export interface JobDeps {
  store: Store;
  metrics: IngestMetrics;
  pipeline: IngestPipeline;
  /** The broker gateways publish to (the embedded one or mqtt.url): alert events go there too when alerts.mqtt is enabled. */
  brokerUrl?: string;
  /** Webhook name → signing secret (service.ts resolveWebhookSecrets). */
  webhookSecrets?: ReadonlyMap<string, string>;
  /** Head key and anchor targets (anchoring/setup.ts prepareAnchoring); required when anchoring.enabled. */
  anchoring?: AnchoringSetup;
}

export function createSingletonJobs(config: IngestConfig, deps: JobDeps, logger: Logger): SingletonJobs {
  const postgres = config.store.postgres;
  const electorFor = (name: string): LeaderElector =>
    postgres
      ? new PostgresLeaderElector({ url: postgres.url, name, checkIntervalMs: postgres.leaderCheckIntervalMs, logger: logger.child({ component: 'leader' }) })
      : new SoleLeader(name);
  return new SingletonJobs({ jobs: singletonJobs(config, deps, logger), electorFor, logger, registry: deps.metrics.registry });
}

function singletonJobs(config: IngestConfig, deps: JobDeps, logger: Logger): SingletonJob[] {
  const { store, metrics, pipeline } = deps;
  const jobs: SingletonJob[] = [];
  const consumerMetrics = new ConsumerMetrics(metrics.registry);
  const consumerJob = (name: string, create: () => BatchConsumer): SingletonJob => ({
    name: `consumer:${name}`,
    start() {
      const runner = new ConsumerRunner({ store, consumer: create(), metrics: consumerMetrics, logger: logger.child({ component: name }) });
      runner.start();
      // A commit of this instance starts the next round at once; other instances' commits are found by polling.
      const unsubscribe = store.onCommitted(() => runner.poke());
      return {
        stop: async () => {
          unsubscribe();
          await runner.stop();
        },
      };
    },
  });
  const consumers = configuredConsumers(config);
  const influx = config.sinks?.influx;
  if (influx) {
    const token = influx.token ?? process.env.FRESHTRAIL_INFLUX_TOKEN;
    jobs.push(consumerJob(INFLUX_CONSUMER, () => new InfluxSink({ ...influx, name: INFLUX_CONSUMER, token })));
  }
  if (config.alerts.rules.length > 0) {
    const rules = config.alerts.rules;
    jobs.push(consumerJob(ALERT_RULES_CONSUMER, () => new AlertRuleConsumer({ store, rules, logger: logger.child({ component: 'alert-rules' }) })));
  }
  if (config.shelfLife.enabled) {
    const modelPath = config.shelfLife.modelPath;
    jobs.push(consumerJob(SHELF_LIFE_CONSUMER, () => new ShelfLifeConsumer({ store, loadModel: () => ShelfLifeModel.load(modelPath), logger: logger.child({ component: 'shelf-life' }) })));
  }

  const silent = config.alerts.silentSensors;
  if (silent.enabled) {
    const silentLogger = logger.child({ component: 'silent-sensors' });
    jobs.push(consumerJob(SENSOR_ACTIVITY_CONSUMER, () => new SensorActivityConsumer({ store, logger: silentLogger })));
    const monitor = new SilentSensorMonitor({ store, afterMinutes: silent.afterMinutes, severity: silent.severity, locations: silent.locations, forgetAfterDays: silent.forgetAfterDays, logger: silentLogger });
    jobs.push(periodicJob('silent-sensors', silent.intervalSeconds * 1000, (now) => monitor.runOnce(now), silentLogger));
  }

  const channels = () => alertChannels(config, deps);
  if (config.alerts.webhooks.length > 0 || config.alerts.mqtt.enabled) {
    const { delivery } = config.alerts;
    const deliveryMetrics = new DeliveryMetrics(metrics.registry);
    jobs.push({
      name: ALERT_DELIVERY_JOB,
      start() {
        const job = new AlertDeliveryJob({
          store,
          channels: channels(),
          policy: { maxAttempts: delivery.maxAttempts, initialBackoffMs: delivery.initialBackoffSeconds * 1000, maxBackoffMs: delivery.maxBackoffSeconds * 1000 },
          pollIntervalMs: delivery.pollIntervalMs,
          backfillMs: delivery.backfillMinutes * 60_000,
          metrics: deliveryMetrics,
          logger: logger.child({ component: ALERT_DELIVERY_JOB }),
        });
        job.start();
        return job;
      },
    });
  }

  const integrityLogger = logger.child({ component: 'integrity' });
  const monitor = new IntegrityMonitor({ store, metrics, logger: integrityLogger, gapGraceMs: config.integrity.gapGraceSeconds * 1000 });
  jobs.push(periodicJob('integrity', config.integrity.intervalSeconds * 1000, (now) => monitor.runOnce(now), integrityLogger));

  // An instance admits quarantine when a gateway is enrolled through it; a batch another instance
  // quarantined during that enrollment is admitted here, at the latest one interval later.
  jobs.push(periodicJob('quarantine', config.integrity.intervalSeconds * 1000, () => pipeline.admitAllQuarantined(), logger.child({ component: 'quarantine' })));

  if (config.retention.enabled) {
    const retentionLogger = logger.child({ component: 'retention' });
    // Readings a consumer has not yet delivered are kept, so a sink that is behind never loses data to retention.
    const retention = new RetentionJob({ store, metrics, logger: retentionLogger, ...retentionHorizons(config.retention), consumers });
    jobs.push(periodicJob('retention', config.retention.intervalMinutes * 60_000, (now) => retention.runOnce(now), retentionLogger));
  }

  if (config.anchoring.enabled) {
    const setup = deps.anchoring;
    if (setup === undefined) throw new Error('anchoring is enabled but its keys were not loaded (prepareAnchoring)');
    const { anchoring } = config;
    const epochs = new EpochBuilder({ store, log: anchoring.log, headKey: setup.headKey, epochMs: anchoring.epochMinutes * 60_000, logger: logger.child({ component: 'epochs' }) });
    jobs.push(epochs.singleton());
    // Without targets heads are still closed, signed and queued: a target added later anchors them all.
    if (setup.targets.length > 0) {
      const anchor = new AnchorJob({ store, targets: setup.targets, logger: logger.child({ component: 'anchor' }), registry: metrics.registry });
      jobs.push(anchor.singleton(anchoring.intervalMs));
    }
  }
  return jobs;
}

/** The delivery channels the configuration names: each webhook, and the MQTT topic when enabled. */
function alertChannels(config: IngestConfig, deps: JobDeps): DeliveryChannel[] {
  const userAgent = `FreshTrail/${freshTrailVersion()}`;
  const channels: DeliveryChannel[] = config.alerts.webhooks.map((w) => {
    const secret = deps.webhookSecrets?.get(w.name);
    if (secret === undefined) throw new Error(`no secret resolved for webhook "${w.name}"`);
    return webhookChannel({ ...w, secret, timeoutMs: w.timeoutSeconds * 1000, userAgent });
  });
  const { mqtt } = config.alerts;
  if (mqtt.enabled) {
    if (deps.brokerUrl === undefined) throw new Error('alerts.mqtt is enabled but no broker URL was given');
    channels.push(mqttChannel({ ...mqtt, url: deps.brokerUrl, clientId: `freshtrail-alerts-${randomBytes(4).toString('hex')}`, timeoutMs: 10_000 }));
  }
  return channels;
}
