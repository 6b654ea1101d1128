/**
 * HTTP routes of the after-commit consumers: cursor and backlog per consumer, and rewinding a
 * cursor, which a running consumer round does not overwrite (store.advanceConsumerCursor).
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import type { BatchConsumer } from '../consumers/consumer.js';
import { ConsumerRunner } from '../consumers/runner.js';
import type { SqliteStore } from '../store/sqlite.js';
import type { CommittedBatch } from '../store/types.js';
import { TestGateway, envelopeBytes } from '../test-helpers.js';
import { openTestApi, type TestApi } from './test-api.js';

describe('HTTP API: consumers', () => {
  let api: TestApi;
  let store: SqliteStore;
  let app: FastifyInstance;

  beforeEach(async () => {
    api = await openTestApi({ services: { consumers: ['influx'] } });
    ({ store, app } = api);
    const gw = new TestGateway('gw-1');
    await api.pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
    for (let i = 0; i < 4; i++) await api.pipeline.submit(envelopeBytes(gw.next()), { transport: 'http' });
  });
  afterEach(() => api.close());

  const rewind = (name: string, payload: unknown) => app.inject({ method: 'PUT', url: `/api/v1/consumers/${name}/cursor`, payload: payload as object });

  it('lists configured consumers and stored cursors with their backlog', async () => {
    await store.setConsumerCursor('retired-sink', 2);
    const res = await app.inject('/api/v1/consumers');
    expect(res.statusCode).toBe(200);
    const positions = (await store.committedBatchesAfter(0, 10)).map((b) => b.position);
    expect(res.json()).toEqual({
      consumers: [
        { name: 'influx', configured: true, position: 0, backlogBatches: 4, backlogReadings: 12 },
        { name: 'retired-sink', configured: false, position: 2, backlogBatches: positions.filter((p) => p > 2).length, backlogReadings: 3 * positions.filter((p) => p > 2).length },
      ],
    });
  });

  it('rewinds a cursor; an unknown consumer or a bad position is refused with a reason', async () => {
    const last = (await store.committedBatchesAfter(0, 10)).at(-1)!.position;
    await store.setConsumerCursor('influx', last);
    const res = await rewind('influx', { position: 0 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'influx', position: 0, previous: last });
    expect(await store.getConsumerCursor('influx')).toBe(0);

    const unknown = await rewind('influxx', { position: 0 });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'FT_ERR_NOT_FOUND', message: expect.stringContaining('configured: influx') } });
    expect((await rewind('influx', { position: -1 })).statusCode).toBe(400);
    expect((await rewind('influx', { position: 1, extra: true })).statusCode).toBe(400);
  });

  it('a rewind during a consumer round is not overwritten by that round', async () => {
    let release!: () => void;
    const seen: number[][] = [];
    const consumer: BatchConsumer = {
      name: 'influx',
      async consume(batches: readonly CommittedBatch[]) {
        seen.push(batches.map((b) => b.seq));
        if (seen.length === 1) await new Promise<void>((r) => (release = r));
      },
      async close() {},
    };
    const positions = (await store.committedBatchesAfter(0, 10)).map((b) => b.position);
    await store.setConsumerCursor('influx', positions[1]!); // delivered up to seq 2
    const runner = new ConsumerRunner({ store, consumer, logger: silentLogger() });
    const round = runner.runOnce();
    await expect.poll(() => seen.length).toBe(1);
    expect((await rewind('influx', { position: 0 })).statusCode).toBe(200);
    release();
    await round;
    expect(await store.getConsumerCursor('influx')).toBe(0);
    await runner.runOnce();
    expect(seen).toEqual([[3, 4], [1, 2, 3, 4]]);
  });
});
