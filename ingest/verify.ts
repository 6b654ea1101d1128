/**
 * The verification rules of the ingest, one function each, in the order the pipeline applies
 * them (docs/protocol.md §4–6, DESIGN.md "Batch"). A rule that refuses a batch throws a
 * FreshTrailError whose code is the stable reason; rules that only observe (gap, clock skew)
 * return what they found so it is stored with the batch. Rules do no I/O: the pipeline reads
 * what they need from the store and passes it in.
 */
import { FreshTrailError } from '../common/errors.js';
import { checkEnvelope, decodeEnvelope, verifySealedBatch, type SealedBatch } from '../protocol/batch.js';
import { isPlainObject } from '../protocol/reading.js';
import { enrolledKey } from './public-keys.js';
import type { BatchHeader, Gateway, QuarantinedBatch } from './store/types.js';

/** Rule 1: bytes → envelope. FT_ERR_TOO_LARGE, FT_ERR_MALFORMED, FT_ERR_UNSUPPORTED_VERSION, FT_ERR_SCHEMA. */
export function decodeRule(bytes: Uint8Array, maxEnvelopeBytes: number): SealedBatch {
  return decodeEnvelope(bytes, maxEnvelopeBytes);
}

/** Rule 1 again for an envelope held in quarantine: its stored bytes must still decode (FT_ERR_MALFORMED/SCHEMA). */
export function resealQuarantined(held: QuarantinedBatch): SealedBatch {
  let batch: unknown;
  try {
    batch = JSON.parse(held.canonical.toString('utf8'));
  } catch {
    throw new FreshTrailError('FT_ERR_MALFORMED', `quarantined batch ${held.id} is not valid JSON any more`);
  }
  return checkEnvelope({ batch, sig: held.sig });
}

/**
 * Rule 2: a batch published on gateway A's topic must name gateway A (FT_ERR_TOPIC_MISMATCH);
 * otherwise one gateway could make the ingest send acks for another. HTTP has no topic.
 */
export function checkTopic(sealed: SealedBatch, topicGateway: string | undefined): void {
  if (topicGateway !== undefined && topicGateway !== sealed.batch.gateway) {
    throw new FreshTrailError(
      'FT_ERR_TOPIC_MISMATCH',
      `the batch names gateway "${sealed.batch.gateway}" but was published on the topic of gateway "${topicGateway}": publish each gateway's batches on its own topic`,
    );
  }
}

/**
 * Rule 3 (enrolled gateways): the Ed25519 signature over the canonical bytes (FT_ERR_BAD_SIGNATURE).
 * `verified` is the verdict of an early check with the same key (signature-check.ts), if any.
 */
export function checkSignature(sealed: SealedBatch, gateway: Gateway, verified?: boolean): void {
  if (!(verified ?? verifySealedBatch(sealed, enrolledKey(gateway.publicKey)))) {
    throw new FreshTrailError(
      'FT_ERR_BAD_SIGNATURE',
      `the signature of batch ${sealed.batch.seq} does not verify with the key enrolled for gateway "${gateway.id}": the batch was altered or signed with another key`,
    );
  }
}

/**
 * Rule 4: what is already stored under (gateway, seq). Nothing → 'new'; the same id → 'duplicate'
 * (redelivery is normal, DESIGN.md "Transport and acknowledgement"); another id → FT_ERR_FORK.
 */
export function checkSequence(sealed: SealedBatch, stored: BatchHeader | undefined): 'new' | 'duplicate' {
  if (!stored) return 'new';
  if (stored.id === sealed.id) return 'duplicate';
  throw forkError(sealed, stored.id);
}

export function forkError(sealed: SealedBatch, existingId: string): FreshTrailError {
  return new FreshTrailError(
    'FT_ERR_FORK',
    `gateway "${sealed.batch.gateway}" already has batch ${sealed.batch.seq} with id ${existingId}; this one has id ${sealed.id}: a sequence number was reused (restored backup or cloned gateway?)`,
  );
}

/**
 * Rule 4b (after rule 4, so a redelivery of a batch stored before the revocation is still a
 * duplicate): a gateway whose key is revoked has its batches refused from the effective time
 * on (FT_ERR_REVOKED). createdAt is signed with the same key, so it is trusted only as far as the
 * key was: the operator sets the effective time to when the key may have been compromised.
 */
export function checkRevocation(sealed: SealedBatch, gateway: Gateway): void {
  const revocation = gateway.revocation;
  if (!revocation || sealed.batch.createdAt < revocation.effectiveAt) return;
  throw new FreshTrailError(
    'FT_ERR_REVOKED',
    `the key of gateway "${gateway.id}" was revoked with effect from ${new Date(revocation.effectiveAt).toISOString()} (${revocation.reason}); batch ${sealed.batch.seq} was created at ${new Date(sealed.batch.createdAt).toISOString()} and is refused: give the device a new key and enroll it under a new gateway id`,
  );
}

/**
 * Rule 5: the hash chain. `previous` is the stored batch seq − 1 and `following` the stored
 * batch seq + 1 (it can arrive first when a gap is filled late). A link that disagrees is
 * FT_ERR_CHAIN_BROKEN; a missing seq − 1 is accepted and reported as a gap.
 */
export function checkChain(sealed: SealedBatch, previous: BatchHeader | undefined, following: BatchHeader | undefined): { gap: boolean } {
  const { batch } = sealed;
  if (previous && previous.id !== batch.prev) {
    throw new FreshTrailError(
      'FT_ERR_CHAIN_BROKEN',
      `batch ${batch.seq} of gateway "${batch.gateway}" says the previous batch is ${batch.prev}, but batch ${batch.seq - 1} stored is ${previous.id}: the stream was rewritten`,
    );
  }
  if (following && following.prev !== sealed.id) {
    throw new FreshTrailError(
      'FT_ERR_CHAIN_BROKEN',
      `batch ${batch.seq + 1} of gateway "${batch.gateway}" already stored names ${following.prev} as its previous batch, not this batch ${sealed.id}: the stream was rewritten`,
    );
  }
  return { gap: batch.seq > 1 && !previous };
}

/**
 * Rule 6: how far the gateway's clock (createdAt) is from our receipt time. Beyond the limit the
 * skew in ms (createdAt − receivedAt) is returned to be flagged; the batch is still accepted,
 * because an outbox that was offline for hours legitimately delivers old batches.
 */
export function clockSkew(createdAt: number, receivedAt: number, maxSkewMs: number): number | undefined {
  const skew = createdAt - receivedAt;
  return Math.abs(skew) > maxSkewMs ? skew : undefined;
}

/**
 * The gateway and seq an undecodable envelope claims, when its JSON shows them, so that a
 * rejection ack can still name the batch the sender should stop retrying. Never throws.
 */
export function claimedIdentity(bytes: Uint8Array, maxEnvelopeBytes: number): { gateway?: string; seq?: number } {
  if (bytes.length > maxEnvelopeBytes) return {};
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    if (!isPlainObject(v) || !isPlainObject(v.batch)) return {};
    const { gateway, seq } = v.batch;
    return {
      gateway: typeof gateway === 'string' && gateway.length <= 128 ? gateway : undefined,
      seq: Number.isSafeInteger(seq) && (seq as number) >= 0 ? (seq as number) : undefined,
    };
  } catch {
    return {};
  }
}
