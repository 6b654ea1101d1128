/**
 * End to end, with real parts only: simulated sensors on socat pseudo-terminals (opened through
 * node-serialport's real bindings) and on an MQTT broker → two edge agents (durable outboxes,
 * signed hash-chained batches, MQTT QoS 1 with acknowledgements after commit) → the ingest
 * (embedded aedes, verification, SQLite). Every value a device emitted must arrive exactly once,
 * with the right value, in a batch whose signature verifies with the enrolled key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.js';
import { startDemo, type DemoSummary, type RunningDemo } from '../cli/demo/run.js';
import { DEMO_LOTS, FARM_GATEWAY, TRUCK_GATEWAY } from '../cli/demo/site.js';
import { commodity } from '../models/commodities.js';
import { waitFor } from './support/wait.js';
import type { EmittedValue } from '../firmware-sim/device.js';
import type { StoredReading } from '../ingest/store/types.js';
import { GENESIS_PREV, decodeEnvelope, encodeEnvelope, sealBatch, verifySealedBatch } from '../protocol/batch.js';
import { generateKeyPair, publicKeyFromHex, verifyBytes } from '../protocol/keys.js';
import { round2 } from '../protocol/reading.js';
import { skipWithoutTool } from './support/tools.js';
import { adminHeaders } from './support/admin-key.js';

const skip = skipWithoutTool('socat');

describe.skipIf(skip)('sensors → edge agents → ingest, end to end', () => {
  let dir: string;
  let demo: RunningDemo;
  let summary: DemoSummary;
  let readings: StoredReading[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ft-e2e-'));
    demo = await startDemo({
      dataDir: dir,
      httpPort: 0,
      logger: silentLogger(),
      serialTransport: 'pty',
      site: { timeScale: 60, modbusPollMs: 200, dhtIntervalMs: 250, mqttIntervalMs: 300 },
      batchMaxAgeMs: 300,
      // A reply later than the timeout is (rightly) discarded by the master while the simulator
      // counts it as sent; on a loaded CI machine give replies room so the comparison is exact.
      modbusTimeoutMs: 3000,
      epochSeconds: 2,
    });
    await new Promise((r) => setTimeout(r, 6000));
    // Keep the ingest running after the agents drain, to inspect it.
    summary = await demo.stop(20_000, { keepIngest: true });
    readings = await demo.ingest.store.queryReadings({ limit: 1_000_000 });
    readings.sort((a, b) => (a.gateway === b.gateway ? a.seq - b.seq || a.index - b.index : a.gateway < b.gateway ? -1 : 1));
  }, 60_000);

  afterAll(async () => {
    await demo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const arrived = (sensor: string) => readings.filter((r) => r.sensor === sensor).map((r) => ({ tempC: r.tempC, rh: r.rh }));
  const sent = (values: EmittedValue[]) => values.map((v) => ({ tempC: v.tempC, rh: v.rh }));

  it('keeps each demo lot\'s freshness from its location\'s readings', async () => {
    // The shelf-life consumer follows the store (polling each second): wait until it has every reading.
    for (const lot of DEMO_LOTS) {
      const lastTs = Math.max(...readings.filter((r) => r.location === lot.location).map((r) => r.ts));
      await waitFor(async () => (await demo.ingest.store.lotFreshness([lot.id]))[0]?.throughTs === lastTs, `${lot.id} freshness through its last reading`, 15_000);
      const view = (await (await fetch(`${demo.ingest.httpUrl}/api/v1/lots/${lot.id}/shelf-life`, { headers: adminHeaders(demo.ingest) })).json()) as { freshness: { remainingDays: number; flags: string[] }; history: unknown[] };
      expect(view.freshness.flags).not.toContain('no_readings');
      expect(view.freshness.remainingDays).toBeGreaterThan(0);
      expect(view.freshness.remainingDays).toBeLessThan(commodity(lot.commodity).slRefDays);
      expect(view.history.length).toBeGreaterThan(0);
    }
    expect(summary.lots.map((l) => l.id)).toEqual(DEMO_LOTS.map((l) => l.id));
  });

  it('records the strawberry lot through FSMA 204 events and anchors its epochs on the local chain', async () => {
    const events = (await (await fetch(`${demo.ingest.httpUrl}/api/v1/lots/${DEMO_LOTS[0].id}`, { headers: adminHeaders(demo.ingest) })).json()) as { events: Array<{ cte: string }> };
    expect(events.events.map((e) => e.cte)).toEqual(['initial_packing']);
    expect(summary.anchoring.epochs).toBeGreaterThanOrEqual(1);
    expect(summary.anchoring.anchored).toBeGreaterThanOrEqual(1);
    // The latest anchored head is on chain, as anyone can read it.
    const anchors = await demo.ingest.store.listAnchors({ target: 'anvil', limit: 100 });
    const anchored = anchors.filter((a) => a.status === 'included' || a.status === 'final');
    expect(anchored.length).toBe(summary.anchoring.anchored);
    const { AnchorContract } = await import('../ingest/anchoring/contract.js');
    const { jobProvider } = await import('../ingest/anchoring/rpc.js');
    const provider = jobProvider(demo.chain.anvil.rpcUrl, demo.chain.anvil.chainId);
    try {
      for (const a of anchored) expect(await new AnchorContract(summary.anchoring.contract, provider).headOf(a.epoch)).toBe(a.headHash);
    } finally {
      provider.destroy();
    }
  });

  it('delivers everything and rejects nothing', () => {
    expect(summary.drained).toBe(true);
    expect(summary.rejected).toBe(0);
    expect(summary.quarantined).toBe(0);
    expect(summary.gateways).toBe(2);
    expect(readings.length).toBeGreaterThan(60);
    expect(summary.verified).toBe(readings.length);
  });

  it('stores every Modbus reply exactly once per sensor with its value', async () => {
    const farm = demo.agents.find((a) => a.gatewayId === FARM_GATEWAY)!;
    const timeouts = (await farm.metrics.readErrors.get()).values.filter((v) => v.labels.reason === 'timeout');
    expect(timeouts.reduce((s, v) => s + v.value, 0)).toBe(0);
    const emitted = demo.sim.emitted('cold-room-bus');
    for (const address of [1, 2]) {
      const expected = sent(emitted.filter((v) => v.address === address));
      expect(expected.length).toBeGreaterThan(10);
      expect(arrived(`xy-md02-${address}`)).toEqual(expected);
    }
  });

  it('stores every DHT text line exactly once with its value', () => {
    const expected = sent(demo.sim.emitted('packing-dht22'));
    expect(expected.length).toBeGreaterThan(10);
    expect(arrived('dht22-1')).toEqual(expected);
  });

  it('stores every Zigbee2MQTT report once (repeats deduplicated) and every Tasmota report with its device time', () => {
    const z2m = sent(demo.sim.emitted('truck-front'));
    expect(z2m.length).toBeGreaterThan(8);
    expect(arrived('truck-front')).toEqual(z2m);
    const tasmota = demo.sim.emitted('truck-rear');
    expect(tasmota.length).toBeGreaterThan(8);
    const rear = readings.filter((r) => r.sensor === 'truck-rear/AM2301');
    expect(rear.map((r) => ({ tempC: r.tempC, rh: r.rh }))).toEqual(sent(tasmota));
    expect(rear.map((r) => r.tsSource)).toEqual(tasmota.map(() => 'device'));
    expect(rear.map((r) => r.ts)).toEqual(tasmota.map((v) => v.deviceTs));
  });

  it('keeps each gateway stream as a gapless hash chain of batches signed by the enrolled key', async () => {
    for (const gateway of [FARM_GATEWAY, TRUCK_GATEWAY]) {
      const enrolled = await demo.ingest.store.getGateway(gateway);
      const key = publicKeyFromHex(enrolled!.publicKey);
      const summaryRow = (await demo.ingest.store.getGatewaySummary(gateway))!;
      let prev = GENESIS_PREV;
      for (let seq = 1; seq <= summaryRow.lastSeq!; seq++) {
        const batch = (await demo.ingest.store.getBatch(gateway, seq))!;
        expect(batch.prev).toBe(prev);
        expect(batch.flags.gap).toBe(false);
        expect(verifyBytes(key, batch.canonical, batch.sig)).toBe(true);
        prev = batch.id;
      }
    }
  });

  it('rejects a tampered batch and a batch signed by an unknown key, with reasons, and keeps serving', async () => {
    const api = demo.ingest.httpUrl;
    const stored = (await demo.ingest.store.getBatch(FARM_GATEWAY, 1))!;
    const original = decodeEnvelope(Buffer.from(JSON.stringify({ batch: JSON.parse(stored.canonical.toString('utf8')), sig: stored.sig })));
    const tampered = structuredClone(original.batch);
    tampered.readings[0]!.tempC = round2((tampered.readings[0]!.tempC ?? 0) - 3); // a cooler history than the truth
    const post = (body: Buffer) => fetch(`${api}/api/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    const forged = await post(encodeEnvelope({ batch: tampered, sig: original.sig }));
    expect(forged.status).toBe(422);
    expect(await forged.json()).toMatchObject({ status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE' });

    const intruder = generateKeyPair();
    const next = { ...original.batch, seq: 10_000, prev: original.id };
    const byStranger = await post(encodeEnvelope(sealBatch(next, intruder.privateKey)));
    expect(byStranger.status).toBe(422);
    expect(await byStranger.json()).toMatchObject({ status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE' });

    const unknownGateway = generateKeyPair();
    const fromNewcomer = await post(encodeEnvelope(sealBatch({ ...original.batch, gateway: 'not-enrolled-yet', seq: 1, prev: GENESIS_PREV }, unknownGateway.privateKey)));
    expect(fromNewcomer.status).toBe(202);
    expect(await fromNewcomer.json()).toMatchObject({ status: 'quarantined', code: 'FT_ERR_UNKNOWN_GATEWAY' });

    expect(verifySealedBatch(original, publicKeyFromHex((await demo.ingest.store.getGateway(FARM_GATEWAY))!.publicKey))).toBe(true);
    const health = await fetch(`${api}/api/v1/health`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${api}/metrics`, { headers: adminHeaders(demo.ingest) })).text();
    expect(metrics).toMatch(/freshtrail_ingest_rejections_total\{code="FT_ERR_BAD_SIGNATURE"\} 2/);
  });
});
