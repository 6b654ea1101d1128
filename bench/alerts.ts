/**
 * `freshtrail bench alerts`: latency from the commit of a reading to the webhook that tells a
 * person about it (issue 5 target: p99 ≤ 500 ms). A real ingest process on SQLite with one
 * threshold rule and one webhook; a gateway sends a batch whose reading crosses the limit at a
 * new location, and the bench times from sending that batch (so its verification and commit
 * count too) to the signed webhook's arrival at a local receiver; then a batch back inside
 * resolves that alert. Measured idle and with background gateways sending steady load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyPairFromSeed } from '../protocol/keys.js';
import type { Reading } from '../protocol/reading.js';
import { startIngestProcess, type IngestProcess } from './ingest-process.js';
import { percentile, round, type Report } from './report.js';
import { SimulatedGateway } from './simulated-gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const SECRET = 'bench-alerts-secret-0123456789abcdef';
const ALERTS = 300;
const LOAD_GATEWAYS = 4;
const LOAD_READINGS_PER_SECOND = 20_000;
const LOAD_READINGS_PER_BATCH = 100;

const nowMs = (): number => performance.timeOrigin + performance.now();

export async function benchAlerts(report: Report): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-alerts-'));
  const receiver = await startWebhookReceiver(SECRET);
  let ingest: IngestProcess | undefined;
  try {
    ingest = await startIngestProcess({
      dataDir: join(dir, 'data'),
      config: {
        shelfLife: { enabled: false },
        alerts: {
          rules: [{ name: 'bench-high', location: 'bench-*', above: 8, forMinutes: 0, clearAfterMinutes: 0, severity: 'warning' }],
          webhooks: [{ name: 'bench', url: receiver.url, secret: SECRET }],
        },
      },
    });
    const gateway = await connected(ingest, 'bench-alerts', 1);
    for (const load of [0, LOAD_READINGS_PER_SECOND]) {
      const background = load > 0 ? await startLoad(ingest, load) : undefined;
      try {
        const latencies = await measure(gateway, receiver, load === 0 ? 'idle' : 'load');
        const sorted = latencies.sort((a, b) => a - b);
        const context = { store: 'sqlite', synchronous: 'FULL', transport: 'http', channel: 'webhook', backgroundReadingsPerSecond: load, alerts: sorted.length, from: 'batch sent (includes its verification and commit)', to: 'webhook received' };
        report({ bench: 'alerts', metric: 'alert_latency_p50_ms', value: round(percentile(sorted, 50), 1), unit: 'ms', ...context });
        report({ bench: 'alerts', metric: 'alert_latency_p99_ms', value: round(percentile(sorted, 99), 1), unit: 'ms', ...context });
      } finally {
        await background?.stop();
      }
    }
    const failed = receiver.received.filter((r) => !r.signature.ok).length;
    if (failed > 0) throw new Error(`bench alerts: ${failed} webhook requests failed signature verification`);
  } finally {
    await ingest?.stop();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function connected(ingest: IngestProcess, id: string, seed: number): Promise<SimulatedGateway> {
  const gateway = new SimulatedGateway({ id, keys: keyPairFromSeed(String(seed).padStart(2, '0').repeat(32)), transport: 'http', httpUrls: [ingest.httpUrl], readingsPerBatch: LOAD_READINGS_PER_BATCH });
  await ingest.enroll(gateway.id, gateway.keys.publicKeyHex);
  await gateway.connect();
  return gateway;
}

/** One alert at a time: hot reading → time to "opened"; cold reading → wait for "resolved". */
async function measure(gateway: SimulatedGateway, receiver: WebhookReceiver, phase: string): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < ALERTS; i++) {
    const location = `bench-${phase}-${i}`;
    const reading = (tempC: number): Reading => ({ sensor: 'probe', location, ts: Date.now(), tsSource: 'gateway', tempC, src: 'bench' });
    const seen = receiver.received.length;
    const hot = gateway.seal([reading(12)]);
    // From the send, so the batch's verification and commit are inside the figure: the commit
    // itself happens somewhere in between, and the alert path runs while the ack is on its way
    // back, so timing from the ack would flatter it.
    const sentAt = nowMs();
    await gateway.send(hot.seq, hot.envelope);
    await receiver.waitFor((r) => r.slice(seen).some((x) => x.message.type === 'alert.opened' && x.message.alert.subject === location), 10_000);
    latencies.push(receiver.received.slice(seen).find((x) => x.message.alert.subject === location)!.receivedAt - sentAt);
    const cold = gateway.seal([reading(3)]);
    await gateway.send(cold.seq, cold.envelope);
    await receiver.waitFor((r) => r.slice(seen).some((x) => x.message.type === 'alert.resolved' && x.message.alert.subject === location), 10_000);
  }
  return latencies;
}

/** Gateways sending `readingsPerSecond` in total, paced, until stopped. */
async function startLoad(ingest: IngestProcess, readingsPerSecond: number): Promise<{ stop(): Promise<void> }> {
  const gateways = await Promise.all(Array.from({ length: LOAD_GATEWAYS }, (_, g) => connected(ingest, `bench-load-${g}`, 20 + g)));
  const intervalMs = (LOAD_READINGS_PER_BATCH * LOAD_GATEWAYS * 1000) / readingsPerSecond;
  let stopping = false;
  const loops = gateways.map(async (g) => {
    let next = performance.now();
    while (!stopping) {
      const batch = g.seal();
      await g.send(batch.seq, batch.envelope);
      next += intervalMs;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      await Promise.all(gateways.map((g) => g.close()));
    },
  };
}
