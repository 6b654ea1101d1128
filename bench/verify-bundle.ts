/**
 * verify_bundle_ms of `freshtrail bench anchor`: the time `verifyBundle` takes over the evidence
 * bundle of a lot with 7 days of custody under 8 sensors reporting once a minute (80,640
 * readings in 10,080 signed batches of one gateway, a batch a minute), built from a SQLite store
 * by the same code as GET /api/v1/lots/{id}/evidence. Batches are written to the store directly
 * (commitBatches, signed by a real gateway key), not through the pipeline; the epoch is closed
 * by the EpochBuilder. No chain reader: RPC time is excluded (the on-chain check is skipped).
 */
import { join } from 'node:path';
import { silentLogger } from '../common/log.js';
import { EpochBuilder } from '../ingest/anchoring/epoch-builder.js';
import { buildEvidenceBundle } from '../ingest/evidence/bundle.js';
import { openSqliteStore } from '../ingest/store/sqlite.js';
import type { BatchToCommit } from '../ingest/store/types.js';
import { GENESIS_PREV, sealBatch, type Batch } from '../protocol/batch.js';
import { verifyBundle } from '../protocol/evidence.js';
import { keyPairFromSeed } from '../protocol/keys.js';
import { percentile, round, type Report } from './report.js';

const DAYS = 7;
const SENSORS = 8;
const MINUTE = 60_000;
const RUNS = 15;

export async function benchVerifyBundle(report: Report, dir: string): Promise<void> {
  const store = openSqliteStore({ path: join(dir, 'evidence.sqlite') });
  try {
    const gw = keyPairFromSeed('b1'.repeat(32));
    const head = keyPairFromSeed('b2'.repeat(32));
    const start = Date.parse('2025-06-01T00:00:00Z');
    await store.enrollGateway({ id: 'gw-bench', publicKey: gw.publicKeyHex, enrolledAt: start - 1 });
    await store.createLot({ id: 'LOT-BENCH', commodity: 'strawberry', location: 'cold-room-1', createdAt: start });
    const minutes = DAYS * 24 * 60;
    let prev = GENESIS_PREV;
    let pending: BatchToCommit[] = [];
    for (let m = 0; m < minutes; m++) {
      const ts = start + m * MINUTE;
      const batch: Batch = {
        v: 1, gateway: 'gw-bench', seq: m + 1, prev, createdAt: ts + 1000,
        readings: Array.from({ length: SENSORS }, (_, s) => ({ sensor: `s${s}`, location: 'cold-room-1', ts, tsSource: 'device' as const, tempC: round(1 + Math.sin(m / 90 + s) * 1.5, 2), rh: 92, src: `zigbee/s${s}` })),
      };
      const sealed = sealBatch(batch, gw.privateKey);
      prev = sealed.id;
      pending.push({ sealed, meta: { receivedAt: ts + 2000, transport: 'mqtt', flags: { gap: false } } });
      if (pending.length === 500 || m === minutes - 1) {
        await store.commitBatches(pending);
        pending = [];
      }
    }
    const builder = new EpochBuilder({ store, log: 'bench', headKey: head.privateKey, epochMs: 3_600_000, logger: silentLogger() });
    const closedAt = start + minutes * MINUTE;
    if (!(await builder.closeEpoch(closedAt))) throw new Error('bench verify_bundle: no epoch closed');
    const bundle = (await buildEvidenceBundle('LOT-BENCH', { store, headPublicKey: head.publicKeyHex, now: closedAt }))!;
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const checks = await verifyBundle(bundle, { headPublicKey: head.publicKeyHex });
      times.push(performance.now() - t0);
      // Offline: everything but the anchor (none recorded here) and the skipped on-chain read must pass.
      const failed = checks.filter((c) => !c.ok && !c.skipped && c.name !== 'anchor');
      if (failed.length > 0) throw new Error(`bench verify_bundle: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const context = {
      readings: minutes * SENSORS, batches: minutes, gateways: 1, days: DAYS, sensors: SENSORS, runs: RUNS,
      bundleBytes: Buffer.byteLength(JSON.stringify(bundle)), generated: 'store directly (commitBatches), epoch by EpochBuilder', rpc: 'excluded (no chain reader)', target_ms: 250,
    };
    report({ bench: 'anchor', metric: 'verify_bundle_ms', value: round(percentile(sorted, 50), 1), unit: 'ms', stat: 'median', ...context });
    report({ bench: 'anchor', metric: 'verify_bundle_p99_ms', value: round(percentile(sorted, 99), 1), unit: 'ms', ...context });
  } finally {
    await store.close();
  }
}
