/**
 * Local alarms: evaluates threshold rules on the readings the agent accepts, raises one alarm
 * per excursion and clears it with hysteresis, and announces both on the local MQTT broker
 * (retained, QoS 1) and through the optional command hook. Needs no uplink. State is in
 * memory: after a restart an excursion still under way is raised again once it lasts forMs.
 */
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { Reading } from '../../protocol/reading.js';
import type { EdgeMetrics } from '../metrics.js';
import type { ActiveAlarm } from '../status-types.js';
import { resolveAlarmsConfig, type AlarmRule, type AlarmSettings, type AlarmsConfig } from './config.js';
import { alarmTopic, hookEnv, type AlarmEvent, type AlarmState } from './event.js';
import { Excursion, classify, trackPeak, worstOf, type Side } from '../../common/excursion.js';
import { HookQueue } from './hook.js';

/** Publishes on the local broker; LocalBroker.publish fits. Must resolve or reject, not hang. */
export type AlarmPublish = (topic: string, payload: string, opts: { qos: 1; retain: boolean }) => Promise<void>;

export type AlarmMetrics = Pick<EdgeMetrics, 'alarmsRaised' | 'alarmsActive' | 'alarmHookFailures'>;

export interface AlarmEvaluatorOptions {
  gatewayId: string;
  publish: AlarmPublish;
  logger: Logger;
  metrics: AlarmMetrics;
  /** Gateway clock, UTC ms; injected so tests control time. Default Date.now. */
  now?: () => number;
  /** Environment the hook inherits (FRESHTRAIL_* removed). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Hook runs that may wait behind a slow one. Far more than the raise/clear events a site
 * produces in one hook timeout; past it the oldest waiting run is dropped and counted.
 */
const MAX_WAITING_HOOK_RUNS = 20;

/** One rule applied to one location. */
interface Watch {
  rule: AlarmRule;
  location: string;
  excursion: Excursion;
  /** Latest value per sensor at the location: the location is as bad as its worst sensor. */
  sensors: Map<string, { value: number; ts: number }>;
  worst?: { value: number; sensor: string };
  /** Side and most extreme value of the current excursion. */
  side?: Side;
  peak?: number;
}

export class AlarmEvaluator {
  private readonly settings: AlarmSettings;
  private readonly watches = new Map<string, Watch>();
  private readonly hooks?: HookQueue;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private publishing: Promise<void> = Promise.resolve();
  private stopped = false;

  /** Throws ConfigError when a rule is inconsistent (no threshold, bounds too close). */
  constructor(config: AlarmsConfig, private readonly options: AlarmEvaluatorOptions) {
    this.settings = resolveAlarmsConfig(config);
    this.now = options.now ?? Date.now;
    const hook = this.settings.hook;
    if (hook) {
      this.hooks = new HookQueue({
        command: hook.command,
        maxWaiting: MAX_WAITING_HOOK_RUNS,
        onFailure: (reason, job, detail) => {
          options.metrics.alarmHookFailures.inc({ reason });
          options.logger.warn({ ...job.label, reason, detail, command: hook.command[0] }, 'alarm hook failed');
        },
      });
    }
  }

  /** Starts the periodic check that raises alarms for sensors that report rarely or fell silent. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.check(), this.settings.checkIntervalMs);
    this.timer.unref(); // alarms never keep the process alive on their own
    this.options.metrics.alarmsActive.set(0);
  }

  /** Feeds one accepted reading. Synchronous and cheap; publishing and hooks run behind it. */
  observe(reading: Reading): void {
    if (this.stopped) return;
    for (const rule of this.settings.rules) {
      if (rule.location !== '*' && rule.location !== reading.location) continue;
      const value = reading[rule.measure];
      if (value === undefined) continue;
      const watch = this.watchFor(rule, reading.location);
      const last = watch.sensors.get(reading.sensor);
      // Older or repeated readings (a redelivery, a device replaying its log) must not move an
      // excursion backwards in time.
      if (last && reading.ts <= last.ts) continue;
      watch.sensors.set(reading.sensor, { value, ts: reading.ts });
      const worst = worstOf([...watch.sensors].map(([sensor, { value }]) => [sensor, value] as const), watch.rule)!;
      watch.worst = { value: worst.value, sensor: worst.key };
      const zone = classify(watch.worst.value, rule);
      if (zone.kind === 'out') trackPeak(watch, zone.side, watch.worst.value);
      const since = watch.excursion.since; // a clear ends the excursion: keep its start for the event
      const transition = watch.excursion.onReading(zone, reading.ts, this.now());
      if (transition === 'raise') this.announce('raised', watch, watch.excursion.since!);
      if (transition === 'clear') this.announce('cleared', watch, since!);
      if (watch.excursion.since === undefined) watch.side = watch.peak = undefined;
    }
  }

  /** Raises pending excursions that have lasted forMs by the gateway clock. Runs on the timer. */
  check(): void {
    if (this.stopped) return;
    const now = this.now();
    for (const watch of this.watches.values()) {
      if (watch.excursion.onTick(now) === 'raise') this.announce('raised', watch, watch.excursion.since!);
    }
  }

  /** The alarms raised now, oldest first, for the status document. */
  active(): ActiveAlarm[] {
    const alarms: ActiveAlarm[] = [];
    for (const w of this.watches.values()) {
      if (w.excursion.active) alarms.push({ rule: w.rule.id, location: w.location, since: w.excursion.since!, value: w.worst!.value });
    }
    return alarms.sort((a, b) => a.since - b.since);
  }

  /** Resolves once every event so far is published and its hook run has finished. */
  async settled(): Promise<void> {
    await this.publishing;
    await this.hooks?.idle();
  }

  /** Stops evaluating; waits for pending publishes and hook runs (each bounded by its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.settled();
  }

  private watchFor(rule: AlarmRule, location: string): Watch {
    const key = `${rule.id}\n${location}`;
    let watch = this.watches.get(key);
    if (!watch) {
      watch = { rule, location, excursion: new Excursion(rule), sensors: new Map() };
      this.watches.set(key, watch);
    }
    return watch;
  }

  private announce(state: AlarmState, watch: Watch, since: number): void {
    const { rule, location } = watch;
    const side = watch.side!;
    const event: AlarmEvent = {
      v: 1,
      state,
      gatewayId: this.options.gatewayId,
      rule: rule.id,
      location,
      measure: rule.measure,
      side,
      threshold: (side === 'above' ? rule.above : rule.below)!,
      value: watch.worst!.value,
      sensor: watch.worst!.sensor,
      peak: watch.peak!,
      since,
      at: this.now(),
      forMs: rule.forMs,
    };
    const { logger, metrics } = this.options;
    if (state === 'raised') {
      metrics.alarmsRaised.inc({ rule: rule.id });
      logger.warn({ alarm: event }, `local alarm raised: ${location} ${rule.measure} ${side} ${event.threshold}`);
    } else {
      logger.info({ alarm: event }, `local alarm cleared: ${location} ${rule.measure}`);
    }
    metrics.alarmsActive.set(this.countActive());

    const topic = alarmTopic(this.settings.topic, this.options.gatewayId, rule.id, location);
    const payload = JSON.stringify(event);
    // One chain keeps publishes in event order, so the retained message is always the latest state.
    this.publishing = this.publishing
      .then(() => this.options.publish(topic, payload, { qos: 1, retain: true }))
      .catch((err: unknown) => logger.warn({ topic, err: errorMessage(err) }, 'cannot publish a local alarm'));
    this.hooks?.push({ label: { rule: rule.id, location, state }, input: { stdin: `${payload}\n`, env: hookEnv(this.options.env ?? process.env, event), timeoutMs: this.settings.hook!.timeoutMs } });
  }

  private countActive(): number {
    let n = 0;
    for (const w of this.watches.values()) if (w.excursion.active) n++;
    return n;
  }
}
