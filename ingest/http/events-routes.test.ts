/**
 * Traceability events over HTTP: the three input forms, all-or-nothing requests, KDE and TLC
 * errors, a stored event (contacts apart), a lot's history and its trace both ways.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BERRIES, commingledChain, DC, FARM_A, FARM_B, PROCESSOR, SALAD, shipRecord, SPINACH, STORE_1, STORE_2 } from '../events/chain-fixtures.js';
import { initialPacking, shipping } from '../events/fixtures.js';
import { T0, TestGateway, testReading } from '../test-helpers.js';
import { openTestApi, type TestApi } from './test-api.js';

const epcisDocument = {
  '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
  type: 'EPCISDocument',
  schemaVersion: '2.0',
  creationDate: '2025-06-01T15:00:00-07:00',
  epcisBody: {
    eventList: [
      {
        type: 'ObjectEvent',
        eventID: 'urn:uuid:7b1e7c0a-0000-4000-8000-000000000001',
        eventTime: '2025-06-01T14:00:00-07:00',
        eventTimeZoneOffset: '-07:00',
        action: 'ADD',
        bizStep: 'commissioning',
        bizLocation: { id: 'urn:epc:id:sgln:0614141.00003.0' },
        quantityList: [{ epcClass: 'urn:epc:class:lgtin:0614141.107346.EPC1', quantity: 50, uom: 'CS' }],
      },
      {
        type: 'ObjectEvent',
        eventID: 'urn:uuid:7b1e7c0a-0000-4000-8000-000000000002',
        eventTime: '2025-06-02T05:00:00-07:00',
        eventTimeZoneOffset: '-07:00',
        action: 'OBSERVE',
        bizStep: 'https://ref.gs1.org/cbv/BizStep-shipping',
        bizLocation: { id: 'urn:epc:id:sgln:0614141.00003.0' },
        quantityList: [{ epcClass: 'urn:epc:class:lgtin:0614141.107346.EPC1', quantity: 50, uom: 'CS' }],
        destinationList: [{ type: 'location', destination: 'urn:epc:id:sgln:0098765.00010.0' }],
      },
    ],
  },
};

describe('HTTP API: lot events and trace', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi({ limits: { maxClockSkewMs: 1e12 }, now: () => Date.parse('2025-06-05T00:00:00Z') });
  });
  afterEach(() => api.close());

  const post = (payload: unknown, contentType = 'application/json') =>
    api.app.inject({ method: 'POST', url: '/api/v1/events', payload: JSON.stringify(payload), headers: { 'content-type': contentType } });
  const get = (url: string) => api.app.inject(`/api/v1${url}`);

  it('records a single CTE record, idempotently, and keeps its contacts out of the stored event JSON', async () => {
    const created = await post(initialPacking);
    expect(created.statusCode).toBe(201);
    const [result] = created.json().events;
    expect(result).toEqual({ eventId: expect.stringMatching(/^ni:\/\/\/sha-256;/), status: 'created', cte: 'initial_packing', missingKdes: [] });
    const again = await post(initialPacking);
    expect(again.statusCode).toBe(200);
    expect(again.json().events[0].status).toBe('duplicate');

    const stored = await get(`/events/${encodeURIComponent(result.eventId)}`);
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toMatchObject({ event: { eventId: result.eventId, cte: 'initial_packing', contacts: { contactName: 'Maria Lopez' } }, time: '2025-06-01T21:00:00.000Z' });
    const row = api.store.db.prepare('SELECT body, contacts FROM lot_events WHERE event_id = ?').get(result.eventId) as { body: string; contacts: string };
    expect(row.body).not.toContain('Maria');
    expect(row.body).not.toContain('555 0142');
    expect(JSON.parse(row.body)).not.toHaveProperty('contacts');
    expect(JSON.parse(row.contacts)).toEqual({ contactName: 'Maria Lopez', harvesterPhone: '+1 831 555 0142' });
    expect((await get('/events/nope')).statusCode).toBe(404);
  });

  it('records an array of CTE records in one transaction: one bad record stores none', async () => {
    const chain = commingledChain();
    const bad = shipRecord('ship-unknown', 'NO-SUCH-TLC', { from: DC, to: STORE_1, day: 4, time: '07:00' });
    const refused = await post([...chain, bad]);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toEqual({ code: 'FT_ERR_SCHEMA', message: expect.stringContaining(`events[${chain.length}] (shipping "ship-unknown"): TLC "NO-SUCH-TLC" is unknown`) });
    expect((await get(`/lots/${encodeURIComponent(BERRIES)}`)).statusCode).toBe(404);
    expect(api.store.db.prepare('SELECT COUNT(*) AS n FROM lot_events').get()).toEqual({ n: 0 });

    const ok = await post(chain);
    expect(ok.statusCode).toBe(201);
    expect(ok.json().events).toHaveLength(chain.length);
    expect(ok.json().events.every((e: { status: string }) => e.status === 'created')).toBe(true);
    // Re-assigning a TLC is a conflict naming the TLC and the rule.
    const reassign = await post({ ...initialPacking, traceabilityLotCode: BERRIES, eventId: 'pack-again' });
    expect(reassign.statusCode).toBe(409);
    expect(reassign.json().error.message).toContain(`TLC "${BERRIES}" exists already`);
  });

  it('names every missing KDE with its record index and paragraph', async () => {
    const { shipToLocation: _to, ...noShipTo } = shipping;
    const res = await post([initialPacking, noShipTo, { ...shipping, shipDate: undefined }]);
    expect(res.statusCode).toBe(400);
    const { message } = res.json().error;
    expect(message).toContain('records[1] shipping: missing KDE "shipToLocation" (21 CFR 1.1340(a)(4))');
    expect(message).toContain('records[2] shipping: missing KDE "shipDate" (21 CFR 1.1340(a)(6))');
    expect(api.store.db.prepare('SELECT COUNT(*) AS n FROM lot_events').get()).toEqual({ n: 0 });
    const neither = await post({ hello: 'world' });
    expect(neither.statusCode).toBe(400);
    expect(neither.json().error.message).toContain('send a CTE record');
  });

  it('records an EPCIS document as application/json and as application/ld+json, with its FSMA gaps', async () => {
    const res = await post(epcisDocument);
    expect(res.statusCode).toBe(201);
    const events = res.json().events;
    expect(events.map((e: { cte: string }) => e.cte)).toEqual(['initial_packing', 'shipping']);
    expect(events[0].missingKdes).toContain('productDescription');
    expect(events[1].missingKdes).toContain('referenceDocuments');
    const asLd = await post(epcisDocument, 'application/ld+json');
    expect(asLd.statusCode).toBe(200);
    expect(asLd.json().events.map((e: { status: string }) => e.status)).toEqual(['duplicate', 'duplicate']);
    // A single EPCIS event is accepted as JSON-LD.
    const single = { ...epcisDocument.epcisBody.eventList[1], eventID: 'urn:uuid:7b1e7c0a-0000-4000-8000-000000000003', eventTime: '2025-06-02T06:00:00-07:00' };
    expect((await post(single, 'application/ld+json')).statusCode).toBe(201);
    const bad = await api.app.inject({ method: 'POST', url: '/api/v1/events', payload: '{not json', headers: { 'content-type': 'application/ld+json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('FT_ERR_MALFORMED');
  });

  it('refuses a body over the limit', async () => {
    const big = Array.from({ length: 400 }, (_, i) => ({ ...initialPacking, traceabilityLotCode: `LOT-${i}` }));
    const res = await post(big);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('FT_ERR_TOO_LARGE');
  });

  it('shows a lot\'s history: events, custody with a readings summary per interval', async () => {
    await post(commingledChain());
    const gw = new TestGateway('gw-dc');
    await api.store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 });
    const dcTs = Date.parse('2025-06-04T06:00:00Z'); // the salad is at the DC from 03:00Z to 12:00Z
    await api.store.commitBatch(gw.next([testReading({ location: DC, ts: dcTs, tempC: 2, rh: 90 }), testReading({ location: DC, ts: dcTs + 60_000, tempC: 4, rh: 94 })]), { receivedAt: dcTs, transport: 'mqtt', flags: { gap: false } });
    const res = await get(`/lots/${SALAD}`);
    expect(res.statusCode).toBe(200);
    const lot = res.json();
    expect(lot).toMatchObject({ id: SALAD, commodity: 'Spinach strawberry salad, 10 oz' });
    expect(lot.events.map((e: { cte: string; role: string }) => `${e.cte}:${e.role}`)).toEqual([
      'transformation:output', 'shipping:subject', 'receiving:subject', 'shipping:subject', 'shipping:subject', 'receiving:subject', 'receiving:subject',
    ]);
    expect(lot.custody.map((c: { location: string }) => c.location)).toEqual([PROCESSOR, DC, STORE_1, STORE_2]);
    expect(lot.custody[1].readings).toEqual({ count: 2, tempC: { min: 2, max: 4, mean: 3 }, rh: { min: 90, max: 94, mean: 92 } });
    expect(lot.custody[0].readings).toEqual({ count: 0 });
    expect(lot).not.toHaveProperty('freshness');
    expect(lot.anchoring).toEqual({ status: 'disabled', anchors: [] }); // this app closes no epochs
  });

  it('traces back to both farms and forward to the stores holding the split lot', async () => {
    await post(commingledChain());
    const back = (await get(`/lots/${SALAD}/trace?direction=back`)).json();
    expect(back.nodes.map((n: { tlc: string }) => n.tlc)).toEqual([SALAD, SPINACH, BERRIES]);
    expect(back.origins.map((o: { farmLocation: string }) => o.farmLocation).sort()).toEqual([FARM_A, FARM_B].sort());
    expect(back.edges.filter((e: { kind: string }) => e.kind === 'transformation')).toHaveLength(2);

    const forward = (await get(`/lots/${encodeURIComponent(BERRIES)}/trace?direction=forward&maxDepth=5`)).json();
    expect(forward).toMatchObject({ lot: BERRIES, direction: 'forward', maxDepth: 5, truncated: false });
    expect(forward.holders.filter((h: { lot: string }) => h.lot === SALAD)).toEqual([
      { lot: SALAD, location: STORE_1, since: '2025-06-04T15:00:00.000Z' },
      { lot: SALAD, location: STORE_2, since: '2025-06-04T16:00:00.000Z' },
    ]);
    expect(forward.edges).toContainEqual({ kind: 'shipment', lot: SALAD, from: DC, to: STORE_2, eventId: 'ship-salad-s2', time: '2025-06-04T13:00:00.000Z' });
    expect((await get('/lots/NOPE/trace')).statusCode).toBe(404);
    expect((await get(`/lots/${SALAD}/trace?direction=sideways`)).statusCode).toBe(400);
    expect((await get(`/lots/${SALAD}/trace?maxDepth=0`)).statusCode).toBe(400);
  });

  it('leaves lots of a commodity without a shelf-life model out of FEFO', async () => {
    await post(commingledChain());
    expect((await get(`/locations/${encodeURIComponent(STORE_1)}/fefo`)).json()).toEqual({ location: STORE_1, lots: [] });
  });
});
