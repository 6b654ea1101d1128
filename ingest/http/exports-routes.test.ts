/**
 * Exports over HTTP: the FSMA 204 spreadsheet of a lot from harvest to a two-input
 * transformation and of a time range, and the EPCIS 2.0 document of a lot with the readings of
 * its custody summarized — committed through the real pipeline — exported and recorded again in
 * a fresh store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BERRIES, commingledChain, PACK_A, PROCESSOR, SALAD, SPINACH } from '../events/chain-fixtures.js';
import { FSMA204_HEADER } from '../exports/fsma204.js';
import { TestGateway, envelopeBytes, testReading } from '../test-helpers.js';
import { openTestApi, type TestApi } from './test-api.js';

const HOUR = 3_600_000;

/** RFC 4180 records → arrays of fields (quoted fields may hold commas, quotes and CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') { field += '"'; i += 2; }
        else if (text[i] === '"') { i++; break; }
        else field += text[i++];
      }
    } else if (text[i] === ',') { row.push(field); field = ''; i++; }
    else if (text.startsWith('\r\n', i)) { row.push(field); rows.push(row); row = []; field = ''; i += 2; }
    else field += text[i++];
  }
  expect(field).toBe(''); // the last record ends in CRLF
  return rows;
}

/** The commingled chain with a product description that needs quoting and KDEs that look like formulas. */
function chain(): Array<Record<string, unknown>> {
  return commingledChain().map((r) => {
    if (r.cte === 'initial_packing' && r.traceabilityLotCode === BERRIES) return { ...r, productDescription: 'Strawberries, 8 x 1 lb "clamshell"', contactName: '=cmd|\'/C calc\'!A0' };
    if (r.cte === 'harvesting' && r.commodity === 'strawberry') return { ...r, referenceDocuments: [{ type: 'harvest log', number: '@SUM(A1)' }] };
    return r;
  });
}

describe('HTTP API: exports', () => {
  let api: TestApi;
  const NOW = Date.parse('2025-06-05T12:00:00Z');
  beforeEach(async () => {
    api = await openTestApi({ limits: { maxClockSkewMs: 1e12 }, now: () => NOW, services: { bodyLimitBytes: 1024 * 1024 } });
    const posted = await api.app.inject({ method: 'POST', url: '/api/v1/events', payload: chain() });
    expect(posted.statusCode).toBe(201);
  });
  afterEach(() => api.close());
  const get = (url: string) => api.app.inject(`/api/v1${url}`);
  const csvOf = async (url: string) => {
    const res = await get(url);
    expect(res.statusCode, res.body).toBe(200);
    return { res, rows: parseCsv(res.body) };
  };
  const col = (name: string): number => FSMA204_HEADER.indexOf(name);

  it('writes a lot\'s spreadsheet: the documented header, one row per CTE, two rows for the two-input transformation', async () => {
    const { res, rows } = await csvOf(`/exports/fsma204.csv?tlc=${encodeURIComponent(BERRIES)}`);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers['content-disposition']).toBe('attachment; filename="fsma204-urn_epc_class_lgtin_0614141.107346.LOT-A.csv"');
    expect(res.body.split('\r\n')[0]).toBe(FSMA204_HEADER.join(','));
    const [header, ...data] = rows;
    expect(header).toEqual([...FSMA204_HEADER]);
    expect(data.map((r) => r[col('CTE')])).toEqual(['Cooling', 'Harvesting', 'Initial Packing', 'Shipping', 'Receiving', 'Transformation', 'Transformation']);
    const [cooling, harvesting, packing, shipping, receiving, t1, t2] = data as [string[], string[], string[], string[], string[], string[], string[]];
    // Sorted by event time (the cooling record sits at local midnight of its date).
    const times = data.map((r) => Date.parse(r[col('Event Time')]!));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(t1[col('Event ID')]).toBe(t2[col('Event ID')]);
    expect([t1[col('Input Traceability Lot Code (TLC)')], t2[col('Input Traceability Lot Code (TLC)')]]).toEqual([BERRIES, SPINACH]);
    expect([t1[col('Traceability Lot Code (TLC)')], t2[col('Input Quantity Used')], t2[col('Input Unit of Measure')]]).toEqual([SALAD, '15', 'bags']);
    expect(harvesting[col('Traceability Lot Code (TLC)')]).toBe('');
    expect(harvesting[col('Harvester Business Name')]).toBe('Sunny Acres Farm LLC');
    expect(cooling[col('Cooling Date')]).toBe('2025-06-01');
    expect(packing[col('Location')]).toBe(PACK_A);
    expect(shipping[col('Ship To Location / Immediate Subsequent Recipient Location')]).toBe(PROCESSOR);
    expect(receiving[col('Immediate Previous Source Location')]).toBe(PACK_A);
    expect(shipping[col('Event Date')]).toBe('2025-06-02');
    // A comma and quotes survive quoting; formula-like cells get a leading single quote.
    expect(packing[col('Product Description')]).toBe('Strawberries, 8 x 1 lb "clamshell"');
    expect(res.body).toContain('"Strawberries, 8 x 1 lb ""clamshell"""');
    expect(packing[col('Contact Name')]).toBe('\'=cmd|\'/C calc\'!A0');
    expect(harvesting[col('Reference Document Number')]).toBe("'@SUM(A1)");
    expect(packing[col('Harvester Phone')]).toBe("'+1 831 555 0142");

    // Erased contacts appear empty.
    await api.store.eraseEventContacts((await api.store.eventsOfLots([BERRIES])).find((e) => e.event.cte === 'initial_packing')!.event.eventId);
    const erased = (await csvOf(`/exports/fsma204.csv?tlc=${encodeURIComponent(BERRIES)}`)).rows[3]!;
    expect([erased[col('Harvester Phone')], erased[col('Contact Name')]]).toEqual(['', '']);
  });

  it('writes every event of a time range, several lots at once, and refuses bad requests clearly', async () => {
    const { res, rows } = await csvOf('/exports/fsma204.csv?from=2025-06-02T00:00:00-07:00&to=2025-06-03T00:00:00-07:00');
    expect(res.headers['content-disposition']).toBe('attachment; filename="fsma204-20250602T070000Z-20250603T070000Z.csv"');
    expect(rows.slice(1).map((r) => [r[col('CTE')], r[col('Event Time')]])).toEqual([
      ['Shipping', '2025-06-02T05:00:00.000-07:00'], ['Shipping', '2025-06-02T06:00:00.000-07:00'],
      ['Receiving', '2025-06-02T12:00:00.000-07:00'], ['Receiving', '2025-06-02T13:00:00.000-07:00'],
    ]);
    const two = await csvOf(`/exports/fsma204.csv?tlc=${SPINACH}&tlc=${SALAD}`);
    expect(two.res.headers['content-disposition']).toBe('attachment; filename="fsma204-SPINACH-B-0601-and-1-more.csv"');
    expect(two.rows.filter((r) => r[col('CTE')] === 'Transformation')).toHaveLength(2);
    const narrowed = await csvOf(`/exports/fsma204.csv?tlc=${SALAD}&from=2025-06-04T00:00:00-07:00&to=2025-06-05T00:00:00-07:00`);
    expect(narrowed.rows).toHaveLength(5); // header + 2 shipments + 2 receipts on the 4th

    const refused = async (url: string, status: number, message: string | RegExp) => {
      const r = await get(url);
      expect(r.statusCode, url).toBe(status);
      expect(r.json().error.message).toMatch(message);
    };
    await refused('/exports/fsma204.csv', 400, 'give one or more "tlc" parameters, or an event time range "from" and "to"');
    await refused('/exports/fsma204.csv?from=2025-06-02T00:00:00Z', 400, 'give both "from" and "to"');
    await refused('/exports/fsma204.csv?from=yesterday&to=2025-06-02T00:00:00Z', 400, '"from" must be an RFC 3339 time');
    await refused('/exports/fsma204.csv?from=2025-06-02T00:00:00Z&to=2025-06-01T00:00:00Z', 400, '"to" (2025-06-01T00:00:00Z) must be after "from"');
    await refused('/exports/fsma204.csv?lot=X', 400, /must NOT have additional properties/);
    await refused('/exports/fsma204.csv?tlc=NOPE&tlc=ALSO-NOPE', 404, 'no lot "NOPE", "ALSO-NOPE"');
    await refused('/exports/epcis', 400, /tlc/);
    await refused('/exports/epcis?tlc=NOPE', 404, 'no lot "NOPE"');
  });

  it('exports a lot as EPCIS 2.0 with its custody readings summarized, and the document is accepted by a fresh store', async () => {
    // Readings at the packhouse while the berries are there (day 1 14:00 → day 2 05:00 local), and one after they left.
    const gw = new TestGateway('gw-pack');
    await api.pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
    const packedAt = Date.parse('2025-06-01T14:00:00-07:00');
    const readings = [[1, 1.0, 90], [2, 2.0, 92], [3, 4.0, 94], [20, 9.0, 50]].map(([h, t, rh]) => testReading({ location: PACK_A, ts: packedAt + h! * HOUR, tempC: t!, rh: rh! }));
    expect((await api.pipeline.submit(envelopeBytes(gw.next(readings)), { transport: 'http' })).status).toBe('accepted');

    const res = await get(`/exports/epcis?tlc=${encodeURIComponent(BERRIES)}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/ld+json; charset=utf-8');
    const doc = res.json();
    expect(doc).toMatchObject({ '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { freshtrail: 'urn:freshtrail:epcis:' }], type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2025-06-05T12:00:00.000Z' });
    const events = doc.epcisBody.eventList as Array<Record<string, any>>;
    for (const e of events) {
      expect(typeof e.type).toBe('string');
      expect(e.eventTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/);
      expect(e.eventTimeZoneOffset).toMatch(/^[+-]\d{2}:\d{2}$/);
      expect(e.eventID).toMatch(/^[a-z][a-z0-9+.-]*:/i);
    }
    expect(events.map((e) => [e.type, e.bizStep])).toEqual([
      ['ObjectEvent', 'cooling'], ['ObjectEvent', 'harvesting'], ['ObjectEvent', 'commissioning'], ['ObjectEvent', 'shipping'],
      ['ObjectEvent', 'sensor_reporting'], ['ObjectEvent', 'receiving'], ['TransformationEvent', undefined],
    ]);
    const [, harvest, packing, shipping, sensor, receiving, transformation] = events as [unknown, Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>];
    // The LGTIN TLC is the epcClass unchanged; another TLC goes to the FreshTrail namespace.
    expect(packing).toMatchObject({ action: 'ADD', quantityList: [{ epcClass: BERRIES, quantity: 400, uom: 'CS' }], ilmd: { 'cbvmda:harvestStartDate': '2025-06-01', 'freshtrail:fieldName': 'North 7' } });
    expect(harvest.quantityList[0].epcClass).toBe(`urn:freshtrail:harvest:${encodeURIComponent('urn:epc:id:sgln:0614141.00001.0')}:strawberry:2025-06-01`);
    expect(shipping).toMatchObject({ action: 'OBSERVE', eventID: 'urn:freshtrail:event:ship-A', sourceList: [{ type: 'location', source: PACK_A }], destinationList: [{ type: 'location', destination: PROCESSOR }] });
    expect(receiving).toMatchObject({ bizLocation: { id: PROCESSOR }, sourceList: [{ type: 'location', source: PACK_A }] });
    expect(transformation.inputQuantityList).toEqual([
      { epcClass: BERRIES, quantity: 20, uom: 'CS' },
      { epcClass: `urn:freshtrail:tlc:${SPINACH}`, quantity: 15, uom: 'BG' },
    ]);
    expect(transformation.outputQuantityList).toEqual([{ epcClass: `urn:freshtrail:tlc:${SALAD}`, quantity: 300, uom: 'EA' }]);
    // One summary for the packhouse interval (the processor interval has no readings); the reading after shipping is out.
    expect(sensor).toMatchObject({
      action: 'OBSERVE', quantityList: [{ epcClass: BERRIES }], readPoint: { id: PACK_A }, bizLocation: { id: PACK_A },
      eventTime: '2025-06-02T05:00:00.000-07:00',
      sensorElementList: [{
        sensorMetadata: { startTime: '2025-06-01T14:00:00.000-07:00', endTime: '2025-06-02T05:00:00.000-07:00' },
        sensorReport: [
          { type: 'Temperature', minValue: 1, maxValue: 4, meanValue: 2.33, uom: 'CEL' },
          { type: 'RelativeHumidity', minValue: 90, maxValue: 94, meanValue: 92, uom: 'P1' },
        ],
      }],
    });
    expect(JSON.stringify(doc)).not.toContain('555 0142'); // no personal data in EPCIS

    // Round trip: a fresh store records the whole document.
    const fresh = await openTestApi({ services: { bodyLimitBytes: 1024 * 1024 } });
    try {
      const posted = await fresh.app.inject({ method: 'POST', url: '/api/v1/events', payload: doc });
      expect(posted.statusCode, posted.body).toBe(201);
      const results = posted.json().events as Array<{ status: string; cte: string }>;
      expect(results.map((r) => r.cte)).toEqual(['cooling', 'harvesting', 'initial_packing', 'shipping', 'observation', 'receiving', 'transformation']);
      expect(results.every((r) => r.status === 'created')).toBe(true);
      const again = (await fresh.store.eventsOfLots([BERRIES])).map((e) => e.event);
      // Harvest records come back without the harvest link (EPCIS has no place for it), so only the lot's own events follow it.
      expect(again.map((e) => e.cte)).toEqual(['initial_packing', 'shipping', 'observation', 'receiving', 'transformation']);
      const before = new Map((await api.store.eventsOfLots([BERRIES])).map((e) => [e.event.cte, e.event]));
      for (const e of again.filter((x) => x.cte !== 'observation')) expect([e.eventTime, e.location, e.lots.length]).toEqual([before.get(e.cte)!.eventTime, before.get(e.cte)!.location, e.cte === 'transformation' ? 0 : 1]);
      const t = again.find((e) => e.cte === 'transformation')!;
      expect(t.cte === 'transformation' && t.inputs.map((l) => l.tlc)).toEqual([BERRIES]); // SPINACH is no GS1 lot: not a lot there
      expect(await fresh.store.lotCustody(BERRIES)).toEqual(await api.store.lotCustody(BERRIES));
      const packedAgain = again.find((e) => e.cte === 'initial_packing')!;
      expect(packedAgain.harvest).toBeUndefined();
      expect((packedAgain.kdes as Record<string, unknown>).harvestDate).toBe('2025-06-01');
      // Exported again, the sensor summary is kept as given.
      const second = (await fresh.app.inject(`/api/v1/exports/epcis?tlc=${encodeURIComponent(BERRIES)}`)).json();
      expect(second.epcisBody.eventList.filter((e: Record<string, unknown>) => e.bizStep === 'sensor_reporting')[0].sensorElementList).toEqual(sensor.sensorElementList);
    } finally {
      await fresh.close();
    }
  });
});
