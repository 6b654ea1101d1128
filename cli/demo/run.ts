/**
 * Runs the whole demo site in one process: the ingest, a local broker for the truck's MQTT
 * sensors, the simulator and the two edge agents, with their keys made and enrolled. Used by
 * `freshtrail demo` and by the end-to-end test.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../common/log.js';
import { validateConfig } from '../../common/config.js';
import { EdgeAgent } from '../../edge/agent.js';
import { EdgeConfigSchema } from '../../edge/config.js';
import { loadGatewaySigner, writeNewKeyFiles } from '../../edge/keyfile.js';
import { socatAvailable } from '../../firmware-sim/pty.js';
import { startSimulator, type SimulatorHandle } from '../../firmware-sim/simulator.js';
import { defaultIngestConfig } from '../../ingest/config.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../ingest/mqtt/embedded-broker.js';
import { startIngest, type IngestHandle } from '../../ingest/service.js';
import { keyFileHeader } from '../ingest-client.js';
import { startDemoChain, type DemoChain } from './chain.js';
import { DEMO_LOTS, demoLotEvents, siteEdgeConfigs, siteSimulatorConfig, type SiteOptions } from './site.js';

/** Default epoch length of the demo's anchoring, seconds: short, so that lots get evidence within the demo. */
export const DEMO_EPOCH_SECONDS = 10;

export interface DemoOptions {
  dataDir: string;
  httpPort: number;
  logger: Logger;
  /** Faster sensors for tests. */
  site?: Partial<Pick<SiteOptions, 'timeScale' | 'modbusPollMs' | 'dhtIntervalMs' | 'mqttIntervalMs'>>;
  batchMaxAgeMs?: number;
  /** Modbus per-request timeout; tests on a loaded machine give it room. */
  modbusTimeoutMs?: number;
  /** Force the serial transport; default: pty when socat is installed, else mock. */
  serialTransport?: 'pty' | 'mock';
  /** Epoch length of the demo's anchoring on its local anvil chain, seconds (default DEMO_EPOCH_SECONDS). */
  epochSeconds?: number;
}

export interface RunningDemo {
  ingest: IngestHandle;
  sim: SimulatorHandle;
  agents: EdgeAgent[];
  serialTransport: 'pty' | 'mock';
  /** The local chain the demo anchors to. */
  chain: DemoChain;
  /** Stops sensors first, lets the agents deliver what they hold, then stops everything. */
  stop(drainTimeoutMs?: number, options?: { keepIngest?: boolean }): Promise<DemoSummary>;
  /** Closes the ingest and its chain (after stop with keepIngest). */
  close(): Promise<void>;
}

/** The demo's last line: what the ingest verified and rejected, and whether outboxes emptied. */
export interface DemoSummary {
  /** Gateways that delivered at least one verified batch. */
  gateways: number;
  /** Readings in verified, committed batches. */
  verified: number;
  /** Envelopes rejected, whatever the reason (the ingest's rejection counter). */
  rejected: number;
  quarantined: number;
  /** Every sealed batch was acknowledged before the demo stopped. */
  drained: boolean;
  /** The demo lots' freshness when it stopped (absent for a lot whose readings were not processed yet). */
  lots: Array<{ id: string; commodity: string; remainingDays?: number; quality?: number }>;
  /** Epochs closed and anchored on the demo's local chain. */
  anchoring: { chainId: number; contract: string; epochs: number; anchored: number; final: number; headPublicKey: string };
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const { logger, dataDir } = options;
  const serialTransport = options.serialTransport ?? (socatAvailable() ? 'pty' : 'mock');
  const keyDir = join(dataDir, 'keys');
  await mkdir(keyDir, { recursive: true, mode: 0o700 });
  const chain = await startDemoChain(keyDir, options.epochSeconds ?? DEMO_EPOCH_SECONDS);
  let ingest: IngestHandle;
  try {
    ingest = await startIngest(
      defaultIngestConfig({ dataDir: join(dataDir, 'ingest'), http: { port: options.httpPort }, mqtt: { embedded: { port: 0 } }, anchoring: chain.anchoring }),
      { logger: logger.child({ component: 'ingest' }) },
    );
  } catch (err) {
    await chain.anvil.stop();
    throw err;
  }
  // The ingest closes before the chain it anchors to.
  const closeIngest = async (): Promise<void> => {
    await ingest.close();
    await chain.anvil.stop();
  };
  const cleanup: Array<() => Promise<unknown>> = [closeIngest];
  try {
    // The truck gateway's local broker, where its Zigbee2MQTT and Tasmota sensors publish.
    const truckBroker: EmbeddedBroker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: logger.child({ component: 'truck-broker' }) });
    cleanup.unshift(() => truckBroker.close());
    const sim = await startSimulator(siteSimulatorConfig({ deviceBrokerUrl: truckBroker.url, serialTransport, ...options.site }), {
      logger: logger.child({ component: 'sim' }),
      paused: true,
    });
    cleanup.unshift(() => sim.stop());

    const configs = siteEdgeConfigs(sim, {
      ingestMqttUrl: ingest.mqttUrl,
      dataDir: join(dataDir, 'edge'),
      keyDir,
      modbusPollMs: options.site?.modbusPollMs,
      modbusTimeoutMs: options.modbusTimeoutMs,
      batchMaxAgeMs: options.batchMaxAgeMs,
    });
    const agents: EdgeAgent[] = [];
    for (const raw of configs) {
      const config = validateConfig(raw, EdgeConfigSchema, `demo gateway ${raw.gateway.id}`);
      const files = await writeNewKeyFiles(config.gateway.keyFile!, { force: true }); // demo gateways keep file keys (site.ts)
      await enrollOverHttp(ingest, config.gateway.id, files.publicKeyHex);
      // The embedded broker takes the gateway's API key as its MQTT password (docs/transport-security.md).
      if (config.forward.mqtt) Object.assign(config.forward.mqtt, { username: config.gateway.id, password: await gatewayKeyOverHttp(ingest, config.gateway.id) });
      const signer = await loadGatewaySigner(config.gateway);
      const agent = new EdgeAgent({ config, signer, logger: logger.child({ gateway: config.gateway.id }) });
      await agent.start();
      agents.push(agent);
      cleanup.unshift(() => agent.stop());
    }
    // The strawberries through FSMA 204 events (as a packhouse system would post them), the
    // romaine on the truck through the lot API.
    await postEvents(ingest, demoLotEvents(Date.now()));
    for (const lot of DEMO_LOTS.slice(1)) await ingest.store.createLot({ ...lot, createdAt: Date.now() });
    sim.resume();

    return {
      ingest,
      sim,
      agents,
      serialTransport,
      chain,
      close: closeIngest,
      async stop(drainTimeoutMs = 15_000, stopOptions = {}) {
        // Quiet the devices first and give their last bytes time to arrive, then stop the
        // agents' inputs (a Modbus poll in flight completes), then close the device side: so
        // every value a device emitted was read by its agent.
        sim.pause();
        await new Promise((r) => setTimeout(r, 500));
        await Promise.all(agents.map((a) => a.stopInputs()));
        await sim.stop();
        const drained = (await Promise.all(agents.map((a) => a.drained(drainTimeoutMs)))).every(Boolean);
        const summary = { ...(await summarize(ingest, chain)), drained };
        const closers = stopOptions.keepIngest ? cleanup.filter((c) => c !== closeIngest) : cleanup;
        for (const close of closers) await close().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'demo: error while stopping'));
        return summary;
      },
    };
  } catch (err) {
    for (const close of cleanup) await close().catch(() => undefined);
    throw err;
  }
}

/** The operator's headers: the ingest's first admin API key (docs/security.md). */
function operatorHeaders(ingest: IngestHandle): Record<string, string> {
  return { 'content-type': 'application/json', ...keyFileHeader(ingest.adminKeyFile!) };
}

async function postEvents(ingest: IngestHandle, records: unknown[]): Promise<void> {
  const res = await fetch(`${ingest.httpUrl}/api/v1/events`, { method: 'POST', headers: operatorHeaders(ingest), body: JSON.stringify(records) });
  if (!res.ok) throw new Error(`recording the demo lot's events failed: ${res.status} ${await res.text()}`);
}

/** Enrolls through the public API, as an operator would with `freshtrail gateway enroll`. */
async function enrollOverHttp(ingest: IngestHandle, id: string, publicKey: string): Promise<void> {
  const res = await fetch(`${ingest.httpUrl}/api/v1/gateways`, {
    method: 'POST',
    headers: operatorHeaders(ingest),
    body: JSON.stringify({ id, publicKey, label: `demo gateway ${id}` }),
  });
  if (!res.ok) throw new Error(`enrolling ${id} failed: ${res.status} ${await res.text()}`);
}

/** A new API key of role gateway for `id`, as an operator makes one for a gateway's MQTT login. */
async function gatewayKeyOverHttp(ingest: IngestHandle, id: string): Promise<string> {
  const res = await fetch(`${ingest.httpUrl}/api/v1/keys`, {
    method: 'POST',
    headers: operatorHeaders(ingest),
    body: JSON.stringify({ label: `demo gateway ${id} MQTT`, role: 'gateway', party: id }),
  });
  if (!res.ok) throw new Error(`creating the MQTT key of ${id} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

async function summarize(ingest: IngestHandle, chain: DemoChain): Promise<Omit<DemoSummary, 'drained'>> {
  const [gateways, counts, rejections, freshness, latestHead, anchors] = await Promise.all([
    ingest.store.listGateways(),
    ingest.store.counts(),
    ingest.metrics.rejections.get(),
    ingest.store.lotFreshness(DEMO_LOTS.map((l) => l.id)),
    ingest.store.latestEpochHead(),
    ingest.store.anchorCounts('anvil'),
  ]);
  const byLot = new Map(freshness.map((f) => [f.lot, f]));
  return {
    gateways: gateways.filter((g) => g.batches > 0).length,
    verified: counts.readings,
    rejected: rejections.values.reduce((sum, v) => sum + v.value, 0),
    quarantined: counts.quarantined,
    lots: DEMO_LOTS.map(({ id, commodity }) => {
      const f = byLot.get(id);
      return { id, commodity, ...(f ? { remainingDays: Math.round(f.remainingDays * 100) / 100, quality: Math.round(f.quality * 100) / 100 } : {}) };
    }),
    anchoring: {
      chainId: Number(chain.anvil.chainId),
      contract: chain.contract,
      epochs: latestHead?.head.epoch ?? 0,
      anchored: anchors.included + anchors.final,
      final: anchors.final,
      headPublicKey: chain.headPublicKeyHex,
    },
  };
}
