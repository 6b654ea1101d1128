/**
 * The agent's status document, served as JSON by the local status endpoint and printed by
 * `freshtrail edge status`. Times are UTC milliseconds since the epoch. Fields are only added,
 * never renamed, so scripts and monitoring can rely on them.
 */
export interface EdgeStatus {
  gatewayId: string;
  version: string;
  startedAt: number;
  /** Gateway clock when the status was taken. */
  now: number;
  forwarder: {
    /** The transport in use now: 'mqtt' or 'http'. */
    transport: string;
    connected: boolean;
    lastAckAt?: number;
    lastError?: string;
  };
  inputs: InputStatus[];
  outbox: OutboxStatus;
  /** Local alarms currently raised. */
  alarms: ActiveAlarm[];
}

export interface InputStatus {
  name: string;
  type: string;
  /** A reading arrived within the input's expected interval and the channel is open. */
  healthy: boolean;
  readings: number;
  errors: number;
  lastReadingAt?: number;
  lastError?: string;
}

export interface OutboxStatus {
  unsealedReadings: number;
  pendingBatches: number;
  /** Timestamp of the oldest reading not yet acknowledged by the ingest. */
  oldestUnackedTs?: number;
  lastAckAt?: number;
  bytes: number;
  limitBytes: number;
  /** The disk bound is reached: new readings are blocked or the oldest are being dropped. */
  full: boolean;
  policy: 'block' | 'drop-oldest';
  droppedReadings: number;
  chainSeq: number;
}

export interface ActiveAlarm {
  rule: string;
  location: string;
  since: number;
  value: number;
}
