/** Event times as the exports write them: at the event's own offset, as FSMA dates and EPCIS times are local. */
import { offsetMinutes } from '../events/event-id.js';

/** "2025-06-01T14:00:00.000-07:00": the instant `ms` written at `offset` ("+00:00" for "Z"). */
export function localIso(ms: number, offset: string): string {
  const minutes = offsetMinutes(offset);
  const local = new Date(ms + (minutes ?? 0) * 60_000).toISOString().slice(0, 23);
  return `${local}${minutes === undefined ? '+00:00' : offset}`;
}
