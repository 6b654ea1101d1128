/** The benchmark registry behind `freshtrail bench NAME`. */
import { benchEdge } from './edge.js';
import { benchIngest } from './ingest.js';
import { benchOutbox } from './outbox.js';
import { benchProtocol } from './protocol.js';
import type { Report } from './report.js';

export const BENCHMARKS: Record<string, { summary: string; run: (report: Report) => Promise<void> }> = {
  protocol: { summary: 'seal (canonical bytes + Ed25519 sign) and decode + verify, readings/s per batch size', run: benchProtocol },
  edge: { summary: 'edge agent: readings signed and persisted per second, replay of a 1,000,000-reading backlog into a real ingest, resident memory idle and at 1,000 readings/s', run: benchEdge },
  ingest: { summary: 'ingest verify + SQLite commit of signed batches (200 readings), 1 and 8 gateways, readings/s', run: benchIngest },
  outbox: { summary: 'edge outbox durable appends (fdatasync per write group) and sealing, readings/s', run: benchOutbox },
};
