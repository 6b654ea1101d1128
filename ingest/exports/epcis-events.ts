/**
 * LotEvent → EPCIS 2.0 JSON-LD event (docs/events.md §10). Events that came in as EPCIS are
 * written back from what the model kept of them (`epcis`, `aggregation`, `sensorElementList`);
 * FreshTrail CTE records are mapped by CTE. Personal data (`contacts`) is never written.
 */
import type { JsonValue, LotEvent, LotQuantity } from '../events/types.js';
import { bizTransactionType, epcClassOf, eventUri, harvestClass, locationUri, uomOf } from './epcis-ids.js';
import { localIso } from './local-time.js';

export type EpcisEvent = { [key: string]: JsonValue };

/** The FreshTrail extension namespace of the export's @context (ilmd of packed lots). */
export const FRESHTRAIL_NS = { freshtrail: 'urn:freshtrail:epcis:' };

type Quantity = { epcClass: string; quantity?: number; uom?: string };

/** Drops undefined members and empty arrays: EPCIS leaves absent what it does not know. */
function compact(fields: Record<string, JsonValue | undefined>): EpcisEvent {
  const out: EpcisEvent = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && !(Array.isArray(v) && v.length === 0)) out[k] = v;
  return out;
}

const quantity = (l: LotQuantity, given: boolean): Quantity =>
  compact({ epcClass: given ? l.tlc : epcClassOf(l.tlc), quantity: l.quantity, uom: given ? l.unitOfMeasure : uomOf(l.unitOfMeasure) }) as Quantity;

function common(event: LotEvent): EpcisEvent {
  return {
    eventID: eventUri(event.eventId),
    eventTime: localIso(event.eventTime, event.eventTimeZoneOffset),
    eventTimeZoneOffset: event.eventTimeZoneOffset,
  };
}

const transactions = (event: LotEvent): JsonValue[] =>
  event.referenceDocuments.map((d) => ({ type: bizTransactionType(d.type), bizTransaction: d.number }));

/** An event that came in as EPCIS, rebuilt from the kept details; TLCs and units as given. */
function fromEpcis(event: LotEvent): EpcisEvent {
  const d = event.epcis!;
  const lots = event.lots.map((l) => quantity(l, true));
  const other = (d.otherClasses ?? []).map((c) => compact({ epcClass: c.epcClass, quantity: c.quantity, uom: c.uom }));
  const where = compact({
    readPoint: d.readPoint === undefined ? undefined : { id: d.readPoint },
    bizLocation: d.bizLocation === undefined ? undefined : { id: d.bizLocation },
    sourceList: (d.sources ?? []).map((s) => ({ type: s.type, source: s.id })),
    destinationList: (d.destinations ?? []).map((s) => ({ type: s.type, destination: s.id })),
    // The parser writes "unspecified" for a transaction without a type: leave it out again.
    bizTransactionList: event.referenceDocuments.map((t) => compact({ type: t.type === 'unspecified' ? undefined : t.type, bizTransaction: t.number })),
    ilmd: d.ilmd,
    sensorElementList: event.sensorElementList,
  });
  const head = { type: d.type, ...common(event), ...compact({ action: d.action }) };
  const step = compact({ bizStep: d.bizStep, disposition: d.disposition });
  if (d.type === 'TransformationEvent' && event.cte === 'transformation') {
    // The model keeps non-lot classes of both sides in one list: they are written as outputs.
    return compact({
      ...head, inputEPCList: d.inputEpcs, inputQuantityList: event.inputs.map((l) => quantity(l, true)),
      outputEPCList: d.epcs, outputQuantityList: [...lots, ...other], transformationID: d.transformationId, ...step, ...where,
    });
  }
  if (d.type === 'AggregationEvent') {
    return compact({ ...head, parentID: event.aggregation?.parentId, childEPCs: d.epcs, childQuantityList: [...lots, ...other], ...step, ...where });
  }
  return compact({ ...head, epcList: d.epcs, quantityList: [...lots, ...other], ...step, ...where });
}

const at = (id: string) => ({ id: locationUri(id) });
const party = (id: string | undefined, key: 'source' | 'destination'): JsonValue[] =>
  id === undefined ? [] : [{ type: 'location', [key]: locationUri(id) }];

/** A FreshTrail CTE record mapped by its CTE (table in docs/events.md §10). */
function fromCte(event: LotEvent): EpcisEvent {
  const kdes = event.kdes as Record<string, string | number | undefined>;
  const base = { ...common(event), bizTransactionList: transactions(event) };
  const lots = event.lots.map((l) => quantity(l, false));
  const here = { readPoint: at(event.location), bizLocation: at(event.location) };
  switch (event.cte) {
    case 'harvesting':
    case 'cooling': {
      const day = String(event.cte === 'harvesting' ? kdes.harvestDate : kdes.coolingDate);
      const harvest = compact({ epcClass: harvestClass(String(kdes.farmLocation), String(kdes.commodity), day), quantity: kdes.quantity as number, uom: uomOf(kdes.unitOfMeasure as string) });
      return compact({
        type: 'ObjectEvent', ...base, action: event.cte === 'harvesting' ? 'ADD' : 'OBSERVE', bizStep: event.cte,
        quantityList: [harvest], ...here, destinationList: party(event.to, 'destination'),
        ilmd: event.cte === 'harvesting' ? compact({ 'cbvmda:harvestStartDate': kdes.harvestDate, 'freshtrail:fieldName': kdes.fieldName }) : undefined,
      });
    }
    case 'initial_packing':
      return compact({
        type: 'ObjectEvent', ...base, action: 'ADD', bizStep: 'commissioning', disposition: 'active', quantityList: lots, ...here,
        ilmd: compact({
          'cbvmda:harvestStartDate': kdes.harvestDate,
          'freshtrail:farmLocation': kdes.farmLocation === undefined ? undefined : locationUri(String(kdes.farmLocation)),
          'freshtrail:fieldName': kdes.fieldName,
          'freshtrail:commodity': event.commodity,
          'freshtrail:variety': event.variety,
          'freshtrail:coolingLocation': kdes.coolingLocation === undefined ? undefined : locationUri(String(kdes.coolingLocation)),
          'freshtrail:coolingDate': kdes.coolingDate,
          'freshtrail:productDescription': event.productDescription,
        }),
      });
    case 'shipping':
      return compact({
        type: 'ObjectEvent', ...base, action: 'OBSERVE', bizStep: 'shipping', disposition: 'in_transit', quantityList: lots,
        readPoint: at(event.location), sourceList: party(event.from, 'source'), destinationList: party(event.to, 'destination'),
      });
    case 'receiving':
      return compact({
        type: 'ObjectEvent', ...base, action: 'OBSERVE', bizStep: 'receiving', disposition: 'in_progress', quantityList: lots, ...here,
        sourceList: party(event.from, 'source'), destinationList: party(event.to, 'destination'),
      });
    case 'transformation':
      return compact({
        type: 'TransformationEvent', ...base, inputQuantityList: event.inputs.map((l) => quantity(l, false)),
        outputQuantityList: event.outputs.map((l) => quantity(l, false)), ...here,
      });
    case 'observation':
      return compact({ type: 'ObjectEvent', ...base, action: 'OBSERVE', quantityList: lots, ...here });
  }
}

/** The EPCIS form of one event; every one has type, eventTime and eventTimeZoneOffset. */
export function toEpcisEvent(event: LotEvent): EpcisEvent {
  return event.source === 'epcis' && event.epcis ? fromEpcis(event) : fromCte(event);
}
