/**
 * The PKCS#11 secp256k1 signer on a real SoftHSM2 token: the address from CKA_EC_POINT, low-s
 * Ethereum signatures that recover to it, transactions ethers parses as sent from it, and the
 * FT_ERR_KEY refusals (wrong PIN, no PIN, missing label, an Ed25519 key, a P-256 key).
 * Broadcasting and anchoring with it on anvil: ingest/anchoring/pkcs11-anchorer.test.ts.
 */
import { inspect } from 'node:util';
import { hexlify, randomBytes, recoverAddress, Transaction, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FreshTrailError } from '../errors.js';
import { skipWithoutTool } from '../../test/support/tools.js';
import { generatePkcs11Ed25519Key } from './pkcs11-signer.js';
import { generatePkcs11Secp256k1Key, Pkcs11EthereumSigner } from './pkcs11-ethereum.js';
import { acquireModule, CKA_CLASS, CKA_EC_PARAMS, CKA_KEY_TYPE, CKA_LABEL, CKA_SIGN, CKA_TOKEN, CKK_EC, CKM_EC_KEY_PAIR_GEN, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, openUserSession, releaseModule, type Pkcs11KeySpec } from './pkcs11.js';
import { createSoftHsmToken, type TestToken } from './softhsm-test-token.js';

/** secp256k1 group order (SEC 2 §2.4.1). */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe.skipIf(skipWithoutTool('softhsm2-util', 'apt-get install -y softhsm2'))('PKCS#11 secp256k1 signer (SoftHSM2)', () => {
  let token: TestToken;
  let spec: (keyLabel: string) => Pkcs11KeySpec;
  let env: NodeJS.ProcessEnv;
  let address: string;

  beforeAll(async () => {
    token = createSoftHsmToken({ tokenLabel: 'anchor' });
    spec = (keyLabel) => ({ module: token.module, tokenLabel: token.tokenLabel, keyLabel });
    env = { FRESHTRAIL_PKCS11_PIN: token.pin };
    ({ address } = await generatePkcs11Secp256k1Key(spec('anchorer'), env));
  });
  afterAll(() => token?.cleanup());

  it('opens the generated key; its address is the one keygen printed, and a logged signer shows no PIN', async () => {
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const signer = await Pkcs11EthereumSigner.open(spec('anchorer'), env);
    try {
      expect(signer.address).toBe(address);
      expect(signer.describe()).toBe("pkcs11 token 'anchor' key 'anchorer'");
      expect(inspect(signer, { depth: 5 })).not.toContain(token.pin);
      expect(JSON.stringify(signer)).not.toContain(token.pin);
    } finally {
      signer.close();
    }
  });

  it('signs with s in the low half (EIP-2) and a recovery bit that recovers its address, over many digests', async () => {
    const signer = await Pkcs11EthereumSigner.open(spec('anchorer'), env);
    try {
      const parities = new Set<number>();
      for (let i = 0; i < 200; i++) {
        const digest = hexlify(randomBytes(32));
        const signature = signer.signDigest(digest);
        expect(BigInt(signature.s)).toBeLessThanOrEqual(N / 2n);
        expect(recoverAddress(digest, signature)).toBe(address);
        parities.add(signature.yParity);
      }
      // Both recovery bits occur (each with probability 1/2): the search over yParity is exercised.
      expect([...parities].sort()).toEqual([0, 1]);
    } finally {
      signer.close();
    }
  });

  it('signs an EIP-1559 transaction that ethers parses as from its address, with the fields the anchor job sends', async () => {
    const signer = await Pkcs11EthereumSigner.open(spec('anchorer'), env);
    try {
      const to = Wallet.createRandom().address;
      const request = { type: 2, chainId: 31337n, nonce: 7, gasLimit: 60_000n, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, to, data: '0x1234', value: 5n };
      const tx = Transaction.from(await signer.signTransaction(request));
      expect(tx.from).toBe(address);
      expect(tx).toMatchObject({ type: 2, chainId: 31337n, nonce: 7, gasLimit: 60_000n, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, to, data: '0x1234', value: 5n });
      expect(BigInt(tx.signature!.s)).toBeLessThanOrEqual(N / 2n);
      // tx.from, when given, must be the token's address (as ethers' Wallet checks it).
      expect((Transaction.from(await signer.signTransaction({ ...request, from: address.toLowerCase() }))).from).toBe(address);
      await expect(signer.signTransaction({ ...request, from: to })).rejects.toThrow(`signs for ${address}, not for tx.from ${to}`);
    } finally {
      signer.close();
    }
  });

  const refusal = async (keySpec: Pkcs11KeySpec, keyEnv: NodeJS.ProcessEnv): Promise<FreshTrailError> => {
    const err = await Pkcs11EthereumSigner.open(keySpec, keyEnv).then(
      (s) => (s.close(), undefined),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FreshTrailError);
    expect((err as FreshTrailError).code).toBe('FT_ERR_KEY');
    return err as FreshTrailError;
  };

  it('refuses a wrong PIN or no PIN with FT_ERR_KEY, never echoing the PIN', async () => {
    const wrong = await refusal(spec('anchorer'), { FRESHTRAIL_PKCS11_PIN: '0000-wrong-pin' });
    expect(wrong.message).toBe("the PIN from environment variable FRESHTRAIL_PKCS11_PIN is wrong for PKCS#11 token 'anchor' (CKR_PIN_INCORRECT); fix it before retrying: tokens lock the PIN after a few wrong tries");
    expect(wrong.message).not.toContain('0000-wrong-pin');
    const unset = await refusal({ ...spec('anchorer'), pinEnv: 'FRESHTRAIL_TEST_UNSET_PIN' }, {});
    expect(unset.message).toContain('export FRESHTRAIL_TEST_UNSET_PIN=...');
    // The token still opens with the right PIN afterwards (one wrong try does not lock SoftHSM2).
    (await Pkcs11EthereumSigner.open(spec('anchorer'), env)).close();
  });

  it('refuses a missing key label, naming the keygen command that makes one', async () => {
    const err = await refusal(spec('no-such-key'), env);
    expect(err.message).toBe(
      `no private key labelled 'no-such-key' on PKCS#11 token 'anchor'; check keyLabel, or create the key on the token: freshtrail keygen --curve secp256k1 --pkcs11-module ${token.module} --token anchor --key-label no-such-key`,
    );
    expect((await refusal({ ...spec('anchorer'), tokenLabel: 'other' }, env)).message).toMatch(/^no PKCS#11 token labelled 'other' .*tokens present: 'anchor'/);
  });

  it('refuses a key of the wrong type (Ed25519) and an EC key on another curve (P-256)', async () => {
    await generatePkcs11Ed25519Key(spec('head-ed25519'), env);
    expect((await refusal(spec('head-ed25519'), env)).message).toMatch(/^the key labelled 'head-ed25519' on PKCS#11 token 'anchor' is an Ed25519 key \(CKK_EC_EDWARDS\), not a secp256k1 key \(CKK_EC\)/);

    // A P-256 pair made the way a vendor tool would (CKA_EC_PARAMS = OID 1.2.840.10045.3.1.7).
    const p256 = Buffer.from('06082a8648ce3d030107', 'hex');
    const api = await acquireModule(token.module);
    const session = openUserSession(api, spec('p256'), token.pin, true);
    try {
      const common = [{ type: CKA_TOKEN, value: true }, { type: CKA_LABEL, value: 'p256' }, { type: CKA_KEY_TYPE, value: CKK_EC }];
      api.C_GenerateKeyPair(session, { mechanism: CKM_EC_KEY_PAIR_GEN }, [...common, { type: CKA_CLASS, value: CKO_PUBLIC_KEY }, { type: CKA_EC_PARAMS, value: p256 }], [...common, { type: CKA_CLASS, value: CKO_PRIVATE_KEY }, { type: CKA_SIGN, value: true }]);
    } finally {
      api.C_CloseSession(session);
      releaseModule(token.module);
    }
    expect((await refusal(spec('p256'), env)).message).toBe(
      "the EC key labelled 'p256' on PKCS#11 token 'anchor' is on another curve (CKA_EC_PARAMS 06082a8648ce3d030107), not secp256k1 (06052b8104000a); Ethereum signs with secp256k1 only",
    );
  });

  it('refuses to generate a second key under a label in use', async () => {
    await expect(generatePkcs11Secp256k1Key(spec('anchorer'), env)).rejects.toThrow("already holds objects labelled 'anchorer'");
  });
});
