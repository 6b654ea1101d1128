/**
 * What an alarm raise or clear looks like to the outside: the JSON published on the local
 * broker and given to the hook on stdin, its topic, and the hook's environment variables.
 * Fields are only added, never renamed (`v` changes if that ever has to happen).
 */
import type { Measure } from './config.js';
import type { Side } from '../../common/excursion.js';

export type AlarmState = 'raised' | 'cleared';

export interface AlarmEvent {
  v: 1;
  state: AlarmState;
  gatewayId: string;
  rule: string;
  location: string;
  measure: Measure;
  /** Which threshold was crossed. */
  side: Side;
  threshold: number;
  /** The location's latest value (its worst sensor) when the event happened. */
  value: number;
  /** The sensor that reported `value`. */
  sensor: string;
  /** The most extreme value of the excursion so far. */
  peak: number;
  /** Reading time the excursion began, UTC ms. */
  since: number;
  /** Gateway time of this event, UTC ms. */
  at: number;
  forMs: number;
}

/**
 * <prefix>/<rule>/<location>: one retained topic per rule and location, so a subscriber gets
 * the current state of each alarm on connect. Locations may contain / + # (protocol ID_PATTERN),
 * which would add topic levels or be wildcards (MQTT-4.7.1); they are URI-encoded.
 */
export function alarmTopic(prefix: string, gatewayId: string, rule: string, location: string): string {
  return `${prefix.replaceAll('{gatewayId}', gatewayId)}/${encodeURIComponent(rule)}/${encodeURIComponent(location)}`;
}

/**
 * The hook's environment: the agent's own, without its FRESHTRAIL_* variables (they can hold
 * secrets such as FRESHTRAIL_MQTT_PASSWORD), plus the event as FRESHTRAIL_ALARM_* variables.
 */
export function hookEnv(base: NodeJS.ProcessEnv, event: AlarmEvent): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) if (!key.startsWith('FRESHTRAIL_')) env[key] = value;
  return {
    ...env,
    FRESHTRAIL_GATEWAY_ID: event.gatewayId,
    FRESHTRAIL_ALARM_STATE: event.state,
    FRESHTRAIL_ALARM_RULE: event.rule,
    FRESHTRAIL_ALARM_LOCATION: event.location,
    FRESHTRAIL_ALARM_MEASURE: event.measure,
    FRESHTRAIL_ALARM_SIDE: event.side,
    FRESHTRAIL_ALARM_THRESHOLD: String(event.threshold),
    FRESHTRAIL_ALARM_VALUE: String(event.value),
    FRESHTRAIL_ALARM_SENSOR: event.sensor,
    FRESHTRAIL_ALARM_PEAK: String(event.peak),
    FRESHTRAIL_ALARM_SINCE: String(event.since),
    FRESHTRAIL_ALARM_AT: String(event.at),
  };
}
