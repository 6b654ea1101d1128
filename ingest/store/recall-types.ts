/**
 * Store types of recalls (issue 6, ingest/recalls/recall-service.ts): which lots are recalled and
 * why, every lot downstream of them (through transformations), and one notice per location that
 * received any of them — with the lots it still holds — acknowledged by someone there.
 */

/** FDA recall classes (21 CFR 7.3(m)): I most serious. */
export const RECALL_CLASSES = ['I', 'II', 'III'] as const;
export type RecallClass = (typeof RECALL_CLASSES)[number];

export interface RecallNotice {
  location: string;
  /** Affected lots that were received at or held by this location. */
  lots: string[];
  /** Of those, the ones it holds now (open custody when the recall started). */
  heldLots: string[];
  notifiedAt: number;
  /** The `recall` alert that carries the notice through the alert channels. */
  alertId?: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  note?: string;
}

export interface RecallSummary {
  id: number;
  reason: string;
  classification?: RecallClass;
  initiatedBy: string;
  createdAt: number;
  /** The lots named when the recall started. */
  lots: string[];
  /** Those and every lot made from them, in trace order. */
  affectedLots: string[];
  /** The trace hit its depth or size limit: there may be more affected lots. */
  truncated: boolean;
}

export interface Recall extends RecallSummary {
  notices: RecallNotice[];
}

export type NewRecall = Omit<RecallSummary, 'id'> & { notices: Array<Pick<RecallNotice, 'location' | 'lots' | 'heldLots'>> };

export interface RecallAcknowledgement {
  by: string;
  at: number;
  note?: string;
}

export interface RecallStore {
  /** Stores a recall with its notices (notified at createdAt), in one transaction. */
  createRecall(recall: NewRecall): Promise<Recall>;
  getRecall(id: number): Promise<Recall | undefined>;
  /** Newest first, with the count of notices and of acknowledged ones. */
  listRecalls(limit: number): Promise<Array<RecallSummary & { notices: number; acknowledged: number }>>;
  /** Links a notice to the alert that delivers it. */
  setRecallNoticeAlert(recallId: number, location: string, alertId: number): Promise<void>;
  /**
   * Records who acknowledged a notice; the first acknowledgement stays (changed false after it).
   * Undefined when the recall has no notice for `location`.
   */
  acknowledgeRecallNotice(recallId: number, location: string, ack: RecallAcknowledgement): Promise<{ notice: RecallNotice; changed: boolean } | undefined>;
}
