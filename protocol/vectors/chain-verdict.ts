/**
 * Reference verdict of one arriving envelope against what a gateway has already had accepted,
 * in the order of docs/protocol.md §6.3. It exists to compute the expected verdicts of
 * chains.json from the rules as written; the ingest has its own implementation, which the
 * vectors check.
 */
import type { KeyObject } from 'node:crypto';
import type { ErrorCode } from '../../common/errors.js';
import { isFreshTrailError } from '../../common/errors.js';
import { decodeEnvelope, verifySealedBatch, type SealedBatch } from '../batch.js';

export interface Verdict {
  status: 'accepted' | 'duplicate' | 'rejected';
  code?: ErrorCode;
  /** Accepted although seq − 1 has not been accepted: the link to it is checked when it arrives. */
  gap?: true;
}

/**
 * `accepted` maps seq → batch for the gateway (already verified); `publicKey` is its enrolled
 * key. Decoding errors come first, then the signature, then the sequence rules.
 */
export function chainVerdict(wire: Uint8Array, accepted: ReadonlyMap<number, SealedBatch>, publicKey: KeyObject): Verdict {
  let sealed: SealedBatch;
  try {
    sealed = decodeEnvelope(wire);
  } catch (err) {
    if (isFreshTrailError(err)) return { status: 'rejected', code: err.code };
    throw err;
  }
  if (!verifySealedBatch(sealed, publicKey)) return { status: 'rejected', code: 'FT_ERR_BAD_SIGNATURE' };
  const { seq, prev } = sealed.batch;
  const same = accepted.get(seq);
  if (same !== undefined) return same.id === sealed.id ? { status: 'duplicate' } : { status: 'rejected', code: 'FT_ERR_FORK' };
  const before = accepted.get(seq - 1);
  if (before !== undefined && before.id !== prev) return { status: 'rejected', code: 'FT_ERR_CHAIN_BROKEN' };
  const after = accepted.get(seq + 1);
  if (after !== undefined && after.batch.prev !== sealed.id) return { status: 'rejected', code: 'FT_ERR_CHAIN_BROKEN' };
  return seq > 1 && before === undefined ? { status: 'accepted', gap: true } : { status: 'accepted' };
}
