/**
 * Metrics of after-commit consumers (Prometheus names `freshtrail_consumer_*`), labelled by
 * consumer name and registered in the ingest's registry (ingest/metrics.ts).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export class ConsumerMetrics {
  readonly lagBatches: Gauge<'consumer'>;
  readonly lagReadings: Gauge<'consumer'>;
  readonly delivered: Counter<'consumer'>;
  readonly errors: Counter<'consumer'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.lagBatches = new Gauge({ name: 'freshtrail_consumer_lag_batches', help: 'Committed batches after the consumer cursor', labelNames: ['consumer'], registers });
    this.lagReadings = new Gauge({ name: 'freshtrail_consumer_lag_readings', help: 'Readings of the committed batches after the consumer cursor', labelNames: ['consumer'], registers });
    this.delivered = new Counter({ name: 'freshtrail_consumer_batches_total', help: 'Batches the consumer handled (a retried batch counts again)', labelNames: ['consumer'], registers });
    this.errors = new Counter({ name: 'freshtrail_consumer_errors_total', help: 'Failed consumer rounds (each is retried with backoff)', labelNames: ['consumer'], registers });
  }
}
