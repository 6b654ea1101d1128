/**
 * The Ed25519 signer interface (issue 7): what seals gateway batches, signs join requests and
 * signs epoch heads, whether the private key sits in a file (file-signer.ts) or stays inside a
 * PKCS#11 token such as SoftHSM2, a YubiHSM or a TPM (pkcs11-signer.ts). Callers never see the
 * private key, only signatures.
 */

export interface Ed25519Signer {
  /** Raw Ed25519 public key (RFC 8032 §5.1.5), 64 lowercase hex characters: what the ingest enrolls and verifiers check with. */
  readonly publicKeyHex: string;
  /**
   * Signs `message` (pure Ed25519, RFC 8032 §5.1.6: no prehash, no context) and returns the 64-byte
   * signature as 128 lowercase hex characters, like protocol/keys.ts signBytes. Synchronous:
   * the file backend signs in process, and pkcs11js calls the token synchronously. Throws a
   * FreshTrailError('FT_ERR_KEY') when the token cannot sign (unplugged, session lost twice).
   */
  sign(message: Uint8Array): string;
  /**
   * Where the key lives, for logs and error messages, e.g. "file /etc/freshtrail/gw.key" or
   * "pkcs11 token 'fresh' key 'gw-1'". Never contains a PIN, passphrase or key material.
   */
  describe(): string;
  /** Releases the token session (PKCS#11); absent or a no-op for file keys. Call once, after the last sign(). */
  close?(): void;
}

/** A type guard that tells a signer from a node:crypto KeyObject (sealBatch accepts both). */
export function isEd25519Signer(value: unknown): value is Ed25519Signer {
  return typeof value === 'object' && value !== null && typeof (value as Ed25519Signer).sign === 'function' && typeof (value as Ed25519Signer).publicKeyHex === 'string';
}
