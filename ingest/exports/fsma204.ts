/**
 * The FDA electronic sortable spreadsheet of 21 CFR 1.1455(c)(3)(ii): one row per CTE event per
 * lot, and for a transformation one row per input lot (per output lot when it made several),
 * all rows of one event linked by its Event ID. Columns are the KDEs under the labels of
 * KDE_TABLE (ingest/events/kdes.ts), in the fixed order of {@link FSMA204_COLUMNS}
 * (docs/events.md §10); personal data comes from the event's separate `contacts`.
 */
import { localDate } from '../events/event-id.js';
import { DATE_KDE, KDE_TABLE, type RecordCte } from '../events/kdes.js';
import type { Cte, LotEvent, LotQuantity } from '../events/types.js';
import { csvRecord } from './csv.js';
import { localIso } from './local-time.js';

/** One spreadsheet row: an event and the lot the row is about (and, for a transformation, the input lot). */
export interface FsmaRow {
  event: LotEvent;
  lot?: LotQuantity;
  input?: LotQuantity;
}

export interface FsmaColumn {
  header: string;
  /** Where the value comes from, for the docs. */
  source: string;
  value(row: FsmaRow): string | number | undefined;
}

/** The KDE label of a field, straight from KDE_TABLE so headers and KDE names never drift apart. */
const label = (cte: RecordCte, field: string): string => {
  const info = KDE_TABLE[cte][field];
  if (!info) throw new Error(`no KDE ${cte}.${field}`);
  return info.label;
};

const CTE_NAMES: Record<Cte, string> = {
  harvesting: 'Harvesting',
  cooling: 'Cooling',
  initial_packing: 'Initial Packing',
  shipping: 'Shipping',
  receiving: 'Receiving',
  transformation: 'Transformation',
  observation: 'Observation (EPCIS, no CTE)',
};

const kde = (r: FsmaRow, field: string): string | number | undefined => {
  const v = (r.event.kdes as Record<string, unknown>)[field];
  return typeof v === 'string' || typeof v === 'number' ? v : undefined;
};
const when = <T>(r: FsmaRow, ctes: readonly Cte[], value: () => T): T | undefined => (ctes.includes(r.event.cte) ? value() : undefined);

/** The columns, in order. Changing this order changes the documented export format. */
export const FSMA204_COLUMNS: readonly FsmaColumn[] = [
  { header: 'Event ID', source: 'eventId (links the rows of one transformation)', value: (r) => r.event.eventId },
  { header: 'CTE', source: 'cte', value: (r) => CTE_NAMES[r.event.cte] },
  { header: label('shipping', 'traceabilityLotCode'), source: 'the row\'s lot: packed, shipped, received or observed lot; a transformation\'s new (output) lot; empty for harvesting and cooling (no TLC yet, §1.1320)', value: (r) => r.lot?.tlc },
  { header: label('shipping', 'productDescription'), source: 'the lot\'s productDescription, else the event\'s', value: (r) => r.lot?.productDescription ?? r.event.productDescription },
  { header: label('shipping', 'quantity'), source: 'the lot\'s quantity; harvesting/cooling: KDE quantity', value: (r) => r.lot?.quantity ?? kde(r, 'quantity') },
  { header: label('shipping', 'unitOfMeasure'), source: 'the lot\'s unitOfMeasure; harvesting/cooling: KDE unitOfMeasure', value: (r) => r.lot?.unitOfMeasure ?? kde(r, 'unitOfMeasure') },
  { header: 'Location', source: 'location: where the CTE happened (farm, cooler, packhouse, ship-from, receiving or transformation location)', value: (r) => r.event.location },
  { header: label('shipping', 'shipFromLocation'), source: 'shipping: shipFromLocation', value: (r) => when(r, ['shipping'], () => kde(r, 'shipFromLocation') ?? r.event.from) },
  {
    header: `${label('shipping', 'shipToLocation')} / ${label('harvesting', 'subsequentRecipientLocation')}`,
    source: 'shipping: shipToLocation; harvesting, cooling: subsequentRecipientLocation',
    value: (r) => when(r, ['shipping'], () => kde(r, 'shipToLocation') ?? r.event.to) ?? when(r, ['harvesting', 'cooling'], () => kde(r, 'subsequentRecipientLocation') ?? r.event.to),
  },
  { header: label('receiving', 'immediatePreviousSourceLocation'), source: 'receiving: immediatePreviousSourceLocation', value: (r) => when(r, ['receiving'], () => kde(r, 'immediatePreviousSourceLocation') ?? r.event.from) },
  { header: 'Event Date', source: 'the CTE\'s date KDE (harvestDate, coolingDate, packingDate, shipDate, receiveDate, transformationDate); EPCIS observations: local date of eventTime', value: (r) => (r.event.cte === 'observation' ? undefined : kde(r, DATE_KDE[r.event.cte])) ?? localDate(r.event.eventTime, r.event.eventTimeZoneOffset) },
  { header: 'Event Time', source: 'eventTime at eventTimeZoneOffset (RFC 3339)', value: (r) => localIso(r.event.eventTime, r.event.eventTimeZoneOffset) },
  { header: label('shipping', 'tlcSource'), source: 'tlcSource (initial packing: packingLocation; transformation: transformationLocation)', value: (r) => r.event.tlcSource ?? kde(r, 'tlcSource') },
  { header: label('shipping', 'tlcSourceReference'), source: 'tlcSourceReference', value: (r) => r.event.tlcSourceReference ?? kde(r, 'tlcSourceReference') },
  { header: 'Reference Document Type', source: 'referenceDocuments[].type, "; " between documents', value: (r) => r.event.referenceDocuments.map((d) => d.type).join('; ') },
  { header: 'Reference Document Number', source: 'referenceDocuments[].number, in the same order', value: (r) => r.event.referenceDocuments.map((d) => d.number).join('; ') },
  { header: label('harvesting', 'commodity'), source: 'commodity', value: (r) => r.event.commodity ?? kde(r, 'commodity') ?? r.event.harvest?.commodity },
  { header: label('harvesting', 'variety'), source: 'variety', value: (r) => r.event.variety ?? kde(r, 'variety') },
  { header: label('harvesting', 'farmLocation'), source: 'farmLocation (harvesting, cooling, initial packing)', value: (r) => kde(r, 'farmLocation') ?? r.event.harvest?.farmLocation },
  { header: label('harvesting', 'fieldName'), source: 'fieldName', value: (r) => kde(r, 'fieldName') ?? r.event.harvest?.fieldName },
  { header: label('harvesting', 'harvestDate'), source: 'harvestDate', value: (r) => kde(r, 'harvestDate') ?? r.event.harvest?.harvestDate },
  { header: label('harvesting', 'harvesterBusinessName'), source: 'harvesterBusinessName', value: (r) => kde(r, 'harvesterBusinessName') },
  { header: label('harvesting', 'harvesterPhone'), source: 'contacts.harvesterPhone (personal data; empty once erased)', value: (r) => r.event.contacts.harvesterPhone },
  { header: label('cooling', 'coolingLocation'), source: 'coolingLocation (cooling, initial packing)', value: (r) => kde(r, 'coolingLocation') },
  { header: label('cooling', 'coolingDate'), source: 'coolingDate (cooling, initial packing)', value: (r) => kde(r, 'coolingDate') },
  { header: label('initial_packing', 'receivedDate'), source: 'initial packing: receivedDate', value: (r) => kde(r, 'receivedDate') },
  { header: label('initial_packing', 'receivedQuantity'), source: 'initial packing: receivedQuantity', value: (r) => kde(r, 'receivedQuantity') },
  { header: label('initial_packing', 'receivedUnitOfMeasure'), source: 'initial packing: receivedUnitOfMeasure', value: (r) => kde(r, 'receivedUnitOfMeasure') },
  { header: label('receiving', 'assignedTlc'), source: 'receiving from an exempt shipper: assignedTlc', value: (r) => kde(r, 'assignedTlc') },
  { header: label('transformation', 'inputs[].traceabilityLotCode'), source: 'transformation: inputs[].traceabilityLotCode of the row\'s input', value: (r) => r.input?.tlc },
  { header: label('transformation', 'inputs[].productDescription'), source: 'inputs[].productDescription', value: (r) => r.input?.productDescription },
  { header: label('transformation', 'inputs[].quantity'), source: 'inputs[].quantity', value: (r) => r.input?.quantity },
  { header: label('transformation', 'inputs[].unitOfMeasure'), source: 'inputs[].unitOfMeasure', value: (r) => r.input?.unitOfMeasure },
  { header: 'Contact Name', source: 'contacts.contactName (personal data; empty once erased)', value: (r) => r.event.contacts.contactName },
  { header: 'Contact Phone', source: 'contacts.contactPhone (personal data; empty once erased)', value: (r) => r.event.contacts.contactPhone },
  { header: 'Contact Email', source: 'contacts.contactEmail (personal data; empty once erased)', value: (r) => r.event.contacts.contactEmail },
  { header: 'Missing KDEs', source: 'missingKdes: required KDEs an EPCIS event lacks, "; " between them (CTE records: always empty)', value: (r) => r.event.missingKdes.join('; ') },
  { header: 'Record Format', source: 'source: "FreshTrail CTE" or "EPCIS"', value: (r) => (r.event.source === 'epcis' ? 'EPCIS' : 'FreshTrail CTE') },
];

export const FSMA204_HEADER: readonly string[] = FSMA204_COLUMNS.map((c) => c.header);

/** The rows of one event, in order: a transformation gives one per (output, input) pair in
 * record order; any other event one per lot, or one without a lot when it names none. */
export function rowsOf(event: LotEvent): FsmaRow[] {
  if (event.cte === 'transformation') {
    const outputs = event.outputs.length > 0 ? event.outputs : [undefined];
    const inputs = event.inputs.length > 0 ? event.inputs : [undefined];
    return outputs.flatMap((lot) => inputs.map((input) => ({ event, ...(lot ? { lot } : {}), ...(input ? { input } : {}) })));
  }
  return event.lots.length > 0 ? event.lots.map((lot) => ({ event, lot })) : [{ event }];
}

const text = (v: string | number | undefined): string => (v === undefined ? '' : String(v));

/** The CSV records of some events (already in export order), as one string. */
export function fsma204Records(events: readonly LotEvent[]): string {
  let out = '';
  for (const event of events) for (const row of rowsOf(event)) out += csvRecord(FSMA204_COLUMNS.map((c) => text(c.value(row))));
  return out;
}

/**
 * The whole spreadsheet as chunks: the header, then one chunk per page of events. Pages come in
 * (eventTime, eventId) order, so at most one page is in memory.
 */
export async function* fsma204Csv(pages: AsyncIterable<readonly LotEvent[]>): AsyncGenerator<string> {
  yield csvRecord(FSMA204_HEADER);
  for await (const page of pages) {
    const chunk = fsma204Records(page);
    if (chunk) yield chunk;
  }
}
