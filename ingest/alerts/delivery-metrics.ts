/** Prometheus metrics of alert delivery (docs/operations.md §2.2). */
import { Counter, Histogram, type Registry } from 'prom-client';

export class DeliveryMetrics {
  private readonly attempts: Counter<'channel' | 'outcome'>;
  private readonly latency: Histogram<'channel'>;

  constructor(registry: Registry) {
    this.attempts = new Counter({
      name: 'freshtrail_alert_delivery_attempts_total',
      help: 'Alert event delivery attempts by channel and outcome (delivered, retry, dead)',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'freshtrail_alert_delivery_seconds',
      help: 'From an alert event being written to its delivery, per channel',
      labelNames: ['channel'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers: [registry],
    });
  }

  delivered(channel: string, seconds: number): void {
    this.attempts.inc({ channel, outcome: 'delivered' });
    this.latency.observe({ channel }, Math.max(0, seconds));
  }

  retried(channel: string): void {
    this.attempts.inc({ channel, outcome: 'retry' });
  }

  dead(channel: string): void {
    this.attempts.inc({ channel, outcome: 'dead' });
  }
}
