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

const INFLUX_CONSUMER = 'influx';

/** Names (cursor names) of the after-commit consumers the configuration enables. */
export function configuredConsumers(config: IngestConfig): string[] {
  return [
    ...(config.sinks?.influx ? [INFLUX_CONSUMER] : []),
    ...(config.shelfLife.enabled ? [SHELF_LIFE_CONSUMER] : []),
    ...(config.alerts.rules.length > 0 ? [ALERT_RULES_CONSUMER] : []),
  ];
}

/** What the jobs work on. */
export interface JobDeps {
  store: Store;
  metrics: IngestMetrics;
  pipeline: IngestPipeline;
}

export function createSingletonJobs(config: IngestConfig, deps: JobDeps, logger: Logger): SingletonJobs {
  const postgres = config.store.postgres;
  const electorFor = (name: string): LeaderElector =>
    postgres
      ? new PostgresLeaderElector({ url: postgres.url, name, checkIntervalMs: postgres.leaderCheckIntervalMs, logger: logger.child({ component: 'leader' }) })
      : new SoleLeader(name);
  return new SingletonJobs({ jobs: singletonJobs(config, deps, logger), electorFor, logger, registry: deps.metrics.registry });
}

function singletonJobs(config: IngestConfig, { store, metrics, pipeline }: JobDeps, logger: Logger): SingletonJob[] {
  const jobs: SingletonJob[] = [];
  const consumerMetrics = new ConsumerMetrics(metrics.registry);
  const consumerJob = (name: string, create: () => BatchConsumer): SingletonJob => ({
    name: `consumer:${name}`,
    start() {
      const runner = new ConsumerRunner({ store, consumer: create(), metrics: consumerMetrics, logger: logger.child({ component: name }) });
      runner.start();
      return runner;
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
  return jobs;
}
