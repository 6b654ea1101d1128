/**
 * The join request of a gateway that holds a one-time join token (docs/protocol.md §7.5): the
 * gateway signs the message below with its own private key, which proves to the ingest that
 * whoever redeems the token holds the key that will be enrolled (proof of possession). The
 * operator then compares the key fingerprint before approving.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { publicKeyFromHex, signBytes, verifyBytes } from './keys.js';

/** Domain separation: a join signature can never be mistaken for a batch signature (those sign canonical JSON). */
export const JOIN_CONTEXT = 'freshtrail-join-v1';

export interface JoinClaim {
  id: string;
  /** Raw Ed25519 public key, 64 lowercase hex characters. */
  publicKey: string;
  token: string;
}

/** The exact bytes signed: UTF-8 of `freshtrail-join-v1\n<id>\n<publicKey>\n<token>`. */
export function joinMessage(claim: JoinClaim): Buffer {
  return Buffer.from(`${JOIN_CONTEXT}\n${claim.id}\n${claim.publicKey}\n${claim.token}`, 'utf8');
}

/** The gateway side: signature (128 hex) over the join message. */
export function signJoin(privateKey: KeyObject, claim: JoinClaim): string {
  return signBytes(privateKey, joinMessage(claim));
}

/** The ingest side: whether `signatureHex` proves possession of the private key of claim.publicKey. */
export function verifyJoin(claim: JoinClaim, signatureHex: string): boolean {
  return verifyBytes(publicKeyFromHex(claim.publicKey), joinMessage(claim), signatureHex);
}

/**
 * What an operator compares with the gateway's own display before approving: the first 16 hex
 * characters (64 bits) of SHA-256 over the raw 32-byte public key.
 */
export function keyFingerprint(publicKeyHex: string): string {
  return createHash('sha256').update(Buffer.from(publicKeyHex, 'hex')).digest('hex').slice(0, 16);
}
