/**
 * Edge agent metrics (Prometheus names `freshtrail_edge_*`). One registry per agent so several
 * agents can run in one process (the demo runs two).
 */
import { Counter, Gauge, Registry } from 'prom-client';

export class EdgeMetrics {
  readonly registry = new Registry();
  /** Readings an input produced, by input. */
  readonly readings = new Counter({ name: 'freshtrail_edge_readings_total', help: 'Readings produced by inputs', labelNames: ['input'] as const, registers: [this.registry] });
  /** Failed reads, by input and reason (timeout, crc, exception, sensor_error, parse, invalid_value, unmapped). */
  readonly readErrors = new Counter({ name: 'freshtrail_edge_read_errors_total', help: 'Failed or discarded device reads', labelNames: ['input', 'reason'] as const, registers: [this.registry] });
  readonly batchesSealed = new Counter({ name: 'freshtrail_edge_batches_sealed_total', help: 'Batches signed and written to the outbox', registers: [this.registry] });
  readonly batchesAcked = new Counter({ name: 'freshtrail_edge_batches_acked_total', help: 'Batches acknowledged by the ingest, by status', labelNames: ['status'] as const, registers: [this.registry] });
  readonly outboxPending = new Gauge({ name: 'freshtrail_edge_outbox_pending_batches', help: 'Sealed batches waiting for an acknowledgement', registers: [this.registry] });
  readonly outboxCorrupt = new Counter({ name: 'freshtrail_edge_outbox_corrupt_total', help: 'Damaged outbox regions moved aside at recovery', registers: [this.registry] });
  readonly forwardErrors = new Counter({ name: 'freshtrail_edge_forward_errors_total', help: 'Forwarding failures, by reason', labelNames: ['reason'] as const, registers: [this.registry] });
}
