/**
 * Gateway key files. The private key is created on the device and never leaves it: PKCS#8 PEM,
 * file mode 0600, refused if others can read it, optionally encrypted at rest with a passphrase
 * (common/signers/file-signer.ts). The public key goes next to it as `<file>.pub`
 * (64 hex characters) for enrollment at the ingest. A gateway may instead keep its key inside a
 * PKCS#11 token (gateway.pkcs11; docs/keys.md).
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { ConfigError } from '../common/config.js';
import { FreshTrailError } from '../common/errors.js';
import { encryptedPrivateKeyPem, loadSigner, readPrivateKeyFile, type Ed25519Signer, type SignerSpec } from '../common/signers/index.js';
import { generateKeyPair, privateKeyToPem } from '../protocol/keys.js';
import type { EdgeConfig } from './config.js';

export interface KeyFiles {
  privateKeyPath: string;
  publicKeyPath: string;
  publicKeyHex: string;
}

/** Creates a new key pair; refuses to overwrite an existing key unless `force`; encrypts it when given a `passphrase`. */
export async function writeNewKeyFiles(privateKeyPath: string, options: { force?: boolean; passphrase?: string } = {}): Promise<KeyFiles> {
  const { privateKey, publicKeyHex } = generateKeyPair();
  const publicKeyPath = `${privateKeyPath}.pub`;
  await mkdir(dirname(privateKeyPath), { recursive: true, mode: 0o700 });
  let handle;
  try {
    handle = await open(privateKeyPath, options.force ? 'w' : 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new FreshTrailError('FT_ERR_KEY', `${privateKeyPath} already exists; refusing to replace a gateway key (pass --force to do so, then re-enroll the gateway)`);
    throw new FreshTrailError('FT_ERR_KEY', `cannot create ${privateKeyPath}: ${code ?? err}`);
  }
  try {
    await handle.chmod(0o600); // the mode argument of open() is filtered by the umask
    await handle.writeFile(options.passphrase === undefined ? privateKeyToPem(privateKey) : encryptedPrivateKeyPem(privateKey, options.passphrase));
    await handle.sync();
  } finally {
    await handle.close();
  }
  const pub = await open(publicKeyPath, 'w', 0o644);
  await pub.writeFile(`${publicKeyHex}\n`);
  await pub.close();
  return { privateKeyPath, publicKeyPath, publicKeyHex };
}

/**
 * Loads a gateway's private key, refusing files that group or others can read. An encrypted key
 * is decrypted with the passphrase from `passphraseEnv` (default FRESHTRAIL_KEY_PASSPHRASE) or `passphraseFile`.
 */
export async function loadPrivateKey(
  path: string,
  what = 'gateway key',
  passphrase: { passphraseEnv?: string; passphraseFile?: string } = {},
): Promise<{ privateKey: KeyObject; publicKeyHex: string }> {
  const { privateKey, publicKeyHex } = await readPrivateKeyFile({ file: path, ...passphrase }, what);
  return { privateKey, publicKeyHex };
}

/** Where the gateway's key is, from the `gateway` section: exactly one of keyFile and pkcs11. */
export function gatewaySignerSpec(gateway: EdgeConfig['gateway']): SignerSpec {
  if (gateway.keyFile !== undefined && gateway.pkcs11 !== undefined) {
    throw new ConfigError('gateway: give keyFile or pkcs11, not both (a gateway signs with one key)');
  }
  if (gateway.pkcs11 !== undefined) {
    if (gateway.keyPassphraseEnv !== undefined || gateway.keyPassphraseFile !== undefined) {
      throw new ConfigError('gateway: keyPassphraseEnv and keyPassphraseFile belong to an encrypted keyFile; a PKCS#11 key takes pkcs11.pinEnv or pkcs11.pinFile');
    }
    return { pkcs11: gateway.pkcs11 };
  }
  if (gateway.keyFile === undefined) throw new ConfigError('gateway.keyFile: required key is missing (or give gateway.pkcs11)');
  return { file: gateway.keyFile, passphraseEnv: gateway.keyPassphraseEnv, passphraseFile: gateway.keyPassphraseFile };
}

/** The gateway's signer as configured; the caller closes it (signer.close?.()) after the agent stopped. */
export async function loadGatewaySigner(gateway: EdgeConfig['gateway'], env: NodeJS.ProcessEnv = process.env): Promise<Ed25519Signer> {
  return loadSigner(gatewaySignerSpec(gateway), { what: 'gateway key', env });
}

/** Reads a public key given as hex or as a `.pub` file holding the hex. */
export async function readPublicKeyArg(value: string): Promise<string> {
  const hex = /^[0-9a-fA-F]{64}$/.test(value.trim()) ? value.trim() : (await readFile(value, 'utf8')).trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new FreshTrailError('FT_ERR_KEY', `${value}: expected 64 hex characters of an Ed25519 public key`);
  return hex.toLowerCase();
}
