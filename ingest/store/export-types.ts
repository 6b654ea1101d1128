/**
 * Store reads of the exports (issue 6, docs/events.md §10): the events of some lots with the
 * harvest records that lead to them, and every event of a time range page by page, so that an
 * FSMA 204 spreadsheet or an EPCIS document is written without loading a whole range at once.
 */
import type { StoredLotEvent } from './lot-event-types.js';

/** A position in (eventTime, eventId) order: the last event of the previous page. */
export interface EventCursor {
  eventTime: number;
  eventId: string;
}

/** Events with fromTs ≤ eventTime < toTs, strictly after `after`, at most `limit`. */
export interface EventRangePage {
  fromTs: number;
  toTs: number;
  after?: EventCursor;
  limit: number;
}

export interface ExportStore {
  /**
   * Every event naming one of `tlcs` (as input, output or subject), and the harvesting and
   * cooling events of the harvests their initial packing events name (same farm and commodity,
   * harvest date — cooling date for cooling records — as the trace's origins match them), each
   * once, by eventTime then eventId (byte order). Contacts included (`{}` once erased).
   */
  eventsOfLots(tlcs: readonly string[]): Promise<StoredLotEvent[]>;
  /** One page of the events of a time range, by eventTime then eventId (byte order), with contacts. */
  eventsInRange(page: EventRangePage): Promise<StoredLotEvent[]>;
}
