/** File keys: plain and encrypted PKCS#8 PEM, passphrase from a variable or a file, and the refusals. */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, GENESIS_PREV, sealBatch, verifySealedBatch } from '../../protocol/batch.js';
import { generateKeyPair, privateKeyToPem, publicKeyFromHex, signBytes } from '../../protocol/keys.js';
import { tempDir, testReadings, T0 } from '../../ingest/test-helpers.js';
import { FreshTrailError } from '../errors.js';
import { encryptedPrivateKeyPem, loadSigner } from './index.js';

const tmp = tempDir('freshtrail-file-signer-');
afterAll(() => tmp.cleanup());
const PASSPHRASE = 'correct horse battery staple 41';
/** An Ed25519 key encrypted with FIXED_PASSPHRASE (aes-256-cbc, PBKDF2), fixed so that which wrong passphrases pass the padding check is fixed too. */
const FIXED_ENCRYPTED_PEM = [
  '-----BEGIN ENCRYPTED PRIVATE KEY-----',
  'MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjYubaP6PKCoQICCAAw',
  'DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEClTnvIm77Lggqw8gcrdkX0EQLA0',
  'h6ixcknYg74C0ffrs7C8SjrH17Nm3TL5TOuCoMHVFV3Zq3ro++RnjJTlL3h8dxFP',
  'zf0zQWmIby6OZmG723A=',
  '-----END ENCRYPTED PRIVATE KEY-----',
].join('\n') + '\n';
const FIXED_PASSPHRASE = 'the right passphrase';

function keyFile(name: string, pem: string, mode = 0o600): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, pem, { mode });
  chmodSync(path, mode);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FreshTrailError);
  expect((err as FreshTrailError).code).toBe('FT_ERR_KEY');
  return (err as Error).message;
}

describe('file signer', () => {
  const key = generateKeyPair();
  const message = Buffer.from('freshtrail');

  it('signs like protocol/keys.ts with a plain PKCS#8 key', async () => {
    const file = keyFile('plain.key', privateKeyToPem(key.privateKey));
    const signer = await loadSigner({ file });
    expect(signer.publicKeyHex).toBe(key.publicKeyHex);
    expect(signer.describe()).toBe(`file ${file}`);
    expect(signer.sign(message)).toBe(signBytes(key.privateKey, message));
    const sealed = sealBatch({ v: 1, gateway: 'gw', seq: 1, prev: GENESIS_PREV, createdAt: T0, readings: testReadings(2) }, signer);
    expect(verifySealedBatch(decodeEnvelope(encodeEnvelope(sealed)), publicKeyFromHex(key.publicKeyHex))).toBe(true);
    // A logged signer shows where the key is, never the key.
    expect(JSON.stringify(signer)).not.toMatch(/PRIVATE KEY|privateKey/);
  });

  it('round-trips an encrypted key with the passphrase from the default variable, a named one, or a file', async () => {
    const pem = encryptedPrivateKeyPem(key.privateKey, PASSPHRASE);
    expect(pem).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    const file = keyFile('encrypted.key', pem);
    const byDefault = await loadSigner({ file }, { env: { FRESHTRAIL_KEY_PASSPHRASE: PASSPHRASE } });
    expect(byDefault.publicKeyHex).toBe(key.publicKeyHex);
    expect(byDefault.describe()).toBe(`file ${file} (encrypted)`);
    expect(byDefault.sign(message)).toBe(signBytes(key.privateKey, message));
    expect((await loadSigner({ file, passphraseEnv: 'GW_PASS' }, { env: { GW_PASS: PASSPHRASE } })).publicKeyHex).toBe(key.publicKeyHex);
    const passphraseFile = keyFile('passphrase', `${PASSPHRASE}\n`);
    expect((await loadSigner({ file, passphraseFile }, { env: {} })).publicKeyHex).toBe(key.publicKeyHex);
  });

  it('says what is wrong: wrong passphrase, unset variable, readable files, not a key', async () => {
    const file = keyFile('encrypted2.key', encryptedPrivateKeyPem(key.privateKey, PASSPHRASE));
    const wrong = await failure(loadSigner({ file }, { env: { FRESHTRAIL_KEY_PASSPHRASE: 'not it' } }));
    expect(wrong).toContain(`gateway key ${file}: the passphrase from environment variable FRESHTRAIL_KEY_PASSPHRASE does not decrypt it (wrong passphrase`);
    // This fixed key (salt and IV included) fails OpenSSL's padding check with "wrong-0"; with
    // "wrong-267" the padding is valid by chance (1 in 256) and the garbage fails as DER: a
    // wrong passphrase too, not "not a key" (a CI run hit that chance with a random key).
    const fixed = keyFile('fixed.key', FIXED_ENCRYPTED_PEM);
    expect((await loadSigner({ file: fixed }, { env: { FRESHTRAIL_KEY_PASSPHRASE: FIXED_PASSPHRASE } })).describe()).toBe(`file ${fixed} (encrypted)`);
    const said = `gateway key ${fixed}: the passphrase from environment variable FRESHTRAIL_KEY_PASSPHRASE does not decrypt it (wrong passphrase`;
    expect(await failure(loadSigner({ file: fixed }, { env: { FRESHTRAIL_KEY_PASSPHRASE: 'wrong-0' } }))).toBe(`${said})`);
    expect(await failure(loadSigner({ file: fixed }, { env: { FRESHTRAIL_KEY_PASSPHRASE: 'wrong-267' } }))).toBe(`${said}, or a damaged file: ERR_OSSL_UNSUPPORTED)`);
    expect(await failure(loadSigner({ file, passphraseEnv: 'GW_PASS' }, { env: {} }))).toBe(
      `the passphrase of gateway key ${file} (an encrypted key) is not set: export GW_PASS=... in the service's environment (or give a file that holds it)`,
    );
    const loose = keyFile('loose.key', privateKeyToPem(key.privateKey), 0o640);
    expect(await failure(loadSigner({ file: loose }))).toBe(`gateway key ${loose} is readable by others (mode 640); run \`chmod 600 ${loose}\``);
    const loosePass = keyFile('loose-passphrase', PASSPHRASE, 0o604);
    expect(await failure(loadSigner({ file, passphraseFile: loosePass }, { env: {} }))).toMatch(/passphrase of gateway key .* file .*loose-passphrase is readable by others \(mode 604\)/);
    expect(await failure(loadSigner({ file: join(tmp.dir, 'missing.key') }))).toMatch(/missing\.key cannot be read \(ENOENT\); create one with `freshtrail keygen --out/);
    expect(await failure(loadSigner({ file: keyFile('junk.key', 'not a key') }))).toMatch(/is not an Ed25519 PKCS#8 PEM key/);
  });
});
