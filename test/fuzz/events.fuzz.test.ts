/**
 * Fuzz: traceability events in (ingest/events: FSMA 204 CTE records and EPCIS 2.0 documents, as
 * POST /api/v1/events reads them through eventsOf). Hostile JSON and mutated real records and
 * documents give parsed events or a FreshTrailError (FT_ERR_SCHEMA), never another exception;
 * a parsed event has an id, a location and a finite event time. A smaller run sends mutated
 * bodies through the real HTTP route on a SQLite store: 200/201 or 4xx, never 5xx.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FreshTrailError } from '../../common/errors.js';
import { commingledChain } from '../../ingest/events/chain-fixtures.js';
import { parseCteRecord } from '../../ingest/events/cte.js';
import { parseEpcisDocument } from '../../ingest/events/epcis.js';
import { RECORDS } from '../../ingest/events/fixtures.js';
import type { LotEvent } from '../../ingest/events/types.js';
import { openTestApi, type TestApi } from '../../ingest/http/test-api.js';
import { eventsOf } from '../../ingest/http/routes/events.js';
import { applyJsonMutations, jsonMutations, jsonValue } from './hostile.js';
import { expectCleanProcess, FUZZ_TIMEOUT_MS, FUZZ_RUNS, fuzzParams } from './runs.js';

/** Bodies sent through the HTTP route: each is a full request on the store, so fewer. */
const HTTP_RUNS = 500;

const CTE_KEYS = [
  'cte', 'eventId', 'eventTime', 'eventTimeZoneOffset', 'contactName', 'traceabilityLotCode', 'assignedTlc', 'shipperExempt', 'tlcSource', 'tlcSourceReference',
  'quantity', 'unitOfMeasure', 'productDescription', 'referenceDocuments', 'type', 'number', 'inputs', 'outputs', 'harvestDate', 'shipDate', 'receiveDate',
];
const EPCIS_KEYS = [
  'type', 'epcisBody', 'eventList', 'eventID', 'eventTime', 'eventTimeZoneOffset', 'action', 'bizStep', 'disposition', 'readPoint', 'bizLocation', 'id',
  'quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList', 'epcClass', 'quantity', 'uom', 'epcList', 'childEPCs', 'inputEPCList', 'outputEPCList',
  'parentID', 'sourceList', 'destinationList', 'source', 'destination', 'bizTransactionList', 'bizTransaction', 'sensorElementList', 'ilmd', 'cbvmda:harvestStartDate',
];
const SCALARS = [
  '"EPCISDocument"', '"ObjectEvent"', '"AggregationEvent"', '"TransformationEvent"', '"TransactionEvent"', '"ADD"', '"OBSERVE"', '"DELETE"', '"shipping"', '"receiving"',
  '"commissioning"', '"harvesting"', '"cooling"', '"initial_packing"', '"transformation"', '"location"', '"possessing_party"', '"-07:00"', '"+14:00"', '"2025-06-01"',
  '"2025-06-01T14:00:00-07:00"', '"urn:epc:class:lgtin:0614141.107346.LOT-A"', '"urn:epc:class:lgtin:0614141.107346.%"', '"https://id.gs1.org/01/10614141073464/10/%E0"',
];

const LGTIN = 'urn:epc:class:lgtin:0614141.107346.EPC1';
/** EPCIS events as the route tests and epcis.test.ts send them. */
const EPCIS_EVENTS = [
  {
    type: 'ObjectEvent', eventID: 'urn:uuid:7b1e7c0a-0000-4000-8000-000000000001', eventTime: '2025-06-01T14:00:00-07:00', eventTimeZoneOffset: '-07:00',
    action: 'ADD', bizStep: 'commissioning', bizLocation: { id: 'urn:epc:id:sgln:0614141.00003.0' }, quantityList: [{ epcClass: LGTIN, quantity: 50, uom: 'CS' }],
  },
  {
    type: 'ObjectEvent', eventTime: '2025-06-02T05:00:00-07:00', eventTimeZoneOffset: '-07:00', action: 'OBSERVE', bizStep: 'https://ref.gs1.org/cbv/BizStep-shipping',
    bizLocation: { id: 'urn:epc:id:sgln:0614141.00003.0' }, quantityList: [{ epcClass: LGTIN, quantity: 50, uom: 'CS' }],
    destinationList: [{ type: 'location', destination: 'urn:epc:id:sgln:0098765.00010.0' }],
    sensorElementList: [{ sensorReport: [{ type: 'Temperature', minValue: 1.8, maxValue: 4.2, uom: 'CEL' }] }],
  },
  {
    type: 'TransformationEvent', eventTime: '2025-06-03T17:00:00Z', eventTimeZoneOffset: '-07:00', bizStep: 'urn:epcglobal:cbv:bizstep:commissioning',
    inputQuantityList: [{ epcClass: LGTIN, quantity: 20, uom: 'KGM' }], outputQuantityList: [{ epcClass: 'urn:epc:class:lgtin:0098765.054321.SALAD0603', quantity: 300 }],
    bizLocation: { id: 'urn:epc:id:sgln:0098765.00020.0' }, bizTransactionList: [{ type: 'urn:epcglobal:cbv:btt:po', bizTransaction: 'urn:epc:id:gdti:0098765.00001.55' }],
    ilmd: { 'cbvmda:harvestStartDate': '2025-06-01T06:00:00-07:00' },
  },
  {
    type: 'AggregationEvent', eventTime: '2025-06-01T15:00:00-07:00', eventTimeZoneOffset: '-07:00', parentID: 'urn:epc:id:sscc:0614141.1234567890', action: 'ADD',
    bizStep: 'packing', childQuantityList: [{ epcClass: LGTIN, quantity: 40, uom: 'CS' }], readPoint: { id: 'urn:epc:id:sgln:0614141.00003.0' },
  },
];
const EPCIS_DOCUMENT = {
  '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'], type: 'EPCISDocument', schemaVersion: '2.0',
  creationDate: '2025-06-01T15:00:00-07:00', epcisBody: { eventList: EPCIS_EVENTS },
};
const CTE_RECORDS: unknown[] = [...Object.values(RECORDS), ...commingledChain()];

const cteInput: fc.Arbitrary<unknown> = fc.oneof(
  jsonValue({ keys: CTE_KEYS, scalars: SCALARS }),
  fc.tuple(fc.constantFrom(...CTE_RECORDS), jsonMutations({ keys: CTE_KEYS, scalars: SCALARS })).map(([r, m]) => applyJsonMutations(r, m)),
);
const epcisInput: fc.Arbitrary<unknown> = fc.oneof(
  jsonValue({ keys: EPCIS_KEYS, scalars: SCALARS }),
  jsonMutations({ keys: EPCIS_KEYS, scalars: SCALARS, max: 4 }).map((m) => applyJsonMutations(EPCIS_DOCUMENT, m)),
  fc.tuple(fc.constantFrom(...EPCIS_EVENTS), jsonMutations({ keys: EPCIS_KEYS, scalars: SCALARS })).map(([e, m]) => applyJsonMutations(e, m)),
);

/** Runs a parser: its events, or the code of its FreshTrailError; any other exception fails the property. */
function attempt(what: string, parse: () => LotEvent[]): LotEvent[] | string {
  try {
    return parse();
  } catch (err) {
    if (err instanceof FreshTrailError) return err.code;
    throw new Error(`${what} threw ${String(err)} (not a FreshTrailError)`, { cause: err });
  }
}

function checkEvents(result: LotEvent[] | string): void {
  if (typeof result === 'string') {
    if (result !== 'FT_ERR_SCHEMA') expect(result).toBe('FT_ERR_SCHEMA');
    return;
  }
  for (const e of result) {
    if (typeof e.eventId !== 'string' || e.eventId === '' || typeof e.location !== 'string' || !Number.isFinite(e.eventTime) || !Array.isArray(e.missingKdes)) {
      expect(e).toMatchObject({ eventId: expect.any(String), location: expect.any(String), eventTime: expect.any(Number) });
    }
  }
}

const isObjectOrArray = (v: unknown): boolean => typeof v === 'object' && v !== null;

describe('fuzz: traceability events', () => {
  it(`CTE records (parseCteRecord): an event or FT_ERR_SCHEMA, never another exception`, () => {
    fc.assert(fc.property(cteInput, (record) => checkEvents(attempt('parseCteRecord', () => [parseCteRecord(record)]))), fuzzParams());
  }, FUZZ_TIMEOUT_MS);

  it('EPCIS 2.0 documents and events (parseEpcisDocument): events or FT_ERR_SCHEMA, never another exception', () => {
    fc.assert(fc.property(epcisInput, (doc) => checkEvents(attempt('parseEpcisDocument', () => parseEpcisDocument(doc)))), fuzzParams());
  }, FUZZ_TIMEOUT_MS);

  it('request bodies (eventsOf, after the route schema: an object or an array): events or FT_ERR_SCHEMA', () => {
    const body = fc.oneof(cteInput, epcisInput, fc.array(cteInput, { minLength: 1, maxLength: 3 })).filter(isObjectOrArray);
    fc.assert(
      fc.property(body, fc.constantFrom('application/json', 'application/ld+json', undefined), (b, contentType) => checkEvents(attempt('eventsOf', () => eventsOf(b, contentType)))),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);
});

describe('fuzz: POST /api/v1/events on a real store', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi({ now: () => Date.parse('2025-06-05T00:00:00Z') });
  });
  afterAll(() => api.close());

  it(`${HTTP_RUNS} mutated bodies: 200, 201 or 4xx, never 5xx`, async () => {
    const body = fc.oneof(cteInput, epcisInput, fc.array(cteInput, { minLength: 1, maxLength: 3 }));
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('application/json', 'application/ld+json'), async (b, contentType) => {
        const res = await api.app.inject({ method: 'POST', url: '/api/v1/events', payload: JSON.stringify(b) ?? '', headers: { 'content-type': contentType } });
        if (res.statusCode >= 500) expect({ status: res.statusCode, body: res.body, sent: b }).toMatchObject({ status: 400 });
      }),
      fuzzParams(Math.max(HTTP_RUNS, Math.floor(FUZZ_RUNS / 20))),
    );
  }, FUZZ_TIMEOUT_MS);
});

expectCleanProcess();
