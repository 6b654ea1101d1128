import { describe, expect, it } from 'vitest';
import { FreshTrailError } from '../../common/errors.js';
import { parseEpcisDocument } from './epcis.js';
import { lgtinParts } from './lgtin.js';
import { tlcRole } from './tlc.js';

const CONTEXT = ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'];
const doc = (...eventList: unknown[]) => ({
  '@context': CONTEXT, type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2025-06-01T08:05:00Z',
  epcisBody: { eventList },
});

/** The reference document's ObjectEvent with sensor data (shared/reference/traceability-fsma204-epcis.md). */
const sensorEvent = {
  type: 'ObjectEvent',
  eventTime: '2025-06-01T08:00:00.000-07:00', eventTimeZoneOffset: '-07:00',
  action: 'OBSERVE', bizStep: 'sensor_reporting', disposition: 'in_transit',
  quantityList: [{ epcClass: 'urn:epc:class:lgtin:0614141.107346.LOT2025A', quantity: 48, uom: 'KGM' }],
  readPoint: { id: 'urn:epc:id:sgln:0614141.00777.0' },
  sensorElementList: [{
    sensorMetadata: { deviceID: 'urn:epc:id:giai:0614141.TRUCK7SENSOR1', startTime: '2025-06-01T06:00:00.000-07:00', endTime: '2025-06-01T08:00:00.000-07:00' },
    sensorReport: [
      { type: 'Temperature', minValue: 1.8, maxValue: 4.2, meanValue: 2.9, uom: 'CEL' },
      { type: 'RelativeHumidity', value: 93.0, uom: 'P1', time: '2025-06-01T08:00:00.000-07:00' },
    ],
  }],
};

const transformationEvent = {
  type: 'TransformationEvent', eventID: 'urn:uuid:6f1c1f7e-4a38-4c8e-9a51-0f2b7d0c1a11',
  eventTime: '2025-06-03T17:00:00Z', eventTimeZoneOffset: '-07:00',
  bizStep: 'https://ref.gs1.org/cbv/BizStep-commissioning',
  inputQuantityList: [
    { epcClass: 'urn:epc:class:lgtin:0614141.107346.LOT2025A', quantity: 20, uom: 'KGM' },
    { epcClass: 'urn:epc:class:lgtin:0098765.012345.SPIN0601', quantity: 15, uom: 'KGM' },
  ],
  outputQuantityList: [{ epcClass: 'urn:epc:class:lgtin:0098765.054321.SALAD0603', quantity: 300, uom: 'H87' }],
  bizLocation: { id: 'urn:epc:id:sgln:0098765.00020.0' },
  bizTransactionList: [{ type: 'urn:epcglobal:cbv:btt:po', bizTransaction: 'urn:epc:id:gdti:0098765.00001.55' }],
};

const aggregationEvent = {
  type: 'AggregationEvent', eventTime: '2025-06-01T15:00:00-07:00', eventTimeZoneOffset: '-07:00',
  parentID: 'urn:epc:id:sscc:0614141.1234567890', action: 'ADD', bizStep: 'packing',
  childQuantityList: [{ epcClass: 'urn:epc:class:lgtin:0614141.107346.LOT2025A', quantity: 40, uom: 'CS' }],
  readPoint: { id: 'urn:epc:id:sgln:0614141.00003.0' },
};

function schemaError(json: unknown): string {
  try {
    parseEpcisDocument(json);
  } catch (err) {
    expect(err).toBeInstanceOf(FreshTrailError);
    expect((err as FreshTrailError).code).toBe('FT_ERR_SCHEMA');
    return (err as Error).message;
  }
  throw new Error('expected the document to be refused');
}

describe('parseEpcisDocument', () => {
  it('parses the reference ObjectEvent with sensor data as an observation, sensors kept as given', () => {
    const [event] = parseEpcisDocument(doc(sensorEvent));
    expect(event).toMatchObject({
      cte: 'observation', source: 'epcis', location: 'urn:epc:id:sgln:0614141.00777.0',
      eventTime: Date.parse('2025-06-01T15:00:00Z'), eventTimeZoneOffset: '-07:00',
      lots: [{ tlc: 'urn:epc:class:lgtin:0614141.107346.LOT2025A', quantity: 48, unitOfMeasure: 'KGM' }],
      epcis: { type: 'ObjectEvent', action: 'OBSERVE', bizStep: 'sensor_reporting', disposition: 'in_transit' },
      missingKdes: [],
    });
    expect(event!.sensorElementList).toEqual(sensorEvent.sensorElementList);
    expect(event!.eventId).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=freshtrail-jcs-1$/);
    expect(parseEpcisDocument(doc(structuredClone(sensorEvent)))[0]!.eventId).toBe(event!.eventId);
    expect(tlcRole(event!)).toEqual({ assigns: [], references: ['urn:epc:class:lgtin:0614141.107346.LOT2025A'] });
  });

  it('parses a TransformationEvent with two inputs and one output', () => {
    const [event] = parseEpcisDocument(transformationEvent);
    if (event?.cte !== 'transformation') throw new Error('not a transformation');
    expect(event.eventId).toBe(transformationEvent.eventID);
    expect(event.inputs.map((l) => l.tlc)).toEqual(['urn:epc:class:lgtin:0614141.107346.LOT2025A', 'urn:epc:class:lgtin:0098765.012345.SPIN0601']);
    expect(event.outputs).toEqual([{ tlc: 'urn:epc:class:lgtin:0098765.054321.SALAD0603', quantity: 300, unitOfMeasure: 'H87' }]);
    expect(event.referenceDocuments).toEqual([{ type: 'po', number: 'urn:epc:id:gdti:0098765.00001.55' }]);
    expect(event.kdes).toMatchObject({ transformationLocation: 'urn:epc:id:sgln:0098765.00020.0', transformationDate: '2025-06-03' });
    expect(event.missingKdes).toEqual(['inputs[].productDescription', 'outputs[].productDescription']);
    expect(tlcRole(event)).toEqual({
      assigns: ['urn:epc:class:lgtin:0098765.054321.SALAD0603'],
      references: ['urn:epc:class:lgtin:0614141.107346.LOT2025A', 'urn:epc:class:lgtin:0098765.012345.SPIN0601'],
    });
  });

  it('records an AggregationEvent with its parent and children', () => {
    const [event] = parseEpcisDocument(doc(aggregationEvent));
    expect(event).toMatchObject({
      cte: 'observation',
      aggregation: { action: 'ADD', parentId: 'urn:epc:id:sscc:0614141.1234567890', childEpcs: [], children: [{ tlc: 'urn:epc:class:lgtin:0614141.107346.LOT2025A', quantity: 40 }] },
    });
    expect(schemaError(doc({ ...aggregationEvent, parentID: undefined }))).toBe('epcisBody.eventList[0].parentID is required');
  });

  it.each(['shipping', 'https://ref.gs1.org/cbv/BizStep-shipping', 'urn:epcglobal:cbv:bizstep:shipping'])('reads bizStep %s as shipping with from/to', (bizStep) => {
    const [event] = parseEpcisDocument({
      ...sensorEvent, bizStep, sensorElementList: undefined, bizLocation: { id: 'urn:epc:id:sgln:0614141.00003.0' },
      sourceList: [{ type: 'urn:epcglobal:cbv:sdt:owning_party', source: 'urn:epc:id:pgln:0614141.00001' }, { type: 'location', source: 'urn:epc:id:sgln:0614141.00003.0' }],
      destinationList: [{ type: 'https://ref.gs1.org/cbv/SDT-location', destination: 'urn:epc:id:sgln:0098765.00010.0' }],
    });
    expect(event).toMatchObject({ cte: 'shipping', from: 'urn:epc:id:sgln:0614141.00003.0', to: 'urn:epc:id:sgln:0098765.00010.0', epcis: { bizStep: 'shipping' } });
    expect(event!.missingKdes).toEqual(['productDescription', 'referenceDocuments', 'tlcSource']);
  });

  it('maps commissioning with ADD to initial packing, which assigns the lot', () => {
    const [event] = parseEpcisDocument({ ...sensorEvent, action: 'ADD', bizStep: 'commissioning', sensorElementList: undefined, ilmd: { 'cbvmda:harvestStartDate': '2025-06-01' } });
    expect(event).toMatchObject({ cte: 'initial_packing', kdes: { harvestDate: '2025-06-01', packingDate: '2025-06-01' } });
    expect(tlcRole(event!).assigns).toEqual(['urn:epc:class:lgtin:0614141.107346.LOT2025A']);
  });

  it('requires eventTimeZoneOffset and reports the event index', () => {
    const { eventTimeZoneOffset: _, ...noOffset } = sensorEvent;
    expect(schemaError(doc(sensorEvent, transformationEvent, aggregationEvent, noOffset))).toBe(
      'epcisBody.eventList[3].eventTimeZoneOffset is required',
    );
    expect(schemaError(noOffset)).toBe('eventTimeZoneOffset is required');
  });

  it('reports every bad event of a list', () => {
    const message = schemaError(doc(sensorEvent, { ...sensorEvent, eventTime: 'yesterday' }, { ...sensorEvent, readPoint: undefined }));
    expect(message).toContain('epcisBody.eventList[1].eventTime must be an RFC 3339 time with an offset');
    expect(message).toContain('epcisBody.eventList[2] needs bizLocation.id or readPoint.id');
  });

  it('refuses TransactionEvent and AssociationEvent with a reason, not a crash', () => {
    expect(schemaError(doc(sensorEvent, { type: 'TransactionEvent', action: 'ADD' }))).toMatch(
      /^epcisBody\.eventList\[1\]: TransactionEvent is not accepted: .*no FSMA CTE/,
    );
    expect(schemaError({ type: 'AssociationEvent' })).toContain('AssociationEvent is not accepted');
    expect(schemaError(doc({ ...sensorEvent, type: 'WeirdEvent' }))).toContain('epcisBody.eventList[0].type "WeirdEvent" is not an EPCIS 2.0 event type');
    expect(schemaError({ type: 'EPCISDocument' })).toBe('epcisBody.eventList is required and must be an array');
    expect(schemaError(null)).toBe('an EPCIS document must be a JSON object');
  });
});

describe('LGTIN ↔ TLC', () => {
  it('keeps the epcClass as the TLC and derives GTIN + lot from URN and Digital Link alike', () => {
    expect(lgtinParts('urn:epc:class:lgtin:0614141.107346.LOT2025A')).toEqual({ gtin: '10614141073464', lot: 'LOT2025A' });
    expect(lgtinParts('https://id.gs1.org/01/10614141073464/10/LOT2025A')).toEqual({ gtin: '10614141073464', lot: 'LOT2025A' });
    expect(lgtinParts('urn:epc:idpat:sgtin:4012345.066666.*')).toBeUndefined();
  });

  it('takes an id whose lot has a malformed %-escape for no lot class, instead of throwing a URIError (found by test/fuzz)', () => {
    expect(lgtinParts('urn:epc:class:lgtin:0614141.107346.LOT%25A')).toEqual({ gtin: '10614141073464', lot: 'LOT%A' });
    for (const id of ['urn:epc:class:lgtin:0614141.107346.%', 'urn:epc:class:lgtin:0614141.107346.LOT%E0%A4%A', 'https://id.gs1.org/01/10614141073464/10/%zz']) {
      expect(lgtinParts(id)).toBeUndefined();
    }
    const odd = { ...sensorEvent, quantityList: [{ epcClass: 'urn:epc:class:lgtin:0614141.107346.%', quantity: 1 }] };
    const [event] = parseEpcisDocument(doc(odd));
    expect(event!.lots).toEqual([]);
    expect(event!.epcis?.otherClasses).toEqual([{ epcClass: 'urn:epc:class:lgtin:0614141.107346.%', quantity: 1 }]);
  });
});
