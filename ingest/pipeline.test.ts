import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.js';
import { encodeEnvelope } from '../protocol/batch.js';
import { IngestMetrics } from './metrics.js';
import { IngestPipeline, type PipelineLimits } from './pipeline.js';
import { openSqliteStore, type SqliteStore } from './store/sqlite.js';
import { T0, TestGateway, envelopeBytes, tamperedEnvelope, tempDir, testReadings } from './test-helpers.js';

const LIMITS: PipelineLimits = { maxEnvelopeBytes: 64 * 1024, maxClockSkewMs: 300_000, maxQuarantinePerGateway: 3 };

describe('IngestPipeline', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let metrics: IngestMetrics;
  let pipeline: IngestPipeline;
  let clock: number;
  let gw: TestGateway;

  beforeEach(async () => {
    tmp = tempDir();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    metrics = new IngestMetrics();
    clock = T0;
    pipeline = new IngestPipeline({ store, metrics, logger: silentLogger(), limits: LIMITS, now: () => clock });
    await pipeline.init();
    gw = new TestGateway('gw-1');
    await pipeline.enroll({ id: gw.id, publicKey: gw.publicKey, label: 'truck 7' });
  });
  afterEach(async () => {
    await pipeline.close();
    await store.close();
    tmp.cleanup();
  });

  const submit = (bytes: Buffer, topicGateway?: string) => pipeline.submit(bytes, { transport: topicGateway ? 'mqtt' : 'http', topicGateway });
  const counter = async (name: string): Promise<string> => (await metrics.registry.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#')).join('\n');

  it('accepts a valid batch, stores its readings and counts them', async () => {
    const sealed = gw.next(testReadings(5), { createdAt: T0 });
    expect(await submit(envelopeBytes(sealed), gw.id)).toEqual({ v: 1, gateway: gw.id, seq: 1, id: sealed.id, status: 'accepted' });
    expect(await store.queryReadings({ gateway: gw.id, limit: 10 })).toHaveLength(5);
    expect(await counter('freshtrail_ingest_readings_verified_total')).toContain('freshtrail_ingest_readings_verified_total 5');
    expect(await counter('freshtrail_ingest_batches_total')).toContain('status="accepted",transport="mqtt"} 1');
    // A redelivery counts as received again, not as verified.
    expect((await submit(envelopeBytes(sealed), gw.id)).status).toBe('duplicate');
    expect(await counter('freshtrail_ingest_readings_received_total')).toContain('freshtrail_ingest_readings_received_total{transport="mqtt"} 10');
    expect(await counter('freshtrail_ingest_readings_verified_total')).toContain('freshtrail_ingest_readings_verified_total 5');
  });

  it('answers a redelivery as duplicate without storing it twice', async () => {
    const bytes = envelopeBytes(gw.next());
    await submit(bytes);
    expect((await submit(bytes)).status).toBe('duplicate');
    expect((await store.counts()).batches).toBe(1);
  });

  it('rejects a tampered batch with FT_ERR_BAD_SIGNATURE and keeps the evidence', async () => {
    const sealed = gw.next();
    const ack = await submit(tamperedEnvelope(sealed));
    expect(ack).toMatchObject({ status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE', gateway: gw.id, seq: 1 });
    expect((await store.counts()).batches).toBe(0);
    expect((await store.listRejections(gw.id))[0]).toMatchObject({ code: 'FT_ERR_BAD_SIGNATURE', seq: 1 });
    expect(await counter('freshtrail_ingest_rejections_total')).toContain('code="FT_ERR_BAD_SIGNATURE"} 1');
  });

  it('rejects a fork and keeps the forked envelope next to the id it conflicts with', async () => {
    const first = gw.next();
    await submit(envelopeBytes(first));
    const fork = gw.seal({ seq: 1, prev: first.batch.prev, readings: testReadings(1, { tempC: 9 }) });
    const ack = await submit(envelopeBytes(fork));
    expect(ack).toMatchObject({ status: 'rejected', code: 'FT_ERR_FORK', id: fork.id });
    const [evidence] = await store.listRejections(gw.id);
    expect(evidence).toMatchObject({ code: 'FT_ERR_FORK', id: fork.id, conflictsWith: first.id });
    expect(Buffer.compare(evidence!.canonical!, fork.canonical)).toBe(0);
    expect((await store.getBatch(gw.id, 1))?.id).toBe(first.id);
  });

  it('rejects a batch whose prev is not the stored seq − 1 (FT_ERR_CHAIN_BROKEN)', async () => {
    const b1 = gw.next();
    await submit(envelopeBytes(b1));
    const rewritten = gw.seal({ seq: 2, prev: 'f'.repeat(64) });
    expect(await submit(envelopeBytes(rewritten))).toMatchObject({ status: 'rejected', code: 'FT_ERR_CHAIN_BROKEN', seq: 2 });
    expect(await store.getBatch(gw.id, 2)).toBeUndefined();
  });

  it('accepts a batch after a gap with the gap flag, and the late batch that fills it', async () => {
    const b1 = gw.next();
    const b2 = gw.next();
    const b3 = gw.next();
    await submit(envelopeBytes(b1));
    expect((await submit(envelopeBytes(b3))).status).toBe('accepted');
    expect((await store.getBatchHeader(gw.id, 3))?.flags.gap).toBe(true);
    expect((await submit(envelopeBytes(b2))).status).toBe('accepted');
    expect((await store.getBatchHeader(gw.id, 2))?.flags.gap).toBe(false);
    expect(await counter('freshtrail_ingest_batches_flagged_total')).toContain('flag="gap"} 1');
  });

  it('flags clock skew but accepts the batch', async () => {
    clock = T0 + 2 * 3_600_000; // received two hours after it was sealed
    const ack = await submit(envelopeBytes(gw.next(testReadings(1), { createdAt: T0 })));
    expect(ack.status).toBe('accepted');
    expect((await store.getBatchHeader(gw.id, 1))?.flags.clockSkewMs).toBe(-2 * 3_600_000);
    clock = T0;
    await submit(envelopeBytes(gw.next(testReadings(1), { createdAt: T0 + 60_000 })));
    expect((await store.getBatchHeader(gw.id, 2))?.flags.clockSkewMs).toBeUndefined();
  });

  it('rejects a batch published on another gateway topic', async () => {
    const ack = await submit(envelopeBytes(gw.next()), 'gw-2');
    expect(ack).toMatchObject({ status: 'rejected', code: 'FT_ERR_TOPIC_MISMATCH', gateway: gw.id, seq: 1 });
    expect((await store.counts()).batches).toBe(0);
  });

  it('rejects undecodable envelopes with their code and never throws', async () => {
    const sealed = gw.next();
    expect(await submit(Buffer.from('not json'))).toMatchObject({ status: 'rejected', code: 'FT_ERR_MALFORMED', gateway: '', seq: 0 });
    const v9 = Buffer.from(JSON.stringify({ batch: { ...sealed.batch, v: 9 }, sig: sealed.sig }));
    expect(await submit(v9)).toMatchObject({ status: 'rejected', code: 'FT_ERR_UNSUPPORTED_VERSION', gateway: gw.id, seq: 1 });
    const bad = Buffer.from(JSON.stringify({ batch: { ...sealed.batch, readings: [{ sensor: 's' }] }, sig: sealed.sig }));
    expect(await submit(bad)).toMatchObject({ status: 'rejected', code: 'FT_ERR_SCHEMA' });
    const huge = gw.seal({ seq: 2, prev: sealed.id, readings: testReadings(2000) });
    expect(await submit(encodeEnvelope(huge))).toMatchObject({ status: 'rejected', code: 'FT_ERR_TOO_LARGE' });
    expect((await store.counts()).rejectedByCode).toEqual({ FT_ERR_MALFORMED: 1, FT_ERR_UNSUPPORTED_VERSION: 1, FT_ERR_SCHEMA: 1, FT_ERR_TOO_LARGE: 1 });
  });

  it('quarantines batches of an unknown gateway and admits them in seq order on enrollment', async () => {
    const stranger = new TestGateway('gw-new');
    const [b1, b2, b3] = [stranger.next(), stranger.next(), stranger.next()];
    // Arrival out of order: admission must still commit 1, 2, 3 so that none is flagged as a gap.
    for (const b of [b3, b1, b2]) {
      expect(await submit(envelopeBytes(b))).toMatchObject({ status: 'quarantined', code: 'FT_ERR_UNKNOWN_GATEWAY', seq: b.batch.seq });
    }
    expect(await submit(envelopeBytes(b1))).toMatchObject({ status: 'quarantined' }); // redelivery: held once
    expect((await store.counts()).quarantined).toBe(3);
    expect(await counter('freshtrail_ingest_quarantine_pending_batches')).toContain(' 3');

    const outcome = await pipeline.enroll({ id: stranger.id, publicKey: stranger.publicKey });
    expect(outcome.result.status).toBe('enrolled');
    expect(outcome.admission).toEqual({ gateway: stranger.id, admitted: 3, duplicates: 0, rejected: 0 });
    expect((await store.counts()).quarantined).toBe(0);
    for (const seq of [1, 2, 3]) expect((await store.getBatchHeader(stranger.id, seq))?.flags.gap).toBe(false);
    expect((await store.getBatchHeader(stranger.id, 1))?.transport).toBe('http');
    expect(await counter('freshtrail_ingest_quarantine_pending_batches')).toContain(' 0');
    expect(await counter('freshtrail_ingest_gateways_enrolled')).toContain(' 2');
  });

  it('rejects quarantined batches that do not verify with the key finally enrolled', async () => {
    const claimed = new TestGateway('gw-x');
    const impostor = new TestGateway('gw-x'); // same id, another key
    await submit(envelopeBytes(impostor.next()));
    const outcome = await pipeline.enroll({ id: claimed.id, publicKey: claimed.publicKey });
    expect(outcome.admission).toMatchObject({ admitted: 0, rejected: 1 });
    expect((await store.listRejections('gw-x'))[0]?.code).toBe('FT_ERR_BAD_SIGNATURE');
    expect((await store.counts()).quarantined).toBe(0);
  });

  it('bounds the quarantine of one unknown gateway', async () => {
    const flood = new TestGateway('gw-flood');
    const held = Array.from({ length: LIMITS.maxQuarantinePerGateway }, () => envelopeBytes(flood.next()));
    for (const bytes of held) expect((await submit(bytes)).status).toBe('quarantined');
    const refused = await submit(envelopeBytes(flood.next()));
    expect(refused).toMatchObject({ status: 'rejected', code: 'FT_ERR_UNKNOWN_GATEWAY' });
    expect(await store.quarantineCount(flood.id)).toBe(LIMITS.maxQuarantinePerGateway);
    // A redelivery of a batch already held is still answered as quarantined.
    expect((await submit(held[0]!)).status).toBe('quarantined');
  });

  it('enrollment is idempotent and refuses another key for the same id', async () => {
    expect((await pipeline.enroll({ id: gw.id, publicKey: gw.publicKey })).result.status).toBe('unchanged');
    expect((await pipeline.enroll({ id: gw.id, publicKey: new TestGateway('x').publicKey })).result.status).toBe('conflict');
    await expect(pipeline.enroll({ id: gw.id, publicKey: 'XYZ' })).rejects.toMatchObject({ code: 'FT_ERR_SCHEMA' });
  });

  it('processes concurrent submissions of one gateway in order (no false gaps)', async () => {
    const batches = Array.from({ length: 20 }, () => envelopeBytes(gw.next(testReadings(2))));
    const acks = await Promise.all(batches.map((b, i) => pipeline.submit(b, { transport: i % 2 ? 'http' : 'mqtt', topicGateway: i % 2 ? undefined : gw.id })));
    expect(acks.map((a) => a.status)).toEqual(Array(20).fill('accepted'));
    for (let seq = 2; seq <= 20; seq++) expect((await store.getBatchHeader(gw.id, seq))?.flags.gap).toBe(false);
  });

  it('commits the batches that queue up together in one transaction, each acked only once stored', async () => {
    let transactions = 0;
    const commitBatches = store.commitBatches.bind(store);
    store.commitBatches = (batches) => {
      transactions += 1;
      return commitBatches(batches);
    };
    const b = Array.from({ length: 6 }, () => gw.next(testReadings(2)));
    const envelopes = [b[0]!, b[1]!, b[1]!, b[2]!, b[4]!, b[3]!, b[5]!].map(envelopeBytes);
    envelopes.splice(3, 0, tamperedEnvelope(gw.next())); // seq 7, refused: bad signature
    const storedWhenAcked: boolean[] = [];
    const acks = await Promise.all(
      envelopes.map((bytes) =>
        pipeline.submit(bytes, { transport: 'http' }).then((a) => {
          // Synchronously, at the moment the ack is released: is the batch in the store?
          storedWhenAcked.push(store.db.prepare('SELECT 1 FROM batches WHERE id = ?').get(a.id) !== undefined);
          return a;
        }),
      ),
    );
    expect(acks.map((a) => `${a.seq} ${a.status}${a.code ? ` ${a.code}` : ''}`)).toEqual([
      '1 accepted', '2 accepted', '2 duplicate', '7 rejected FT_ERR_BAD_SIGNATURE', '3 accepted', '5 accepted', '4 accepted', '6 accepted',
    ]);
    expect(storedWhenAcked).toEqual([true, true, true, false, true, true, true, true]);
    expect(transactions).toBe(1);
    expect((await store.getBatchHeader(gw.id, 5))?.flags.gap).toBe(true); // seq 4 came after it
    expect((await store.getBatchHeader(gw.id, 6))?.flags.gap).toBe(false);
    expect(await counter('freshtrail_ingest_readings_verified_total')).toContain('freshtrail_ingest_readings_verified_total 12');
    expect((await store.listRejections(gw.id)).map((r) => r.code)).toEqual(['FT_ERR_BAD_SIGNATURE']);
  });

  it('fails every batch of a group whose commit fails, retryably, and stores none', async () => {
    store.db.exec('DROP TABLE readings');
    const results = await Promise.allSettled([gw.next(), gw.next(), gw.next()].map((b) => submit(envelopeBytes(b))));
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : r.status))).toEqual(['FT_ERR_STORE', 'FT_ERR_STORE', 'FT_ERR_STORE']);
    expect((await store.counts()).batches).toBe(0);
  });

  it('refuses new work once closed, with a retryable error', async () => {
    await pipeline.close();
    await expect(submit(envelopeBytes(gw.next()))).rejects.toMatchObject({ code: 'FT_ERR_STORE', errorClass: 'retryable' });
  });

  it('reports a store failure as retryable FT_ERR_STORE without an ack', async () => {
    const sealed = gw.next();
    store.db.exec('DROP TABLE readings'); // the commit transaction fails after the batch row
    await expect(submit(envelopeBytes(sealed))).rejects.toMatchObject({ code: 'FT_ERR_STORE' });
    expect(await store.getBatchHeader(gw.id, 1)).toBeUndefined(); // rolled back
    expect(await counter('freshtrail_ingest_store_errors_total')).toContain(' 1');
  });
});
