/**
 * Store types of chain integrity findings and retention (issue 4): gaps and forks of a
 * gateway's hash chain, integrity alerts, evidence holds and the chunked deletion of expired
 * records. The methods that use them are part of the Store interface (types.ts).
 */
import type { Rejection, Transport } from './types.js';

/** One run of missing seqs of a gateway, between the retention floor and its highest stored seq. */
export interface ChainGap {
  gateway: string;
  /** First missing seq. */
  fromSeq: number;
  /** Last missing seq (inclusive). */
  toSeq: number;
  /** toSeq − fromSeq + 1. */
  count: number;
  /** receivedAt of the stored batch right after the gap (toSeq + 1): since when the gap is visible, UTC ms. */
  since: number;
}

/** A refused envelope with its row id, so that it can be fetched again as evidence. */
export interface StoredRejection extends Rejection {
  rejectionId: number;
}

/** An envelope refused with FT_ERR_FORK: another batch was already stored under its (gateway, seq). */
export interface ForkEnvelope {
  rejectionId: number;
  /** Batch id of the refused envelope (SHA-256 of its canonical bytes). */
  id?: string;
  receivedAt: number;
  transport: Transport;
}

/** One seq of a gateway with two or more signed batches: the stored one and every refused one. */
export interface ForkReport {
  gateway: string;
  seq: number;
  /** The batch stored under (gateway, seq); undefined when retention has deleted it since. */
  stored?: { id: string; receivedAt: number; transport: Transport };
  /** Id of the batch that was stored when the conflicting envelope was refused. */
  conflictsWith?: string;
  conflicting: ForkEnvelope[];
}

export const ALERT_KINDS = ['gap', 'fork', 'bad_signature', 'chain_broken', 'revoked_key_use', 'clock_skew', 'temperature_excursion', 'humidity_excursion', 'battery_low', 'chilling_exposure', 'arrival_below_minimum', 'sensor_silent', 'recall'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_SEVERITIES = ['warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
/** open → acknowledged (a person has seen it) → resolved; a resolved alert never reopens: a new one opens. */
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** What a raise call reports: the condition, keyed by `dedupeKey`. */
export interface AlertInput {
  kind: AlertKind;
  severity: AlertSeverity;
  gateway?: string;
  /** Free text naming what the alert is about beyond the gateway (a location, a lot). */
  subject?: string;
  /** One not-resolved alert per key: repeated raises of one condition bump that alert. */
  dedupeKey: string;
  message: string;
  details?: Record<string, unknown>;
  /** When the condition was observed, UTC ms. */
  at: number;
}

export interface Alert {
  id: number;
  kind: AlertKind;
  severity: AlertSeverity;
  gateway?: string;
  subject?: string;
  dedupeKey: string;
  status: AlertStatus;
  openedAt: number;
  /** Latest raise of the condition. */
  lastSeenAt: number;
  /** How many raises this alert has absorbed, the first included. */
  occurrences: number;
  acknowledgedAt?: number;
  /** Who acknowledged it (as the caller named themselves). */
  acknowledgedBy?: string;
  resolvedAt?: number;
  /** Who resolved it; absent when the service resolved it because the condition went away. */
  resolvedBy?: string;
  /** The latest note given when acknowledging or resolving. */
  note?: string;
  /** Message of the latest raise. */
  message: string;
  details: Record<string, unknown>;
}

export interface RaiseResult {
  alert: Alert;
  /** True when a new alert opened, false when an existing one was bumped. */
  opened: boolean;
}

export interface AlertQuery {
  /** One alert by id. */
  id?: number;
  /** Any of these statuses; all when undefined. */
  status?: readonly AlertStatus[];
  kind?: AlertKind;
  gateway?: string;
  limit: number;
}

/**
 * Batches (gateway, fromSeq..toSeq) that evidence refers to (an anchored epoch, a legal hold):
 * retention never deletes them, nor the rejections recorded for those seqs.
 */
export interface EvidenceHold {
  id: number;
  gateway: string;
  fromSeq: number;
  toSeq: number;
  reason: string;
  createdAt: number;
}

export type NewEvidenceHold = Omit<EvidenceHold, 'id'>;

export interface ConsumerCursor {
  name: string;
  position: number;
}

/** Where a retention pass over expired batches stands: (receivedAt, rid) of the last batch examined. */
export interface PruneCursor {
  receivedAt: number;
  rid: number;
}

export interface PruneBatchesStep {
  /** Batches received before this time (UTC ms) are expired. */
  receivedBefore: number;
  /** Batches with a commit position above this are kept (an after-commit consumer has yet to handle them); undefined: no limit. */
  maxPosition?: number;
  /** Most rows (batches plus their readings) deleted in this step's transaction; at least one batch is. */
  maxRows: number;
  /** Continue after this batch; from the oldest when undefined. */
  after?: PruneCursor;
}

export interface PruneBatchesResult {
  deletedBatches: number;
  deletedReadings: number;
  /** Expired batches examined and kept because an evidence hold covers them. */
  held: number;
  /** Expired batches examined and kept because a consumer has not handled them yet. */
  unconsumed: number;
  /** Where the next step continues; undefined when every expired batch has been examined. */
  next?: PruneCursor;
}

/** Records other than batches that retention deletes by age. */
export type ExpiringRecords = 'rejections' | 'quarantine' | 'resolved_alerts' | 'alert_deliveries' | 'alert_events';

/** A person acting on an alert (the lifecycle open → acknowledged → resolved). */
export interface AlertAction {
  action: 'acknowledge' | 'resolve';
  by: string;
  at: number;
  note?: string;
}

/** The alert after an action; changed false when it was already in that state (or past it). */
export interface AlertActionResult {
  alert: Alert;
  changed: boolean;
}
