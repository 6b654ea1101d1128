/**
 * Forwarder contract: moves sealed batches from the outbox to the ingest and turns the
 * ingest's acknowledgements into outbox releases. A batch leaves the outbox only through an
 * acknowledgement (accepted, duplicate, quarantined) or, when the ingest rejects it for good,
 * through the dead-letter folder.
 */
import type { AckStatus } from '../../protocol/ack.js';
import type { SealedBatch } from '../../protocol/batch.js';

export interface Forwarder {
  /**
   * Connects and starts sending what the outbox holds. Resolves without waiting for a
   * connection; rejects only when the configuration cannot work (an unreadable TLS file).
   */
  start(): Promise<void>;
  /** The outbox has a new batch: send it if the window allows. May be called at any time. */
  notify(): void;
  /** Whether the transport is connected to the ingest now (HTTP: the last exchange got an answer). */
  connected(): boolean;
  /** The transport batches go out on now: 'mqtt' or 'http' (a failover forwarder names its active one). */
  transport(): string;
  /**
   * When the ingest last answered a batch for good over this forwarder (UTC ms): released
   * (accepted, duplicate, quarantined) or rejected into the dead-letter folder. A request to
   * retry later is not an answer for good. Undefined until the first one.
   */
  lastAckAt(): number | undefined;
  /** The latest delivery problem in words an operator can act on; cleared when delivery recovers. */
  lastError(): string | undefined;
  /**
   * Stops sending and disconnects; unacknowledged batches stay in the outbox. After it
   * resolves the forwarder writes nothing more to the outbox, so the outbox may be closed.
   */
  stop(): Promise<void>;
}

/**
 * Optional capability of a forwarder whose sends end by themselves (an HTTP request ends with
 * an answer or its timeout), so that another transport can wait for them before taking over.
 */
export interface SettlingForwarder {
  /** Resolves once nothing is in flight and every answer received has been applied. */
  settled(): Promise<void>;
}

export function isSettling(forwarder: Forwarder): forwarder is Forwarder & SettlingForwarder {
  return typeof (forwarder as Partial<SettlingForwarder>).settled === 'function';
}

/** What a forwarder uses of the outbox (edge/outbox/outbox.ts); the failover forwarder gates it. */
export interface BatchQueue {
  /** Durable batches awaiting an acknowledgement, in seq order; empty while a forwarder must not send. */
  pending(): SealedBatch[];
  /** Records the ingest's answer; the batch leaves the outbox. Unknown seqs are ignored. */
  ack(seq: number, status: AckStatus | 'dead-letter'): Promise<void>;
}
