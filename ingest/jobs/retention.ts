/**
 * Retention: a singleton job that deletes what the store no longer has to keep (config section
 * `retention`): batches with their readings, rejections, quarantined envelopes and resolved
 * alerts older than their horizons. Deletion runs in bounded transactions (Store.pruneBatches,
 * Store.pruneRecords), so neither store holds a write lock for long and commits go on meanwhile.
 *
 * Never deleted: batches an evidence hold covers (and the rejections at those seqs), batches an
 * after-commit consumer has not handled yet (position above the lowest consumer cursor), and the
 * newest batch of the store. Deleted seqs raise the gateway's retention floor, so they are not
 * reported as gaps. Scheduling and leadership are the caller's (ingest/leader/).
 */
import type { Logger } from '../../common/log.js';
import type { RetentionConfig } from '../config.js';
import type { IngestMetrics } from '../metrics.js';
import type { ExpiringRecords, PruneBatchesStep } from '../store/integrity-types.js';
import type { Store } from '../store/types.js';

const DAY_MS = 86_400_000;
/** Rows per transaction: a few tens of ms of work on either store, so a commit waits at most that long. */
export const DEFAULT_MAX_ROWS_PER_TRANSACTION = 10_000;

/** Maximum ages, ms. The config gives days (at least 1); tests pass shorter ones here. */
export interface RetentionHorizons {
  readingsMs: number;
  rejectionsMs: number;
  quarantineMs: number;
  resolvedAlertsMs: number;
}

export interface RetentionJobOptions extends RetentionHorizons {
  store: Store;
  metrics: IngestMetrics;
  logger: Logger;
  /** Most rows (batches, readings, records) deleted per transaction. Default 10,000. */
  maxRowsPerTransaction?: number;
  /**
   * Names of the after-commit consumers that are configured (BatchConsumer.name). One that has
   * stored no cursor yet counts as being at position 0 and holds every batch. Cursors stored by
   * consumers not named here count as well.
   */
  consumers?: readonly string[];
}

export interface RetentionSummary {
  batches: number;
  readings: number;
  rejections: number;
  quarantine: number;
  resolvedAlerts: number;
  alertDeliveries: number;
  alertEvents: number;
  /** Expired batches kept because an evidence hold covers them. */
  keptHeld: number;
  /** Expired batches kept because a consumer has not handled them (or they are the newest). */
  keptUnconsumed: number;
}

/** The job's horizons from the config section `retention`. */
export function retentionHorizons(config: RetentionConfig): RetentionHorizons {
  return {
    readingsMs: config.readingsDays * DAY_MS,
    rejectionsMs: config.rejectionsDays * DAY_MS,
    quarantineMs: config.quarantineDays * DAY_MS,
    resolvedAlertsMs: config.resolvedAlertsDays * DAY_MS,
  };
}

export class RetentionJob {
  private readonly maxRows: number;

  constructor(private readonly options: RetentionJobOptions) {
    this.maxRows = Math.max(1, options.maxRowsPerTransaction ?? DEFAULT_MAX_ROWS_PER_TRANSACTION);
  }

  /** One full pass at time `now` (UTC ms). A store failure is thrown; what was deleted before it stays deleted. */
  async runOnce(now: number): Promise<RetentionSummary> {
    const { metrics, logger } = this.options;
    const bound = await this.consumerBound();
    const summary: RetentionSummary = { batches: 0, readings: 0, rejections: 0, quarantine: 0, resolvedAlerts: 0, alertDeliveries: 0, alertEvents: 0, keptHeld: 0, keptUnconsumed: 0 };
    await this.pruneBatches({ receivedBefore: now - this.options.readingsMs, maxPosition: bound?.position, maxRows: this.maxRows }, summary);
    summary.rejections = await this.pruneRecords('rejections', now - this.options.rejectionsMs);
    summary.quarantine = await this.pruneRecords('quarantine', now - this.options.quarantineMs);
    summary.resolvedAlerts = await this.pruneRecords('resolved_alerts', now - this.options.resolvedAlertsMs);
    // Who was told what, when: kept as long as resolved alerts are.
    summary.alertDeliveries = await this.pruneRecords('alert_deliveries', now - this.options.resolvedAlertsMs);
    summary.alertEvents = await this.pruneRecords('alert_events', now - this.options.resolvedAlertsMs);

    metrics.retentionDeleted.inc({ record: 'batches' }, summary.batches);
    metrics.retentionDeleted.inc({ record: 'readings' }, summary.readings);
    metrics.retentionDeleted.inc({ record: 'rejections' }, summary.rejections);
    metrics.retentionDeleted.inc({ record: 'quarantine' }, summary.quarantine);
    metrics.retentionDeleted.inc({ record: 'resolved_alerts' }, summary.resolvedAlerts);
    metrics.retentionDeleted.inc({ record: 'alert_deliveries' }, summary.alertDeliveries);
    metrics.retentionDeleted.inc({ record: 'alert_events' }, summary.alertEvents);
    metrics.quarantinePending.dec(summary.quarantine);
    metrics.retentionKept.set({ reason: 'held' }, summary.keptHeld);
    metrics.retentionKept.set({ reason: 'unconsumed' }, summary.keptUnconsumed);
    logger.info(summary, 'retention pass done');
    if (summary.keptUnconsumed > 0 && bound) {
      logger.info(
        { consumer: bound.name, position: bound.position, kept: summary.keptUnconsumed },
        `kept expired batches that after-commit consumer "${bound.name}" has not handled yet; if that consumer was removed for good, delete its cursor`,
      );
    }
    return summary;
  }

  private async pruneBatches(first: PruneBatchesStep, summary: RetentionSummary): Promise<void> {
    let step: PruneBatchesStep | undefined = first;
    while (step) {
      const result = await this.options.store.pruneBatches(step);
      summary.batches += result.deletedBatches;
      summary.readings += result.deletedReadings;
      summary.keptHeld += result.held;
      summary.keptUnconsumed += result.unconsumed;
      step = result.next ? { ...first, after: result.next } : undefined;
    }
  }

  /** Deletes in bounded transactions until a transaction finds fewer rows than its bound. */
  private async pruneRecords(kind: ExpiringRecords, before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.options.store.pruneRecords(kind, before, this.maxRows);
      total += deleted;
      if (deleted < this.maxRows) return total;
    }
  }

  /** The lowest consumer cursor (the consumer that holds the most batches back), if any consumer exists. */
  private async consumerBound(): Promise<{ name: string; position: number } | undefined> {
    const stored = await this.options.store.listConsumerCursors();
    const cursors = new Map(stored.map((c) => [c.name, c.position]));
    for (const name of this.options.consumers ?? []) if (!cursors.has(name)) cursors.set(name, 0);
    let lowest: { name: string; position: number } | undefined;
    for (const [name, position] of cursors) if (!lowest || position < lowest.position) lowest = { name, position };
    return lowest;
  }
}
