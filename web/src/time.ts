/**
 * Times as the viewer reads them: in the viewer's time zone with the UTC offset shown
 * ("2026-03-14 09:12:05 GMT+01:00"), so a regulator comparing with an ISO export sees which
 * zone a time is in. The API speaks UTC ISO 8601 (DESIGN.md "Time").
 */
const FORMAT = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset',
});
const SHORT = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const SHORT_SECONDS = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

const toDate = (t: string | number): Date => new Date(typeof t === 'number' ? t : Date.parse(t));

/** Full local time with offset, e.g. "25/11/2026, 04:12:05 GMT+01:00" in the viewer's locale. */
export function formatTime(t: string | number): string {
  return FORMAT.format(toDate(t));
}

/** Hours and minutes (and seconds for a short span) for chart ticks; the chart caption names the zone. */
export function formatTick(t: number, seconds = false): string {
  return (seconds ? SHORT_SECONDS : SHORT).format(new Date(t));
}

/** The viewer's zone and its current offset, e.g. "Europe/Paris (GMT+01:00)". */
export function zoneLabel(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offset = FORMAT.formatToParts(new Date()).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return `${zone} (${offset})`;
}

/** A <time> element: machine-readable UTC in datetime, local time with offset as text. */
export function timeEl(t: string | number): HTMLTimeElement {
  const el = document.createElement('time');
  el.dateTime = toDate(t).toISOString();
  el.textContent = formatTime(t);
  return el;
}

/** "3 min ago", "2 h ago" — for how long since a gateway was heard. */
export function ago(t: string | number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - toDate(t).getTime()) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
