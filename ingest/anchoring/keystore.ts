/**
 * The anchorer's Ethereum key as an encrypted JSON keystore (Web3 Secret Storage v3: scrypt or
 * PBKDF2, AES-128-CTR), as geth, Foundry's `cast wallet import` and ethers' Wallet.encrypt write
 * it. The password comes from an environment variable (default FRESHTRAIL_KEYSTORE_PASSWORD) or a
 * file, never from the config; messages name where it came from, never the password.
 */
import { readFile } from 'node:fs/promises';
import { isKeystoreJson, Wallet } from 'ethers';
import { FreshTrailError } from '../../common/errors.js';
import { readSecret, secretOrigin, type SecretSource } from '../../common/signers/secret.js';

export const DEFAULT_KEYSTORE_PASSWORD_ENV = 'FRESHTRAIL_KEYSTORE_PASSWORD';

export interface KeystoreSpec {
  file: string;
  passwordEnv?: string;
  passwordFile?: string;
}

/** Decrypts the keystore (scrypt: about a second at geth's default N = 2^18) into a Wallet without provider. */
export async function loadKeystoreWallet(spec: KeystoreSpec, env: NodeJS.ProcessEnv = process.env): Promise<Wallet> {
  let json: string;
  try {
    json = await readFile(spec.file, 'utf8');
  } catch (err) {
    throw new FreshTrailError('FT_ERR_KEY', `keystore ${spec.file} cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  if (!isKeystoreJson(json)) throw new FreshTrailError('FT_ERR_KEY', `${spec.file} is not an encrypted JSON keystore (Web3 Secret Storage v3)`);
  const source: SecretSource = { env: spec.passwordEnv, file: spec.passwordFile, defaultEnv: DEFAULT_KEYSTORE_PASSWORD_ENV, what: `password of keystore ${spec.file}` };
  const password = readSecret(source, env);
  let wallet;
  try {
    wallet = await Wallet.fromEncryptedJson(json, password);
  } catch (err) {
    if (/incorrect password/.test((err as Error).message)) throw new FreshTrailError('FT_ERR_KEY', `the password from ${secretOrigin(source)} does not decrypt keystore ${spec.file} (wrong password)`);
    throw new FreshTrailError('FT_ERR_KEY', `keystore ${spec.file} cannot be decrypted: ${(err as { shortMessage?: string }).shortMessage ?? 'unsupported format'}`);
  }
  // An HD (mnemonic) keystore decrypts to an HDNodeWallet; only its signing key is used.
  return wallet instanceof Wallet ? wallet : new Wallet(wallet.privateKey);
}
