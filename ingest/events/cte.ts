/**
 * FreshTrail CTE records → LotEvent. A record is one Critical Tracking Event with its FSMA 204
 * Key Data Elements (schemas and regulation paragraphs in kdes.ts, format in docs/events.md).
 * A refused record gets one FT_ERR_SCHEMA message naming the CTE and every missing or invalid
 * KDE with the paragraph that requires it, so a sender fixes everything in one round.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static } from '@sinclair/typebox';
import { FreshTrailError } from '../../common/errors.js';
import type { CanonicalValue } from '../../protocol/canonical.js';
import { derivedEventId, localDate, localMidnight, parseTime } from './event-id.js';
import {
  CTE_RECORD_SCHEMAS,
  DATE_KDE,
  RECORD_CTES,
  describeKde,
  type LotLine,
  type RecordCte,
} from './kdes.js';
import { checkTlcRule } from './tlc.js';
import type { Contacts, LotEvent, LotQuantity } from './types.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = Object.fromEntries(
  RECORD_CTES.map((cte) => [cte, ajv.compile(CTE_RECORD_SCHEMAS[cte])]),
) as Record<RecordCte, ValidateFunction>;

/** Fields that hold personal data: moved to `contacts`, left out of derived ids. */
const PERSONAL = ['harvesterPhone', 'contactName', 'contactPhone', 'contactEmail'] as const;
/** Fields that are not KDEs. */
const ENVELOPE = ['cte', 'eventId', 'eventTime', 'eventTimeZoneOffset', ...PERSONAL] as const;

type AnyRecord = { [C in RecordCte]: Static<(typeof CTE_RECORD_SCHEMAS)[C]> }[RecordCte];

/** Validates one CTE record and maps it to the internal model; throws FT_ERR_SCHEMA. */
export function parseCteRecord(json: unknown): LotEvent {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FreshTrailError('FT_ERR_SCHEMA', 'a CTE record must be a JSON object');
  }
  const cte = (json as { cte?: unknown }).cte;
  if (typeof cte !== 'string' || !(RECORD_CTES as string[]).includes(cte)) {
    throw new FreshTrailError(
      'FT_ERR_SCHEMA',
      `a CTE record needs "cte", one of ${RECORD_CTES.map((c) => `"${c}"`).join(', ')}${cte === undefined ? '' : ` (got ${JSON.stringify(cte)})`}`,
    );
  }
  const record = json as AnyRecord & Record<string, unknown>;
  const problems = schemaProblems(cte as RecordCte, record);
  if (problems.length === 0) problems.push(...ruleProblems(record));
  if (problems.length > 0) throw new FreshTrailError('FT_ERR_SCHEMA', `${cte}: ${problems.join('; ')}`);
  const event = toLotEvent(record);
  checkTlcRule(event, cte);
  return event;
}

function schemaProblems(cte: RecordCte, record: Record<string, unknown>): string[] {
  if ((cte === 'harvesting' || cte === 'cooling') && 'traceabilityLotCode' in record) {
    // §1.1320(a): the initial packer assigns the first TLC; a record before packing has none.
    return [`a ${cte} record carries no traceability lot code: the initial packer assigns it (21 CFR 1.1320(a))`];
  }
  const validate = validators[cte];
  if (validate(record)) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const error of validate.errors ?? []) {
    const text = describeError(cte, error);
    if (!seen.has(text)) {
      seen.add(text);
      out.push(text);
    }
  }
  // Missing KDEs first: they are what a sender most often has to fix.
  return [...out.filter((p) => p.startsWith('missing')), ...out.filter((p) => !p.startsWith('missing'))];
}

function describeError(cte: RecordCte, error: ErrorObject): string {
  const path = fieldPath(error.instancePath);
  const at = (name: string): string => (path ? `${path}.${name}` : name);
  switch (error.keyword) {
    case 'required':
      return `missing KDE ${describeKde(cte, at(String(error.params.missingProperty)))}`;
    case 'additionalProperties':
      return `unknown field "${at(String(error.params.additionalProperty))}" (check its spelling against docs/events.md)`;
    case 'pattern':
      return `invalid KDE ${describeKde(cte, path)}: ${/Date$/.test(path) ? 'must be a date YYYY-MM-DD' : `does not match ${String(error.params.pattern)}`}`;
    case 'minItems':
      return `invalid KDE ${describeKde(cte, path)}: needs at least ${String(error.params.limit)} entry`;
    default:
      return `invalid KDE ${describeKde(cte, path)}: ${error.message ?? 'invalid value'}`;
  }
}

/** "/inputs/1/quantity" → "inputs[1].quantity". */
function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
}

/** KDE rules a JSON schema does not say well: "one of", exempt shippers, the event date. */
function ruleProblems(record: AnyRecord): string[] {
  const problems: string[] = [];
  if (record.cte === 'shipping' || (record.cte === 'receiving' && record.shipperExempt !== true)) {
    const section = record.cte === 'shipping' ? '1.1340(a)(7)' : '1.1345(a)(7)';
    if (record.tlcSource === undefined && record.tlcSourceReference === undefined) {
      problems.push(`missing KDE "tlcSource" or "tlcSourceReference" (21 CFR ${section})`);
    }
  }
  if (record.cte === 'receiving') {
    if (record.shipperExempt === true) {
      if (record.traceabilityLotCode === undefined && record.assignedTlc === undefined) {
        problems.push('missing KDE "assignedTlc" (21 CFR 1.1345(b)(1)): the shipper is exempt, so the receiver assigns the TLC');
      }
      if (record.traceabilityLotCode !== undefined && record.assignedTlc !== undefined) {
        problems.push('give "traceabilityLotCode" (assigned by the exempt shipper) or "assignedTlc" (assigned by you), not both (21 CFR 1.1345(b)(1))');
      }
    } else {
      if (record.traceabilityLotCode === undefined) problems.push('missing KDE "traceabilityLotCode" (21 CFR 1.1345(a)(1))');
      if (record.assignedTlc !== undefined) {
        problems.push('"assignedTlc" is only for food received from an exempt shipper ("shipperExempt": true); receiving may not assign a new TLC otherwise (21 CFR 1.1320(b))');
      }
    }
  }
  const date = (record as unknown as Record<string, string>)[DATE_KDE[record.cte]]!;
  if (record.eventTime !== undefined) {
    const time = parseTime(record.eventTime);
    if (!time) problems.push(`invalid "eventTime": ${JSON.stringify(record.eventTime)} is not an RFC 3339 time`);
    else {
      if (localDate(time.ms, time.offset) !== date) {
        problems.push(`"eventTime" ${record.eventTime} is not on ${DATE_KDE[record.cte]} ${date}`);
      }
      if (record.eventTimeZoneOffset !== undefined && record.eventTimeZoneOffset !== time.offset) {
        problems.push(`"eventTimeZoneOffset" ${record.eventTimeZoneOffset} differs from the offset of "eventTime" (${time.offset})`);
      }
    }
  }
  return problems;
}

const lot = (l: LotLine): LotQuantity => ({
  tlc: l.traceabilityLotCode,
  quantity: l.quantity,
  unitOfMeasure: l.unitOfMeasure,
  productDescription: l.productDescription,
});

function toLotEvent(record: AnyRecord): LotEvent {
  const raw = record as unknown as Record<string, unknown>;
  const contacts: Contacts = {};
  for (const field of PERSONAL) if (typeof raw[field] === 'string') contacts[field] = raw[field] as string;
  const kdes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) if (!(ENVELOPE as readonly string[]).includes(key)) kdes[key] = value;

  const idContent: Record<string, unknown> = { ...raw };
  for (const field of ['eventId', ...PERSONAL]) delete idContent[field];
  const eventId = record.eventId ?? derivedEventId(idContent as CanonicalValue, 'freshtrail-cte-1', record.cte);

  const date = raw[DATE_KDE[record.cte]] as string;
  const time = record.eventTime === undefined ? undefined : parseTime(record.eventTime);
  const eventTimeZoneOffset = time?.offset ?? record.eventTimeZoneOffset ?? '+00:00';
  const common = {
    eventId,
    source: 'freshtrail-cte' as const,
    eventTime: time?.ms ?? localMidnight(date, eventTimeZoneOffset),
    eventTimeZoneOffset,
    referenceDocuments: record.referenceDocuments.map((d) => ({ type: d.type, number: d.number })),
    missingKdes: [],
    contacts,
    ...optional({ commodity: record.commodity, variety: record.variety }),
  };

  switch (record.cte) {
    case 'harvesting':
      return {
        ...common, cte: 'harvesting', kdes: kdes as typeof record, location: record.farmLocation, lots: [],
        to: record.subsequentRecipientLocation,
        harvest: { farmLocation: record.farmLocation, commodity: record.commodity, fieldName: record.fieldName, harvestDate: record.harvestDate },
      };
    case 'cooling':
      return {
        ...common, cte: 'cooling', kdes: kdes as typeof record, location: record.coolingLocation, lots: [],
        to: record.subsequentRecipientLocation,
        harvest: { farmLocation: record.farmLocation, commodity: record.commodity },
      };
    case 'initial_packing':
      return {
        ...common, cte: 'initial_packing', kdes: kdes as typeof record, location: record.packingLocation,
        lots: [lot(record)], productDescription: record.productDescription, tlcSource: record.packingLocation,
        ...optional({ tlcSourceReference: record.tlcSourceReference }),
        harvest: { farmLocation: record.farmLocation, commodity: record.commodity, fieldName: record.fieldName, harvestDate: record.harvestDate },
      };
    case 'shipping':
      return {
        ...common, cte: 'shipping', kdes: kdes as typeof record, location: record.shipFromLocation,
        lots: [lot(record)], from: record.shipFromLocation, to: record.shipToLocation, productDescription: record.productDescription,
        ...optional({ tlcSource: record.tlcSource, tlcSourceReference: record.tlcSourceReference }),
      };
    case 'receiving': {
      const exempt = record.shipperExempt === true;
      const tlc = (record.traceabilityLotCode ?? record.assignedTlc)!;
      return {
        ...common, cte: 'receiving', kdes: kdes as typeof record, location: record.receivingLocation,
        lots: [lot({ ...record, traceabilityLotCode: tlc })], from: record.immediatePreviousSourceLocation, to: record.receivingLocation,
        productDescription: record.productDescription,
        // §1.1345(b)(5): from an exempt shipper the receiving location is the TLC source.
        ...optional({ tlcSource: exempt ? record.receivingLocation : record.tlcSource, tlcSourceReference: record.tlcSourceReference }),
      };
    }
    case 'transformation': {
      const outputs = record.outputs.map(lot);
      return {
        ...common, cte: 'transformation', kdes: kdes as typeof record, location: record.transformationLocation,
        lots: outputs, outputs, inputs: record.inputs.map(lot), tlcSource: record.transformationLocation,
        ...optional({ tlcSourceReference: record.tlcSourceReference, productDescription: outputs.length === 1 ? outputs[0]!.productDescription : undefined }),
      };
    }
  }
}

/** Drops undefined members, so optional fields are absent rather than present-and-undefined. */
export function optional<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
