/**
 * The epoch builder on a real SQLite store behind the HTTP API: lots from a commingled chain of
 * CTE records, readings committed through the pipeline at a custody location. Each closed epoch
 * is checked as a verifier would: signature, chain of heads, every leaf's inclusion proof.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { checkHeadLink, checkSignedHead, GENESIS_HEAD_HASH } from '../../protocol/epoch-head.js';
import { keyPairFromSeed } from '../../protocol/keys.js';
import { buildLotHeader, lotHeaderBytes } from '../../protocol/lot-digest.js';
import { inclusionProof, verifyInclusion } from '../../protocol/merkle.js';
import { BERRIES, commingledChain, DC, SALAD, SPINACH } from '../events/chain-fixtures.js';
import { openTestApi, type TestApi } from '../http/test-api.js';
import { envelopeBytes, TestGateway, testReading } from '../test-helpers.js';
import { EpochBuilder, evidenceHolds } from './epoch-builder.js';

const headKey = keyPairFromSeed('5e'.repeat(32));
const T = Date.parse('2025-06-05T00:00:00Z');
/** The salad is at the DC from 2025-06-04 03:00Z to 12:00Z. */
const AT_DC = Date.parse('2025-06-04T06:00:00Z');

describe('EpochBuilder', () => {
  let api: TestApi;
  let clock = T;
  let builder: EpochBuilder;
  const gw = new TestGateway('gw-dc', '61'.repeat(32));

  beforeEach(async () => {
    clock = T;
    api = await openTestApi({ limits: { maxClockSkewMs: 1e12 }, now: () => clock });
    builder = new EpochBuilder({ store: api.store, log: 'freshtrail:test', headKey: headKey.privateKey, epochMs: 3_600_000, logger: silentLogger() });
  });
  afterEach(() => api.close());

  const post = (url: string, payload: unknown) => api.app.inject({ method: 'POST', url: `/api/v1${url}`, payload: payload as string });
  const postBatch = (readings: ReturnType<typeof testReading>[]) =>
    api.app.inject({ method: 'POST', url: '/api/v1/batches', headers: { 'content-type': 'application/json' }, payload: envelopeBytes(gw.next(readings, { createdAt: clock })) });

  /** Checks an epoch as a verifier would and returns its leaves by lot. */
  async function verifiedEpoch(epoch: number) {
    const stored = (await api.store.epochHead(epoch))!;
    expect(checkSignedHead(stored, headKey.publicKeyHex)).toEqual([]);
    const leaves = await api.store.epochLeaves(epoch);
    const data = leaves.map((l) => lotHeaderBytes(l.header));
    expect(stored.head.treeSize).toBe(leaves.length);
    leaves.forEach((leaf, i) => {
      expect(leaf.index).toBe(i);
      expect(verifyInclusion(data[i]!, inclusionProof(data, i), stored.head.root)).toBe(true);
    });
    return { stored, byLot: new Map(leaves.map((l) => [l.lot, l.header])) };
  }

  it('closes epochs over changed lots only, signed, chained, held and queued for anchoring', async () => {
    expect((await post('/events', commingledChain())).statusCode).toBe(201);
    expect((await post('/gateways', { id: gw.id, publicKey: gw.publicKey })).statusCode).toBe(201);
    expect((await postBatch([testReading({ location: DC, ts: AT_DC })])).json()).toMatchObject({ status: 'accepted' });

    clock += 1000;
    const first = await builder.closeEpoch(clock);
    expect(first).toMatchObject({ epoch: 1, leafCount: 3, lots: [BERRIES, SALAD, SPINACH].sort() });
    const e1 = await verifiedEpoch(1);
    expect(e1.stored.head).toMatchObject({ v: 1, log: 'freshtrail:test', epoch: 1, treeSize: 3, prev: GENESIS_HEAD_HASH, closedAt: clock });
    expect(e1.stored.headHash).toBe(first!.headHash);
    // The salad's header names its events and the one batch with a reading in its custody; a
    // verifier rebuilds it from those and the salt.
    const batch1 = (await api.store.getBatchHeader(gw.id, 1))!;
    const salad = e1.byLot.get(SALAD)!;
    expect(salad.batches).toEqual([{ gateway: gw.id, seq: 1, id: batch1.id }]);
    const rebuilt = buildLotHeader({ lot: SALAD, salt: salad.salt, events: (await api.store.lotEvents(SALAD)).map((e) => e.event), batches: [{ gateway: gw.id, seq: 1, id: batch1.id }] });
    expect(lotHeaderBytes(rebuilt)).toEqual(lotHeaderBytes(salad));
    expect(salad.events).toHaveLength(7);
    expect(e1.byLot.get(BERRIES)!.batches).toEqual([]);
    expect(await api.store.listEvidenceHolds(gw.id)).toEqual([expect.objectContaining({ gateway: gw.id, fromSeq: 1, toSeq: 1, reason: 'epoch 1' })]);
    // Queued with this hash: the same again is 'unchanged'.
    expect(await api.store.enqueueAnchorHead({ epoch: 1, headHash: `0x${first!.headHash}`, leafCount: 3 }, clock)).toMatchObject({ status: 'unchanged' });

    // Nothing changed: no epoch (no empty heads).
    clock += 1000;
    expect(await builder.closeEpoch(clock)).toBeUndefined();
    expect(await api.store.latestEpochHead()).toMatchObject({ head: { epoch: 1 } });

    // A new reading at the DC during the salad's custody: the salad, and only it, in epoch 2.
    clock += 1000;
    expect((await postBatch([testReading({ location: DC, ts: AT_DC + 60_000 })])).json()).toMatchObject({ status: 'accepted' });
    clock += 1000;
    const second = await builder.closeEpoch(clock);
    expect(second).toMatchObject({ epoch: 2, leafCount: 1, lots: [SALAD] });
    const e2 = await verifiedEpoch(2);
    expect(checkHeadLink(e1.stored.head, e2.stored.head)).toEqual([]);
    const salad2 = e2.byLot.get(SALAD)!;
    expect(salad2.batches).toEqual([{ gateway: gw.id, seq: 2, id: (await api.store.getBatchHeader(gw.id, 2))!.id }]);
    expect(salad2.events).toEqual(salad.events);
    expect(salad2.salt).not.toBe(salad.salt);
    expect((await api.store.lotLeaves(SALAD, 10)).map((l) => l.epoch)).toEqual([2, 1]);
    expect((await api.store.lotLeaves(SPINACH, 10)).map((l) => l.epoch)).toEqual([1]);
    expect((await api.store.listEvidenceHolds(gw.id)).map((h) => [h.fromSeq, h.toSeq, h.reason])).toEqual([[1, 1, 'epoch 1'], [1, 2, 'epoch 2']]);

    clock += 1000;
    expect(await builder.closeEpoch(clock)).toBeUndefined();
  });

  it('closes when due: at once on an empty store, then once per epoch length', async () => {
    expect(await builder.closeIfDue(clock)).toBeUndefined(); // nothing to say yet
    await post('/events', commingledChain());
    expect(await builder.closeIfDue(clock)).toMatchObject({ epoch: 1 });
    await post('/gateways', { id: gw.id, publicKey: gw.publicKey });
    await postBatch([testReading({ location: DC, ts: AT_DC })]);
    expect(await builder.closeIfDue(clock + 3_599_999)).toBeUndefined();
    expect(await builder.closeIfDue(clock + 3_600_000)).toMatchObject({ epoch: 2, lots: [SALAD] });
  });

  it('gives no leaf to a lot whose custody only overlaps the span of new readings', async () => {
    await api.store.createLot({ id: 'LOT-X', commodity: 'strawberry', location: 'room-9', createdAt: AT_DC });
    await api.store.moveLot('LOT-X', 'room-10', AT_DC + 1000);
    await post('/gateways', { id: gw.id, publicKey: gw.publicKey });
    await postBatch([testReading({ location: 'room-9', ts: AT_DC - 1000 }), testReading({ location: 'room-9', ts: AT_DC + 5000 })]);
    expect(await api.store.epochCandidateLots(0)).toEqual(['LOT-X']);
    expect(await builder.closeEpoch(clock)).toBeUndefined();
    await postBatch([testReading({ location: 'room-9', ts: AT_DC + 500 })]);
    expect(await builder.closeEpoch(clock + 1)).toMatchObject({ epoch: 1, lots: ['LOT-X'] });
  });

  it('merges the hold ranges of one gateway that overlap or touch', () => {
    const refs = [
      { gateway: 'b', firstSeq: 5, seq: 9, id: '' },
      { gateway: 'a', firstSeq: 1, seq: 3, id: '' },
      { gateway: 'a', firstSeq: 4, seq: 6, id: '' },
      { gateway: 'a', firstSeq: 10, seq: 12, id: '' },
      { gateway: 'a', firstSeq: 2, seq: 2, id: '' },
    ];
    expect(evidenceHolds(refs, 'epoch 7', 1).map((h) => [h.gateway, h.fromSeq, h.toSeq])).toEqual([['a', 1, 6], ['a', 10, 12], ['b', 5, 9]]);
  });
});
