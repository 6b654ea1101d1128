/**
 * Store types of alert delivery (issue 5: "alerts that reach people"). Every change of an alert
 * that a person should hear about is an alert event, written in the same transaction as the
 * change, with the alert as it stood then. Events are numbered in commit order, so a reader
 * that remembers the last id it saw (the server-sent-events stream, a channel's fan-out) misses
 * none. Each delivery channel (a webhook, the MQTT topic) has an outbox of deliveries, one per
 * (channel, event), retried with backoff until delivered or declared dead (the dead-letter list).
 */
import type { Alert } from './integrity-types.js';

/** opened; escalated (warning → critical while not resolved); acknowledged; resolved. */
export const ALERT_EVENT_TYPES = ['opened', 'escalated', 'acknowledged', 'resolved'] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];

export interface AlertEvent {
  /** 1, 2, 3, … in commit order. */
  id: number;
  type: AlertEventType;
  /** When the change happened (the condition's time for opened/resolved by the service), UTC ms. */
  at: number;
  /** When the event was written, UTC ms. */
  createdAt: number;
  /** The alert right after the change. */
  alert: Alert;
}

/** An alert event as a change reports it, before it is written (id and createdAt come with the write). */
export interface AlertEventDraft {
  type: AlertEventType;
  alert: Alert;
  at: number;
}

/** What an alert change returns, and the events it writes in the same transaction. */
export interface AlertChange<T> {
  result: T;
  events: AlertEventDraft[];
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One alert event to one channel. */
export interface AlertDelivery {
  id: number;
  channel: string;
  eventId: number;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due (pending only), UTC ms. */
  nextAttemptAt: number;
  createdAt: number;
  /** When the receiver accepted it, or when it was declared dead. */
  finishedAt?: number;
  /** Why the latest attempt failed. */
  lastError?: string;
}

/** A delivery with the event it carries. */
export interface AlertDeliveryWithEvent extends AlertDelivery {
  event: AlertEvent;
}

/** The outcome of one attempt. */
export type DeliveryOutcome =
  | { status: 'delivered'; at: number }
  | { status: 'pending'; at: number; nextAttemptAt: number; error: string }
  | { status: 'dead'; at: number; error: string };

export interface DeliveryQuery {
  channel?: string;
  status?: DeliveryStatus;
  limit: number;
}

export interface RetryResult {
  delivery: AlertDeliveryWithEvent;
  retried: boolean;
}

/** The part of the Store that records and delivers alert events. */
export interface AlertDeliveryStore {
  /** Alert events with id > `afterId`, in id order, at most `limit`. */
  alertEventsAfter(afterId: number, limit: number): Promise<AlertEvent[]>;
  /** Id of the newest alert event written before `createdBefore` (UTC ms; all when undefined); 0 when none. */
  latestAlertEventId(createdBefore?: number): Promise<number>;
  /** Where a channel's fan-out stands: the last event id it has taken; undefined for a new channel. */
  channelPosition(channel: string): Promise<number | undefined>;
  /**
   * One fan-out step of a channel, in one transaction: queues a pending delivery (due `at`) for
   * each event id (an id already queued is left as it is) and moves the channel to `throughId`.
   * Refused (false, nothing written) when the channel is no longer at `expectedPosition`, so two
   * instances never both queue one step.
   */
  queueDeliveries(channel: string, expectedPosition: number | undefined, eventIds: readonly number[], throughId: number, at: number): Promise<boolean>;
  /** A channel's pending deliveries, oldest event first, at most `limit`, with their events. */
  pendingDeliveries(channel: string, limit: number): Promise<AlertDeliveryWithEvent[]>;
  /** Records an attempt; a delivery that is no longer pending is left as it is (false). */
  recordDeliveryAttempt(id: number, outcome: DeliveryOutcome): Promise<boolean>;
  /** Deliveries, newest first. */
  listDeliveries(query: DeliveryQuery): Promise<AlertDeliveryWithEvent[]>;
  /**
   * A dead delivery back to pending, due `at`, attempts counted from zero (retried true); a
   * delivery in another state is left as it is (retried false); undefined when there is none.
   */
  retryDelivery(id: number, at: number): Promise<RetryResult | undefined>;
  /** Calls `listener` after this process commits an alert event; returns the unsubscribe function. */
  onAlertEvent(listener: () => void): () => void;
}
