/**
 * `sensor_silent` alerts (config `alerts.silentSensors`): a periodic check that raises one
 * alert per sensor not heard for `afterMinutes` — a dead battery, an unplugged probe, a gateway
 * offline. "Heard" is the receivedAt of the latest batch carrying one of the sensor's readings
 * (sensor_activity, kept by the after-commit consumer ./sensor-activity.ts), so a gateway's
 * backlog arriving late ends the silence when it arrives. One sensor is one
 * (gateway, location, sensor): the same sensor name behind two gateways is two sensors.
 *
 * The dedupe key is `silent:<gateway>:<location>:<sensor>`. While a silence lasts, every run
 * bumps its alert; the consumer resolves it when the sensor is heard again.
 *
 * Removed sensors — one alert per silence: a silence is identified by the time the sensor was
 * last heard, and the monitor marks the silence it raised an alert for (sensor_activity
 * .alerted_silence). Once that alert is resolved while the sensor is still silent — by a person,
 * since the service resolves it only when the sensor is heard again — the monitor leaves that
 * silence alone: resolving the alert of a removed sensor ends it for good. If the sensor is
 * heard again and then falls silent, that is a new silence and a new alert. Silences that began
 * more than `forgetAfterDays` ago and were never alerted (sensors removed before this check was
 * enabled, or while it was off) raise nothing.
 *
 * Races with the consumer (which may run on another instance): after opening an alert the
 * monitor marks the silence only if the sensor is still unheard; if it was heard meanwhile the
 * monitor resolves the alert itself. And each run resolves the not-resolved silent alerts (in
 * its locations) whose sensor is no longer silent, so no alert stays open after a crash between
 * two steps or a change of afterMinutes.
 */
import type { Logger } from '../../common/log.js';
import type { Alert, AlertInput, AlertSeverity } from '../store/integrity-types.js';
import type { SensorActivityRow, SensorKey } from '../store/sensor-activity-types.js';
import type { Store } from '../store/types.js';
import { locationMatches } from './location-pattern.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Most not-resolved silent alerts read per run; beyond it some are neither bumped nor swept this run. */
const MAX_OPEN_ALERTS = 10_000;

/** The dedupe key of a sensor's silence alert. */
export function silentSensorKey(s: SensorKey): string {
  return `silent:${s.gateway}:${s.location}:${s.sensor}`;
}

export interface SilentSensorMonitorOptions {
  store: Store;
  /** A sensor not heard for this long is silent (> 0). */
  afterMinutes: number;
  severity: AlertSeverity;
  /** Only sensors at these locations: an exact location, or a prefix ending in '*'. All when undefined. */
  locations?: string;
  /** A silence that began longer ago than this and was never alerted raises nothing. Default 7. */
  forgetAfterDays?: number;
  /** Sensors read per store call. Default 500. */
  pageSize?: number;
  logger: Logger;
}

/** What one run did. */
export interface SilentSensorSummary {
  /** Sensors in scope not heard for afterMinutes. */
  silent: number;
  /** Alerts opened, and bumped. */
  opened: number;
  bumped: number;
  /** Silent sensors left alone because their alert was resolved (by a person) during this silence. */
  dismissed: number;
  /** Silent sensors left alone because the silence began before forgetAfterDays and was never alerted. */
  forgotten: number;
  /** Alerts resolved because the sensor was heard again. */
  resolved: number;
}

export class SilentSensorMonitor {
  private readonly afterMs: number;
  private readonly forgetMs: number;
  private readonly pageSize: number;

  constructor(private readonly options: SilentSensorMonitorOptions) {
    if (!(options.afterMinutes > 0)) throw new RangeError('afterMinutes must be above 0');
    this.afterMs = options.afterMinutes * MINUTE;
    this.forgetMs = (options.forgetAfterDays ?? 7) * DAY;
    this.pageSize = options.pageSize ?? 500;
  }

  /** One pass at time `now` (UTC ms). Throws when the store fails; the next run picks up where this one stopped. */
  async runOnce(now: number): Promise<SilentSensorSummary> {
    const { store } = this.options;
    const summary: SilentSensorSummary = { silent: 0, opened: 0, bumped: 0, dismissed: 0, forgotten: 0, resolved: 0 };
    // Read before the sensors: an alert this run opens is then never taken for a stale one below.
    const notResolved = (await store.listAlerts({ kind: 'sensor_silent', status: ['open', 'acknowledged'], limit: MAX_OPEN_ALERTS })).filter((a) => this.inScope(a.subject));
    const openKeys = new Set(notResolved.map((a) => a.dedupeKey));
    const silentKeys = new Set<string>();
    let after: SensorKey | undefined;
    for (;;) {
      const page = await store.listSensorActivity({ silentSince: now - this.afterMs, limit: this.pageSize, ...(after ? { after } : {}) });
      const toRaise: SensorActivityRow[] = [];
      for (const sensor of page) {
        if (!this.inScope(sensor.location)) continue;
        const key = silentSensorKey(sensor);
        silentKeys.add(key);
        summary.silent++;
        if (!this.leftAlone(sensor, openKeys.has(key), now, summary)) toRaise.push(sensor);
      }
      await this.raise(toRaise, now, summary);
      if (page.length < this.pageSize) break;
      after = page[page.length - 1];
    }
    for (const alert of notResolved) if (!silentKeys.has(alert.dedupeKey)) await this.resolveHeard(alert, now, summary);
    return summary;
  }

  /** True (counted) for a silent sensor without a not-resolved alert that gets none: dismissed or forgotten. */
  private leftAlone(sensor: SensorActivityRow, open: boolean, now: number, summary: SilentSensorSummary): boolean {
    if (open) return false;
    if (sensor.alertedSilence === sensor.lastReceivedAt) {
      summary.dismissed++; // resolved while still silent: by a person, who was told
      return true;
    }
    if (sensor.lastReceivedAt < now - this.forgetMs) {
      summary.forgotten++;
      return true;
    }
    return false;
  }

  /** Raises (opens or bumps) the alerts of a page's silent sensors in one store call, then marks their silences. */
  private async raise(sensors: readonly SensorActivityRow[], now: number, summary: SilentSensorSummary): Promise<void> {
    const { store } = this.options;
    const raised = await store.raiseAlerts(sensors.map((s) => this.alertFor(s, silentSensorKey(s), now)));
    for (const [i, { alert, opened }] of raised.entries()) {
      const sensor = sensors[i]!;
      if (opened) summary.opened++;
      else summary.bumped++;
      if (opened) this.options.logger.warn({ gateway: sensor.gateway, location: sensor.location, sensor: sensor.sensor, lastReceivedAt: sensor.lastReceivedAt }, 'sensor silent: alert raised');
      // A new alert (or one not yet marked) belongs to this silence only if the sensor is still unheard.
      const alerted = sensor.alertedSilence === sensor.lastReceivedAt;
      if ((opened || !alerted) && !(await store.markSilenceAlerted(sensor, sensor.lastReceivedAt))) {
        if (await store.resolveAlert(alert.dedupeKey, now)) summary.resolved++;
      }
    }
  }

  private async resolveHeard(alert: Alert, now: number, summary: SilentSensorSummary): Promise<void> {
    if (!(await this.options.store.resolveAlert(alert.dedupeKey, now))) return;
    summary.resolved++;
    this.options.logger.info({ dedupeKey: alert.dedupeKey }, 'sensor heard again: silent alert resolved');
  }

  private alertFor(s: SensorActivityRow, key: string, now: number): AlertInput {
    const silentFor = duration(now - s.lastReceivedAt);
    return {
      kind: 'sensor_silent',
      severity: this.options.severity,
      subject: s.location,
      gateway: s.gateway,
      dedupeKey: key,
      message:
        `sensor "${s.sensor}" at ${s.location} (gateway "${s.gateway}") has sent nothing for ${silentFor}: ` +
        `check its battery and probe cable; if the gateway's other sensors are silent too, check the gateway's power and network. ` +
        `If the sensor was removed for good, resolve this alert: it is not raised again until the sensor reports and falls silent anew.`,
      details: { gateway: s.gateway, location: s.location, sensor: s.sensor, lastReadingAt: new Date(s.lastTs).toISOString(), lastReceivedAt: new Date(s.lastReceivedAt).toISOString() },
      at: now,
    };
  }

  private inScope(location: string | undefined): boolean {
    return locationMatches(this.options.locations, location);
  }
}

/** "45 min", "3 h", "2 days": how long, for people. */
function duration(ms: number): string {
  const minutes = Math.floor(ms / MINUTE);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}
