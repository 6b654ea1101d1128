/**
 * The time-series sink: an after-commit consumer writing every committed reading as one point
 * to an InfluxDB v2 write API (InfluxDB 2.x, or VictoriaMetrics' /api/v2/write) with
 * @influxdata/influxdb-client.
 *
 * Point: measurement `freshtrail_reading`, tags location, sensor, gateway, fields temp_c, rh,
 * battery (those the reading has), timestamp = reading ts, ms precision. The point key
 * (measurement, tag set, timestamp) is derived from the reading alone, so writing a reading
 * again writes the same point: InfluxDB overwrites it (https://docs.influxdata.com/influxdb/v2/write-data/best-practices/duplicate-points/);
 * VictoriaMetrics keeps one sample per series and millisecond with -dedup.minScrapeInterval=1ms.
 */
import { InfluxDB, Point, type WriteApi } from '@influxdata/influxdb-client';
import type { CommittedBatch, StoredReading } from '../store/types.js';
import type { BatchConsumer } from './consumer.js';

export const INFLUX_MEASUREMENT = 'freshtrail_reading';

export interface InfluxSinkOptions {
  url: string;
  org: string;
  bucket: string;
  token?: string;
  /** Most points per HTTP write request. */
  batchSize: number;
  /** Request timeout, ms. Default 10000. */
  timeoutMs?: number;
  /** Consumer (cursor) name. Default `influx`. */
  name?: string;
}

/** The point of one reading, or undefined when it has no field to write (a point needs one). */
export function readingPoint(r: StoredReading): Point | undefined {
  if (r.tempC === undefined && r.rh === undefined && r.battery === undefined) return undefined;
  const point = new Point(INFLUX_MEASUREMENT).tag('location', r.location).tag('sensor', r.sensor).tag('gateway', r.gateway).timestamp(r.ts);
  if (r.tempC !== undefined) point.floatField('temp_c', r.tempC);
  if (r.rh !== undefined) point.floatField('rh', r.rh);
  if (r.battery !== undefined) point.floatField('battery', r.battery);
  return point;
}

export class InfluxSink implements BatchConsumer {
  readonly name: string;
  private readonly client: InfluxDB;

  constructor(private readonly options: InfluxSinkOptions) {
    this.name = options.name ?? 'influx';
    this.client = new InfluxDB({ url: options.url, token: options.token, timeout: options.timeoutMs ?? 10_000 });
  }

  async consume(batches: readonly CommittedBatch[]): Promise<void> {
    const points: Point[] = [];
    for (const batch of batches) {
      for (const reading of batch.readings) {
        const point = readingPoint(reading);
        if (point) points.push(point);
      }
    }
    for (let i = 0; i < points.length; i += this.options.batchSize) {
      await this.writeChunk(points.slice(i, i + this.options.batchSize));
    }
  }

  async close(): Promise<void> {
    // Each write uses its own WriteApi, closed after it: nothing is buffered here.
  }

  /**
   * One request per chunk, on a WriteApi of its own: the client's background flushes and
   * retries would otherwise report a failure to a callback rather than to this promise, and the
   * runner would advance the cursor past points that were never written. Retries are the
   * runner's (maxRetries 0 here).
   */
  private async writeChunk(points: Point[]): Promise<void> {
    const writeApi: WriteApi = this.client.getWriteApi(this.options.org, this.options.bucket, 'ms', {
      batchSize: points.length + 1,
      flushInterval: 0,
      maxRetries: 0,
      // Keep the client's error logging quiet: the runner logs and counts failures.
      writeFailed: () => undefined,
    });
    writeApi.writePoints(points);
    await writeApi.close();
  }
}
