/**
 * Device timestamps as payloads write them: ISO 8601 with or without a UTC offset, Unix
 * seconds or milliseconds. A time without an offset is wall-clock time in a zone the message
 * does not name; it becomes UTC only when the configuration names that zone (an IANA name such
 * as Europe/Berlin), and even then not in the hour a daylight-saving change makes ambiguous.
 * Every function returns undefined rather than guess: the gateway clock is then used.
 */

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/i;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** How a configured timestamp field is written. `auto` tells epoch s, epoch ms and ISO apart. */
export type TimestampFormat = 'auto' | 'epoch-s' | 'epoch-ms' | 'iso';

/** Epoch values below this are seconds, above milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_MS_BOUNDARY = 1e11;

/** UTC ms of an ISO 8601 time that carries `Z` or an offset; undefined for anything else. */
export function isoWithOffset(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value)) return undefined;
  // Date.parse handles at most millisecond precision; TTS writes nanoseconds
  // ("2020-02-12T15:15:46.014773143Z", TTS data formats docs), so cut the fraction to 3 digits.
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * UTC ms of a wall-clock ISO time (`2019-01-01T00:00:00`, optional fraction) in `timeZone`.
 * Undefined when the text is not such a time, when the zone is absent, or when the local time
 * does not exist or exists twice (the daylight-saving gap and overlap).
 */
export function localIsoToUtc(value: unknown, timeZone: string | undefined): number | undefined {
  if (timeZone === undefined || typeof value !== 'string') return undefined;
  const m = ISO_LOCAL.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (!Number.isFinite(wall)) return undefined;
  // The offsets in force a day before and after cover both sides of any transition; a
  // candidate is right when the zone's offset at that instant is the one assumed.
  const candidates = new Set<number>();
  for (const probe of [wall - 86_400_000, wall, wall + 86_400_000]) {
    const offset = zoneOffsetMs(probe, timeZone);
    const instant = wall - offset;
    if (zoneOffsetMs(instant, timeZone) === offset) candidates.add(instant);
  }
  return candidates.size === 1 ? [...candidates][0] : undefined;
}

/** Whether `timeZone` is an IANA zone this Node (full ICU) knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A timestamp field read with a configured format. Numeric strings count as numbers (JSON
 * codecs often quote them). ISO without an offset needs `timeZone`.
 */
export function parseTimestamp(value: unknown, format: TimestampFormat, timeZone?: string): number | undefined {
  const numeric = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : undefined;
  switch (format) {
    case 'epoch-s':
      return numeric === undefined ? undefined : numeric * 1000;
    case 'epoch-ms':
      return numeric;
    case 'iso':
      return typeof value === 'string' ? (isoWithOffset(value) ?? localIsoToUtc(value, timeZone)) : undefined;
    case 'auto':
      if (numeric !== undefined) return numeric < SECONDS_MS_BOUNDARY ? numeric * 1000 : numeric;
      return parseTimestamp(value, 'iso', timeZone);
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC (ms) at a UTC instant, e.g. +3_600_000 for CET. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, fmt);
  }
  const whole = Math.floor(utcMs / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(whole)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - whole;
}
