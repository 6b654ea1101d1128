/**
 * Acknowledgements and MQTT topics (DESIGN.md "Transport and acknowledgement"). The ingest
 * publishes an ack only after the batch is durably committed, or a rejection with its reason;
 * a broker PUBACK is never an acknowledgement.
 */
import type { ErrorCode } from '../common/errors.js';
import { isPlainObject } from './reading.js';

/** accepted: newly committed. duplicate: already committed earlier (same id). quarantined:
 * committed to quarantine because the gateway is not enrolled yet. rejected: refused for good. */
export type AckStatus = 'accepted' | 'duplicate' | 'quarantined' | 'rejected';

export interface Ack {
  v: 1;
  gateway: string;
  seq: number;
  /** Batch id the ingest computed, when the envelope could be parsed. */
  id?: string;
  status: AckStatus;
  code?: ErrorCode;
  reason?: string;
  /** With FT_ERR_RATE_LIMITED: whole seconds to wait before re-sending (docs/protocol.md §7.3). */
  retryAfterS?: number;
}

/** True when the edge may delete the batch from its outbox: the ingest holds it durably. */
export function ackReleasesBatch(status: AckStatus): boolean {
  return status === 'accepted' || status === 'duplicate' || status === 'quarantined';
}

export const TOPIC_ROOT = 'freshtrail/v1/gateways';
export const batchTopic = (gatewayId: string): string => `${TOPIC_ROOT}/${gatewayId}/batches`;
export const ackTopic = (gatewayId: string): string => `${TOPIC_ROOT}/${gatewayId}/acks`;
/** Filter the ingest subscribes to; `+` matches one gateway id. */
export const BATCH_TOPIC_FILTER = `${TOPIC_ROOT}/+/batches`;

export function gatewayFromBatchTopic(topic: string): string | undefined {
  const prefix = `${TOPIC_ROOT}/`;
  if (!topic.startsWith(prefix) || !topic.endsWith('/batches')) return undefined;
  const id = topic.slice(prefix.length, -'/batches'.length);
  return id.length > 0 && !id.includes('/') ? id : undefined;
}

export function parseAck(bytes: Uint8Array): Ack | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    if (!isPlainObject(v) || typeof v.gateway !== 'string' || !Number.isSafeInteger(v.seq)) return undefined;
    if (!['accepted', 'duplicate', 'quarantined', 'rejected'].includes(v.status as string)) return undefined;
    // The forwarder prints and looks up the optional members (`${ack.code}`, ERRORS[ack.code]):
    // an object there, e.g. {"toString": 1}, would throw in it. A message whose members are not
    // of the Ack's types is no ack (null is taken as absent, as before) (found by test/fuzz).
    for (const key of ['id', 'code', 'reason'] as const) if (v[key] != null && typeof v[key] !== 'string') return undefined;
    if (v.retryAfterS != null && typeof v.retryAfterS !== 'number') return undefined;
    return v as unknown as Ack;
  } catch {
    return undefined;
  }
}
