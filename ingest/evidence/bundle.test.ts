/**
 * Evidence bundles built from a real SQLite store behind the HTTP API (events of a commingled
 * chain, readings committed through the pipeline in the salad's custody, epochs closed by the
 * EpochBuilder, an anchor recorded in the store) and checked with verifyBundle; then the tamper
 * test: each byte class changed in turn makes verification fail, naming the right check.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { batchCanonicalBytes, type Batch } from '../../protocol/batch.js';
import { headHash } from '../../protocol/epoch-head.js';
import { CHECK_NAMES, verifyBundle, type Check, type ChainReader, type EvidenceBundle } from '../../protocol/evidence.js';
import { keyPairFromSeed } from '../../protocol/keys.js';
import { EpochBuilder } from '../anchoring/epoch-builder.js';
import { BERRIES, commingledChain, DC, SALAD, SPINACH } from '../events/chain-fixtures.js';
import { openTestApi, type TestApi } from '../http/test-api.js';
import { envelopeBytes, TestGateway, testReading } from '../test-helpers.js';

const headKey = keyPairFromSeed('5e'.repeat(32));
const T = Date.parse('2025-06-05T00:00:00Z');
/** The salad is at the DC from 2025-06-04 03:00Z to 12:00Z. */
const AT_DC = Date.parse('2025-06-04T06:00:00Z');
const TARGET = { name: 'test-chain', chainId: 31337n, contract: `0x${'ab'.repeat(20)}`, anchorer: `0x${'cd'.repeat(20)}` };

describe('lot evidence bundles', () => {
  let api: TestApi;
  let clock = T;
  let builder: EpochBuilder;
  let gw = new TestGateway('gw-dc', '61'.repeat(32));

  beforeEach(async () => {
    clock = T;
    gw = new TestGateway('gw-dc', '61'.repeat(32));
    api = await openTestApi({ limits: { maxClockSkewMs: 1e12 }, now: () => clock, services: { evidence: { epochMinutes: 60, headPublicKey: headKey.publicKeyHex } } });
    builder = new EpochBuilder({ store: api.store, log: 'freshtrail:test', headKey: headKey.privateKey, epochMs: 3_600_000, logger: silentLogger() });
    await api.store.ensureAnchorTarget(TARGET, clock);
    await api.store.setAnchorNonce(TARGET.name, 0, undefined, clock);
  });
  afterEach(() => api.close());

  const post = (url: string, payload: unknown) => api.app.inject({ method: 'POST', url: `/api/v1${url}`, payload: payload as string });
  const postBatch = (readings: ReturnType<typeof testReading>[]) =>
    api.app.inject({ method: 'POST', url: '/api/v1/batches', headers: { 'content-type': 'application/json' }, payload: envelopeBytes(gw.next(readings, { createdAt: clock })) });
  const bundleOf = async (lot: string, query = '') => {
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/lots/${encodeURIComponent(lot)}/evidence${query}` });
    expect(res.statusCode).toBe(200);
    return res.json() as EvidenceBundle;
  };
  /** Records epoch `epoch` as included on the test chain, as the anchoring job would. */
  async function anchor(epoch: number, nonce: number) {
    const txHash = `0x${String(epoch).padStart(64, '7')}`;
    expect(await api.store.recordAnchorBroadcast(TARGET.name, epoch, nonce, { txHash, rawTx: '0x01', maxFeePerGas: '1', maxPriorityFeePerGas: '1', at: clock })).toBe(true);
    expect(await api.store.recordAnchorInclusion(TARGET.name, epoch, { txHash, blockNumber: 10 + epoch, blockHash: `0x${'be'.repeat(32)}`, confirmations: 1, at: clock })).toBe(true);
  }
  /** A chain that holds what the store says was anchored. */
  const chainOf = (heads: Map<number, string>): ChainReader => async (chainId, contract, epoch) =>
    chainId === '31337' && contract === TARGET.contract ? (heads.get(epoch) ?? null) : undefined;

  /** Events, three batches at the DC in the salad's custody (one reading outside), epoch 1 closed and anchored. */
  async function anchoredSalad() {
    expect((await post('/events', commingledChain())).statusCode).toBe(201);
    expect((await post('/gateways', { id: gw.id, publicKey: gw.publicKey })).statusCode).toBe(201);
    expect((await postBatch([testReading({ location: 'elsewhere', ts: AT_DC })])).json()).toMatchObject({ status: 'accepted' });
    for (let i = 0; i < 3; i++) {
      expect((await postBatch([testReading({ location: DC, ts: AT_DC + i * 60_000, tempC: 2 + i }), testReading({ location: DC, ts: AT_DC + i * 60_000 + 30_000 })])).json()).toMatchObject({ status: 'accepted' });
    }
    clock += 1000;
    const closed = (await builder.closeEpoch(clock))!;
    await anchor(1, 0);
    return { chain: chainOf(new Map([[1, `0x${closed.headHash}`]])) };
  }

  const failed = (checks: Check[]) => checks.filter((c) => !c.ok && !c.skipped).map((c) => c.name);

  it('serves a bundle that verifies: every check passes, the chain read included', async () => {
    const { chain } = await anchoredSalad();
    const bundle = await bundleOf(SALAD);
    expect(bundle).toMatchObject({ v: 1, lot: SALAD, leaf: { epoch: 1 }, ingestKey: headKey.publicKeyHex, generatedAt: clock });
    // The chain starts at the first batch with a reading in custody (seq 2), ends at the referenced one.
    expect(bundle.batches).toEqual([{ gateway: gw.id, fromSeq: 2, batches: expect.any(Array), sig: expect.stringMatching(/^[0-9a-f]{128}$/) }]);
    expect(bundle.batches[0]!.batches).toHaveLength(3);
    expect(bundle.leaf.header.batches).toEqual([expect.objectContaining({ gateway: gw.id, seq: 4 })]);
    expect(bundle.events).toHaveLength(7);
    expect(bundle.events.some((e) => 'contacts' in e)).toBe(false);
    expect(bundle.anchors).toEqual([{ chainId: '31337', contract: TARGET.contract, epoch: 1, headHash: `0x${headHash(bundle.heads[0]!.head)}`, txHash: expect.any(String), blockNumber: 11, blockHash: `0x${'be'.repeat(32)}`, status: 'included' }]);

    const checks = await verifyBundle(bundle, { headPublicKey: headKey.publicKeyHex, chain });
    expect(checks.map((c) => c.name)).toEqual(['bundle', 'event digests', 'batch chain', 'batch signature', 'header batches', 'custody readings', 'gateway keys', 'leaf inclusion', 'head signature', 'head chain', 'anchor', 'on-chain head']);
    expect(failed(checks)).toEqual([]);
    expect(checks.find((c) => c.name === 'custody readings')!.detail).toMatch(/^6 readings/);
    // Without a chain reader the on-chain check is skipped, not passed.
    const offline = await verifyBundle(bundle);
    expect(offline.at(-1)).toMatchObject({ name: 'on-chain head', ok: false, skipped: true });
    expect(offline.find((c) => c.name === 'head signature')!.detail).toMatch(/the key the bundle states/);
    // Another head key: every head signature fails.
    expect(failed(await verifyBundle(bundle, { headPublicKey: keyPairFromSeed('99'.repeat(32)).publicKeyHex, chain }))).toEqual(['head signature']);
  });

  it('serves the newest anchored leaf by default, so a lot that changes every epoch still verifies; leaf=latest waits for its anchor', async () => {
    const { chain } = await anchoredSalad();
    // The salad gets a reading and a new event: epoch 2 holds a newer leaf, not anchored yet.
    await postBatch([testReading({ location: DC, ts: AT_DC + 600_000 })]);
    const later = { ...commingledChain().find((r) => r.cte === 'shipping' && r.traceabilityLotCode === SALAD)!, eventId: 'salad-ship-again', shipDate: '2025-06-04', eventTime: '2025-06-04T11:00:00-07:00', quantity: 1 };
    expect((await post('/events', later)).statusCode).toBe(201);
    clock += 1000;
    const second = (await builder.closeEpoch(clock))!;
    await api.store.enqueueAnchorHead({ epoch: 2, headHash: `0x${second.headHash}`, leafCount: 1 }, clock);
    const latest = await bundleOf(SALAD, '?leaf=latest');
    expect(latest.leaf.epoch).toBe(2);
    expect(failed(await verifyBundle(latest, { chain }))).toEqual(['anchor', 'on-chain head']);
    const anchored = await bundleOf(SALAD);
    expect(anchored.leaf.epoch).toBe(1);
    expect(anchored.events.map((e) => e.eventId)).not.toContain('salad-ship-again'); // recorded after the leaf
    expect(failed(await verifyBundle(anchored, { headPublicKey: headKey.publicKeyHex, chain }))).toEqual([]);
    // Once epoch 2 is anchored, the default moves on to it.
    await anchor(2, 1);
    const moved = await bundleOf(SALAD);
    expect(moved.leaf.epoch).toBe(2);
    expect(moved.events.map((e) => e.eventId)).toContain('salad-ship-again');
    expect(failed(await verifyBundle(moved, { headPublicKey: headKey.publicKeyHex, chain: chainOf(new Map([[2, `0x${second.headHash}`]])) }))).toEqual([]);
  });

  it('still verifies after personal data is erased on request: contacts are outside every digest', async () => {
    const { chain } = await anchoredSalad();
    const packing = (await api.store.eventsOfLots([BERRIES])).find((e) => e.event.cte === 'initial_packing')!.event;
    expect(Object.keys(packing.contacts)).not.toHaveLength(0);
    const before = await bundleOf(BERRIES);
    expect(failed(await verifyBundle(before, { headPublicKey: headKey.publicKeyHex, chain }))).toEqual([]);
    const erase = await api.app.inject({ method: 'POST', url: `/api/v1/events/${encodeURIComponent(packing.eventId)}/erase-contacts` });
    expect(erase.json()).toEqual({ eventId: packing.eventId, erased: true });
    expect((await api.app.inject({ method: 'POST', url: `/api/v1/events/${encodeURIComponent(packing.eventId)}/erase-contacts` })).json().erased).toBe(false);
    expect((await api.store.getEvent(packing.eventId))!.event.contacts).toEqual({});
    const after = await bundleOf(BERRIES);
    expect(after.leaf).toEqual(before.leaf);
    expect(failed(await verifyBundle(after, { headPublicKey: headKey.publicKeyHex, chain }))).toEqual([]);
    expect(JSON.stringify(after)).not.toMatch(/\+1 \d{3}/); // no phone number in a bundle, before or after
    expect(JSON.stringify(before)).not.toMatch(/\+1 \d{3}/);
  });

  it('follows prev links to a later anchored head, and says pending before any anchor', async () => {
    await post('/events', commingledChain());
    await post('/gateways', { id: gw.id, publicKey: gw.publicKey });
    clock += 1000;
    await builder.closeEpoch(clock);
    const pending = await bundleOf(SPINACH);
    expect(pending.anchors).toEqual([]);
    const pendingChecks = await verifyBundle(pending, { chain: chainOf(new Map()) });
    expect(failed(pendingChecks)).toEqual(['anchor', 'on-chain head']);
    expect(pendingChecks.find((c) => c.name === 'anchor')!.detail).toMatch(/pending/);

    // Epoch 2 (the salad gets a reading) is anchored; the spinach's leaf stays in epoch 1.
    await postBatch([testReading({ location: DC, ts: AT_DC })]);
    clock += 1000;
    const second = (await builder.closeEpoch(clock))!;
    await api.store.enqueueAnchorHead({ epoch: 2, headHash: `0x${second.headHash}`, leafCount: 1 }, clock);
    await anchor(2, 0);
    const bundle = await bundleOf(SPINACH);
    expect(bundle.heads.map((h) => h.head.epoch)).toEqual([1, 2]);
    expect(bundle.anchors.map((a) => a.epoch)).toEqual([2]);
    expect(failed(await verifyBundle(bundle, { chain: chainOf(new Map([[2, `0x${second.headHash}`]])) }))).toEqual([]);
    // A broken link between the heads shows.
    const broken = structuredClone(bundle);
    broken.heads[1]!.head.prev = '0'.repeat(64);
    expect(failed(await verifyBundle(broken))).toContain('head chain');
  });

  it('says in the lot history where the evidence stands: not committed, committed, anchored, final, then a later epoch\'s anchor', async () => {
    const anchoringOf = async (lot: string) => (await api.app.inject({ method: 'GET', url: `/api/v1/lots/${encodeURIComponent(lot)}` })).json().anchoring;
    await post('/events', commingledChain());
    await post('/gateways', { id: gw.id, publicKey: gw.publicKey });
    expect(await anchoringOf(SPINACH)).toEqual({ status: 'not_committed', anchors: [] });
    clock += 1000;
    const first = (await builder.closeEpoch(clock))!;
    const committed = { epoch: 1, leafIndex: expect.any(Number), committedAt: new Date(clock).toISOString(), headHash: `0x${first.headHash}` };
    expect(await anchoringOf(SPINACH)).toEqual({ status: 'committed', ...committed, anchors: [] });
    await anchor(1, 0);
    const view = { target: TARGET.name, chainId: '31337', contract: TARGET.contract, epoch: 1, txHash: `0x${'1'.padStart(64, '7')}`, blockNumber: 11 };
    expect(await anchoringOf(SPINACH)).toEqual({ status: 'anchored', ...committed, anchors: [{ ...view, status: 'included' }] });
    await api.store.recordAnchorFinal(TARGET.name, 1, 12, clock);
    expect(await anchoringOf(SPINACH)).toEqual({ status: 'final', ...committed, anchors: [{ ...view, status: 'final' }] });

    // A reorg takes epoch 1 out; epoch 2 (the salad's new reading) gets anchored instead and covers the spinach's leaf too.
    await api.store.recordAnchorReorg(TARGET.name, 1, 'gone', clock);
    await postBatch([testReading({ location: DC, ts: AT_DC })]);
    clock += 1000;
    const second = (await builder.closeEpoch(clock))!;
    await api.store.enqueueAnchorHead({ epoch: 2, headHash: `0x${second.headHash}`, leafCount: 1 }, clock);
    expect(await anchoringOf(SPINACH)).toEqual({ status: 'committed', ...committed, anchors: [] });
    await anchor(2, 1);
    expect(await anchoringOf(SPINACH)).toEqual({ status: 'anchored', ...committed, anchors: [{ ...view, epoch: 2, txHash: `0x${'2'.padStart(64, '7')}`, blockNumber: 12, status: 'included' }] });
    expect((await anchoringOf(SALAD)).epoch).toBe(2);
  });

  it('answers 404 for an unknown lot and for a lot without a leaf, saying when epochs close', async () => {
    const unknown = await api.app.inject({ method: 'GET', url: '/api/v1/lots/NOPE/evidence' });
    expect(unknown.statusCode).toBe(404);
    await post('/events', commingledChain());
    const noLeaf = await api.app.inject({ method: 'GET', url: `/api/v1/lots/${SALAD}/evidence` });
    expect(noLeaf.statusCode).toBe(404);
    expect(noLeaf.json().error.message).toMatch(/epochs close every 60 minutes/);
  });

  describe('tamper test: each byte class changed fails the check that covers it', () => {
    const editBatch = (b: EvidenceBundle, i: number, edit: (batch: Batch) => void) => {
      const chain = b.batches[0]!;
      const batch = JSON.parse(Buffer.from(chain.batches[i]!, 'base64').toString('utf8')) as Batch;
      edit(batch);
      chain.batches[i] = batchCanonicalBytes(batch).toString('base64');
    };
    const flipHex = (hex: string, at = 0) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);
    const cases: Array<[string, (b: EvidenceBundle) => void, string]> = [
      ['a reading value inside an earlier batch', (b) => editBatch(b, 0, (x) => { x.readings[0]!.tempC = 25; }), 'batch chain'],
      ['a reading value inside the signed (last) batch', (b) => editBatch(b, 2, (x) => { x.readings[0]!.tempC = 25; }), 'batch signature'],
      ['a reading left out of a batch', (b) => editBatch(b, 1, (x) => { x.readings.pop(); }), 'batch chain'],
      ['a batch signature', (b) => { b.batches[0]!.sig = flipHex(b.batches[0]!.sig, 5); }, 'batch signature'],
      // Invalid UTF-8 decodes leniently to U+FFFD, whose re-serialization would match: the chain check must refuse the bytes.
      ['a byte of the signed (last) batch made invalid UTF-8', (b) => { const chain = b.batches[0]!; const bytes = Buffer.from(chain.batches[2]!, 'base64'); bytes[bytes.indexOf('"sensor":"') + 10] = 0xff; chain.batches[2] = bytes.toString('base64'); }, 'batch chain'],
      ['a proof hash', (b) => { b.proof.hashes[0] = flipHex(b.proof.hashes[0]!, 10); }, 'leaf inclusion'],
      ['an event field', (b) => { (b.events[2] as unknown as Record<string, unknown>).location = 'urn:epc:id:sgln:0000000.00000.0'; }, 'event digests'],
      ['an event left out', (b) => { b.events.pop(); }, 'event digests'],
      ['the header salt', (b) => { b.leaf.header.salt = flipHex(b.leaf.header.salt); }, 'leaf inclusion'],
      ['the head signature', (b) => { b.heads[0]!.sig = flipHex(b.heads[0]!.sig, 7); }, 'head signature'],
      ['the head root', (b) => { b.heads[0]!.head.root = flipHex(b.heads[0]!.head.root); }, 'leaf inclusion'],
      ['the anchored head hash', (b) => { b.anchors[0]!.headHash = `0x${flipHex(b.anchors[0]!.headHash.slice(2))}`; }, 'anchor'],
      ['a gateway key revoked before its batches', (b) => { b.gateways[0]!.revocation = { effectiveAt: AT_DC, reason: 'stolen' }; }, 'gateway keys'],
    ];
    it('hostile shapes fail the check that meets them instead of throwing out of verifyBundle (found by test/fuzz)', async () => {
      const { chain } = await anchoredSalad();
      const bundle = await bundleOf(SALAD);
      const hostile: Array<[string, (b: Record<string, any>) => void, string]> = [
        ['a lot that cannot be printed', (b) => { b.lot = { toString: 1 }; }, 'bundle'],
        ['a null event', (b) => { b.events.unshift(null); }, 'bundle'],
        ['a null head', (b) => { b.heads[0] = null; }, 'bundle'],
        ['a null custody interval', (b) => { b.custody.push(null); }, 'bundle'],
        ['a batch that is not a string', (b) => { b.batches[0].batches[1] = 42; }, 'bundle'],
        ['a header without canonical form', (b) => { b.leaf.header.batches[0].v = 1e-7; }, 'leaf inclusion'],
        ['a head without canonical form', (b) => { b.heads[0].head.closedAt = 1e-7; }, 'head signature'],
        ['a null reading in the signed batch', (b) => editBatch(b as EvidenceBundle, 2, (x) => { (x.readings as unknown[]).push(null); }), 'batch signature'],
        ['a revocation at an impossible time', (b) => { b.gateways[0].revocation = { effectiveAt: -1e20, reason: 'x' }; }, 'gateway keys'],
        ['an anchor chain id that cannot be printed', (b) => { b.anchors[0].chainId = { toString: 1 }; }, 'anchor'],
      ];
      for (const [what, tamper, check] of hostile) {
        const tampered = structuredClone(bundle) as unknown as Record<string, any>;
        tamper(tampered);
        const checks = await verifyBundle(tampered as unknown as EvidenceBundle, { headPublicKey: headKey.publicKeyHex, chain });
        expect(checks.map((c) => c.name), what).toEqual([...CHECK_NAMES]);
        expect(failed(checks)[0], what).toBe(check);
      }
    });

    for (const [what, tamper, check] of cases) {
      it(`${what} → "${check}"`, async () => {
        const { chain } = await anchoredSalad();
        const bundle = await bundleOf(SALAD);
        expect(failed(await verifyBundle(bundle, { headPublicKey: headKey.publicKeyHex, chain }))).toEqual([]);
        const tampered = structuredClone(bundle);
        tamper(tampered);
        const checks = await verifyBundle(tampered, { headPublicKey: headKey.publicKeyHex, chain });
        expect(failed(checks)[0]).toBe(check);
        expect(checks.find((c) => c.name === check)!.detail).not.toBe('');
      });
    }

    it('a chain that does not start at a batch with a reading in custody → "custody readings"', async () => {
      const { chain } = await anchoredSalad();
      const bundle = await bundleOf(SALAD);
      // Prepend batch 1 (its reading is elsewhere): the chain still links and signs, but does not start at the lot's first reading.
      const b1 = (await api.store.getBatch(gw.id, 1))!;
      bundle.batches[0]!.batches.unshift(b1.canonical.toString('base64'));
      bundle.batches[0]!.fromSeq = 1;
      expect(failed(await verifyBundle(bundle, { chain }))).toEqual(['custody readings']);
    });

    it('the on-chain head differs from the bundle\'s → "on-chain head"', async () => {
      await anchoredSalad();
      const bundle = await bundleOf(SALAD);
      const checks = await verifyBundle(bundle, { chain: chainOf(new Map([[1, `0x${'12'.repeat(32)}`]])) });
      expect(failed(checks)).toEqual(['on-chain head']);
      expect(checks.at(-1)!.detail).toMatch(/heads\(1\) is 0x1212/);
    });
  });
});
