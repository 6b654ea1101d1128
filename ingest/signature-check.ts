/**
 * Rule 3 (the Ed25519 signature, docs/protocol.md §5) started early, on libuv's thread pool:
 * node:crypto's verify() with a callback runs there. When a gateway's queue is busy, the
 * pipeline starts the check as soon as the batch is decoded, so it runs on another core while
 * the main thread commits the gateway's earlier batches; the verdict is the same boolean that
 * verify.ts computes synchronously, and it is only used if the key it was computed with is the
 * key enrolled when the batch is processed.
 */
import { verify } from 'node:crypto';
import type { SealedBatch } from '../protocol/batch.js';
import { enrolledKey } from './public-keys.js';

export interface EarlySignatureCheck {
  /** The enrolled public key (hex) the signature is checked against. */
  publicKey: string;
  /** True when the signature verifies; false for a wrong or malformed signature. */
  valid: Promise<boolean>;
}

export function startSignatureCheck(sealed: SealedBatch, publicKey: string): EarlySignatureCheck {
  const valid = new Promise<boolean>((resolve) => {
    // decodeEnvelope has checked that sig is 128 hex characters; a bad one only fails to verify.
    verify(null, sealed.canonical, enrolledKey(publicKey), Buffer.from(sealed.sig, 'hex'), (err, ok) => resolve(!err && ok));
  });
  return { publicKey, valid };
}
