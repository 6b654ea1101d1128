import { describe, expect, it } from 'vitest';
import { GroupingQueue, type Settled } from './grouping-queue.js';
import { KeyedSerialQueue } from './keyed-queue.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A queue whose processor records each group and answers item × 10 (or the item's error). */
function recordingQueue(maxGroup = 16, gate?: Promise<void>) {
  const groups: Array<{ key: string; items: number[] }> = [];
  const queue = new GroupingQueue<number, number>(new KeyedSerialQueue(), maxGroup, async (key, items) => {
    groups.push({ key, items });
    await gate;
    return items.map((n): Settled<number> => (n < 0 ? { error: new Error(`bad ${n}`) } : { value: n * 10 }));
  });
  return { queue, groups };
}

describe('GroupingQueue', () => {
  it('hands items pushed together to one group, in order, each with its own result', async () => {
    const { queue, groups } = recordingQueue();
    const results = await Promise.allSettled([1, 2, -3, 4].map((n) => queue.push('a', n)));
    expect(groups).toEqual([{ key: 'a', items: [1, 2, -3, 4] }]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([10, 20, 'bad -3', 40]);
  });

  it('queues what arrives during a group for the next group, and keeps keys apart', async () => {
    const gate = deferred();
    const { queue, groups } = recordingQueue(16, gate.promise);
    const first = queue.push('a', 1);
    while (groups.length === 0) await new Promise((r) => setImmediate(r)); // group [1] has started and waits at the gate
    expect(queue.isBusy('a')).toBe(true);
    expect(queue.isBusy('b')).toBe(false);
    const later = [queue.push('a', 2), queue.push('a', 3), queue.push('b', 7)];
    gate.resolve();
    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30, 70]);
    expect(groups).toEqual([{ key: 'a', items: [1] }, { key: 'b', items: [7] }, { key: 'a', items: [2, 3] }]);
    expect(queue.isBusy('a')).toBe(false);
  });

  it('splits a long queue into groups of at most maxGroup', async () => {
    const { queue, groups } = recordingQueue(3);
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => queue.push('a', n)));
    expect(groups.map((g) => g.items)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('fails every item of a group when the processor throws, and goes on with the next group', async () => {
    let calls = 0;
    const queue = new GroupingQueue<number, number>(new KeyedSerialQueue(), 2, async (_key, items) => {
      calls += 1;
      if (calls === 1) throw new Error('store down');
      return items.map((n) => ({ value: n }));
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => queue.push('a', n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });

  it('runs groups behind other tasks of the key on the shared KeyedSerialQueue', async () => {
    const keyed = new KeyedSerialQueue();
    const log: string[] = [];
    const queue = new GroupingQueue<number, number>(keyed, 16, async (_key, items) => {
      log.push(`group ${items.join(',')}`);
      return items.map((n) => ({ value: n }));
    });
    const gate = deferred();
    const enrollment = keyed.run('a', async () => {
      log.push('enroll start');
      await gate.promise;
      log.push('enroll end');
    });
    const pushed = [queue.push('a', 1), queue.push('a', 2)];
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['enroll start']);
    gate.resolve();
    await Promise.all([enrollment, ...pushed]);
    expect(log).toEqual(['enroll start', 'enroll end', 'group 1,2']);
  });
});
