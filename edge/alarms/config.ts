/**
 * Configuration of local alarms (`alarms:` in edge.yaml): threshold rules evaluated on the
 * gateway, so a warm cold room is signalled on site even with no uplink. The schema
 * descriptions are the user documentation; resolveAlarmsConfig applies defaults and the
 * cross-field checks a schema cannot express.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../../common/config.js';
import { ID_PATTERN } from '../../protocol/reading.js';

export const ALARMS_CONFIG_KEY = 'alarms';

export type Measure = 'tempC' | 'rh';

export const ALARM_DEFAULTS = {
  topic: 'freshtrail/v1/gateways/{gatewayId}/alarms',
  checkIntervalMs: 10_000,
  clearAfterMs: 0,
  hookTimeoutMs: 10_000,
  // Default hysteresis per measure: five times the repeatability of a typical cold-room sensor
  // (Sensirion SHT20 datasheet v3, 2011: 0.1 °C and 0.1 %RH repeatability) for temperature, and
  // twice its humidity hysteresis (1 %RH) for RH, so noise at a threshold cannot flap an alarm.
  hysteresis: { tempC: 0.5, rh: 2 } satisfies Record<Measure, number>,
} as const;

const RuleIdSchema = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  description: 'Rule name, unique among the rules; it appears in the MQTT topic, hook environment, logs and the `rule` metric label (letters, digits, _ . -; at most 64).',
});

export const AlarmRuleSchema = Type.Object(
  {
    id: RuleIdSchema,
    location: Type.String({
      pattern: ID_PATTERN.source,
      description: "Location id the rule watches (as the inputs assign it, e.g. cold-room-1), or '*' for every location; each location then has its own alarm.",
    }),
    measure: Type.Union([Type.Literal('tempC'), Type.Literal('rh')], { description: "What to watch: 'tempC' (air temperature, °C) or 'rh' (relative humidity, %)." }),
    above: Type.Optional(Type.Number({ description: 'Alarm when the value is above this (strictly). Set above, below or both.' })),
    below: Type.Optional(Type.Number({ description: 'Alarm when the value is below this (strictly), e.g. 0 °C for produce that freezes just below zero.' })),
    forMs: Type.Integer({
      minimum: 0,
      maximum: 7 * 24 * 3_600_000,
      description: 'How long (ms, by reading timestamps) the value must stay beyond the threshold before the alarm is raised, e.g. 900000 for 15 minutes. Short door openings stay below it. 0 raises on the first reading beyond it.',
    }),
    hysteresis: Type.Optional(
      Type.Number({ minimum: 0, description: 'The alarm clears only once the value is back inside by this margin (above − hysteresis, below + hysteresis). Default 0.5 for tempC (°C), 2 for rh (%).' }),
    ),
    clearAfterMs: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 7 * 24 * 3_600_000, default: ALARM_DEFAULTS.clearAfterMs, description: 'The value must stay back inside (by the hysteresis margin) for this long (ms, by reading timestamps) before the alarm clears. Default 0: the first such reading clears it.' }),
    ),
  },
  { additionalProperties: false },
);

export const AlarmsSchema = Type.Object(
  {
    rules: Type.Optional(Type.Array(AlarmRuleSchema, { default: [], description: 'Threshold rules. Default none.' })),
    topic: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: '^[^+#]*[^/+#]$',
        default: ALARM_DEFAULTS.topic,
        description: 'Topic prefix on the local broker; each alarm state is published retained at QoS 1 on <topic>/<rule>/<location> (the location URI-encoded, so / + # become %2F %2B %23). {gatewayId} is replaced by the gateway id. Keep it under freshtrail/: the local broker refuses client publishes there, so no device can forge or clear an alarm. Default freshtrail/v1/gateways/{gatewayId}/alarms.',
      }),
    ),
    checkIntervalMs: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 600_000,
        default: ALARM_DEFAULTS.checkIntervalMs,
        description: 'How often (ms) alarms are also checked against the gateway clock, so one is raised when a sensor stays beyond its threshold but reports rarely or has gone silent. Readings raise alarms immediately; this only bounds how late a timer-raised alarm can be. Default 10000.',
      }),
    ),
    hook: Type.Optional(
      Type.Object(
        {
          command: Type.Array(Type.String({ minLength: 1 }), {
            minItems: 1,
            description: 'Program and arguments run on every raise and clear, without a shell, e.g. ["/usr/local/bin/siren", "--on-alarm"]. It gets the event JSON on stdin and FRESHTRAIL_ALARM_* environment variables; runs one at a time, in order.',
          }),
          timeoutMs: Type.Optional(
            Type.Integer({ minimum: 100, maximum: 600_000, default: ALARM_DEFAULTS.hookTimeoutMs, description: 'A run still going after this long (ms) is killed (its process group, SIGKILL) and counted as failed. Default 10000.' }),
          ),
        },
        { additionalProperties: false, description: 'Optional command to run on alarm events (a siren, an SMS modem script). Failures are logged and counted, never fatal.' },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);

export type AlarmRuleConfig = Static<typeof AlarmRuleSchema>;
export type AlarmsConfig = Static<typeof AlarmsSchema>;

/** A rule with every default applied. */
export interface AlarmRule {
  id: string;
  /** A location id, or '*' for all. */
  location: string;
  measure: Measure;
  above?: number;
  below?: number;
  forMs: number;
  hysteresis: number;
  clearAfterMs: number;
}

export interface AlarmSettings {
  rules: AlarmRule[];
  /** Topic prefix with {gatewayId} still in it. */
  topic: string;
  checkIntervalMs: number;
  hook?: { command: string[]; timeoutMs: number };
}

/** @param source prefixes error messages, e.g. the config file path */
export function resolveAlarmsConfig(config: AlarmsConfig, source?: string): AlarmSettings {
  const seen = new Set<string>();
  const rules = (config.rules ?? []).map((rule, i): AlarmRule => {
    const where = `${source ? `${source}: ` : ''}${ALARMS_CONFIG_KEY}.rules[${i}] (${rule.id})`;
    if (seen.has(rule.id)) throw new ConfigError(`${where}: rule id ${rule.id} is used twice`);
    seen.add(rule.id);
    if (rule.above === undefined && rule.below === undefined) throw new ConfigError(`${where}: set above, below or both`);
    const hysteresis = rule.hysteresis ?? ALARM_DEFAULTS.hysteresis[rule.measure];
    // With both bounds the value must be able to sit inside both by the margin, or no alarm could ever clear.
    if (rule.above !== undefined && rule.below !== undefined && rule.above - rule.below <= 2 * hysteresis) {
      throw new ConfigError(`${where}: above (${rule.above}) must exceed below (${rule.below}) by more than twice the hysteresis (${hysteresis})`);
    }
    return {
      id: rule.id,
      location: rule.location,
      measure: rule.measure,
      above: rule.above,
      below: rule.below,
      forMs: rule.forMs,
      hysteresis,
      clearAfterMs: rule.clearAfterMs ?? ALARM_DEFAULTS.clearAfterMs,
    };
  });
  return {
    rules,
    topic: config.topic ?? ALARM_DEFAULTS.topic,
    checkIntervalMs: config.checkIntervalMs ?? ALARM_DEFAULTS.checkIntervalMs,
    hook: config.hook && { command: config.hook.command, timeoutMs: config.hook.timeoutMs ?? ALARM_DEFAULTS.hookTimeoutMs },
  };
}
