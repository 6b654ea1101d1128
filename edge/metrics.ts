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
  readonly outboxUnsealed = new Gauge({ name: 'freshtrail_edge_outbox_unsealed_readings', help: 'Readings accepted and not yet sealed into a batch', registers: [this.registry] });
  readonly outboxBytes = new Gauge({ name: 'freshtrail_edge_outbox_bytes', help: 'Bytes the outbox segments take on disk', registers: [this.registry] });
  readonly outboxFull = new Gauge({ name: 'freshtrail_edge_outbox_full', help: '1 while the outbox is at its disk limit (outbox.maxBytes)', registers: [this.registry] });
  readonly outboxDropped = new Counter({ name: 'freshtrail_edge_outbox_dropped_readings_total', help: 'Readings lost to the disk limit: refused (reason full, policy block) or dropped oldest (reason drop-oldest)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly outboxDuplicates = new Counter({ name: 'freshtrail_edge_outbox_duplicates_total', help: 'Redelivered device messages recognized as already accepted and not stored again', registers: [this.registry] });
  readonly outboxCorrupt = new Counter({ name: 'freshtrail_edge_outbox_corrupt_total', help: 'Damaged outbox regions moved aside at recovery', registers: [this.registry] });
  readonly forwardErrors = new Counter({ name: 'freshtrail_edge_forward_errors_total', help: 'Forwarding failures, by reason', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly forwardTransport = new Gauge({ name: 'freshtrail_edge_forward_transport', help: '1 for the transport batches go out on now (mqtt or http), 0 for a standby one', labelNames: ['transport'] as const, registers: [this.registry] });
  /** Local alarms (edge/alarms): raised, by rule; active now; hook runs that failed, by reason (spawn, exit, timeout, dropped). */
  readonly alarmsRaised = new Counter({ name: 'freshtrail_edge_alarms_raised_total', help: 'Local alarms raised, by rule', labelNames: ['rule'] as const, registers: [this.registry] });
  readonly alarmsActive = new Gauge({ name: 'freshtrail_edge_alarms_active', help: 'Local alarms raised and not yet cleared', registers: [this.registry] });
  readonly alarmHookFailures = new Counter({ name: 'freshtrail_edge_alarm_hook_failures_total', help: 'Alarm hook runs that failed or were dropped, by reason (spawn, exit, timeout, dropped)', labelNames: ['reason'] as const, registers: [this.registry] });
}
