/**
 * GS1 EPCIS 2.0 JSON-LD → LotEvent. Accepts an EPCISDocument (`epcisBody.eventList`) or one
 * event; ObjectEvent, AggregationEvent and TransformationEvent are mapped to CTEs by bizStep
 * (docs/events.md §2). EPCIS events are valid without FSMA KDEs, so a gap is not refused but
 * listed in `missingKdes`; only what the model cannot do without (time, offset, location, the
 * event's objects) is an error, reported with its JSON path.
 */
import { FreshTrailError } from '../../common/errors.js';
import type { CanonicalValue } from '../../protocol/canonical.js';
import { optional } from './cte.js';
import { cbvTerm } from './epcis-terms.js';
import { derivedEventId, localDate, offsetMinutes, parseTime } from './event-id.js';
import { KDE_TABLE, type RecordCte } from './kdes.js';
import { isLotClass } from './lgtin.js';
import { checkTlcRule } from './tlc.js';
import type { Aggregation, Cte, EpcisDetails, JsonValue, LotEvent, LotQuantity, ReferenceDocument } from './types.js';

type Obj = { [key: string]: JsonValue };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A problem at a JSON path; collected so one answer lists every bad event. */
class EpcisProblem extends Error {}

const REFUSED: Record<string, string> = {
  TransactionEvent:
    'TransactionEvent is not accepted: it only links objects to a business transaction and is no FSMA CTE; send the shipping or receiving ObjectEvent with the transaction in bizTransactionList',
  AssociationEvent:
    'AssociationEvent is not accepted: it associates assets or sensors with a parent, not lots with a CTE; send sensor data as sensorElementList on an ObjectEvent',
};

/** Parses a document or a single event; throws FT_ERR_SCHEMA naming every bad event by path. */
export function parseEpcisDocument(json: unknown): LotEvent[] {
  if (!isObj(json)) throw new FreshTrailError('FT_ERR_SCHEMA', 'an EPCIS document must be a JSON object');
  if (json.type !== 'EPCISDocument') return [parseOrThrow(json, '')];
  const body = json.epcisBody;
  const list = isObj(body) ? body.eventList : undefined;
  if (!Array.isArray(list)) throw new FreshTrailError('FT_ERR_SCHEMA', 'epcisBody.eventList is required and must be an array');
  const events: LotEvent[] = [];
  const problems: string[] = [];
  list.forEach((event, i) => {
    try {
      events.push(parseEvent(event, `epcisBody.eventList[${i}]`));
    } catch (err) {
      if (!(err instanceof EpcisProblem)) throw err;
      problems.push(err.message);
    }
  });
  if (problems.length > 0) throw new FreshTrailError('FT_ERR_SCHEMA', problems.join('; '));
  return events;
}

function parseOrThrow(event: Obj, path: string): LotEvent {
  try {
    return parseEvent(event, path);
  } catch (err) {
    if (err instanceof EpcisProblem) throw new FreshTrailError('FT_ERR_SCHEMA', err.message);
    throw err;
  }
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

function fail(path: string, message: string): never {
  throw new EpcisProblem(`${path || '(event)'}${message.startsWith(':') ? '' : ' '}${message}`);
}

function str(e: Obj, key: string, path: string, required: boolean): string | undefined {
  const v = e[key];
  if (v === undefined) return required ? fail(join(path, key), 'is required') : undefined;
  if (typeof v !== 'string' || v === '') fail(join(path, key), 'must be a non-empty string');
  return v;
}

function strings(e: Obj, key: string, path: string): string[] {
  const v = e[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) fail(join(path, key), 'must be an array of strings');
  return v as string[];
}

function objects(e: Obj, key: string, path: string): Obj[] {
  const v = e[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(join(path, key), 'must be an array');
  v.forEach((item, i) => isObj(item) || fail(`${join(path, key)}[${i}]`, 'must be an object'));
  return v as Obj[];
}

/** A quantity list split into lots (lot-level classes) and other classes, kept as given. */
function quantities(e: Obj, key: string, path: string): { lots: LotQuantity[]; other: NonNullable<EpcisDetails['otherClasses']> } {
  const lots: LotQuantity[] = [];
  const other: NonNullable<EpcisDetails['otherClasses']> = [];
  objects(e, key, path).forEach((q, i) => {
    const at = `${join(path, key)}[${i}]`;
    const epcClass = str(q, 'epcClass', at, true)!;
    const quantity = q.quantity;
    if (quantity !== undefined && (typeof quantity !== 'number' || !(quantity >= 0))) fail(`${at}.quantity`, 'must be a number ≥ 0');
    const uom = str(q, 'uom', at, false);
    if (isLotClass(epcClass)) lots.push({ tlc: epcClass, ...optional({ quantity, unitOfMeasure: uom }) });
    else other.push({ epcClass, ...optional({ quantity, uom }) });
  });
  return { lots, other };
}

function idOf(e: Obj, key: string, path: string): string | undefined {
  const v = e[key];
  if (v === undefined) return undefined;
  if (!isObj(v)) fail(join(path, key), 'must be an object with "id"');
  return str(v, 'id', join(path, key), true);
}

function parties(e: Obj, key: 'sourceList' | 'destinationList', path: string): Array<{ type: string; id: string }> {
  const member = key === 'sourceList' ? 'source' : 'destination';
  return objects(e, key, path).map((s, i) => ({
    type: cbvTerm(str(s, 'type', `${join(path, key)}[${i}]`, true)!, 'SDT'),
    id: str(s, member, `${join(path, key)}[${i}]`, true)!,
  }));
}

/** A location id beats a possessing party: custody is about where the food is. */
function pick(list: Array<{ type: string; id: string }>): string | undefined {
  return (list.find((s) => s.type === 'location') ?? list.find((s) => s.type === 'possessing_party'))?.id;
}

/** CBV bizStep → CTE (docs/events.md §2). */
function cteOf(type: string, bizStep: string | undefined, action: string | undefined): Cte {
  if (type === 'TransformationEvent') return 'transformation';
  if (bizStep === 'shipping') return 'shipping';
  if (bizStep === 'receiving') return 'receiving';
  if (type === 'AggregationEvent') return 'observation';
  if (bizStep === 'harvesting') return 'harvesting';
  if (bizStep === 'cooling') return 'cooling';
  if ((bizStep === 'commissioning' || bizStep === 'packing') && action === 'ADD') return 'initial_packing';
  return 'observation';
}

function parseEvent(raw: unknown, path: string): LotEvent {
  if (!isObj(raw)) fail(path, 'must be an object');
  const e = raw;
  const type = str(e, 'type', path, true)!;
  if (REFUSED[type]) fail(path, `: ${REFUSED[type]}`);
  if (type !== 'ObjectEvent' && type !== 'AggregationEvent' && type !== 'TransformationEvent') {
    fail(join(path, 'type'), `"${type}" is not an EPCIS 2.0 event type FreshTrail accepts (ObjectEvent, AggregationEvent, TransformationEvent)`);
  }
  const timeText = str(e, 'eventTime', path, true)!;
  const time = parseTime(timeText) ?? fail(join(path, 'eventTime'), 'must be an RFC 3339 time with an offset');
  const offset = str(e, 'eventTimeZoneOffset', path, true)!;
  if (offsetMinutes(offset) === undefined) fail(join(path, 'eventTimeZoneOffset'), 'must be an offset like "+02:00"');

  const actionText = type === 'TransformationEvent' ? undefined : str(e, 'action', path, true);
  if (actionText !== undefined && actionText !== 'ADD' && actionText !== 'OBSERVE' && actionText !== 'DELETE') {
    fail(join(path, 'action'), 'must be ADD, OBSERVE or DELETE');
  }
  const action = actionText as Aggregation['action'] | undefined;
  const bizStepRaw = str(e, 'bizStep', path, false);
  const bizStep = bizStepRaw === undefined ? undefined : cbvTerm(bizStepRaw, 'BizStep');
  const dispositionRaw = str(e, 'disposition', path, false);
  const readPoint = idOf(e, 'readPoint', path);
  const bizLocation = idOf(e, 'bizLocation', path);
  const location = bizLocation ?? readPoint ?? fail(path, 'needs bizLocation.id or readPoint.id: FreshTrail places every event at a location');
  const sources = parties(e, 'sourceList', path);
  const destinations = parties(e, 'destinationList', path);
  const referenceDocuments: ReferenceDocument[] = objects(e, 'bizTransactionList', path).map((t, i) => ({
    type: cbvTerm(str(t, 'type', `${join(path, 'bizTransactionList')}[${i}]`, false) ?? 'unspecified', 'BTT'),
    number: str(t, 'bizTransaction', `${join(path, 'bizTransactionList')}[${i}]`, true)!,
  }));
  const sensors = e.sensorElementList;
  if (sensors !== undefined && !Array.isArray(sensors)) fail(join(path, 'sensorElementList'), 'must be an array');
  const ilmd = e.ilmd;
  if (ilmd !== undefined && !isObj(ilmd)) fail(join(path, 'ilmd'), 'must be an object');

  const listKey = type === 'ObjectEvent' ? 'quantityList' : type === 'AggregationEvent' ? 'childQuantityList' : 'outputQuantityList';
  const epcKey = type === 'ObjectEvent' ? 'epcList' : type === 'AggregationEvent' ? 'childEPCs' : 'outputEPCList';
  const main = quantities(e, listKey, path);
  const epcs = strings(e, epcKey, path);
  const input = type === 'TransformationEvent' ? quantities(e, 'inputQuantityList', path) : { lots: [], other: [] };
  const inputEpcs = type === 'TransformationEvent' ? strings(e, 'inputEPCList', path) : [];
  if (type === 'TransformationEvent') {
    if (input.lots.length + input.other.length + inputEpcs.length === 0) fail(path, 'needs at least one input (inputEPCList or inputQuantityList)');
    if (main.lots.length + main.other.length + epcs.length === 0) fail(path, 'needs at least one output (outputEPCList or outputQuantityList)');
  } else if (type === 'ObjectEvent' && main.lots.length + main.other.length + epcs.length === 0) {
    fail(path, 'needs epcList or quantityList');
  }
  const parentId = type === 'AggregationEvent' ? str(e, 'parentID', path, action !== 'OBSERVE') : undefined;

  const epcis: EpcisDetails = {
    type,
    ...optional({
      action, bizStep, readPoint, bizLocation,
      disposition: dispositionRaw === undefined ? undefined : cbvTerm(dispositionRaw, 'Disp'),
      epcs: epcs.length ? epcs : undefined,
      inputEpcs: inputEpcs.length ? inputEpcs : undefined,
      otherClasses: main.other.length + input.other.length ? [...input.other, ...main.other] : undefined,
      transformationId: str(e, 'transformationID', path, false),
      ilmd: ilmd as Obj | undefined,
      sources: sources.length ? sources : undefined,
      destinations: destinations.length ? destinations : undefined,
    }),
  };
  const cte = cteOf(type, bizStep, action);
  const from = pick(sources);
  const to = pick(destinations);
  const date = localDate(time.ms, offset);
  const eventId = str(e, 'eventID', path, false) ?? derivedEventId(e as CanonicalValue, 'freshtrail-jcs-1', path || 'event');
  const lots = main.lots;
  const single = lots.length === 1 ? lots[0]! : undefined;
  // Harvesting and cooling have no TLC KDE (docs/events.md §3): only their quantity is kept.
  const quantityKdes = optional({ quantity: single?.quantity, unitOfMeasure: single?.unitOfMeasure });
  const lotKdes = { ...quantityKdes, ...optional({ traceabilityLotCode: single?.tlc }) };
  const harvestDate = ilmd !== undefined && typeof ilmd['cbvmda:harvestStartDate'] === 'string' ? ilmd['cbvmda:harvestStartDate'].slice(0, 10) : undefined;

  const common = {
    eventId, source: 'epcis' as const, eventTime: time.ms, eventTimeZoneOffset: offset, location, lots,
    referenceDocuments, contacts: {}, epcis,
    ...optional({
      from: from ?? (cte === 'shipping' ? location : undefined),
      to: to ?? (cte === 'receiving' ? location : undefined),
      sensorElementList: sensors as JsonValue[] | undefined,
      aggregation: type === 'AggregationEvent'
        ? ({ action: action!, childEpcs: epcs, children: lots, ...optional({ parentId }) } satisfies Aggregation)
        : undefined,
    }),
  };
  const refs = referenceDocuments.length ? { referenceDocuments } : {};
  let event: LotEvent;
  switch (cte) {
    case 'harvesting':
      event = { ...common, cte, missingKdes: [], kdes: { ...quantityKdes, ...refs, farmLocation: location, harvestDate: harvestDate ?? date, ...optional({ subsequentRecipientLocation: to }) } };
      break;
    case 'cooling':
      event = { ...common, cte, missingKdes: [], kdes: { ...quantityKdes, ...refs, coolingLocation: location, coolingDate: date, ...optional({ subsequentRecipientLocation: to }) } };
      break;
    case 'initial_packing':
      event = { ...common, cte, missingKdes: [], tlcSource: location, kdes: { ...lotKdes, ...refs, packingLocation: location, packingDate: date, ...optional({ harvestDate }) } };
      break;
    case 'shipping':
      event = { ...common, cte, missingKdes: [], kdes: { ...lotKdes, ...refs, shipFromLocation: from ?? location, shipDate: date, ...optional({ shipToLocation: to }) } };
      break;
    case 'receiving':
      event = { ...common, cte, missingKdes: [], kdes: { ...lotKdes, ...refs, receivingLocation: to ?? location, receiveDate: date, ...optional({ immediatePreviousSourceLocation: from }) } };
      break;
    case 'transformation':
      event = { ...common, cte, missingKdes: [], inputs: input.lots, outputs: lots, tlcSource: location, kdes: { ...refs, transformationLocation: location, transformationDate: date } };
      break;
    case 'observation':
      event = { ...common, cte, missingKdes: [], kdes: {} };
      break;
  }
  event.missingKdes = missingKdes(event);
  try {
    checkTlcRule(event, path || 'event');
  } catch (err) {
    throw new EpcisProblem((err as Error).message);
  }
  return event;
}

const LOT_FIELD: Record<string, keyof LotQuantity> = {
  traceabilityLotCode: 'tlc', quantity: 'quantity', unitOfMeasure: 'unitOfMeasure', productDescription: 'productDescription',
};

/** Required KDEs of the event's CTE that neither its KDE record nor every one of its lots has. */
export function missingKdes(event: LotEvent): string[] {
  if (event.cte === 'observation') return [];
  const kdes = event.kdes as Record<string, unknown>;
  const missing: string[] = [];
  for (const [key, info] of Object.entries(KDE_TABLE[event.cte as RecordCte])) {
    if (!info.required || key === 'inputs' || key === 'outputs') continue;
    const nested = /^(inputs|outputs)\[\]\.(.+)$/.exec(key);
    const lotField = LOT_FIELD[nested ? nested[2]! : key];
    const lots = nested ? (event.cte === 'transformation' ? (nested[1] === 'inputs' ? event.inputs : event.outputs) : []) : event.lots;
    const present = kdes[key] !== undefined || (lotField !== undefined && lots.length > 0 && lots.every((l) => l[lotField] !== undefined));
    if (!present) missing.push(key);
  }
  if ((event.cte === 'shipping' || event.cte === 'receiving') && event.tlcSource === undefined && event.tlcSourceReference === undefined) {
    missing.push('tlcSource');
  }
  return missing;
}
