/**
 * The internal lot-event model: one shape for FreshTrail CTE records (cte.ts) and GS1 EPCIS 2.0
 * events (epcis.ts), built so the later views are plain reads of it — custody intervals
 * (`location`, `from`, `to`, `eventTime`, `lots`), lineage (`inputs` → `outputs`, `from` → `to`),
 * the FSMA 204 sortable spreadsheet (`kdes` + `lots`, one row per lot or per transformation
 * input), EPCIS export (`epcis` keeps what FSMA has no place for) and digests (everything but
 * `contacts`, which holds the only personal data and can be erased).
 */
import type {
  CoolingKdes,
  HarvestingKdes,
  InitialPackingKdes,
  ReceivingKdes,
  ShippingKdes,
  TransformationKdes,
} from './kdes.js';

/** Any JSON value, as parsed: what an EPCIS extension or sensor report may hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** FSMA 204 Critical Tracking Events (21 CFR 1.1310) plus `observation` for EPCIS events that
 * are no CTE (sensor_reporting, inspecting, an aggregation while storing, ...). First land-based
 * receiving (seafood) is out of scope. */
export type Cte =
  | 'harvesting'
  | 'cooling'
  | 'initial_packing'
  | 'shipping'
  | 'receiving'
  | 'transformation'
  | 'observation';

export const CTES: readonly Cte[] = [
  'harvesting',
  'cooling',
  'initial_packing',
  'shipping',
  'receiving',
  'transformation',
  'observation',
];

/** A quantity of one traceability lot. */
export interface LotQuantity {
  /** Traceability lot code (21 CFR 1.1310). From EPCIS: the lot-level epcClass exactly as given
   * (`urn:epc:class:lgtin:...` or a GS1 Digital Link URI with AI 10), see lgtin.ts. */
  tlc: string;
  /** Absent only for EPCIS quantity elements without a quantity. */
  quantity?: number;
  /** UN/ECE Rec 20 code (KGM, CS) or a plain unit ("cases"), as given. */
  unitOfMeasure?: string;
  productDescription?: string;
}

/** A business document that evidences the event: BOL, invoice, PO, production log (KDE
 * "reference document type and number"; EPCIS bizTransactionList). */
export interface ReferenceDocument {
  /** Short form: "bol", "inv", "po", "desadv", or a free word for CTE records. */
  type: string;
  number: string;
}

/** Personal data: names, phone numbers, e-mail addresses. Kept apart so hashed and anchored
 * content never contains it and it can be erased on request; nothing else in the model may
 * hold personal data. */
export interface Contacts {
  /** Harvester's business phone (21 CFR 1.1325(a)(2), 1.1330(a)(7)). */
  harvesterPhone?: string;
  contactName?: string;
  contactPhone?: string;
  contactEmail?: string;
}

/** Identifies a harvest before any TLC exists: how harvesting and cooling records link to the
 * initial packer's record, which names the same farm, field, commodity and harvest date. */
export interface HarvestRef {
  farmLocation: string;
  commodity: string;
  fieldName?: string;
  /** YYYY-MM-DD; cooling records do not carry it. */
  harvestDate?: string;
}

/** Where a record came from. */
export type EventSource = 'freshtrail-cte' | 'epcis';

/** The EPCIS event type and the fields FSMA has no column for, kept for EPCIS export. */
export interface EpcisDetails {
  type: 'ObjectEvent' | 'AggregationEvent' | 'TransformationEvent';
  action?: 'ADD' | 'OBSERVE' | 'DELETE';
  /** CBV short name ("shipping") when the input used a CBV term in any of its three forms,
   * otherwise the URI as given. */
  bizStep?: string;
  disposition?: string;
  readPoint?: string;
  bizLocation?: string;
  /** Instance-level identifiers (SGTIN, SSCC, ...) as given: epcList, inputEPCList, outputEPCList. */
  epcs?: string[];
  inputEpcs?: string[];
  /** Quantity elements whose epcClass is not lot-level (e.g. `urn:epc:idpat:sgtin:...*`). */
  otherClasses?: Array<{ epcClass: string; quantity?: number; uom?: string }>;
  transformationId?: string;
  ilmd?: { [key: string]: JsonValue };
  /** sourceList / destinationList as given, types reduced to CBV short names. */
  sources?: Array<{ type: string; id: string }>;
  destinations?: Array<{ type: string; id: string }>;
}

/** An EPCIS AggregationEvent: children packed into (ADD), seen in (OBSERVE) or taken out of
 * (DELETE) a parent such as a pallet SSCC. Lineage follows the parent to its children. */
export interface Aggregation {
  action: 'ADD' | 'OBSERVE' | 'DELETE';
  /** Required for ADD and DELETE (EPCIS 2.0 §7.4.3); may be absent for OBSERVE. */
  parentId?: string;
  childEpcs: string[];
  /** Lot-level children (childQuantityList): the same as the event's `lots`. */
  children: LotQuantity[];
}

interface LotEventBase {
  /** Stable id: the client's or derived for CTE records, the eventID or a derived hash for
   * EPCIS (event-id.ts). Re-sending the same record gives the same id. */
  eventId: string;
  source: EventSource;
  /** UTC milliseconds. */
  eventTime: number;
  /** "+02:00" / "-07:00": the local offset where the event happened ("Z" is written "+00:00"). */
  eventTimeZoneOffset: string;
  /** Where it happened: a FreshTrail location id or a GLN/SGLN URN, as given. */
  location: string;
  /** The lots the event is about: harvested/cooled lots have none (no TLC yet); packed,
   * shipped, received, observed or aggregated lots; a transformation's outputs. */
  lots: LotQuantity[];
  /** Custody hand-over: shipped from → to, received from → at; harvest/cooling → recipient. */
  from?: string;
  to?: string;
  commodity?: string;
  variety?: string;
  productDescription?: string;
  referenceDocuments: ReferenceDocument[];
  /** Location description of the TLC source (where the TLC was assigned). */
  tlcSource?: string;
  tlcSourceReference?: string;
  /** The harvest this record belongs to (harvesting, cooling, initial packing). */
  harvest?: HarvestRef;
  /** Names of required KDEs the input did not carry. Always empty for CTE records (they are
   * refused instead); for EPCIS events the FSMA gaps a spreadsheet export must flag. */
  missingKdes: string[];
  contacts: Contacts;
  /** Present for EPCIS input. */
  epcis?: EpcisDetails;
  /** Present for EPCIS AggregationEvents. */
  aggregation?: Aggregation;
  /** EPCIS sensorElementList exactly as given. */
  sensorElementList?: JsonValue[];
}

export interface HarvestingEvent extends LotEventBase { cte: 'harvesting'; kdes: Partial<HarvestingKdes> }
export interface CoolingEvent extends LotEventBase { cte: 'cooling'; kdes: Partial<CoolingKdes> }
export interface InitialPackingEvent extends LotEventBase { cte: 'initial_packing'; kdes: Partial<InitialPackingKdes> }
export interface ShippingEvent extends LotEventBase { cte: 'shipping'; kdes: Partial<ShippingKdes> }
export interface ReceivingEvent extends LotEventBase { cte: 'receiving'; kdes: Partial<ReceivingKdes> }
export interface TransformationEvent extends LotEventBase {
  cte: 'transformation';
  kdes: Partial<TransformationKdes>;
  /** Lots used, with the quantity used from each (21 CFR 1.1350(a)(1)). */
  inputs: LotQuantity[];
  /** New lots; the same array as `lots`. */
  outputs: LotQuantity[];
}
export interface ObservationEvent extends LotEventBase { cte: 'observation'; kdes: Record<string, never> }

/**
 * One lot event. The KDE record is complete for CTE records (`missingKdes` is empty) and holds
 * what an EPCIS event carries otherwise; top-level fields are the normalized view of it.
 */
export type LotEvent =
  | HarvestingEvent
  | CoolingEvent
  | InitialPackingEvent
  | ShippingEvent
  | ReceivingEvent
  | TransformationEvent
  | ObservationEvent;
