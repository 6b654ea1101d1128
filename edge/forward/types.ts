/**
 * Forwarder contract: moves sealed batches from the outbox to the ingest and turns the
 * ingest's acknowledgements into outbox releases. A batch leaves the outbox only through an
 * acknowledgement (accepted, duplicate, quarantined) or, when the ingest rejects it for good,
 * through the dead-letter folder.
 */
export interface Forwarder {
  /** Connects and starts sending what the outbox holds. Resolves without waiting for a connection. */
  start(): Promise<void>;
  /** The outbox has a new batch: send it if the window allows. May be called at any time. */
  notify(): void;
  /** Whether the transport is connected to the ingest now. */
  connected(): boolean;
  /** Stops sending and disconnects; unacknowledged batches stay in the outbox. */
  stop(): Promise<void>;
}
