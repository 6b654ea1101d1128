/**
 * The outbox's policies: fsync (batch / interval), the disk bound (block / drop-oldest) and
 * recognizing redelivered device messages across restarts. Real files in a temp folder.
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FreshTrailError } from '../../common/errors.js';
import { silentLogger } from '../../common/log.js';
import { sealBatch } from '../../protocol/batch.js';
import { keyPairFromSeed } from '../../protocol/keys.js';
import type { Reading } from '../../protocol/reading.js';
import { EdgeMetrics } from '../metrics.js';
import { encodeRecord, RecordKind } from './format.js';
import { Outbox, type OutboxOptions } from './outbox.js';

const key = keyPairFromSeed('22'.repeat(32));
const sign = (b: Parameters<typeof sealBatch>[0]) => sealBatch(b, key.privateKey);
const reading = (i: number): Reading => ({ sensor: 's1', location: 'room-1', ts: 1_700_000_000_000 + i * 1000, tsSource: 'gateway', tempC: (i % 50) / 10, rh: 88, src: 'test' });

let dir: string;
let metrics: EdgeMetrics;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-outbox-pol-'));
  metrics = new EdgeMetrics();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const openOutbox = (options: Partial<OutboxOptions> = {}) => Outbox.open({ dir, gatewayId: 'gw-1', logger: silentLogger(), metrics, ...options });
const segmentFiles = async () => (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
const counter = async (c: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> }, labels: object = {}) =>
  (await c.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value ?? 0;

describe('fsync policies', () => {
  it('offers a sealed batch to the forwarder only once its record is fdatasynced (batch)', async () => {
    const box = await openOutbox();
    for (let i = 0; i < 3; i++) await box.appendReading(reading(i));
    const sealing = box.seal(sign, 10, 1);
    expect(box.pending()).toEqual([]); // signed and queued, not yet durable: invisible
    const sealed = await sealing;
    expect(box.pending().map((b) => b.id)).toEqual([sealed!.id]);
    await box.close();
  });

  it('interval: a batch counts once the periodic fdatasync ran; everything survives reopening', async () => {
    const box = await openOutbox({ fsync: 'interval', fsyncIntervalMs: 30 });
    for (let i = 0; i < 5; i++) await box.appendReading(reading(i));
    const sealing = box.seal(sign, 3, 1);
    expect(box.pending()).toEqual([]);
    await sealing;
    expect(box.pendingCount()).toBe(1);
    await box.close();
    const again = await openOutbox({ fsync: 'interval', fsyncIntervalMs: 30 });
    expect(again.pendingCount()).toBe(1);
    expect(again.unsealedCount()).toBe(2);
    await again.close();
  });

  it('always: every accepted reading is fdatasynced, and survives reopening', async () => {
    const box = await openOutbox({ fsync: 'always' });
    await Promise.all(Array.from({ length: 50 }, (_, i) => box.appendReading(reading(i))));
    await box.close();
    const again = await openOutbox({ fsync: 'always' });
    expect(again.unsealedCount()).toBe(50);
    const sealed = await again.seal(sign, 100, 1);
    expect(sealed!.batch.readings.map((r) => r.ts)).toEqual(Array.from({ length: 50 }, (_, i) => reading(i).ts));
    await again.close();
  });
});

describe('disk bound', () => {
  const bound = { maxBytes: 40_000, segmentBytes: 4_000 };

  it('block: refuses new readings with FT_ERR_OUTBOX_FULL, keeps everything it holds, and accepts again once batches are acknowledged', async () => {
    const box = await openOutbox({ ...bound, whenFull: 'block' });
    let accepted = 0;
    let refusal: unknown;
    for (let i = 0; i < 1000 && !refusal; i++) {
      try {
        await box.appendReading(reading(i));
        accepted++;
        if (box.unsealedCount() >= 20) await box.seal(sign, 20, i);
      } catch (err) {
        refusal = err;
      }
    }
    expect(refusal).toBeInstanceOf(FreshTrailError);
    expect((refusal as FreshTrailError).code).toBe('FT_ERR_OUTBOX_FULL');
    expect((refusal as Error).message).toMatch(/outbox\.maxBytes/);
    expect(box.status()).toMatchObject({ full: true, policy: 'block', droppedReadings: 1 });
    expect(await counter(metrics.outboxDropped, { reason: 'full' })).toBe(1);
    expect(await counter(metrics.outboxFull)).toBe(1);
    expect(box.status().bytes).toBeLessThanOrEqual(bound.maxBytes);

    // Nothing accepted was lost: every reading is in a pending batch or unsealed, in order.
    await box.close();
    const again = await openOutbox({ ...bound, whenFull: 'block' });
    const held = [...again.pending().flatMap((b) => b.batch.readings)];
    const rest = await again.seal(sign, 10_000, 2);
    held.push(...(rest?.batch.readings ?? []));
    expect(held.map((r) => r.ts)).toEqual(Array.from({ length: accepted }, (_, i) => reading(i).ts));

    for (const batch of again.pending()) await again.ack(batch.batch.seq, 'accepted');
    expect(again.status().full).toBe(false);
    await expect(again.appendReading(reading(5000))).resolves.toBe('accepted');
    expect((await segmentFiles()).length).toBeLessThanOrEqual(2);
    await again.close();
  });

  it('drop-oldest: stays within the bound by deleting the oldest segments, counts what it dropped, and keeps the newest batches chained', async () => {
    const box = await openOutbox({ ...bound, whenFull: 'drop-oldest' });
    const total = 1500;
    for (let i = 0; i < total; i++) {
      await box.appendReading(reading(i));
      if (box.unsealedCount() >= 20) await box.seal(sign, 20, i);
      expect(box.status().bytes).toBeLessThanOrEqual(bound.maxBytes + 4_000);
    }
    const status = box.status();
    expect(status.droppedReadings).toBeGreaterThan(0);
    expect(await counter(metrics.outboxDropped, { reason: 'drop-oldest' })).toBe(status.droppedReadings);
    const pending = box.pending();
    const seqs = pending.map((b) => b.batch.seq);
    expect(seqs[seqs.length - 1]).toBe(box.chainHead().seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i)); // the newest, contiguous
    const kept = pending.reduce((n, b) => n + b.batch.readings.length, 0) + box.unsealedCount();
    expect(kept + status.droppedReadings).toBe(total);
    await box.close();

    const again = await openOutbox({ ...bound, whenFull: 'drop-oldest' });
    expect(again.pending().map((b) => b.batch.seq)).toEqual(seqs);
    expect(again.chainHead()).toEqual(box.chainHead());
    await again.close();
  });
});

describe('a backlog larger than the in-memory window', () => {
  it('offers the oldest batches first, reads the rest back from disk as they are acknowledged, across a reopen', async () => {
    const total = 700;
    let loaded = 0;
    const box = await openOutbox({ onBatchesLoaded: () => loaded++ });
    for (let i = 0; i < total; i++) {
      await box.appendReading(reading(i));
      await box.seal(sign, 1, i);
    }
    expect(box.pendingCount()).toBe(total);
    const window = box.pending().length;
    expect(window).toBeLessThan(total); // not everything is held in memory
    const delivered: number[] = [];
    const deliverSome = async (count: number, b: Outbox) => {
      for (let k = 0; k < count; k++) {
        let head = b.pending()[0];
        while (!head) {
          await new Promise((r) => setTimeout(r, 5)); // being read back from disk
          head = b.pending()[0];
        }
        delivered.push(head.batch.readings[0]!.ts);
        await b.ack(head.batch.seq, 'accepted');
      }
    };
    await deliverSome(300, box);
    await box.close();
    expect(loaded).toBeGreaterThan(0); // the forwarder was told when batches came back from disk
    const again = await openOutbox();
    expect(again.pendingCount()).toBe(total - 300);
    await deliverSome(total - 300, again);
    expect(delivered).toEqual(Array.from({ length: total }, (_, i) => reading(i).ts));
    expect(again.pendingCount()).toBe(0);
    await again.close();
  });
});

describe('redelivered device messages', () => {
  it('recognizes a redelivered message after a restart, also once its segment is gone, and stores it once', async () => {
    const box = await openOutbox({ segmentBytes: 2_000, maxBytes: 1024 * 1024 });
    expect(await box.appendReading(reading(1), { key: 'z2m/room|abc#0' })).toBe('accepted');
    for (let i = 2; i < 60; i++) {
      await box.appendReading(reading(i), { key: `z2m/room|m${i}#0` });
      if (box.unsealedCount() >= 10) await box.seal(sign, 10, i);
    }
    await box.seal(sign, 10, 99);
    for (const batch of box.pending()) await box.ack(batch.batch.seq, 'accepted');
    await box.close();
    expect((await segmentFiles()).length).toBe(1); // the first reading's segment was deleted

    const again = await openOutbox({ segmentBytes: 2_000, maxBytes: 1024 * 1024 });
    expect(await again.appendReading(reading(1), { key: 'z2m/room|abc#0', redelivered: true })).toBe('duplicate');
    expect(again.unsealedCount()).toBe(0);
    expect(await counter(metrics.outboxDuplicates)).toBe(1);
    // The same payload sent again by the device (not a redelivery) is a new reading.
    expect(await again.appendReading(reading(1), { key: 'z2m/room|abc#0' })).toBe('accepted');
    await again.close();
  });
});

describe('damaged segments', () => {
  it('sets aside a record whose checksum is right but whose content cannot be read, and starts anyway', async () => {
    const box = await openOutbox();
    for (let i = 0; i < 3; i++) await box.appendReading(reading(i));
    await box.close();
    const [segment] = await segmentFiles();
    await appendFile(join(dir, segment!), encodeRecord(RecordKind.Batch, Buffer.from('{"seq":1,"upTo":3,"id":"00","sig":"00"}\nnot the signed bytes')));
    await appendFile(join(dir, segment!), encodeRecord(RecordKind.Readings, Buffer.from('{"n":4,"r":[' + JSON.stringify(reading(3)) + ']}')));
    const again = await openOutbox();
    expect(await counter(metrics.outboxCorrupt)).toBe(1);
    expect(await readdir(join(dir, 'corrupt'))).toHaveLength(1);
    expect(again.unsealedCount()).toBe(4); // the readings before and after it are kept
    await again.close();
  });

  it('moves a segment of garbage aside and keeps the valid segments around it', async () => {
    const box = await openOutbox({ segmentBytes: 2_000 });
    for (let i = 0; i < 100; i++) await box.appendReading(reading(i));
    await box.close();
    const files = await segmentFiles();
    expect(files.length).toBeGreaterThan(3);
    await writeFile(join(dir, files[1]!), randomBytes(3000));

    const again = await openOutbox({ segmentBytes: 2_000 });
    expect(await readdir(join(dir, 'corrupt'))).toHaveLength(1);
    const count = again.unsealedCount();
    expect(count).toBeGreaterThan(60);
    expect(count).toBeLessThan(100);
    const sealed = await again.seal(sign, 1000, 1);
    const ts = sealed!.batch.readings.map((r) => r.ts);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts); // still in order
    await again.appendReading(reading(500));
    await again.close();
  });
});

describe('a disk that fails writes', () => {
  it('refuses readings with the system error at a file size limit (EFBIG from RLIMIT_FSIZE), keeps running, and recovers every accepted reading', async () => {
    const box = join(dir, 'box');
    const script = join(dir, 'writer.mts');
    await writeFile(
      script,
      `import { Outbox } from ${JSON.stringify(join(process.cwd(), 'edge/outbox/outbox.ts'))};
       import { EdgeMetrics } from ${JSON.stringify(join(process.cwd(), 'edge/metrics.ts'))};
       import { silentLogger } from ${JSON.stringify(join(process.cwd(), 'common/log.ts'))};
       const outbox = await Outbox.open({ dir: ${JSON.stringify(box)}, gatewayId: 'gw-1', logger: silentLogger(), metrics: new EdgeMetrics() });
       let accepted = 0;
       const errors = new Set();
       for (let i = 0; i < 2000; i++) {
         try {
           await outbox.appendReading({ sensor: 's1', location: 'room-1', ts: 1700000000000 + i, tsSource: 'gateway', tempC: 1, src: 'limit-test' });
           accepted++;
         } catch (err) { errors.add(err.code); }
       }
       console.log(JSON.stringify({ accepted, errors: [...errors] }));`,
    );
    // The kernel refuses to grow any file beyond 32 KiB for this process: a disk that is full.
    const output = await new Promise<string>((resolve, reject) => {
      execFile('bash', ['-c', `ulimit -f 64 && exec "${process.execPath}" --import tsx "${script}"`], { encoding: 'utf8' }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    const result = JSON.parse(output.trim().split('\n').pop()!) as { accepted: number; errors: string[] };
    expect(result.errors).toEqual(['EFBIG']);
    expect(result.accepted).toBeGreaterThan(50);
    expect(result.accepted).toBeLessThan(2000);

    const again = await Outbox.open({ dir: box, gatewayId: 'gw-1', logger: silentLogger(), metrics });
    expect(await counter(metrics.outboxCorrupt)).toBe(0); // the failed writes left no torn bytes
    expect(again.unsealedCount()).toBe(result.accepted);
    const sealed = await again.seal(sign, 10_000, 1);
    expect(sealed!.batch.readings.map((r) => r.ts - 1700000000000)).toEqual([...Array(result.accepted).keys()]);
    await again.close();
  });
});
