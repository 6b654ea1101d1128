/**
 * The dashboard's end-to-end fixture: the demo site (simulated sensors → two edge agents →
 * ingest with SQLite → epochs anchored on anvil, cli/demo/run.ts) run fast, with the strawberry
 * lot shipped from the farm's cold room onto the reefer truck part-way (so its history has a
 * custody change and the truck's door openings), then the devices stopped and the evidence
 * anchored, so what the browser shows stays put while it is inspected.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../common/log.js';
import { startDemo, type RunningDemo } from '../../cli/demo/run.js';
import { COLD_ROOM, DEMO_LOTS, TRUCK } from '../../cli/demo/site.js';
import { SQLITE_FILE_NAME } from '../../ingest/service.js';
import { adminHeaders } from '../support/admin-key.js';
import { waitFor } from '../support/wait.js';

export const STRAWBERRY = DEMO_LOTS[0].id;
export const ROMAINE = DEMO_LOTS[1].id;

export interface DashboardSite {
  demo: RunningDemo;
  url: string;
  apiKey: string;
  /** The ingest's SQLite file (ingest/service.ts SQLITE_FILE_NAME), for the tamper test. */
  sqlitePath: string;
  api<T>(path: string): Promise<T>;
  /** A request as the admin (POST, PUT) with a JSON body; throws on a non-2xx answer. */
  send<T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T>;
  close(): Promise<void>;
}

/** FSMA 204 shipping and receiving of the strawberries: cold room → truck (docs/events.md §7: custody moves). */
function shipToTruck(now: number): Array<Record<string, unknown>> {
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
  const day = new Date(now).toISOString().slice(0, 10);
  const common = { traceabilityLotCode: STRAWBERRY, quantity: 160, unitOfMeasure: 'cases', productDescription: 'Strawberries, 8 x 1 lb clamshell', referenceDocuments: [{ type: 'BOL', number: `BOL-${day}-7` }] };
  return [
    { ...common, cte: 'shipping', eventId: `e2e-ship-${now}`, eventTime: iso(now), shipFromLocation: COLD_ROOM, shipToLocation: TRUCK, shipDate: day, tlcSource: COLD_ROOM },
    { ...common, cte: 'receiving', eventId: `e2e-receive-${now}`, eventTime: iso(now + 1), immediatePreviousSourceLocation: COLD_ROOM, receivingLocation: TRUCK, receiveDate: day, tlcSource: COLD_ROOM },
  ];
}

export async function startDashboardSite(): Promise<DashboardSite> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-dashboard-'));
  // 10 scenario minutes per second: the truck's first delivery stop (door open 3–10 min between
  // minutes 72 and 106, firmware-sim/scenarios.ts) falls within the run.
  const demo = await startDemo({
    dataDir: dir,
    httpPort: 0,
    logger: silentLogger(),
    site: { timeScale: 600, modbusPollMs: 200, dhtIntervalMs: 250, mqttIntervalMs: 150 },
    batchMaxAgeMs: 300,
    modbusTimeoutMs: 3000,
    epochSeconds: 2,
  });
  const url = demo.ingest.httpUrl;
  const admin = adminHeaders(demo.ingest);
  const headers = { ...admin, 'content-type': 'application/json' };
  const apiKey = String(admin.authorization).replace(/^Bearer /, '');
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}/api/v1${path}`, { headers });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const send = async <T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${url}/api/v1${path}`, { method, headers, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  try {
    await new Promise((r) => setTimeout(r, 4000));
    const res = await fetch(`${url}/api/v1/events`, { method: 'POST', headers, body: JSON.stringify(shipToTruck(Date.now())) });
    if (!res.ok) throw new Error(`recording the shipment failed: ${res.status} ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 11_000));
    await demo.stop(20_000, { keepIngest: true });
    // Freshness through the last reading, and the lot's newest evidence anchored on the chain.
    const lastTs = Math.max(...(await demo.ingest.store.queryReadings({ location: TRUCK, limit: 1_000_000 })).map((r) => r.ts));
    for (const lot of DEMO_LOTS) {
      await waitFor(async () => ((await demo.ingest.store.lotFreshness([lot.id]))[0]?.throughTs ?? 0) >= lastTs, `${lot.id} freshness through the last truck reading`, 20_000, 200);
    }
    await waitFor(async () => {
      const { anchoring } = await api<{ anchoring: { status: string; epoch?: number; anchors: Array<{ epoch: number }> } }>(`/lots/${encodeURIComponent(STRAWBERRY)}`);
      return (anchoring.status === 'anchored' || anchoring.status === 'final') && anchoring.anchors.some((a) => a.epoch >= anchoring.epoch!);
    }, 'the strawberry lot\'s newest evidence anchored', 30_000, 250);
  } catch (err) {
    await demo.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    demo,
    url,
    apiKey,
    sqlitePath: join(dir, 'ingest', SQLITE_FILE_NAME),
    api,
    send,
    async close() {
      await demo.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
