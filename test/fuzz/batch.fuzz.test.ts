/**
 * Fuzz: batch envelopes (protocol/batch.ts decodeEnvelope, ingest/verify.ts claimedIdentity) and
 * the ingest pipeline that decodes them (ingest/pipeline.ts submit) on a real SQLite store.
 * Inputs: random bytes, hostile JSON, and real sealed batches mutated byte by byte or field by
 * field. Every input is refused with a FreshTrail error code or decodes to a batch whose
 * signature verifies only if its canonical bytes and signature are the original ones; the
 * pipeline answers every input with an Ack, never throws, and still accepts the next batch.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, FreshTrailError } from '../../common/errors.js';
import { silentLogger } from '../../common/log.js';
import { IngestMetrics } from '../../ingest/metrics.js';
import { IngestPipeline } from '../../ingest/pipeline.js';
import { openSqliteStore, type SqliteStore } from '../../ingest/store/sqlite.js';
import { envelopeBytes, T0, tempDir, TestGateway, testReadings } from '../../ingest/test-helpers.js';
import { claimedIdentity } from '../../ingest/verify.js';
import { decodeEnvelope, GENESIS_PREV, sha256Hex, verifySealedBatch, type SealedBatch } from '../../protocol/batch.js';
import { canonicalJson, type CanonicalValue } from '../../protocol/canonical.js';
import { publicKeyFromHex } from '../../protocol/keys.js';
import { applyByteMutations, applyJsonMutations, byteMutations, jsonMutations, jsonText } from './hostile.js';
import { expectCleanProcess, FUZZ_TIMEOUT_MS, fuzzParams } from './runs.js';

const MAX_BYTES = 64 * 1024;
const DECODE_CODES = new Set(['FT_ERR_TOO_LARGE', 'FT_ERR_MALFORMED', 'FT_ERR_UNSUPPORTED_VERSION', 'FT_ERR_SCHEMA']);
const ENVELOPE_KEYS = ['batch', 'sig', 'v', 'gateway', 'seq', 'prev', 'createdAt', 'readings', 'sensor', 'location', 'ts', 'tsSource', 'tempC', 'rh', 'battery', 'link', 'src'];

const gw = new TestGateway('gw-fuzz', '42'.repeat(32));
const gatewayKey = publicKeyFromHex(gw.publicKey);
const originals: SealedBatch[] = [
  gw.next(testReadings(3), { createdAt: T0 }),
  gw.next(testReadings(2, { ts: T0 + 600_000, battery: 87, link: -71 }), { createdAt: T0 + 600_000 }),
];
const originalBytes = originals.map((s) => envelopeBytes(s));
const originalDocs = originalBytes.map((b): unknown => JSON.parse(b.toString('utf8')));
const SCALARS = ['"device"', '"gateway"', `"${gw.id}"`, '1', '2', `"${GENESIS_PREV}"`, `"${originals[0]!.sig}"`, `"${originals[0]!.id}"`];

const jsonBytes = (v: unknown): Buffer => Buffer.from(JSON.stringify(v) ?? '', 'utf8');

/** Random bytes, hostile JSON, and byte- or field-mutated real envelopes. */
const envelopeInput: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  jsonText({ keys: ENVELOPE_KEYS, scalars: SCALARS }).map((t) => Buffer.from(t, 'utf8')),
  fc.tuple(fc.constantFrom(...originalBytes), byteMutations()).map(([bytes, m]) => applyByteMutations(bytes, m)),
  fc.tuple(fc.constantFrom(...originalDocs), jsonMutations({ keys: ENVELOPE_KEYS, scalars: SCALARS })).map(([doc, m]) => jsonBytes(applyJsonMutations(doc, m))),
);

/** Decodes; returns the sealed batch or the FreshTrail error code, and fails on any other exception. */
function decode(bytes: Uint8Array): SealedBatch | string {
  try {
    return decodeEnvelope(bytes, MAX_BYTES);
  } catch (err) {
    if (err instanceof FreshTrailError) return err.code;
    throw new Error(`decodeEnvelope threw ${String(err)}`, { cause: err });
  }
}

const isOriginal = (sealed: SealedBatch): boolean =>
  originals.some((o) => Buffer.compare(o.canonical, sealed.canonical) === 0 && o.sig === sealed.sig);

describe('fuzz: batch envelopes', () => {
  it('decodeEnvelope: a FreshTrail decode error, or a batch that verifies only when it is an original', () => {
    fc.assert(
      fc.property(envelopeInput, (bytes) => {
        const result = decode(bytes);
        if (typeof result === 'string') {
          if (!DECODE_CODES.has(result)) expect(result).toBe('a decode code');
          return;
        }
        // What decoded has canonical bytes and an id; a signature over other bytes never verifies.
        const text = result.canonical.toString('utf8');
        if (canonicalJson(JSON.parse(text) as CanonicalValue) !== text || sha256Hex(result.canonical) !== result.id) expect(text).toBe('canonical, with its id');
        const verified = verifySealedBatch(result, gatewayKey);
        if (verified !== isOriginal(result)) expect({ verified, original: isOriginal(result) }).toEqual({ verified: isOriginal(result), original: isOriginal(result) });
      }),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);

  it('claimedIdentity: never throws; a gateway of at most 128 characters and a safe seq ≥ 0, or nothing', () => {
    fc.assert(
      fc.property(envelopeInput, (bytes) => {
        const { gateway, seq } = claimedIdentity(bytes, MAX_BYTES);
        if (gateway !== undefined && !(typeof gateway === 'string' && gateway.length <= 128)) expect(gateway).toBeUndefined();
        if (seq !== undefined && !(Number.isSafeInteger(seq) && seq >= 0)) expect(seq).toBeUndefined();
      }),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);
});

describe('fuzz: the ingest pipeline on a real SQLite store', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let pipeline: IngestPipeline;

  beforeAll(async () => {
    tmp = tempDir('freshtrail-fuzz-');
    // NORMAL: no fsync per commit; the fuzz run tests the decode path, not durability.
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite'), synchronous: 'NORMAL' });
    pipeline = new IngestPipeline({
      store,
      metrics: new IngestMetrics(),
      logger: silentLogger(),
      limits: { maxEnvelopeBytes: MAX_BYTES, maxClockSkewMs: 1e12, maxQuarantinePerGateway: 5 },
      now: () => T0 + 3_600_000,
    });
    await pipeline.init();
    await pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
    expect((await pipeline.submit(originalBytes[0]!, { transport: 'http' })).status).toBe('accepted');
  });
  afterAll(async () => {
    await pipeline.close();
    await store.close();
    tmp.cleanup();
  });

  it('submit: an Ack for every input (rejections with a catalogued code), never a throw', async () => {
    const originalIds = new Set(originals.map((o) => o.id));
    await fc.assert(
      fc.asyncProperty(envelopeInput, fc.boolean(), async (bytes, viaMqtt) => {
        const ack = await pipeline.submit(bytes, viaMqtt ? { transport: 'mqtt', topicGateway: gw.id } : { transport: 'http' });
        switch (ack.status) {
          case 'rejected':
            if (ack.code === undefined || !Object.hasOwn(ERRORS, ack.code)) expect(ack.code).toBe('a catalogued code');
            break;
          case 'accepted':
          case 'duplicate':
            // Only the real batches can be stored: a changed one fails its signature.
            if (!originalIds.has(ack.id ?? '')) expect(ack).toMatchObject({ id: 'one of the original ids' });
            break;
          case 'quarantined':
            // Another gateway id (not enrolled): held until enrolled, never stored as verified.
            if (ack.gateway === gw.id) expect(ack.gateway).not.toBe(gw.id);
            break;
          default:
            expect(ack.status).toBe('a known status');
        }
      }),
      fuzzParams(),
    );
    // Still usable: the gateway's next batch is accepted, and only original batches were stored.
    const next = gw.next(testReadings(1, { ts: T0 + 1_200_000 }), { createdAt: T0 + 1_200_000 });
    expect((await pipeline.submit(envelopeBytes(next), { transport: 'http' })).status).toBe('accepted');
    const stored = await store.getBatch(gw.id, 1);
    expect(stored?.id).toBe(originals[0]!.id);
  }, FUZZ_TIMEOUT_MS);
});

expectCleanProcess();
