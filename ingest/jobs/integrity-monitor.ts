/**
 * The integrity monitor: a singleton job that turns the gaps of the gateways' hash chains into
 * alerts. One store query lists the missing seqs of every gateway; a gap older than the grace
 * period raises a `gap` warning, and a gap alert whose gap is gone (filled by a late batch, or
 * below the retention floor) is resolved. Scheduling and leadership are the caller's (see
 * ingest/leader/): this module only does one pass at a given time.
 */
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { alertForGap, raiseSafely } from '../integrity-alerts.js';
import type { IngestMetrics } from '../metrics.js';
import type { Store } from '../store/types.js';

/** An HTTP sender with several batches in flight fills short gaps by itself within seconds. */
export const DEFAULT_GAP_GRACE_MS = 5 * 60_000;
/** Most unresolved gap alerts one pass checks for resolution; more are checked by the next passes. */
const MAX_GAP_ALERTS_PER_PASS = 10_000;

export interface IntegrityMonitorOptions {
  store: Store;
  metrics: IngestMetrics;
  logger: Logger;
  /** How long a gap may exist (since the batch after it arrived) before it raises an alert, ms. Default 5 minutes. */
  gapGraceMs?: number;
}

export interface IntegritySummary {
  /** Gaps found, over all gateways. */
  gaps: number;
  /** Missing batches in those gaps. */
  missing: number;
  /** Gaps younger than the grace period: no alert yet. */
  withinGrace: number;
  /** Gap alerts raised (opened or repeated). */
  raised: number;
  /** Gap alerts resolved because their gap is gone. */
  resolved: number;
}

export class IntegrityMonitor {
  private readonly graceMs: number;

  constructor(private readonly options: IntegrityMonitorOptions) {
    this.graceMs = options.gapGraceMs ?? DEFAULT_GAP_GRACE_MS;
  }

  /** One pass at time `now` (UTC ms). Throws only when the gaps cannot be read; a failed raise or resolve is counted and skipped. */
  async runOnce(now: number): Promise<IntegritySummary> {
    const { store, metrics, logger } = this.options;
    const gaps = await store.listGaps();
    const summary: IntegritySummary = { gaps: gaps.length, missing: 0, withinGrace: 0, raised: 0, resolved: 0 };
    const present = new Set<string>();
    for (const gap of gaps) {
      summary.missing += gap.count;
      const alert = alertForGap(gap, now);
      present.add(alert.dedupeKey);
      if (now - gap.since < this.graceMs) summary.withinGrace += 1;
      else if (await raiseSafely(this.options, alert)) summary.raised += 1;
    }
    metrics.chainGaps.set(summary.missing);

    const unresolved = await store.listAlerts({ status: ['open', 'acknowledged'], kind: 'gap', limit: MAX_GAP_ALERTS_PER_PASS });
    for (const alert of unresolved) {
      if (present.has(alert.dedupeKey)) continue;
      try {
        if (await store.resolveAlert(alert.dedupeKey, now)) summary.resolved += 1;
      } catch (err) {
        metrics.alertErrors.inc();
        logger.error({ err: errorMessage(err), dedupeKey: alert.dedupeKey }, 'gap alert could not be resolved');
      }
    }
    if (summary.raised + summary.resolved > 0) logger.info(summary, 'chain integrity checked');
    return summary;
  }
}
