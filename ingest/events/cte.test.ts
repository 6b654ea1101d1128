import { describe, expect, it } from 'vitest';
import { FreshTrailError } from '../../common/errors.js';
import { parseCteRecord } from './cte.js';
import { RECORDS, DC, PACKHOUSE, PROCESSOR } from './fixtures.js';
import { KDE_TABLE, RECORD_CTES } from './kdes.js';
import { tlcRole } from './tlc.js';

function schemaError(record: unknown): string {
  try {
    parseCteRecord(record);
  } catch (err) {
    expect(err).toBeInstanceOf(FreshTrailError);
    expect((err as FreshTrailError).code).toBe('FT_ERR_SCHEMA');
    return (err as Error).message;
  }
  throw new Error('expected the record to be refused');
}

const without = (record: object, field: string): Record<string, unknown> => {
  const copy: Record<string, unknown> = structuredClone(record) as Record<string, unknown>;
  delete copy[field];
  return copy;
};

describe('parseCteRecord: complete records', () => {
  it.each(RECORD_CTES)('%s parses with no missing KDEs', (cte) => {
    const event = parseCteRecord(RECORDS[cte]);
    expect(event.cte).toBe(cte);
    expect(event.source).toBe('freshtrail-cte');
    expect(event.missingKdes).toEqual([]);
    expect(event.referenceDocuments.length).toBe(1);
    expect(event.eventId).toMatch(cte === 'shipping' ? /^ship-/ : /^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=freshtrail-cte-1$/);
  });

  it('maps shipping to custody and lineage fields', () => {
    const event = parseCteRecord(RECORDS.shipping);
    expect(event).toMatchObject({
      location: PACKHOUSE, from: PACKHOUSE, to: DC, eventTimeZoneOffset: '-07:00',
      eventTime: Date.parse('2025-06-02T12:00:00Z'), tlcSource: PACKHOUSE,
      lots: [{ tlc: 'urn:epc:class:lgtin:0614141.107346.LOT2025A', quantity: 400, unitOfMeasure: 'cases' }],
    });
    expect(event.kdes).toMatchObject({ shipToLocation: DC, shipDate: '2025-06-02' });
  });

  it('maps transformation inputs and outputs', () => {
    const event = parseCteRecord(RECORDS.transformation);
    if (event.cte !== 'transformation') throw new Error('wrong cte');
    expect(event.inputs.map((l) => l.tlc)).toEqual(['urn:epc:class:lgtin:0614141.107346.LOT2025A', 'DC-SPINACH-0601']);
    expect(event.outputs).toBe(event.lots);
    expect(event.location).toBe(PROCESSOR);
  });

  it('without eventTime, places the event at midnight of its date KDE at the given offset', () => {
    const event = parseCteRecord(RECORDS.cooling);
    expect(event.eventTime).toBe(Date.parse('2025-06-01T07:00:00Z'));
    expect(event.eventTimeZoneOffset).toBe('-07:00');
  });

  it('derives the same id for the same record, a different one for a changed record', () => {
    const a = parseCteRecord(RECORDS.receiving).eventId;
    expect(parseCteRecord(structuredClone(RECORDS.receiving)).eventId).toBe(a);
    expect(parseCteRecord({ ...RECORDS.receiving, quantity: 399 }).eventId).not.toBe(a);
  });
});

describe('parseCteRecord: missing KDEs', () => {
  const cases = RECORD_CTES.flatMap((cte) =>
    Object.entries(KDE_TABLE[cte])
      .filter(([field, info]) => info.required && !field.includes('[]'))
      .map(([field, info]) => [cte, field, info.section] as const),
  );

  it.each(cases)('%s without %s names it with %s', (cte, field, section) => {
    expect(schemaError(without(RECORDS[cte], field))).toContain(`${cte}: missing KDE "${field}" (${section})`);
  });

  it('matches the issue example for shipping', () => {
    expect(schemaError(without(RECORDS.shipping, 'shipToLocation'))).toBe('shipping: missing KDE "shipToLocation" (21 CFR 1.1340(a)(4))');
  });

  it('lists every missing KDE in one message', () => {
    const message = schemaError(without(without(without(RECORDS.shipping, 'shipDate'), 'productDescription'), 'referenceDocuments'));
    expect(message).toContain('"shipDate" (21 CFR 1.1340(a)(6))');
    expect(message).toContain('"productDescription" (21 CFR 1.1340(a)(3))');
    expect(message).toContain('"referenceDocuments" (21 CFR 1.1340(a)(8))');
  });

  it('names a missing KDE of one transformation input by its index', () => {
    const record = structuredClone(RECORDS.transformation) as { inputs: Array<Record<string, unknown>> };
    delete record.inputs[1]!.quantity;
    expect(schemaError(record)).toContain('transformation: missing KDE "inputs[1].quantity" (21 CFR 1.1350(a)(1)(iii))');
  });

  it('needs a TLC source or a TLC source reference when shipping', () => {
    expect(schemaError(without(RECORDS.shipping, 'tlcSource'))).toBe(
      'shipping: missing KDE "tlcSource" or "tlcSourceReference" (21 CFR 1.1340(a)(7))',
    );
  });

  it('refuses invalid values, unknown fields, and a time off its date', () => {
    expect(schemaError({ ...RECORDS.shipping, shipDate: '02/06/2025' })).toContain('invalid KDE "shipDate" (21 CFR 1.1340(a)(6)): must be a date YYYY-MM-DD');
    expect(schemaError({ ...RECORDS.shipping, quantity: 0 })).toContain('invalid KDE "quantity" (21 CFR 1.1340(a)(2))');
    expect(schemaError({ ...RECORDS.shipping, shipToLocaton: DC })).toContain('unknown field "shipToLocaton"');
    expect(schemaError({ ...RECORDS.shipping, eventTime: '2025-06-03T05:00:00-07:00' })).toContain('"eventTime" 2025-06-03T05:00:00-07:00 is not on shipDate 2025-06-02');
    expect(schemaError({ ...RECORDS.shipping, cte: 'sorting' })).toContain('a CTE record needs "cte"');
    expect(schemaError([])).toBe('a CTE record must be a JSON object');
  });
});

describe('personal data', () => {
  it('goes to contacts and nowhere else', () => {
    const event = parseCteRecord(RECORDS.initial_packing);
    expect(event.contacts).toEqual({ harvesterPhone: '+1 831 555 0142', contactName: 'Maria Lopez' });
    const rest = JSON.stringify({ ...event, contacts: undefined });
    expect(rest).not.toContain('555 0142');
    expect(rest).not.toContain('Maria');
  });

  it('does not enter the derived event id', () => {
    const a = parseCteRecord(RECORDS.harvesting).eventId;
    expect(parseCteRecord({ ...RECORDS.harvesting, harvesterPhone: '+1 000 000 0000' }).eventId).toBe(a);
  });
});

describe('the TLC rule (21 CFR 1.1320)', () => {
  const LOT = 'urn:epc:class:lgtin:0614141.107346.LOT2025A';
  it.each([
    ['harvesting', [], []],
    ['cooling', [], []],
    ['initial_packing', [LOT], []],
    ['shipping', [], [LOT]],
    ['receiving', [], [LOT]],
    ['transformation', ['SALAD-20250603-01'], [LOT, 'DC-SPINACH-0601']],
  ] as const)('%s assigns %j and references %j', (cte, assigns, references) => {
    expect(tlcRole(parseCteRecord(RECORDS[cte]))).toEqual({ assigns, references });
  });

  it('receiving from an exempt shipper assigns the TLC', () => {
    const { traceabilityLotCode: _, tlcSourceReference: __, ...rest } = RECORDS.receiving;
    const event = parseCteRecord({ ...rest, shipperExempt: true, assignedTlc: 'DC-LOT-9' });
    expect(tlcRole(event)).toEqual({ assigns: ['DC-LOT-9'], references: [] });
    expect(event.tlcSource).toBe(DC);
    expect(schemaError({ ...rest, shipperExempt: true })).toContain('missing KDE "assignedTlc" (21 CFR 1.1345(b)(1))');
  });

  it('refuses a TLC where the CTE may not assign one', () => {
    expect(schemaError({ ...RECORDS.receiving, assignedTlc: 'DC-LOT-9' })).toContain('21 CFR 1.1320(b)');
    expect(schemaError({ ...RECORDS.harvesting, traceabilityLotCode: 'X' })).toContain('the initial packer assigns it (21 CFR 1.1320(a))');
    const record = structuredClone(RECORDS.transformation);
    record.outputs[0]!.traceabilityLotCode = 'DC-SPINACH-0601';
    expect(schemaError(record)).toContain('is both an input and an output');
  });
});
