/**
 * The consumer runner in-process on a real SQLite store: commit order, cursor only after
 * success, retry of the same batches, lag metrics, clean stop.
 */
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import type { BatchMeta, CommittedBatch } from '../store/types.js';
import { T0, TestGateway, tempDir, testReadings } from '../test-helpers.js';
import type { BatchConsumer } from './consumer.js';
import { ConsumerMetrics } from './metrics.js';
import { ConsumerRunner } from './runner.js';

const meta: BatchMeta = { receivedAt: T0, transport: 'http', flags: { gap: false } };

/** Records what it got; fails while `failing` is set. */
class RecordingConsumer implements BatchConsumer {
  readonly name = 'recorder';
  readonly seen: string[] = [];
  failing = false;
  closed = false;
  async consume(batches: readonly CommittedBatch[]): Promise<void> {
    if (this.failing) throw new Error('destination down');
    this.seen.push(...batches.map((b) => `${b.gateway}#${b.seq}:${b.readings.length}`));
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('ConsumerRunner', () => {
  let tmp: { dir: string; cleanup: () => void };
  let store: SqliteStore;
  let gw: TestGateway;
  beforeEach(async () => {
    tmp = tempDir();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    gw = new TestGateway('gw-a');
    await store.enrollGateway({ id: gw.id, publicKey: gw.publicKey, enrolledAt: T0 });
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  it('hands batches over in commit order and advances the cursor only after success', async () => {
    for (let i = 0; i < 3; i++) await store.commitBatch(gw.next(testReadings(i + 1)), meta);
    const consumer = new RecordingConsumer();
    const registry = new Registry();
    const metrics = new ConsumerMetrics(registry);
    const runner = new ConsumerRunner({ store, consumer, metrics, batchesPerRound: 2 });

    consumer.failing = true;
    await expect(runner.runOnce()).rejects.toThrow('destination down');
    expect(await store.getConsumerCursor('recorder')).toBe(0);

    consumer.failing = false;
    expect(await runner.runOnce()).toBe(2);
    expect((await metrics.lagBatches.get()).values[0]?.value).toBe(1);
    expect((await metrics.lagReadings.get()).values[0]?.value).toBe(3);
    expect(await runner.runOnce()).toBe(1);
    expect(consumer.seen).toEqual(['gw-a#1:1', 'gw-a#2:2', 'gw-a#3:3']);
    expect((await metrics.lagBatches.get()).values[0]?.value).toBe(0);
    await runner.stop();
    expect(consumer.closed).toBe(true);
  });

  it('retries with backoff in the background, counts errors, and stops cleanly', async () => {
    await store.commitBatch(gw.next(), meta);
    const consumer = new RecordingConsumer();
    const metrics = new ConsumerMetrics(new Registry());
    consumer.failing = true;
    const runner = new ConsumerRunner({ store, consumer, metrics, pollIntervalMs: 10, initialBackoffMs: 5, maxBackoffMs: 20 });
    runner.start();
    await expect.poll(async () => (await metrics.errors.get()).values[0]?.value ?? 0).toBeGreaterThanOrEqual(3);
    consumer.failing = false;
    await expect.poll(() => consumer.seen.length).toBe(1);
    await store.commitBatch(gw.next(), meta);
    await expect.poll(() => consumer.seen).toEqual(['gw-a#1:3', 'gw-a#2:3']);
    await runner.stop();
    await runner.stop();
    expect(await store.getConsumerCursor('recorder')).toBe((await store.committedBatchesAfter(0, 10)).at(-1)!.position);
  });
});
