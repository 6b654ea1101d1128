/**
 * Integrity alerts of the ingest (DESIGN.md "alerts: … tamper, chain gap"): which refused
 * envelopes raise which alert, and a raise that never fails its caller. An alert is a
 * notification about evidence that is already stored (the rejection, the batches): losing one
 * to a store failure loses no evidence, so a failed raise is logged and counted, and the batch
 * outcome stands.
 */
import { errorMessage, type ErrorCode } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { IngestMetrics } from './metrics.js';
import type { AlertInput, ChainGap } from './store/integrity-types.js';
import type { Rejection, Store } from './store/types.js';

/** Dedupe keys: one unresolved alert per fork seq, per gateway for the other tamper signs, per gap start. */
export const dedupeKeys = {
  fork: (gateway: string, seq: number) => `fork:${gateway}:${seq}`,
  badSignature: (gateway: string) => `bad_signature:${gateway}`,
  chainBroken: (gateway: string) => `chain_broken:${gateway}`,
  revokedKeyUse: (gateway: string) => `revoked_key_use:${gateway}`,
  gap: (gateway: string, fromSeq: number) => `gap:${gateway}:${fromSeq}`,
};

type RejectionRule = (r: Rejection & { gateway: string }) => Omit<AlertInput, 'at'> | undefined;

/**
 * Rejection codes that point at tampering, a cloned or restored gateway, or a stolen key. Other
 * codes (malformed, too large, topic mismatch) are sender bugs: counted by metrics, no alert.
 */
const RULES: Partial<Record<ErrorCode, RejectionRule>> = {
  FT_ERR_FORK: (r) =>
    r.seq === undefined
      ? undefined
      : {
          kind: 'fork',
          severity: 'critical',
          gateway: r.gateway,
          dedupeKey: dedupeKeys.fork(r.gateway, r.seq),
          message: `gateway "${r.gateway}" signed two different batches with seq ${r.seq} (restored backup or cloned gateway?)`,
          details: { seq: r.seq, storedId: r.conflictsWith, conflictingId: r.id, transport: r.transport },
        },
  FT_ERR_BAD_SIGNATURE: (r) => ({
    kind: 'bad_signature',
    severity: 'critical',
    gateway: r.gateway,
    dedupeKey: dedupeKeys.badSignature(r.gateway),
    message: `a batch of gateway "${r.gateway}" does not verify with its enrolled key: altered in transit or signed with another key`,
    details: { seq: r.seq, id: r.id, transport: r.transport },
  }),
  FT_ERR_CHAIN_BROKEN: (r) => ({
    kind: 'chain_broken',
    severity: 'critical',
    gateway: r.gateway,
    dedupeKey: dedupeKeys.chainBroken(r.gateway),
    message: `a batch of gateway "${r.gateway}" does not link to its stored neighbours: the stream was rewritten`,
    details: { seq: r.seq, id: r.id, transport: r.transport },
  }),
  FT_ERR_REVOKED: (r) => ({
    kind: 'revoked_key_use',
    severity: 'critical',
    gateway: r.gateway,
    dedupeKey: dedupeKeys.revokedKeyUse(r.gateway),
    message: `gateway "${r.gateway}" sent a batch signed after its key was revoked: the key may be in someone else's hands`,
    details: { seq: r.seq, id: r.id, transport: r.transport },
  }),
};

/** The alert a recorded rejection raises, if any. */
export function alertForRejection(rejection: Rejection): AlertInput | undefined {
  const { gateway } = rejection;
  if (gateway === undefined) return undefined;
  const alert = RULES[rejection.code]?.({ ...rejection, gateway });
  return alert && { ...alert, at: rejection.receivedAt };
}

/** The warning a gap raises once it is older than the grace period. */
export function alertForGap(gap: ChainGap, at: number): AlertInput {
  const range = gap.count === 1 ? `batch ${gap.fromSeq} is` : `batches ${gap.fromSeq}–${gap.toSeq} are`;
  return {
    kind: 'gap',
    severity: 'warning',
    gateway: gap.gateway,
    dedupeKey: dedupeKeys.gap(gap.gateway, gap.fromSeq),
    message: `${range} missing from the chain of gateway "${gap.gateway}" since ${new Date(gap.since).toISOString()}`,
    details: { fromSeq: gap.fromSeq, toSeq: gap.toSeq, count: gap.count, since: new Date(gap.since).toISOString() },
    at,
  };
}

export interface AlertContext {
  store: Store;
  metrics: IngestMetrics;
  logger: Logger;
}

/** Raises an alert; never throws (a failure is logged and counted). True when it was stored. */
export async function raiseSafely({ store, metrics, logger }: AlertContext, input: AlertInput): Promise<boolean> {
  try {
    const { alert, opened } = await store.raiseAlert(input);
    metrics.alertsRaised.inc({ kind: input.kind, outcome: opened ? 'opened' : 'repeated' });
    if (opened) logger.warn({ alert: alert.id, kind: alert.kind, severity: alert.severity, gateway: alert.gateway, dedupeKey: alert.dedupeKey }, alert.message);
    return true;
  } catch (err) {
    metrics.alertErrors.inc();
    logger.error({ err: errorMessage(err), kind: input.kind, dedupeKey: input.dedupeKey }, 'integrity alert could not be raised');
    return false;
  }
}
