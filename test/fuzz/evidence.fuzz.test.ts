/**
 * Fuzz: lot evidence bundles (protocol/evidence.ts verifyBundle), which a third party runs on a
 * file it was handed. A real bundle is built once as bundle.test.ts builds it (events, batches
 * through the pipeline, an epoch closed and anchored on a SQLite store), then: arbitrary JSON,
 * and the real bundle mutated field by field or inside its signed batches. Every run resolves
 * to the twelve checks, never a throw or a rejection; a mutated bundle passes every check only
 * when what the checks cover (header, events, batch bytes and signatures, keys, proof, heads,
 * the anchored head) is unchanged.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { EpochBuilder } from '../../ingest/anchoring/epoch-builder.js';
import { commingledChain, DC, SALAD } from '../../ingest/events/chain-fixtures.js';
import { openTestApi, type TestApi } from '../../ingest/http/test-api.js';
import { envelopeBytes, TestGateway, testReading } from '../../ingest/test-helpers.js';
import { canonicalJson, type CanonicalValue } from '../../protocol/canonical.js';
import { headHash } from '../../protocol/epoch-head.js';
import { CHECK_NAMES, verifyBundle, type ChainReader, type Check, type EvidenceBundle } from '../../protocol/evidence.js';
import { keyPairFromSeed } from '../../protocol/keys.js';
import { byEventOrder, type DigestibleEvent } from '../../protocol/lot-digest.js';
import { applyJsonMutations, jsonMutations, jsonValue } from './hostile.js';
import { expectCleanProcess, FUZZ_TIMEOUT_MS, fuzzParams } from './runs.js';

const headKey = keyPairFromSeed('5e'.repeat(32));
const T = Date.parse('2025-06-05T00:00:00Z');
const AT_DC = Date.parse('2025-06-04T06:00:00Z');
const TARGET = { name: 'test-chain', chainId: 31337n, contract: `0x${'ab'.repeat(20)}`, anchorer: `0x${'cd'.repeat(20)}` };

const BUNDLE_KEYS = [
  'v', 'lot', 'leaf', 'epoch', 'index', 'header', 'salt', 'events', 'batches', 'gateway', 'seq', 'id', 'eventId', 'eventTime', 'contacts', 'custody', 'location',
  'fromTs', 'toTs', 'fromSeq', 'sig', 'gateways', 'publicKey', 'revocation', 'effectiveAt', 'proof', 'leafIndex', 'treeSize', 'hashes', 'heads', 'head', 'log', 'root',
  'prev', 'closedAt', 'ingestKey', 'anchors', 'chainId', 'contract', 'headHash', 'generatedAt',
];
const BATCH_KEYS = ['v', 'gateway', 'seq', 'prev', 'createdAt', 'readings', 'sensor', 'location', 'ts', 'tsSource', 'tempC', 'rh', 'src'];

/** What the checks cover, part by part in a comparable form: equal for two bundles that say the same. */
function covered(b: EvidenceBundle): Record<string, string> {
  const events = [...b.events].sort(byEventOrder).map((e: DigestibleEvent) => {
    const { contacts: _contacts, ...rest } = e;
    return canonicalJson(rest as unknown as CanonicalValue);
  });
  // A chain repeated verbatim says nothing new: compared as a set.
  const batches = [...new Set(b.batches.map((c) => JSON.stringify({ gateway: c.gateway, fromSeq: c.fromSeq, sig: c.sig, bytes: c.batches.map((x) => Buffer.from(x, 'base64').toString('hex')) })))];
  const keys = [...new Set(b.gateways.filter((g) => b.batches.some((c) => c.gateway === g.id)).map((g) => JSON.stringify({ id: g.id, publicKey: g.publicKey })))];
  const anchoredHead = b.heads[b.heads.length - 1]!.head;
  const { leafIndex, treeSize, hashes } = b.proof;
  const parts = {
    lot: b.lot, leaf: { epoch: b.leaf.epoch, index: b.leaf.index, header: canonicalJson(b.leaf.header as unknown as CanonicalValue) }, events, batches, keys, proof: { leafIndex, treeSize, hashes },
    heads: b.heads.map((h) => canonicalJson({ head: h.head, sig: h.sig } as unknown as CanonicalValue)), anchored: headHash(anchoredHead),
  };
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, JSON.stringify(v)]));
}

/** Where two texts first differ, with some context: a failure report short enough to read. */
function difference(was: string, is: string): string {
  let i = 0;
  while (i < was.length && was[i] === is[i]) i++;
  return `at ${i}: was …${was.slice(Math.max(0, i - 40), i + 80)}…, is …${is.slice(Math.max(0, i - 40), i + 80)}…`;
}

function checkShape(checks: unknown): asserts checks is Check[] {
  if (!Array.isArray(checks) || checks.length !== CHECK_NAMES.length || checks.some((c, i) => c?.name !== CHECK_NAMES[i] || typeof c.ok !== 'boolean' || typeof c.detail !== 'string')) {
    expect(checks).toMatchObject(CHECK_NAMES.map((name) => ({ name, ok: expect.any(Boolean), detail: expect.any(String) })));
  }
}

/** verifyBundle, with any throw or rejection turned into a failure that names it. */
async function verify(bundle: unknown, chain?: ChainReader): Promise<Check[]> {
  try {
    const checks = await verifyBundle(bundle as EvidenceBundle, { headPublicKey: headKey.publicKeyHex, chain });
    checkShape(checks);
    return checks;
  } catch (err) {
    throw new Error(`verifyBundle threw ${String(err)}`, { cause: err });
  }
}

describe('fuzz: evidence bundles', () => {
  let api: TestApi;
  let bundle: EvidenceBundle;
  let chain: ChainReader;

  beforeAll(async () => {
    let clock = T;
    const gw = new TestGateway('gw-dc', '61'.repeat(32));
    api = await openTestApi({ limits: { maxClockSkewMs: 1e12 }, now: () => clock, services: { evidence: { epochMinutes: 60, headPublicKey: headKey.publicKeyHex } } });
    const builder = new EpochBuilder({ store: api.store, log: 'freshtrail:test', headKey: headKey.privateKey, epochMs: 3_600_000, logger: silentLogger() });
    await api.store.ensureAnchorTarget(TARGET, clock);
    await api.store.setAnchorNonce(TARGET.name, 0, undefined, clock);
    const post = (url: string, payload: unknown) => api.app.inject({ method: 'POST', url: `/api/v1${url}`, payload: payload as string });
    expect((await post('/events', commingledChain())).statusCode).toBe(201);
    expect((await post('/gateways', { id: gw.id, publicKey: gw.publicKey })).statusCode).toBe(201);
    for (let i = 0; i < 3; i++) {
      const readings = [testReading({ location: DC, ts: AT_DC + i * 60_000, tempC: 2 + i }), testReading({ location: DC, ts: AT_DC + i * 60_000 + 30_000 })];
      const res = await api.app.inject({ method: 'POST', url: '/api/v1/batches', headers: { 'content-type': 'application/json' }, payload: envelopeBytes(gw.next(readings, { createdAt: clock })) });
      expect(res.json()).toMatchObject({ status: 'accepted' });
    }
    clock += 1000;
    const closed = (await builder.closeEpoch(clock))!;
    const txHash = `0x${'1'.padStart(64, '7')}`;
    await api.store.recordAnchorBroadcast(TARGET.name, 1, 0, { txHash, rawTx: '0x01', maxFeePerGas: '1', maxPriorityFeePerGas: '1', at: clock });
    await api.store.recordAnchorInclusion(TARGET.name, 1, { txHash, blockNumber: 11, blockHash: `0x${'be'.repeat(32)}`, confirmations: 1, at: clock });
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/lots/${encodeURIComponent(SALAD)}/evidence` });
    expect(res.statusCode).toBe(200);
    bundle = res.json() as EvidenceBundle;
    chain = async (chainId, contract, epoch) => (chainId === '31337' && contract === TARGET.contract ? (epoch === 1 ? `0x${closed.headHash}` : null) : undefined);
    // The starting point passes every check.
    expect((await verify(bundle, chain)).filter((c) => !c.ok).map((c) => c.name)).toEqual([]);
  });
  afterAll(() => api?.close());

  it('arbitrary JSON: the twelve checks, never a throw or a rejection', async () => {
    await fc.assert(
      fc.asyncProperty(jsonValue({ keys: BUNDLE_KEYS }), async (value) => {
        const checks = await verify(value, chain);
        if (checks.every((c) => c.ok)) expect(checks.filter((c) => !c.ok)).not.toEqual([]);
      }),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);

  it('the real bundle mutated: the twelve checks; all pass only when the covered content is unchanged', async () => {
    const original = covered(bundle);
    const mutated = fc.oneof(
      jsonMutations({ keys: BUNDLE_KEYS, max: 3 }).map((m) => applyJsonMutations(bundle, m)),
      // Inside a signed batch: decode one, mutate its JSON, re-encode (canonical when it has a canonical form).
      fc.tuple(fc.nat(), jsonMutations({ keys: BATCH_KEYS, max: 2 }), fc.boolean()).map(([at, m, canonical]) => {
        const copy = structuredClone(bundle);
        const batches = copy.batches[0]!.batches;
        const i = at % batches.length;
        const doc = applyJsonMutations(JSON.parse(Buffer.from(batches[i]!, 'base64').toString('utf8')), m);
        let text: string;
        try {
          text = canonical ? canonicalJson(doc as CanonicalValue) : (JSON.stringify(doc) ?? '');
        } catch {
          text = JSON.stringify(doc) ?? '';
        }
        batches[i] = Buffer.from(text, 'utf8').toString('base64');
        return copy;
      }),
    );
    await fc.assert(
      fc.asyncProperty(mutated, async (value) => {
        const checks = await verify(value, chain);
        if (checks.every((c) => c.ok)) {
          const now = covered(value as EvidenceBundle);
          const changed = Object.keys(original).filter((k) => now[k] !== original[k]);
          if (changed.length > 0) expect({ passed: true, changed: Object.fromEntries(changed.map((k) => [k, difference(original[k]!, now[k]!)])) }).toEqual({ passed: true, changed: {} });
        }
      }),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);
});

expectCleanProcess();
