/**
 * Secrets that unlock keys (a key-file passphrase, a PKCS#11 PIN, a keystore password) come from
 * an environment variable or from a file only this user can read, never from a config file, so
 * configs can be shared and committed. Messages name the variable or the file, never the value.
 */
import { readFileSync, statSync } from 'node:fs';
import { FreshTrailError } from '../errors.js';

export interface SecretSource {
  /** Name of the environment variable holding the secret. */
  env?: string;
  /** File holding the secret (one line; mode 0600 or stricter). Wins over `env` when both are given. */
  file?: string;
  /** Variable used when neither `env` nor `file` is given. */
  defaultEnv: string;
  /** What the secret is, for messages: "passphrase of gateway.keyFile /etc/freshtrail/gw.key". */
  what: string;
}

/** Where the secret is looked up, for messages: "file /run/secrets/pin" or "environment variable FRESHTRAIL_PKCS11_PIN". */
export function secretOrigin(source: SecretSource): string {
  return source.file !== undefined ? `file ${source.file}` : `environment variable ${source.env ?? source.defaultEnv}`;
}

/** The secret, or FT_ERR_KEY saying where it was looked for and how to provide it. */
export function readSecret(source: SecretSource, env: NodeJS.ProcessEnv = process.env): string {
  if (source.file !== undefined) return readSecretFile(source.file, source.what);
  const name = source.env ?? source.defaultEnv;
  const value = env[name];
  if (value === undefined || value === '') {
    throw new FreshTrailError('FT_ERR_KEY', `the ${source.what} is not set: export ${name}=... in the service's environment (or give a file that holds it)`);
  }
  return value;
}

function readSecretFile(path: string, what: string): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    throw new FreshTrailError('FT_ERR_KEY', `the ${what} file ${path} cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  if ((mode & 0o077) !== 0) {
    throw new FreshTrailError('FT_ERR_KEY', `the ${what} file ${path} is readable by others (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``);
  }
  // One line; the newline an editor or `echo` adds is not part of the secret.
  const value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  if (value === '') throw new FreshTrailError('FT_ERR_KEY', `the ${what} file ${path} is empty`);
  return value;
}
