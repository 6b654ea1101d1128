/** The benchmark registry behind `freshtrail bench NAME`. */
import { benchAlerts } from './alerts.js';
import { benchAnchor } from './anchor.js';
import { benchEdge } from './edge.js';
import { benchIngest } from './ingest.js';
import { benchIngestTransports } from './ingest-transport.js';
import { benchLotUpdatesWithStore, benchModel } from './model.js';
import { benchOutbox } from './outbox.js';
import { benchProtocol } from './protocol.js';
import type { Report } from './report.js';
import { benchTrace } from './trace.js';

export const BENCHMARKS: Record<string, { summary: string; run: (report: Report) => Promise<void> }> = {
  protocol: { summary: 'seal (canonical bytes + Ed25519 sign) and decode + verify, readings/s per batch size', run: benchProtocol },
  edge: { summary: 'edge agent: readings signed and persisted per second, replay of a 1,000,000-reading backlog into a real ingest, resident memory idle and at 1,000 readings/s', run: benchEdge },
  ingest: {
    summary: 'ingest: pipeline verify + SQLite commit (verify_commit), then simulated gateways over MQTT and HTTP into ingest processes on SQLite, PostgreSQL, and two instances on PostgreSQL + Mosquitto (readings_per_s, p50/p99_commit_ms at half load)',
    run: async (report) => {
      await benchIngest(report);
      await benchIngestTransports(report);
    },
  },
  model: {
    summary: 'shelf-life model: reading-steps/s through ONNX (batched, one thread) and the reference implementation; lot updates/s and p99 of one lot update, model only and through the consumer with its SQLite store', run: async (report) => {
      await benchModel(report);
      await benchLotUpdatesWithStore(report);
    },
  },
  alerts: { summary: 'alert delivery: latency from sending a batch (its verification and commit included) to the signed webhook at a local receiver, p50/p99, idle and under 20,000 readings/s of background load (SQLite, HTTP)', run: benchAlerts },
  anchor: { summary: 'on-chain anchoring on a real anvil through the anchoring job: gas per anchor transaction and gas per lot at 10,000 lots per epoch', run: benchAnchor },
  trace: {
    summary: 'trace: a generated network of 1,000,000 lots and ~5,320,000 events (farms → packers → processors commingling → DCs splitting → stores), GET /lots/{id}/trace p50/p99 back and forward and the FSMA 204 export of ~100,000 rows (rows/s), on SQLite and PostgreSQL',
    run: (report) => benchTrace(report),
  },
  outbox: { summary: 'edge outbox durable appends (fdatasync per write group) and sealing, readings/s', run: benchOutbox },
};
