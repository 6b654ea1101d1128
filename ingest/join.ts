/**
 * Joining with a one-time token (DESIGN.md "Gateway identity"): an operator issues a token, a
 * gateway redeems it with a proof that it holds its private key (protocol/join.ts), and the
 * operator approves the resulting request, which enrolls the gateway through the pipeline
 * (admitting its quarantined batches), or rejects it. Until then the gateway is unknown and its
 * batches are quarantined as for any unknown gateway.
 */
import { createHash, randomBytes } from 'node:crypto';
import { FreshTrailError } from '../common/errors.js';
import { verifyJoin } from '../protocol/join.js';
import type { EnrollOutcome, IngestPipeline } from './pipeline.js';
import type { Gateway, JoinRequest, Store } from './store/types.js';

/** Default lifetime of a join token: one day, long enough to reach a device on site. */
export const DEFAULT_JOIN_TOKEN_TTL_S = 86_400;

export interface JoinDeskOptions {
  store: Store;
  pipeline: IngestPipeline;
  now: () => number;
}

export interface IssuedToken {
  /** 32 random bytes, base64url: shown once, stored only as its SHA-256. */
  token: string;
  expiresAt: number;
}

export interface JoinSubmission {
  token: string;
  id: string;
  publicKey: string;
  label?: string;
  /** Ed25519 over protocol/join.ts joinMessage, 128 hex. */
  signature: string;
}

export function hashJoinToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Why an enrollment cannot go on, or undefined when it did: another key under the id, or a
 * revoked id (a revoked id never becomes valid again, whatever key).
 */
export function enrollmentConflict(id: string, existing: Gateway, conflict: boolean): FreshTrailError | undefined {
  if (existing.revocation) {
    return new FreshTrailError('FT_ERR_CONFLICT', `gateway "${id}" was revoked (${existing.revocation.reason}); a revoked id cannot be enrolled again: give the device a new key and enroll it under a new gateway id`);
  }
  if (conflict) {
    return new FreshTrailError('FT_ERR_CONFLICT', `gateway "${id}" is already enrolled with another public key: key rotation is not supported yet; enroll the new key under a new gateway id`);
  }
  return undefined;
}

export class JoinDesk {
  constructor(private readonly options: JoinDeskOptions) {}

  async issueToken(request: { label?: string; ttlSeconds?: number }): Promise<IssuedToken> {
    const token = randomBytes(32).toString('base64url');
    const createdAt = this.options.now();
    const expiresAt = createdAt + (request.ttlSeconds ?? DEFAULT_JOIN_TOKEN_TTL_S) * 1000;
    await this.options.store.createJoinToken({ hash: hashJoinToken(token), label: request.label, createdAt, expiresAt });
    return { token, expiresAt };
  }

  /**
   * Checks the proof of possession and consumes the token, storing a pending request. Nothing
   * is consumed when the proof or the id is refused, so a typo does not burn an invitation.
   */
  async redeem(join: JoinSubmission): Promise<JoinRequest> {
    const { store, now } = this.options;
    if (!verifyJoin({ id: join.id, publicKey: join.publicKey, token: join.token }, join.signature)) {
      throw new FreshTrailError(
        'FT_ERR_BAD_SIGNATURE',
        `the join signature does not verify with public key ${join.publicKey}: sign "freshtrail-join-v1\\n<id>\\n<publicKey>\\n<token>" with the gateway's private key`,
      );
    }
    const existing = await store.getGateway(join.id);
    if (existing) {
      throw enrollmentConflict(join.id, existing, true) ?? new FreshTrailError('FT_ERR_CONFLICT', `gateway "${join.id}" is already enrolled`);
    }
    const result = await store.redeemJoinToken(hashJoinToken(join.token), { gateway: join.id, publicKey: join.publicKey, label: join.label, requestedAt: now() }, now());
    switch (result.status) {
      case 'pending':
        return result.request;
      case 'used':
        throw new FreshTrailError('FT_ERR_JOIN_TOKEN', 'this join token was already used: a token admits one gateway; ask the operator for a new one (freshtrail gateway token)');
      case 'expired':
        throw new FreshTrailError('FT_ERR_JOIN_TOKEN', 'this join token has expired: ask the operator for a new one (freshtrail gateway token --ttl SECONDS)');
      case 'unknown':
        throw new FreshTrailError('FT_ERR_JOIN_TOKEN', 'this join token is not known to this ingest: check that it was copied whole and issued by this ingest (freshtrail gateway token)');
    }
  }

  /** Enrolls the requested gateway (admitting its quarantined batches) and marks the request approved. */
  async approve(requestId: number): Promise<EnrollOutcome> {
    const request = await this.pending(requestId);
    const outcome = await this.options.pipeline.enroll({ id: request.gateway, publicKey: request.publicKey, label: request.label });
    // A conflict leaves the request pending: the operator can still reject it.
    const conflict = enrollmentConflict(request.gateway, outcome.result.gateway, outcome.result.status === 'conflict');
    if (conflict) throw conflict;
    await this.options.store.decideJoinRequest(requestId, 'approved', this.options.now());
    return outcome;
  }

  async reject(requestId: number): Promise<JoinRequest> {
    await this.pending(requestId);
    const decided = await this.options.store.decideJoinRequest(requestId, 'rejected', this.options.now());
    if (decided?.status !== 'rejected') throw new FreshTrailError('FT_ERR_CONFLICT', `join request ${requestId} was decided meanwhile (${decided?.status})`);
    return decided;
  }

  private async pending(requestId: number): Promise<JoinRequest> {
    const request = await this.options.store.getJoinRequest(requestId);
    if (!request) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no join request ${requestId}: list them with freshtrail gateway requests`);
    if (request.status !== 'pending') throw new FreshTrailError('FT_ERR_CONFLICT', `join request ${requestId} was already ${request.status}`);
    return request;
  }
}
