/**
 * Ingest metrics (Prometheus names `freshtrail_ingest_*`, served at /metrics). One registry per
 * service instance, so tests and the demo can run several ingests in one process.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class IngestMetrics {
  readonly registry = new Registry();
  /** Every processed envelope, by outcome (accepted, duplicate, quarantined, rejected) and transport. */
  readonly batches = new Counter({ name: 'freshtrail_ingest_batches_total', help: 'Batches processed, by status and transport', labelNames: ['status', 'transport'] as const, registers: [this.registry] });
  readonly readingsReceived = new Counter({
    name: 'freshtrail_ingest_readings_received_total',
    help: 'Readings in decoded batch envelopes as received, by transport, before verification (redeliveries count again)',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly readingsVerified = new Counter({ name: 'freshtrail_ingest_readings_verified_total', help: 'Readings committed from batches whose signature and chain verified', registers: [this.registry] });
  /** Rejections by error code (FT_ERR_*), the stable codes of common/errors.ts. */
  readonly rejections = new Counter({ name: 'freshtrail_ingest_rejections_total', help: 'Rejected envelopes and requests, by error code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly quarantined = new Counter({ name: 'freshtrail_ingest_quarantined_total', help: 'Batches of unknown gateways put in quarantine', registers: [this.registry] });
  readonly admitted = new Counter({ name: 'freshtrail_ingest_quarantine_admitted_total', help: 'Quarantined batches verified and accepted after their gateway was enrolled', registers: [this.registry] });
  readonly quarantinePending = new Gauge({ name: 'freshtrail_ingest_quarantine_pending_batches', help: 'Batches currently held in quarantine', registers: [this.registry] });
  /** Batches accepted with a flag: gap (seq − 1 missing) or clock_skew. */
  readonly flagged = new Counter({ name: 'freshtrail_ingest_batches_flagged_total', help: 'Accepted batches carrying a flag, by flag', labelNames: ['flag'] as const, registers: [this.registry] });
  readonly commitSeconds = new Histogram({
    name: 'freshtrail_ingest_store_commit_seconds',
    help: 'Time to commit one group of batches of a gateway (one or more, see ingest/commit-group.ts) to the store (transaction including fsync)',
    // fsync of a small write is ~0.3 ms on this machine kind (reference/verified-on-this-machine.md); the tail matters.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly gatewaysEnrolled = new Gauge({ name: 'freshtrail_ingest_gateways_enrolled', help: 'Gateways enrolled in the store', registers: [this.registry] });
  readonly staleRetries = new Counter({
    name: 'freshtrail_ingest_stale_reverifications_total',
    help: 'Groups of batches verified again because another ingest instance stored a neighbouring batch of the same gateway meanwhile (several instances only)',
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({ name: 'freshtrail_ingest_store_errors_total', help: 'Store operations that failed (retryable)', registers: [this.registry] });
  // Chain integrity and retention (ingest/integrity-alerts.ts, ingest/jobs/).
  /** Integrity alerts raised, by kind; outcome opened (a new alert) or repeated (an unresolved one bumped). */
  readonly alertsRaised = new Counter({ name: 'freshtrail_ingest_alerts_raised_total', help: 'Integrity alerts raised, by kind and outcome (opened or repeated)', labelNames: ['kind', 'outcome'] as const, registers: [this.registry] });
  readonly alertErrors = new Counter({ name: 'freshtrail_ingest_alert_errors_total', help: 'Integrity alerts that could not be raised or resolved (store failure); the batch outcome is unaffected', registers: [this.registry] });
  readonly chainGaps = new Gauge({ name: 'freshtrail_ingest_chain_gaps', help: 'Missing batches (seqs) over all gateway chains at the last integrity check', registers: [this.registry] });
  readonly retentionDeleted = new Counter({ name: 'freshtrail_ingest_retention_deleted_total', help: 'Records deleted by retention, by record kind', labelNames: ['record'] as const, registers: [this.registry] });
  // API access (ingest/http/auth-hooks.ts).
  readonly authFailures = new Counter({ name: 'freshtrail_ingest_auth_failures_total', help: 'HTTP requests refused by authentication (401, by reason) or authorization (403: scope, party, unlisted route)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly auditEntries = new Counter({ name: 'freshtrail_ingest_audit_entries_total', help: 'Audit log entries written, by action', labelNames: ['action'] as const, registers: [this.registry] });
  readonly retentionKept = new Gauge({ name: 'freshtrail_ingest_retention_kept_batches', help: 'Expired batches kept at the last retention run, by reason (held: evidence hold; unconsumed: a consumer has not handled them)', labelNames: ['reason'] as const, registers: [this.registry] });
  // MQTT access on the embedded broker (ingest/mqtt/broker-auth.ts).
  readonly mqttAuthFailures = new Counter({
    name: 'freshtrail_ingest_mqtt_auth_failures_total',
    help: 'MQTT connections, publishes, subscriptions and mutual-TLS handshakes refused by the embedded broker, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
}
