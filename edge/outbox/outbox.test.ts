import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { GENESIS_PREV, sealBatch } from '../../protocol/batch.js';
import { keyPairFromSeed, publicKeyFromHex } from '../../protocol/keys.js';
import type { Reading } from '../../protocol/reading.js';
import { verifySealedBatch } from '../../protocol/batch.js';
import { EdgeMetrics } from '../metrics.js';
import { Outbox } from './outbox.js';

const key = keyPairFromSeed('11'.repeat(32));
const sign = (b: Parameters<typeof sealBatch>[0]) => sealBatch(b, key.privateKey);

function reading(i: number): Reading {
  return { sensor: 's1', location: 'room-1', ts: 1_700_000_000_000 + i * 1000, tsSource: 'gateway', tempC: (i % 40) / 10, rh: 90, src: 'test' };
}

let dir: string;
let metrics: EdgeMetrics;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-outbox-'));
  metrics = new EdgeMetrics();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const openOutbox = (segmentBytes?: number) => Outbox.open({ dir, gatewayId: 'gw-1', logger: silentLogger(), metrics, segmentBytes });

describe('Outbox', () => {
  it('chains batches and restores pending batches, unsealed readings and the chain head after reopening', async () => {
    const a = await openOutbox();
    for (let i = 0; i < 5; i++) await a.appendReading(reading(i));
    const first = await a.seal(sign, 3, 1);
    const second = await a.seal(sign, 10, 2);
    for (let i = 5; i < 7; i++) await a.appendReading(reading(i));
    await a.close();

    expect(first!.batch.seq).toBe(1);
    expect(first!.batch.prev).toBe(GENESIS_PREV);
    expect(second!.batch.prev).toBe(first!.id);
    expect(second!.batch.readings.map((r) => r.ts)).toEqual([3, 4].map((i) => reading(i).ts));

    const b = await openOutbox();
    expect(b.pending().map((s) => s.id)).toEqual([first!.id, second!.id]);
    expect(verifySealedBatch(b.pending()[0]!, publicKeyFromHex(key.publicKeyHex))).toBe(true);
    expect(b.unsealedCount()).toBe(2);
    expect(b.chainHead()).toEqual({ seq: 2, id: second!.id });
    const third = await b.seal(sign, 10, 3);
    expect(third!.batch).toMatchObject({ seq: 3, prev: second!.id, gateway: 'gw-1' });
    expect(third!.batch.readings).toEqual([reading(5), reading(6)]);
    await b.close();
  });

  it('releases acknowledged batches, deletes fully acknowledged segments and keeps the chain across them', async () => {
    const a = await openOutbox(600);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      await a.appendReading(reading(i));
      ids.push((await a.seal(sign, 10, i + 1))!.id);
    }
    const before = (await readdir(dir)).filter((n) => n.endsWith('.log')).length;
    expect(before).toBeGreaterThan(2);
    for (let seq = 1; seq <= 12; seq++) await a.ack(seq, 'accepted');
    expect(a.pending()).toEqual([]);
    await a.close();
    const after = (await readdir(dir)).filter((n) => n.endsWith('.log')).length;
    expect(after).toBeLessThan(before);

    const b = await openOutbox(600);
    expect(b.pending()).toEqual([]);
    expect(b.chainHead()).toEqual({ seq: 12, id: ids[11] });
    await b.appendReading(reading(99));
    expect((await b.seal(sign, 10, 99))!.batch).toMatchObject({ seq: 13, prev: ids[11] });
    await b.close();
  });

  it('recovers from a torn write at the end: keeps every complete record and moves the torn bytes aside', async () => {
    const a = await openOutbox();
    for (let i = 0; i < 4; i++) await a.appendReading(reading(i));
    await a.close();
    const [segment] = (await readdir(dir)).filter((n) => n.endsWith('.log'));
    const path = join(dir, segment!);
    const size = (await readFile(path)).length;
    await truncate(path, size - 7); // the last record loses its tail, as after a power cut

    const b = await openOutbox();
    expect(b.unsealedCount()).toBe(3);
    expect((await metrics.outboxCorrupt.get()).values[0]!.value).toBe(1);
    expect(await readdir(join(dir, 'corrupt'))).toHaveLength(1);
    await b.appendReading(reading(10));
    await b.close();

    const c = await openOutbox();
    expect(c.unsealedCount()).toBe(4); // the rewritten segment is clean: no new damage
    expect(await readdir(join(dir, 'corrupt'))).toHaveLength(1);
    await c.close();
  });

  it('skips a corrupted record in the middle and keeps the records after it', async () => {
    const a = await openOutbox();
    for (let i = 0; i < 5; i++) await a.appendReading(reading(i));
    await a.close();
    const [segment] = (await readdir(dir)).filter((n) => n.endsWith('.log'));
    const path = join(dir, segment!);
    const bytes = await readFile(path);
    const recordSize = bytes.length / 5;
    bytes[Math.floor(recordSize * 2 + recordSize / 2)] ^= 0xff; // flip bits inside the third record
    await writeFile(path, bytes);

    const b = await openOutbox();
    expect(b.unsealedCount()).toBe(4);
    const sealed = await b.seal(sign, 10, 1);
    expect(sealed!.batch.readings.map((r) => r.ts)).toEqual([0, 1, 3, 4].map((i) => reading(i).ts));
    await b.close();
  });

  it('keeps every reading it acknowledged when the process is killed with SIGKILL', async () => {
    const script = join(dir, 'writer.mts');
    await writeFile(
      script,
      `import { Outbox } from ${JSON.stringify(join(process.cwd(), 'edge/outbox/outbox.ts'))};
       import { EdgeMetrics } from ${JSON.stringify(join(process.cwd(), 'edge/metrics.ts'))};
       import { silentLogger } from ${JSON.stringify(join(process.cwd(), 'common/log.ts'))};
       const outbox = await Outbox.open({ dir: ${JSON.stringify(join(dir, 'box'))}, gatewayId: 'gw-1', logger: silentLogger(), metrics: new EdgeMetrics() });
       for (let i = 0; ; i++) {
         await outbox.appendReading({ sensor: 's1', location: 'room-1', ts: 1700000000000 + i, tsSource: 'gateway', tempC: 1, src: 'kill-test' });
         process.stdout.write('accepted ' + i + '\\n');
       }`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastAccepted = -1;
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the writer exited by itself with code ${code}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) lastAccepted = Number(line.split(' ')[1]);
        if (lastAccepted >= 200 && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    const outbox = await Outbox.open({ dir: join(dir, 'box'), gatewayId: 'gw-1', logger: silentLogger(), metrics });
    // Everything acknowledged before the kill is there, in order, without duplicates.
    expect(outbox.unsealedCount()).toBeGreaterThanOrEqual(lastAccepted + 1);
    const sealed = await outbox.seal(sign, 10_000, 1);
    const ts = sealed!.batch.readings.map((r) => r.ts - 1700000000000);
    expect(ts.slice(0, lastAccepted + 1)).toEqual([...Array(lastAccepted + 1).keys()]);
    expect(new Set(ts).size).toBe(ts.length);
    await outbox.close();
  });
});
