/**
 * The issue-4 scale-out test: two real `freshtrail ingest` processes on one PostgreSQL database
 * and the machine's Mosquitto (shared subscription), fed by simulated gateways over MQTT and
 * over HTTP (each HTTP gateway sends to either instance, as behind a load balancer). Both
 * instances take part; then the one leading the singleton jobs is killed with SIGKILL
 * mid-stream. Afterwards every batch of every gateway is stored exactly once, every batch was
 * acknowledged, nothing was refused, and the survivor leads the singleton jobs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startIngestProcess, type IngestProcess } from '../bench/ingest-process.js';
import { SimulatedGateway } from '../bench/simulated-gateway.js';
import { createTestDatabase, PG_HOST, PG_PORT, type TestDatabase } from '../ingest/store/postgres/test-database.js';
import type { Ack } from '../protocol/ack.js';
import { generateKeyPair } from '../protocol/keys.js';
import { scrapedValue } from './support/metrics.js';
import { skipWithoutService } from './support/tools.js';
import { waitFor } from './support/wait.js';

const MOSQUITTO = { host: '127.0.0.1', port: 1883 };
const MQTT_GATEWAYS = 6;
const HTTP_GATEWAYS = 2;
const BATCHES = 120;
const READINGS_PER_BATCH = 20;
const WINDOW = 4;
const CLI = ['--import', 'tsx', 'test/support/freshtrail-cli.ts'];

const skip = (await skipWithoutService('PostgreSQL', PG_HOST, PG_PORT)) || (await skipWithoutService('Mosquitto', MOSQUITTO.host, MOSQUITTO.port));

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** Sends BATCHES batches, WINDOW in flight, each until acknowledged; the Acks in seq order. */
async function stream(gateway: SimulatedGateway, sent: string[], pace: () => Promise<void>): Promise<Ack[]> {
  const acks: Ack[] = [];
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < BATCHES; i++) {
    while (inFlight.size >= WINDOW) await Promise.race(inFlight);
    await pace();
    const { seq, id, envelope } = gateway.seal();
    sent.push(id);
    const delivery: Promise<void> = gateway.send(seq, envelope).then((ack) => {
      acks[seq - 1] = ack;
      inFlight.delete(delivery);
    });
    inFlight.add(delivery);
  }
  await Promise.all(inFlight);
  return acks;
}

const leads = async (ingest: IngestProcess): Promise<boolean> => scrapedValue(await ingest.metricsText(), 'freshtrail_ingest_job_leader', { job: 'integrity' }) === 1;
const accepted = async (ingest: IngestProcess): Promise<number> =>
  scrapedValue(await ingest.metricsText(), 'freshtrail_ingest_batches_total', { status: 'accepted', transport: 'mqtt' }) +
  scrapedValue(await ingest.metricsText(), 'freshtrail_ingest_batches_total', { status: 'accepted', transport: 'http' });

describe.skipIf(skip)('two ingest instances on PostgreSQL and Mosquitto', () => {
  it('split the gateways\' batches, store each exactly once and lose nothing when one is killed', async () => {
    const db: TestDatabase = await createTestDatabase();
    cleanups.push(() => db.drop());
    const dir = await mkdtemp(join(tmpdir(), 'ft-scale-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const run = randomBytes(4).toString('hex'); // Mosquitto is shared: names of this run only
    const config = {
      store: { postgres: { url: db.url, poolSize: 4, leaderCheckIntervalMs: 300 } },
      mqtt: { url: `mqtt://${MOSQUITTO.host}:${MOSQUITTO.port}`, shareGroup: `ft-test-${run}` },
    };
    // Started together: the second runs the migrations after the first, under their lock.
    const instances = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const ingest = await startIngestProcess({ dataDir: join(dir, name), config, command: CLI });
        cleanups.push(() => ingest.stop()); // at once: if the other fails to start, this one still stops
        return ingest;
      }),
    );
    const urls = instances.map((i) => i.httpUrl);

    const gateways = Array.from({ length: MQTT_GATEWAYS + HTTP_GATEWAYS }, (_, g) => {
      const transport = g < MQTT_GATEWAYS ? 'mqtt' : 'http';
      return new SimulatedGateway({
        id: `scale-${run}-${g}`,
        keys: generateKeyPair(),
        transport,
        mqttUrl: `mqtt://${MOSQUITTO.host}:${MOSQUITTO.port}`,
        // Half the HTTP gateways start on each instance.
        httpUrls: g % 2 === 0 ? urls : [...urls].reverse(),
        readingsPerBatch: READINGS_PER_BATCH,
        ackTimeoutMs: 3_000,
      });
    });
    for (const g of gateways) {
      await instances[0]!.enroll(g.id, g.keys.publicKeyHex);
      await g.connect();
      cleanups.push(() => g.close());
    }

    // Leadership of the singleton jobs settles on one instance.
    await waitFor(async () => (await Promise.all(instances.map(leads))).filter(Boolean).length === 1, 'one leader of the singleton jobs', 15_000);
    const leaderIndex = (await leads(instances[0]!)) ? 0 : 1;
    const [leader, survivor] = [instances[leaderIndex]!, instances[1 - leaderIndex]!];

    // Gateways pace their batches until the leader is killed, so that it dies mid-stream.
    let killed = false;
    const pace = async (): Promise<void> => {
      if (!killed) await new Promise((r) => setTimeout(r, 15));
    };
    const sent = gateways.map(() => [] as string[]);
    const streams = Promise.all(gateways.map((g, i) => stream(g, sent[i]!, pace)));

    // Both instances commit batches before one of them dies.
    await waitFor(async () => (await accepted(leader)) >= 20 && (await accepted(survivor)) >= 20, 'both instances committing', 30_000);
    const exited = new Promise((r) => leader.child.once('exit', r));
    leader.child.kill('SIGKILL');
    await exited;
    killed = true;
    const sealedAtKill = sent.reduce((n, ids) => n + ids.length, 0);
    expect(sealedAtKill, 'the kill came mid-stream').toBeLessThan(gateways.length * BATCHES);

    const acks = await streams;
    for (const [i, g] of gateways.entries()) {
      expect(acks[i]!.map((a) => a.seq), g.id).toEqual(Array.from({ length: BATCHES }, (_, k) => k + 1));
      // A batch committed by the killed instance but not acknowledged was sent again: duplicate.
      for (const ack of acks[i]!) expect(['accepted', 'duplicate'], `${g.id} seq ${ack.seq}: ${ack.code ?? ''} ${ack.reason ?? ''}`).toContain(ack.status);
    }

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    cleanups.push(() => client.end());
    for (const [i, g] of gateways.entries()) {
      const { rows } = await client.query<{ seq: string; id: string }>('SELECT seq, id FROM batches WHERE gateway = $1 ORDER BY seq', [g.id]);
      expect(rows.map((r) => Number(r.seq)), `${g.id} seqs`).toEqual(Array.from({ length: BATCHES }, (_, k) => k + 1));
      expect(rows.map((r) => r.id), `${g.id} ids`).toEqual(sent[i]);
    }
    const total = await client.query<{ batches: string; readings: string; rejections: string; quarantine: string }>(
      `SELECT (SELECT count(*) FROM batches) AS batches, (SELECT count(*) FROM readings) AS readings,
              (SELECT count(*) FROM rejections) AS rejections, (SELECT count(*) FROM quarantine) AS quarantine`,
    );
    const expectedBatches = gateways.length * BATCHES;
    expect(total.rows[0]).toEqual({ batches: String(expectedBatches), readings: String(expectedBatches * READINGS_PER_BATCH), rejections: '0', quarantine: '0' });

    // The survivor takes over the singleton jobs and still takes batches.
    await waitFor(() => leads(survivor), 'the survivor leading the singleton jobs', 15_000);
    expect((await fetch(`${survivor.httpUrl}/api/v1/ready`)).status).toBe(200);
    const resends = gateways.reduce((n, g) => n + g.resends, 0);
    console.info(`scale-out: ${expectedBatches} batches, leader killed after ${sealedAtKill} were sealed, ${resends} re-sends, survivor leads`);
  });
});
