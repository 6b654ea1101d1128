/**
 * Sensor activity (for `sensor_silent` alerts, ./silent-sensors.ts): an after-commit consumer
 * that records, per (gateway, location, sensor), the latest reading time and the receivedAt of
 * the latest batch carrying one of its readings, and resolves the silent alert of each sensor
 * that is heard again.
 *
 * Idempotent: the store keeps the larger times, so a redelivered round or a late batch never
 * moves "last heard" back. Which sensors may have a silent alert is known from the store (the
 * silences the monitor marked as alerted), not from memory, so the monitor may run on another
 * instance; this process remembers only which marked silences it has already resolved, so a
 * sensor costs one resolveAlert per silence (one more after a restart), not one per round.
 */
import type { Logger } from '../../common/log.js';
import type { BatchConsumer } from '../consumers/consumer.js';
import type { SensorActivity } from '../store/sensor-activity-types.js';
import type { CommittedBatch, Store } from '../store/types.js';
import { silentSensorKey } from './silent-sensors.js';

export const SENSOR_ACTIVITY_CONSUMER = 'sensor-activity';

export interface SensorActivityConsumerOptions {
  store: Store;
  logger: Logger;
}

export class SensorActivityConsumer implements BatchConsumer {
  readonly name = SENSOR_ACTIVITY_CONSUMER;
  /** Dedupe key → the marked silence (its lastReceivedAt) this process has resolved. */
  private readonly resolved = new Map<string, number>();

  constructor(private readonly options: SensorActivityConsumerOptions) {}

  async consume(batches: readonly CommittedBatch[]): Promise<void> {
    const latest = new Map<string, SensorActivity>();
    for (const batch of batches) {
      for (const r of batch.readings) {
        const key = silentSensorKey(r);
        const seen = latest.get(key);
        if (!seen) latest.set(key, { gateway: r.gateway, location: r.location, sensor: r.sensor, lastTs: r.ts, lastReceivedAt: batch.receivedAt });
        else {
          seen.lastTs = Math.max(seen.lastTs, r.ts);
          seen.lastReceivedAt = Math.max(seen.lastReceivedAt, batch.receivedAt);
        }
      }
    }
    if (latest.size === 0) return;
    const heardAgain = await this.options.store.recordSensorActivity([...latest.values()]);
    for (const silence of heardAgain) {
      const key = silentSensorKey(silence);
      if (this.resolved.get(key) === silence.alertedSilence) continue;
      // Resolved at the time the sensor was heard (the latest receivedAt of this round; at least the stored one).
      const at = latest.get(key)?.lastReceivedAt ?? silence.alertedSilence;
      if (await this.options.store.resolveAlert(key, at)) {
        this.options.logger.info({ gateway: silence.gateway, location: silence.location, sensor: silence.sensor }, 'sensor heard again: silent alert resolved');
      }
      this.resolved.set(key, silence.alertedSilence);
    }
  }

  async close(): Promise<void> {}
}
