/**
 * Store types of sensor activity (`sensor_silent` alerts): when the ingest last heard each
 * sensor, per (gateway, location, sensor). The after-commit consumer
 * ingest/alerts/sensor-activity.ts keeps it; the periodic check ingest/alerts/silent-sensors.ts
 * reads it to find sensors that stopped reporting, and marks the silences it raised an alert for.
 */

/** One sensor as the ingest knows it: the same sensor name behind two gateways is two sensors. */
export interface SensorKey {
  gateway: string;
  location: string;
  sensor: string;
}

/** When a sensor was last heard. */
export interface SensorActivity extends SensorKey {
  /** Latest reading time (the reading's ts), UTC ms. */
  lastTs: number;
  /** receivedAt of the latest batch that carried a reading of the sensor, UTC ms: silence is measured from here. */
  lastReceivedAt: number;
}

/** A stored row: the activity and the silence an alert was raised for. */
export interface SensorActivityRow extends SensorActivity {
  /**
   * The lastReceivedAt of the silence the monitor raised an alert for (markSilenceAlerted).
   * Equal to lastReceivedAt: the current silence is alerted. Lower: the sensor reported since.
   */
  alertedSilence?: number;
}

/** A sensor that reported again after a silence that was alerted (the alert may still be open). */
export interface SilenceOver extends SensorKey {
  /** The alerted silence's lastReceivedAt (the row's alertedSilence). */
  alertedSilence: number;
}

export interface SensorActivityQuery {
  /** Only sensors last heard before this time (last_received_at < it), UTC ms. */
  silentSince?: number;
  gateway?: string;
  /** Keyset paging: only sensors after this one in (gateway, location, sensor) order. */
  after?: SensorKey;
  limit: number;
}

/** The part of the Store that records when sensors were last heard. */
export interface SensorActivityStore {
  /**
   * Records activity, in one transaction: per sensor, lastTs and lastReceivedAt become the
   * larger of the stored and the given value, so a redelivered or late batch never moves them
   * back. Several rows of one sensor may be given. Returns the given sensors whose stored
   * alertedSilence is now below their lastReceivedAt (reported since an alerted silence) — as
   * long as no new silence is marked, also on later calls.
   */
  recordSensorActivity(rows: readonly SensorActivity[]): Promise<SilenceOver[]>;
  /** Matching sensors in (gateway, location, sensor) order, at most `limit`. */
  listSensorActivity(query: SensorActivityQuery): Promise<SensorActivityRow[]>;
  /**
   * Marks the silence that began at `lastReceivedAt` as alerted (alertedSilence = it), only if
   * the sensor has not been heard since (its lastReceivedAt is still that); true when marked.
   */
  markSilenceAlerted(sensor: SensorKey, lastReceivedAt: number): Promise<boolean>;
}
