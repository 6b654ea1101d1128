/**
 * The part of `node:crypto` the protocol code uses to verify (protocol/merkle.ts, batch.ts,
 * epoch-head.ts, lot-digest.ts, keys.ts), on @noble/hashes and @noble/curves, so the browser
 * runs the same verification code as `freshtrail verify`. web/build.ts resolves `node:crypto`
 * here. Signing and key generation are not offered: a verifier holds no private key.
 */
import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha256';
import { Buffer } from 'buffer';

// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4), as protocol/keys.ts builds it.
const SPKI_PREFIX_HEX = '302a300506032b6570032100';

type Data = Uint8Array | string;
const bytesOf = (data: Data, encoding?: string): Uint8Array => (typeof data === 'string' ? Buffer.from(data, (encoding ?? 'utf8') as BufferEncoding) : data);

class Sha256Hash {
  private readonly h = sha256.create();
  update(data: Data, encoding?: string): this {
    this.h.update(bytesOf(data, encoding));
    return this;
  }
  digest(): Buffer;
  digest(encoding: 'hex' | 'base64'): string;
  digest(encoding?: 'hex' | 'base64'): Buffer | string {
    const out = Buffer.from(this.h.digest());
    return encoding === undefined ? out : out.toString(encoding);
  }
}

export function createHash(algorithm: string): Sha256Hash {
  if (algorithm !== 'sha256') throw new Error(`the browser verifier offers sha256 only, not ${algorithm}`);
  return new Sha256Hash();
}

/** An Ed25519 public key (the only kind the protocol has). */
export class KeyObject {
  readonly type = 'public';
  readonly asymmetricKeyType = 'ed25519';
  constructor(readonly raw: Uint8Array) {}
  export(_options?: { format: 'der'; type: 'spki' }): Buffer {
    return Buffer.concat([Buffer.from(SPKI_PREFIX_HEX, 'hex'), Buffer.from(this.raw)]);
  }
}

export function createPublicKey(input: { key: Uint8Array; format: 'der'; type: 'spki' }): KeyObject {
  const der = Buffer.from(input.key);
  if (input.format !== 'der' || input.type !== 'spki' || der.length !== 44 || der.subarray(0, 12).toString('hex') !== SPKI_PREFIX_HEX) {
    throw new Error('the browser verifier reads raw Ed25519 SPKI public keys only');
  }
  return new KeyObject(der.subarray(12));
}

/**
 * Ed25519 verification (RFC 8032 §5.1.7); zip215 off, so non-canonical encodings are refused
 * as OpenSSL (node:crypto) refuses them. A malformed key or signature is a failed check.
 */
export function verify(_algorithm: null, message: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, key.raw, { zip215: false });
  } catch {
    return false;
  }
}

export function randomBytes(size: number): Buffer {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(size)));
}

const signingRefused = (): never => {
  throw new Error('the browser verifier does not sign: it holds no private key');
};
export const createPrivateKey = signingRefused;
export const generateKeyPairSync = signingRefused;
export const sign = signingRefused;
