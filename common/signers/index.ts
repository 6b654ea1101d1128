/**
 * Signers (docs/keys.md): `loadSigner(spec)` turns a key's configuration, a file or a PKCS#11
 * token, into an {@link Ed25519Signer}. Pair it with `signer.close?.()` when done.
 */
import { loadFileSigner, type FileKeySpec } from './file-signer.js';
import { Pkcs11Signer } from './pkcs11-signer.js';
import type { Pkcs11KeySpec } from './pkcs11.js';
import type { Ed25519Signer } from './signer.js';

export type { Ed25519Signer } from './signer.js';
export { isEd25519Signer } from './signer.js';
export { FileSigner, loadFileSigner, readPrivateKeyFile, encryptedPrivateKeyPem, DEFAULT_PASSPHRASE_ENV, type FileKeySpec } from './file-signer.js';
export { Pkcs11Signer, generatePkcs11Ed25519Key } from './pkcs11-signer.js';
export { DEFAULT_PIN_ENV, type Pkcs11KeySpec } from './pkcs11.js';

export type SignerSpec = FileKeySpec | { pkcs11: Pkcs11KeySpec };

export interface LoadSignerOptions {
  /** Names the key in messages, e.g. "gateway key" or "anchoring.headKeyFile". */
  what?: string;
  env?: NodeJS.ProcessEnv;
}

export async function loadSigner(spec: SignerSpec, options: LoadSignerOptions = {}): Promise<Ed25519Signer> {
  if ('pkcs11' in spec) return Pkcs11Signer.open(spec.pkcs11, options.env);
  return loadFileSigner(spec, options.what, options.env);
}
