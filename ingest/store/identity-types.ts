/**
 * Store types of gateway identity beyond enrollment (DESIGN.md "Gateway identity"): key
 * revocation, one-time join tokens and the join requests an operator approves or rejects.
 * Times are UTC milliseconds, as everywhere in the store.
 */
import type { Gateway } from './types.js';

/** A revoked gateway key. Batches whose signed createdAt is ≥ effectiveAt are refused (FT_ERR_REVOKED). */
export interface Revocation {
  effectiveAt: number;
  reason: string;
  /** When the operator revoked the key (effectiveAt may lie before it). */
  recordedAt: number;
}

export type RevokeResult =
  /** The gateway had no revocation; this one is stored. */
  | { status: 'revoked'; gateway: Gateway }
  /** Already revoked at or before this effectiveAt: nothing changed (re-revoking is idempotent). */
  | { status: 'unchanged'; gateway: Gateway }
  /** Already revoked, later: the effective time (and reason) moved earlier, never later. */
  | { status: 'moved-earlier'; gateway: Gateway };

/** A one-time join token; only its SHA-256 is stored, never the token itself. */
export interface JoinToken {
  /** SHA-256 of the token's UTF-8 bytes, 64 lowercase hex characters. */
  hash: string;
  label?: string;
  createdAt: number;
  expiresAt: number;
}

export type JoinRequestStatus = 'pending' | 'approved' | 'rejected';

/** What a gateway asked for when it redeemed a token. */
export interface NewJoinRequest {
  gateway: string;
  publicKey: string;
  label?: string;
  requestedAt: number;
}

export interface JoinRequest extends NewJoinRequest {
  /** Assigned by the store; never reused. */
  id: number;
  /** Label of the token that was redeemed, so the operator sees which invitation it answers. */
  tokenLabel?: string;
  status: JoinRequestStatus;
  decidedAt?: number;
}

export type RedeemResult =
  /** The token was consumed and the request stored, in one transaction. */
  | { status: 'pending'; request: JoinRequest }
  /** Nothing changed. */
  | { status: 'unknown' | 'expired' | 'used' };
