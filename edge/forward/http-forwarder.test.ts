/**
 * The HTTP forwarder against a real ingest (startIngest: SQLite, pipeline, fastify on port 0),
 * sometimes through a recording proxy that stands for the network and counts what is in flight.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import type { IngestHandle } from '../../ingest/service.js';
import { encodeEnvelope } from '../../protocol/batch.js';
import { keyPairFromSeed } from '../../protocol/keys.js';
import { counterValue } from '../../test/support/metrics.js';
import { waitFor } from '../../test/support/wait.js';
import { EdgeMetrics } from '../metrics.js';
import type { Outbox } from '../outbox/outbox.js';
import { HttpForwarder, type HttpForwarderOptions } from './http-forwarder.js';
import { openOutbox, RecordingProxy, sealBatches, startTestIngest } from './test-helpers.js';

const key = keyPairFromSeed('33'.repeat(32));
const GW = 'gw-http';

let dir: string;
let ingest: IngestHandle;
let outbox: Outbox;
let metrics: EdgeMetrics;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-http-fwd-'));
  ingest = await startTestIngest(join(dir, 'ingest'));
  metrics = new EdgeMetrics();
  outbox = await openOutbox(dir, GW, metrics);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await outbox.close();
  await ingest.close();
  await rm(dir, { recursive: true, force: true });
});

async function startForwarder(overrides: Partial<HttpForwarderOptions> = {}): Promise<HttpForwarder> {
  const forwarder = new HttpForwarder({
    gatewayId: GW, url: ingest.httpUrl, ackTimeoutMs: 2000, maxInFlight: 4,
    backoff: { initialMs: 20, maxMs: 100 },
    deadLetterDir: join(dir, 'dead-letter'), outbox, logger: silentLogger(), metrics, now: Date.now,
    ...overrides,
  });
  cleanups.push(() => forwarder.stop());
  await forwarder.start();
  return forwarder;
}

const enroll = (publicKey = key.publicKeyHex) => ingest.pipeline.enroll({ id: GW, publicKey });
const drained = () => waitFor(() => outbox.pending().length === 0, 'the outbox to drain', 5000);

describe('HttpForwarder', () => {
  it('POSTs batches, and the ingest answer (after commit) releases them', async () => {
    await enroll();
    await sealBatches(outbox, key, 3);
    const forwarder = await startForwarder();
    await drained();
    for (const seq of [1, 2, 3]) {
      expect(await ingest.store.getBatchHeader(GW, seq)).toMatchObject({ transport: 'http', flags: { gap: false } });
    }
    expect(await counterValue(metrics.batchesAcked, { status: 'accepted' })).toBe(3);
    expect(forwarder.connected()).toBe(true);
    expect(forwarder.transport()).toBe('http');
    expect(forwarder.lastAckAt()).toBeGreaterThan(0);
    expect(forwarder.lastError()).toBeUndefined();
  });

  it('releases a batch the ingest already holds (a resend after a lost answer) as a duplicate', async () => {
    await enroll();
    const [batch] = await sealBatches(outbox, key, 1);
    // The first delivery: committed, but the answer never reached the gateway.
    const first = await fetch(`${ingest.httpUrl}/api/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: encodeEnvelope(batch!) });
    expect(first.status).toBe(200);
    await startForwarder();
    await drained();
    expect(await counterValue(metrics.batchesAcked, { status: 'duplicate' })).toBe(1);
  });

  it('releases batches of a gateway the ingest does not know yet: they wait in its quarantine', async () => {
    await sealBatches(outbox, key, 2);
    await startForwarder();
    await drained();
    expect(await counterValue(metrics.batchesAcked, { status: 'quarantined' })).toBe(2);
    expect(await ingest.store.quarantineCount(GW)).toBe(2);
  });

  it('writes a batch the ingest rejects for good to the dead-letter folder with the reason, then releases it', async () => {
    await enroll(keyPairFromSeed('44'.repeat(32)).publicKeyHex); // enrolled with another key
    const [batch] = await sealBatches(outbox, key, 1);
    const forwarder = await startForwarder();
    await drained();
    const [file] = await readdir(join(dir, 'dead-letter'));
    const letter = JSON.parse(await readFile(join(dir, 'dead-letter', file!), 'utf8'));
    expect(letter).toMatchObject({ code: 'FT_ERR_BAD_SIGNATURE', id: batch!.id, envelope: { sig: batch!.sig } });
    expect(letter.reason).toMatch(/signature/);
    expect(forwarder.lastAckAt()).toBeGreaterThan(0); // a final answer, not a failure
  });

  it('keeps batches and says what to check when the URL is not an ingest batch endpoint', async () => {
    await enroll();
    await sealBatches(outbox, key, 1);
    const forwarder = await startForwarder({ url: `${ingest.httpUrl}/not-the-api` });
    await waitFor(() => forwarder.lastError() !== undefined, 'an error');
    expect(forwarder.lastError()).toMatch(/HTTP 404.*check forward\.http\.url/);
    await new Promise((r) => setTimeout(r, 150));
    expect(outbox.pending()).toHaveLength(1);
    await expect(readdir(join(dir, 'dead-letter'))).rejects.toThrow();
  });

  it.each([1, 4])('replays after the ingest was down, oldest batch first (maxInFlight %i)', async (maxInFlight) => {
    await enroll();
    const proxy = new RecordingProxy(ingest.httpUrl);
    await proxy.start();
    cleanups.push(() => proxy.close());
    await sealBatches(outbox, key, 2);
    const forwarder = await startForwarder({ url: proxy.url, maxInFlight });
    await drained();

    await ingest.close(); // the ingest goes down; batches keep being sealed
    await sealBatches(outbox, key, 4);
    forwarder.notify();
    await waitFor(() => !forwarder.connected(), 'the forwarder to notice the outage');
    expect(forwarder.lastError()).toMatch(/cannot reach the ingest/);
    await new Promise((r) => setTimeout(r, 200)); // a few backoff rounds
    expect(outbox.pending().map((b) => b.batch.seq)).toEqual([3, 4, 5, 6]);

    ingest = await startTestIngest(join(dir, 'ingest')); // same store, new port
    const mark = proxy.seqs.length;
    proxy.target = ingest.httpUrl;
    await drained();
    const replay = proxy.seqs.slice(mark).filter((seq, i, all) => i === 0 || all[i - 1] !== seq);
    // The oldest goes alone (it probes the ingest); the window opens once it is answered. With
    // a window of one the whole replay is in seq order, so no batch arrives after a gap.
    expect(replay[0]).toBe(3);
    expect([...new Set(replay)].sort()).toEqual([3, 4, 5, 6]);
    if (maxInFlight === 1) {
      expect(replay).toEqual([3, 4, 5, 6]);
      for (const seq of [3, 4, 5, 6]) expect((await ingest.store.getBatchHeader(GW, seq))?.flags.gap).toBe(false);
    }
    expect(forwarder.connected()).toBe(true);
    expect(forwarder.lastError()).toBeUndefined();
  });

  it('never has more than maxInFlight requests outstanding, and uses the window', async () => {
    await enroll();
    const proxy = new RecordingProxy(ingest.httpUrl, 60);
    await proxy.start();
    cleanups.push(() => proxy.close());
    await sealBatches(outbox, key, 10);
    await startForwarder({ url: proxy.url, maxInFlight: 3 });
    await drained();
    expect(proxy.maxConcurrent).toBe(3);
    expect([...proxy.seqs].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // each once
  });

  it('stops promptly with requests in flight; their batches stay in the outbox', async () => {
    await enroll();
    const proxy = new RecordingProxy(ingest.httpUrl, 1000);
    await proxy.start();
    cleanups.push(() => proxy.close());
    await sealBatches(outbox, key, 2);
    const forwarder = await startForwarder({ url: proxy.url });
    await waitFor(() => proxy.seqs.length >= 1, 'a request in flight');
    const started = Date.now();
    await forwarder.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(outbox.pending()).toHaveLength(2);
  });
});
