/**
 * The PKCS#11 backend against a real SoftHSM2 token in a temp dir: keys generated on the token,
 * batches and epoch heads signed by it and verified with node:crypto and the protocol's own
 * verifiers, and the failures an operator meets (wrong PIN, missing token, missing key label).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../../test/support/tools.js';
import { decodeEnvelope, encodeEnvelope, GENESIS_PREV, sealBatch, verifySealedBatch, type Batch } from '../../protocol/batch.js';
import { checkSignedHead, GENESIS_HEAD_HASH, headBytes, type EpochHead } from '../../protocol/epoch-head.js';
import { publicKeyFromHex } from '../../protocol/keys.js';
import { testReadings, T0 } from '../../ingest/test-helpers.js';
import { FreshTrailError } from '../errors.js';
import { generatePkcs11Ed25519Key, loadSigner, Pkcs11Signer, type Pkcs11KeySpec } from './index.js';
import { createSoftHsmToken, type TestToken } from './softhsm-test-token.js';

const skip = skipWithoutTool('softhsm2-util', 'apt-get install -y softhsm2');

describe.skipIf(skip)('Pkcs11Signer on SoftHSM2', () => {
  let token: TestToken;
  let spec: Pkcs11KeySpec;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    token = createSoftHsmToken();
    env = { FRESHTRAIL_PKCS11_PIN: token.pin };
    spec = { module: token.module, tokenLabel: token.tokenLabel, keyLabel: 'gw-1' };
  });
  afterAll(() => token?.cleanup());

  const batch = (): Batch => ({ v: 1, gateway: 'farm-a-gw1', seq: 1, prev: GENESIS_PREV, createdAt: T0, readings: testReadings(3) });

  /** The error a promise rejects with, as FreshTrailError. */
  async function failure(promise: Promise<unknown>): Promise<FreshTrailError> {
    const err = await promise.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FreshTrailError);
    expect((err as FreshTrailError).code).toBe('FT_ERR_KEY');
    return err as FreshTrailError;
  }

  it('generates an Ed25519 key on the token, seals a batch with it that node:crypto and the protocol verify', async () => {
    const { publicKeyHex } = await generatePkcs11Ed25519Key(spec, env);
    expect(publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    const signer = await loadSigner({ pkcs11: spec }, { env });
    try {
      expect(signer.publicKeyHex).toBe(publicKeyHex);
      expect(signer.describe()).toBe("pkcs11 token 'fresh' key 'gw-1'");
      const sealed = sealBatch(batch(), signer);
      expect(sealed.sig).toMatch(/^[0-9a-f]{128}$/);
      expect(verify(null, sealed.canonical, publicKeyFromHex(publicKeyHex), Buffer.from(sealed.sig, 'hex'))).toBe(true);
      // The wire round trip the ingest does: decode, then verify with the enrolled key.
      const received = decodeEnvelope(encodeEnvelope(sealed));
      expect(verifySealedBatch(received, publicKeyFromHex(publicKeyHex))).toBe(true);
      expect(verifySealedBatch(decodeEnvelope(encodeEnvelope({ batch: { ...sealed.batch, createdAt: T0 + 1 }, sig: sealed.sig })), publicKeyFromHex(publicKeyHex))).toBe(false);
      // Ed25519 is deterministic (RFC 8032 §5.1.6): the token and a second session agree.
      const again = await loadSigner({ pkcs11: spec }, { env });
      expect(again.sign(sealed.canonical)).toBe(sealed.sig);
      again.close?.();
      expect(signer.sign(sealed.canonical)).toBe(sealed.sig); // the shared module stays initialized for the first signer
    } finally {
      signer.close?.();
    }
  });

  it('signs epoch heads that checkSignedHead accepts', async () => {
    await generatePkcs11Ed25519Key({ ...spec, keyLabel: 'head' }, env);
    const signer = await Pkcs11Signer.open({ ...spec, keyLabel: 'head' }, env);
    try {
      const head: EpochHead = { v: 1, log: 'freshtrail:test', epoch: 1, treeSize: 0, root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', prev: GENESIS_HEAD_HASH, closedAt: T0 };
      const signed = { head, sig: signer.sign(headBytes(head)) };
      expect(checkSignedHead(signed, signer.publicKeyHex)).toEqual([]);
      expect(checkSignedHead({ head: { ...head, treeSize: 1 }, sig: signed.sig }, signer.publicKeyHex)).toHaveLength(1);
    } finally {
      signer.close();
    }
  });

  it('takes the PIN from a named variable or a 0600 file', async () => {
    const pinFile = join(token.dir, 'pin');
    writeFileSync(pinFile, `${token.pin}\n`, { mode: 0o600 });
    const fromFile = await loadSigner({ pkcs11: { ...spec, pinFile } }, { env: {} });
    expect(fromFile.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    fromFile.close?.();
    const fromVar = await loadSigner({ pkcs11: { ...spec, pinEnv: 'GW_PIN' } }, { env: { GW_PIN: token.pin } });
    fromVar.close?.();
    chmodSync(pinFile, 0o644);
    expect((await failure(loadSigner({ pkcs11: { ...spec, pinFile } }, { env: {} }))).message).toMatch(/PIN of PKCS#11 token 'fresh' file .*pin is readable by others \(mode 644\); run `chmod 600/);
  });

  it('refuses a second key under a label in use', async () => {
    expect((await failure(generatePkcs11Ed25519Key(spec, env))).message).toMatch(/already holds objects labelled 'gw-1'.*choose another --key-label/);
  });

  it('says what is wrong: wrong PIN, no PIN, missing token, missing key, missing module', async () => {
    const wrongPin = await failure(loadSigner({ pkcs11: spec }, { env: { FRESHTRAIL_PKCS11_PIN: '0000-wrong' } }));
    expect(wrongPin.message).toBe(
      "the PIN from environment variable FRESHTRAIL_PKCS11_PIN is wrong for PKCS#11 token 'fresh' (CKR_PIN_INCORRECT); fix it before retrying: tokens lock the PIN after a few wrong tries",
    );
    expect((await failure(loadSigner({ pkcs11: spec }, { env: {} }))).message).toMatch(/user PIN of PKCS#11 token 'fresh' is not set: export FRESHTRAIL_PKCS11_PIN=\.\.\./);
    expect((await failure(loadSigner({ pkcs11: { ...spec, tokenLabel: 'cold-room' } }, { env }))).message).toMatch(
      /no PKCS#11 token labelled 'cold-room' in module \/usr\/lib\/softhsm\/libsofthsm2\.so \(tokens present: 'fresh'\); check tokenLabel, or initialize a token \(SoftHSM2: softhsm2-util --init-token/,
    );
    expect((await failure(loadSigner({ pkcs11: { ...spec, keyLabel: 'gw-9' } }, { env }))).message).toMatch(
      /no private key labelled 'gw-9' on PKCS#11 token 'fresh'; check keyLabel, or create the key on the token: freshtrail keygen --pkcs11-module \S+ --token fresh --key-label gw-9/,
    );
    expect((await failure(loadSigner({ pkcs11: { ...spec, module: '/nonexistent/libpkcs11.so' } }, { env }))).message).toMatch(
      /PKCS#11 module \/nonexistent\/libpkcs11\.so cannot be loaded \(.*\): install the token's PKCS#11 library/,
    );
    // None of them repeats the PIN.
    for (const err of [wrongPin]) expect(err.message).not.toContain('0000-wrong');
  });
});
