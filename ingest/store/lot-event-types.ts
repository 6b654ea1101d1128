/**
 * Store types of lot events (issue 6): FSMA 204 CTE records and EPCIS events (ingest/events)
 * kept as recorded, the lots each one names, the lineage transformations create, and the
 * custody intervals derived from them (the same `lot_custody` the lot API writes). Trace walks
 * the lineage back to the harvest or forward to the current holders.
 */
import type { LotEvent } from '../events/types.js';

/** How an event names a lot: a transformation's input or output, or the subject of any other CTE. */
export type LotLineRole = 'input' | 'output' | 'subject';

export interface StoredLotEvent {
  /** As recorded; `contacts` is `{}` once erased. */
  event: LotEvent;
  recordedAt: number;
}

export interface RecordEventResult {
  eventId: string;
  /** duplicate: the same eventId with the same content is stored already; nothing changed. */
  status: 'created' | 'duplicate';
}

export type TraceDirection = 'back' | 'forward';

export interface TraceLimits {
  /** Most transformation steps walked from the lot (≥ 1). */
  maxDepth: number;
  /** Most lineage edges returned; more make the trace `truncated`. */
  maxEdges: number;
}

/** A lot in a trace: `depth` transformation steps away from the traced lot (0: the lot itself). */
export interface TraceNode {
  tlc: string;
  commodity: string;
  productDescription?: string;
  createdAt: number;
  /** The event that assigned the TLC; absent for lots created through the lot API. */
  assignedBy?: string;
  depth: number;
}

/** A transformation made `to` (a lot) from `from` (a lot). */
export interface TransformationEdge {
  kind: 'transformation';
  from: string;
  to: string;
  eventId: string;
  time: number;
}

/** A shipping event moved `lot` from location `from` to location `to`. */
export interface ShipmentEdge {
  kind: 'shipment';
  lot: string;
  from: string;
  to: string;
  eventId: string;
  time: number;
}

export type TraceEdge = TransformationEdge | ShipmentEdge;

/** A location a lot of the trace was shipped to or received at. */
export interface LotVisit {
  lot: string;
  location: string;
  kind: 'shipped_to' | 'received_at';
  eventId: string;
  time: number;
}

/** Who holds a lot now: an open custody interval. */
export interface LotHolder {
  lot: string;
  location: string;
  since: number;
}

/** Where a root lot of a back trace came from. */
export interface LotOrigin {
  lot: string;
  /** How the lot entered traceability. */
  via: 'initial_packing' | 'exempt_receiving' | 'lot_api' | 'other';
  eventId?: string;
  /** The packing or receiving location; for lot_api the lot's first custody is not looked up. */
  location?: string;
  time: number;
  farmLocation?: string;
  fieldName?: string;
  harvestDate?: string;
  commodity?: string;
  /** Harvesting and cooling events of the same harvest (farm, commodity, harvest/cooling date). */
  harvestEvents: string[];
}

export interface LotTrace {
  lot: string;
  direction: TraceDirection;
  maxDepth: number;
  /** The depth or edge limit cut the walk short. */
  truncated: boolean;
  nodes: TraceNode[];
  edges: TraceEdge[];
  locations: LotVisit[];
  /** Forward traces only: open custody intervals of every lot in the trace. */
  holders: LotHolder[];
  /** Back traces only: one per root lot (a lot without parents in the trace). */
  origins: LotOrigin[];
}

/** Readings at `location` with fromTs ≤ ts < toTs. */
export interface ReadingSpan {
  location: string;
  fromTs: number;
  toTs: number;
}

export interface Stats {
  min: number;
  max: number;
  mean: number;
}

export interface ReadingSummary {
  readings: number;
  tempC?: Stats;
  rh?: Stats;
}

export interface LotEventStore {
  /**
   * Records events in order, in one transaction: all or none. Idempotent on eventId (same
   * content: 'duplicate'; other content: FT_ERR_CONFLICT). Enforces the TLC rule (21 CFR
   * 1.1320, ingest/events/tlc.ts): an assigned TLC must be new (FT_ERR_CONFLICT), a referenced
   * one must exist, possibly assigned by an earlier event of the same call (FT_ERR_SCHEMA).
   * Errors name the event's index in `events` and its id. Derives custody (docs/events.md §7).
   */
  recordEvents(events: readonly LotEvent[], recordedAt: number): Promise<RecordEventResult[]>;
  getEvent(eventId: string): Promise<StoredLotEvent | undefined>;
  /** Events naming `tlc` (as input, output or subject), by event time then eventId. */
  lotEvents(tlc: string): Promise<StoredLotEvent[]>;
  /** Erases an event's personal data (contacts); false for an unknown eventId. */
  eraseEventContacts(eventId: string): Promise<boolean>;
  /** The lot's lineage graph one way; undefined for an unknown lot. */
  trace(tlc: string, direction: TraceDirection, limits: TraceLimits): Promise<LotTrace | undefined>;
  /** Count, min, max and mean of temperature and humidity per span, in span order, in one query. */
  readingSummaries(spans: readonly ReadingSpan[]): Promise<ReadingSummary[]>;
}
