/**
 * Threshold alert rules over the committed readings (config `alerts.rules`): an after-commit
 * consumer that follows each location's readings in time order and raises one alert per
 * excursion — beyond a limit for `forMinutes` — and resolves it once the value has been back
 * inside by the hysteresis margin for `clearAfterMinutes` (common/excursion.ts, the same state
 * machine as the edge's local alarms). A location is as bad as its worst sensor.
 *
 * The alert's dedupe key is `rule:<name>:<location>`, so one excursion is one alert however
 * many readings it spans, and a redelivered round bumps that alert instead of opening another.
 * Readings older than the latest one applied to a rule at a location are skipped (a redelivered
 * round, a late batch of another gateway), so time never runs backwards for the state machine.
 * Excursion state lives in memory on the job's leader: after a restart or a failover, an
 * excursion still under way is raised (bumped) again once it has lasted forMinutes.
 */
import type { Logger } from '../../common/log.js';
import { classify, Excursion, trackPeak, worstOf, type Side, type Thresholds } from '../../common/excursion.js';
import type { AlertRule } from '../config.js';
import type { BatchConsumer } from '../consumers/consumer.js';
import { readingsByLocation } from '../consumers/readings-by-location.js';
import { locationMatches } from './location-pattern.js';
import type { AlertInput } from '../store/integrity-types.js';
import type { CommittedBatch, Store, StoredReading, HeldCustody } from '../store/types.js';

export const ALERT_RULES_CONSUMER = 'alert-rules';
const MINUTE = 60_000;

interface Watch {
  excursion: Excursion;
  /** Latest value per sensor at the location. */
  sensors: Map<string, number>;
  peak?: number;
  side?: Side;
  /** Time of the latest reading applied: older ones (a redelivered round, a late batch) are skipped. */
  lastTs: number;
}

export interface RuleConsumerOptions {
  store: Store;
  rules: readonly AlertRule[];
  logger: Logger;
}

export class AlertRuleConsumer implements BatchConsumer {
  readonly name = ALERT_RULES_CONSUMER;
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly options: RuleConsumerOptions) {}

  async consume(batches: readonly CommittedBatch[]): Promise<void> {
    for (const [location, readings] of readingsByLocation(batches)) {
      readings.sort((a, b) => a.ts - b.ts || a.index - b.index);
      // Custody of the round's time span at this location, read once for all commodity rules.
      let custody: Promise<Array<HeldCustody>> | undefined;
      const custodyHere = () => (custody ??= this.options.store.custodyAt(location, readings[0]!.ts, readings[readings.length - 1]!.ts));
      for (const rule of this.options.rules) {
        if (!locationMatches(rule.location, location)) continue;
        const inScope = await commodityScope(rule, custodyHere);
        for (const r of readings) {
          const value = measured(rule, r);
          if (value === undefined || !inScope(r.ts)) continue;
          await this.apply(rule, location, r, value);
        }
      }
    }
  }

  async close(): Promise<void> {}

  private async apply(rule: AlertRule, location: string, r: StoredReading, value: number): Promise<void> {
    const key = `rule:${rule.name}:${location}`;
    let watch = this.watches.get(key);
    if (!watch) {
      watch = { excursion: new Excursion({ forMs: rule.forMinutes * MINUTE, clearAfterMs: rule.clearAfterMinutes * MINUTE }), sensors: new Map(), lastTs: -Infinity };
      this.watches.set(key, watch);
    }
    if (r.ts < watch.lastTs) return;
    watch.lastTs = r.ts;
    watch.sensors.set(r.sensor, value);
    const thresholds: Thresholds = { above: rule.above, below: rule.below, hysteresis: rule.hysteresis };
    // The worst sensor decides: the one furthest past (or least inside) its nearest limit.
    const worst = worstOf(watch.sensors, thresholds)!.value;
    const zone = classify(worst, thresholds);
    if (zone.kind === 'out') trackPeak(watch, zone.side, worst);
    const transition = watch.excursion.onReading(zone, r.ts, r.ts);
    // Cleared, or back inside before forMinutes: the next excursion starts its own peak.
    if (watch.excursion.since === undefined) watch.side = watch.peak = undefined;
    if (transition === 'raise') await this.raise(rule, location, key, watch, r.ts);
    if (transition === 'clear') {
      await this.options.store.resolveAlert(key, r.ts);
      this.options.logger.info({ rule: rule.name, location }, 'excursion over: alert resolved');
    }
  }

  private async raise(rule: AlertRule, location: string, key: string, watch: Watch, at: number): Promise<void> {
    const { unit, kind } = MEASURES[rule.measure];
    const limit = watch.side === 'below' ? rule.below : rule.above;
    const alert: AlertInput = {
      kind,
      severity: rule.severity,
      subject: location,
      dedupeKey: key,
      message: `${location}: ${rule.measure} ${watch.side} ${limit} ${unit} for ${rule.forMinutes} min or more (peak ${watch.peak} ${unit}), rule ${rule.name}`,
      details: { rule: rule.name, location, side: watch.side, limit, peak: watch.peak, since: new Date(watch.excursion.since ?? at).toISOString() },
      at,
    };
    const { opened } = await this.options.store.raiseAlert(alert);
    this.options.logger.warn({ rule: rule.name, location, opened }, 'excursion: alert raised');
  }
}

const MEASURES = {
  temperature: { unit: '°C', kind: 'temperature_excursion' },
  humidity: { unit: '% RH', kind: 'humidity_excursion' },
  battery: { unit: '% battery', kind: 'battery_low' },
} as const;

function measured(rule: AlertRule, r: StoredReading): number | undefined {
  return rule.measure === 'humidity' ? r.rh : rule.measure === 'battery' ? r.battery : r.tempC;
}

/** For a rule with a commodity: whether the location held a lot of it at a time. */
async function commodityScope(rule: AlertRule, custodyHere: () => Promise<Array<HeldCustody>>): Promise<(ts: number) => boolean> {
  if (rule.commodity === undefined) return () => true;
  const custody = (await custodyHere()).filter((c) => c.commodity === rule.commodity);
  return (ts) => custody.some((c) => c.fromTs <= ts && (c.toTs === undefined || ts < c.toTs));
}
