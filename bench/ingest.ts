/**
 * `freshtrail bench ingest`: the ingest's verify-and-commit path (decode, Ed25519 verify, chain
 * checks, one SQLite transaction per batch with its readings) as the transports drive it, for
 * one gateway sending in order and for several gateways at once, with each synchronous mode.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../common/log.js';
import { defaultIngestConfig } from '../ingest/config.js';
import { IngestMetrics } from '../ingest/metrics.js';
import { IngestPipeline } from '../ingest/pipeline.js';
import { openSqliteStore } from '../ingest/store/sqlite.js';
import { encodeEnvelope, GENESIS_PREV, sealBatch } from '../protocol/batch.js';
import { keyPairFromSeed } from '../protocol/keys.js';
import { sampleBatch } from './protocol.js';
import { type Report, round } from './report.js';

const READINGS_PER_BATCH = 200;
const BATCHES_PER_GATEWAY = 150;

/** Pre-signed envelopes, so the figure is the ingest's cost only. */
function gatewayStream(gateway: string, seed: string): Buffer[] {
  const key = keyPairFromSeed(seed);
  const envelopes: Buffer[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 1; seq <= BATCHES_PER_GATEWAY; seq++) {
    const sealed = sealBatch({ ...sampleBatch(READINGS_PER_BATCH, seq), gateway, prev }, key.privateKey);
    envelopes.push(encodeEnvelope(sealed));
    prev = sealed.id;
  }
  return envelopes;
}

export async function benchIngest(report: Report): Promise<void> {
  for (const synchronous of ['FULL', 'NORMAL'] as const) {
    for (const gateways of [1, 8]) {
      const dir = await mkdtemp(join(tmpdir(), 'ft-bench-ingest-'));
      const store = openSqliteStore({ path: join(dir, 'ingest.sqlite'), synchronous });
      const pipeline = new IngestPipeline({ store, metrics: new IngestMetrics(), logger: silentLogger(), limits: defaultIngestConfig().limits });
      try {
        await pipeline.init();
        const streams = Array.from({ length: gateways }, (_, g) => ({ id: `bench-gw-${g}`, seed: String(g + 1).padStart(2, '0').repeat(32) }));
        for (const { id, seed } of streams) await pipeline.enroll({ id, publicKey: keyPairFromSeed(seed).publicKeyHex });
        const envelopes = streams.map(({ id, seed }) => gatewayStream(id, seed));
        const start = performance.now();
        await Promise.all(
          envelopes.map(async (stream) => {
            for (const envelope of stream) {
              const ack = await pipeline.submit(envelope, { transport: 'http' });
              if (ack.status !== 'accepted') throw new Error(`bench batch not accepted: ${ack.code} ${ack.reason}`);
            }
          }),
        );
        const seconds = (performance.now() - start) / 1000;
        const batches = gateways * BATCHES_PER_GATEWAY;
        const context = { store: 'sqlite', synchronous, gateways, readingsPerBatch: READINGS_PER_BATCH };
        report({ bench: 'ingest', metric: 'verify_commit', value: round((batches * READINGS_PER_BATCH) / seconds), unit: 'readings/s', ...context });
        report({ bench: 'ingest', metric: 'verify_commit_batches', value: round(batches / seconds), unit: 'batches/s', ...context });
      } finally {
        await pipeline.close();
        await store.close();
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
}
