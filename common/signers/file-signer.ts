/**
 * File keys: an Ed25519 private key as PKCS#8 PEM (RFC 5958, RFC 8410 §7), mode 0600, refused if
 * group or others can read it. Optionally encrypted at rest: an "ENCRYPTED PRIVATE KEY" PEM
 * (PKCS#8 EncryptedPrivateKeyInfo with PBES2, RFC 8018; `freshtrail keygen --encrypt` writes
 * AES-256-CBC with OpenSSL's default KDF), whose passphrase comes from an environment variable
 * (default FRESHTRAIL_KEY_PASSPHRASE) or a passphrase file, never from the config.
 */
import { readFile, stat } from 'node:fs/promises';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { FreshTrailError } from '../errors.js';
import { privateKeyFromPem, publicKeyToHex, signBytes } from '../../protocol/keys.js';
import type { Ed25519Signer } from './signer.js';
import { readSecret, secretOrigin, type SecretSource } from './secret.js';

export const DEFAULT_PASSPHRASE_ENV = 'FRESHTRAIL_KEY_PASSPHRASE';
const ENCRYPTED_PEM = '-----BEGIN ENCRYPTED PRIVATE KEY-----';

export interface FileKeySpec {
  /** PKCS#8 PEM private key, plain or encrypted. */
  file: string;
  /** Variable holding the passphrase of an encrypted key; default FRESHTRAIL_KEY_PASSPHRASE. */
  passphraseEnv?: string;
  /** File holding the passphrase (mode 0600); wins over passphraseEnv. */
  passphraseFile?: string;
}

export interface LoadedKeyFile {
  privateKey: KeyObject;
  publicKeyHex: string;
  encrypted: boolean;
}

/**
 * Reads a key file; `what` names it in messages ("gateway key", "anchoring.headKeyFile").
 * The passphrase is only looked up when the file is encrypted.
 */
export async function readPrivateKeyFile(spec: FileKeySpec, what = 'gateway key', env: NodeJS.ProcessEnv = process.env): Promise<LoadedKeyFile> {
  const path = spec.file;
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new FreshTrailError('FT_ERR_KEY', `${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code}); create one with \`freshtrail keygen --out ${path}\``);
  }
  if ((info.mode & 0o077) !== 0) {
    throw new FreshTrailError('FT_ERR_KEY', `${what} ${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``);
  }
  const pem = await readFile(path, 'utf8');
  const encrypted = pem.includes(ENCRYPTED_PEM);
  // Errors below never carry the node:crypto error as cause or text beyond its code: the PEM and the passphrase stay out of logs.
  if (!encrypted) {
    try {
      const privateKey = privateKeyFromPem(pem);
      return { privateKey, publicKeyHex: publicKeyToHex(createPublicKey(privateKey)), encrypted };
    } catch (err) {
      throw new FreshTrailError('FT_ERR_KEY', `${what} ${path} is not an Ed25519 PKCS#8 PEM key: ${(err as Error).message}`);
    }
  }
  const source: SecretSource = { env: spec.passphraseEnv, file: spec.passphraseFile, defaultEnv: DEFAULT_PASSPHRASE_ENV, what: `passphrase of ${what} ${path} (an encrypted key)` };
  const passphrase = readSecret(source, env);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    // A wrong passphrase usually fails the cipher's padding check (ERR_OSSL_BAD_DECRYPT), but
    // about one time in 256 the garbage it decrypts to happens to end in valid padding and fails
    // later, as a DER or algorithm error (ERR_OSSL_UNSUPPORTED, ...): both mean this passphrase
    // does not open this file. A damaged file fails the same ways, so the message names both.
    const damaged = code === 'ERR_OSSL_BAD_DECRYPT' ? '' : `, or a damaged file: ${code}`;
    throw new FreshTrailError('FT_ERR_KEY', `${what} ${path}: the passphrase from ${secretOrigin(source)} does not decrypt it (wrong passphrase${damaged})`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new FreshTrailError('FT_ERR_KEY', `${what} ${path} is not an Ed25519 PKCS#8 PEM key: expected an Ed25519 private key, found ${privateKey.asymmetricKeyType ?? 'an unknown key type'}`);
  }
  return { privateKey, publicKeyHex: publicKeyToHex(createPublicKey(privateKey)), encrypted };
}

/** The encrypted PEM form of a key (AES-256-CBC, PBES2 with PBKDF2-HMAC-SHA256, as OpenSSL 3 writes it). */
export function encryptedPrivateKeyPem(privateKey: KeyObject, passphrase: string): string {
  if (passphrase.length === 0) throw new FreshTrailError('FT_ERR_KEY', 'an empty passphrase does not encrypt anything');
  return privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
}

/** A signer over a key held in this process (read from a file, or made in memory for tests and the demo). */
export class FileSigner implements Ed25519Signer {
  readonly publicKeyHex: string;
  readonly #privateKey: KeyObject; // #private: not enumerable, so a logged signer never shows it

  constructor(privateKey: KeyObject, private readonly origin: string) {
    this.#privateKey = privateKey;
    this.publicKeyHex = publicKeyToHex(createPublicKey(privateKey));
  }

  sign(message: Uint8Array): string {
    return signBytes(this.#privateKey, message);
  }

  describe(): string {
    return this.origin;
  }
}

export async function loadFileSigner(spec: FileKeySpec, what = 'gateway key', env: NodeJS.ProcessEnv = process.env): Promise<FileSigner> {
  const loaded = await readPrivateKeyFile(spec, what, env);
  return new FileSigner(loaded.privateKey, `file ${spec.file}${loaded.encrypted ? ' (encrypted)' : ''}`);
}
