/**
 * `freshtrail bench outbox`: durable acceptance rate of the edge outbox under fsync 'always'
 * (every reading fdatasync'd before it counts as accepted; concurrent readings share one
 * fdatasync), and the rate of sealing, signing and fdatasyncing batches out of it.
 * `freshtrail bench edge` measures the agent's default path (fsync 'batch').
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../common/log.js';
import { EdgeMetrics } from '../edge/metrics.js';
import { Outbox } from '../edge/outbox/outbox.js';
import { sealBatch } from '../protocol/batch.js';
import { keyPairFromSeed } from '../protocol/keys.js';
import type { Reading } from '../protocol/reading.js';
import { type Report, round } from './report.js';

const reading = (i: number): Reading => ({ sensor: `s${i % 8}`, location: 'farm-a/cold-room-1', ts: 1_764_000_000_000 + i, tsSource: 'gateway', tempC: 1.25, rh: 91.5, src: 'bench' });

export async function benchOutbox(report: Report): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-outbox-'));
  const key = keyPairFromSeed('42'.repeat(32));
  try {
    for (const concurrency of [1, 64]) {
      // fsync 'always': every accepted reading is fdatasync'd (concurrent ones share one).
      const outbox = await Outbox.open({ dir: join(dir, `c${concurrency}`), gatewayId: 'bench-gw', logger: silentLogger(), metrics: new EdgeMetrics(), fsync: 'always' });
      const total = concurrency === 1 ? 2000 : 50_000;
      const start = performance.now();
      for (let i = 0; i < total; i += concurrency) {
        await Promise.all(Array.from({ length: concurrency }, (_, j) => outbox.appendReading(reading(i + j))));
      }
      const seconds = (performance.now() - start) / 1000;
      report({ bench: 'outbox', metric: 'append_durable', value: round(total / seconds), unit: 'readings/s', concurrentReadings: concurrency, fsync: 'per write group' });
      if (concurrency === 64) {
        const sealStart = performance.now();
        let sealed = 0;
        while (outbox.unsealedCount() > 0) sealed += (await outbox.seal((b) => sealBatch(b, key.privateKey), 200, Date.now()))!.batch.readings.length;
        report({ bench: 'outbox', metric: 'seal_sign_durable', value: round(sealed / ((performance.now() - sealStart) / 1000)), unit: 'readings/s', readingsPerBatch: 200 });
      }
      await outbox.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
