/**
 * Gateway key files. The private key is created on the device and never leaves it: PKCS#8 PEM,
 * file mode 0600, refused if others can read it. The public key goes next to it as `<file>.pub`
 * (64 hex characters) for enrollment at the ingest.
 */
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { FreshTrailError } from '../common/errors.js';
import { generateKeyPair, privateKeyFromPem, privateKeyToPem, publicKeyToHex } from '../protocol/keys.js';
import { createPublicKey } from 'node:crypto';

export interface KeyFiles {
  privateKeyPath: string;
  publicKeyPath: string;
  publicKeyHex: string;
}

/** Creates a new key pair; refuses to overwrite an existing key unless `force`. */
export async function writeNewKeyFiles(privateKeyPath: string, options: { force?: boolean } = {}): Promise<KeyFiles> {
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
    await handle.writeFile(privateKeyToPem(privateKey));
    await handle.sync();
  } finally {
    await handle.close();
  }
  const pub = await open(publicKeyPath, 'w', 0o644);
  await pub.writeFile(`${publicKeyHex}\n`);
  await pub.close();
  return { privateKeyPath, publicKeyPath, publicKeyHex };
}

/** Loads a gateway's private key, refusing files that group or others can read. */
export async function loadPrivateKey(path: string, what = 'gateway key'): Promise<{ privateKey: KeyObject; publicKeyHex: string }> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new FreshTrailError('FT_ERR_KEY', `${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code}); create one with \`freshtrail keygen --out ${path}\``);
  }
  if ((info.mode & 0o077) !== 0) {
    throw new FreshTrailError('FT_ERR_KEY', `${what} ${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``);
  }
  try {
    const privateKey = privateKeyFromPem(await readFile(path, 'utf8'));
    return { privateKey, publicKeyHex: publicKeyToHex(createPublicKey(privateKey)) };
  } catch (err) {
    throw new FreshTrailError('FT_ERR_KEY', `${what} ${path} is not an Ed25519 PKCS#8 PEM key: ${(err as Error).message}`);
  }
}

/** Reads a public key given as hex or as a `.pub` file holding the hex. */
export async function readPublicKeyArg(value: string): Promise<string> {
  const hex = /^[0-9a-fA-F]{64}$/.test(value.trim()) ? value.trim() : (await readFile(value, 'utf8')).trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new FreshTrailError('FT_ERR_KEY', `${value}: expected 64 hex characters of an Ed25519 public key`);
  return hex.toLowerCase();
}
