/**
 * Keys of the ingest (issue 7): the epoch head key inside a PKCS#11 token (SoftHSM2) signing
 * heads that verify with checkSignedHead; a gateway whose key lives in a token, its batches
 * accepted by the real pipeline; and the anchoring configuration's key rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { generatePkcs11Ed25519Key, loadSigner, type Pkcs11KeySpec } from '../../common/signers/index.js';
import { createSoftHsmToken, type TestToken } from '../../common/signers/softhsm-test-token.js';
import { encodeEnvelope, GENESIS_PREV, sealBatch } from '../../protocol/batch.js';
import { checkSignedHead } from '../../protocol/epoch-head.js';
import { skipWithoutTool } from '../../test/support/tools.js';
import { commingledChain } from '../events/chain-fixtures.js';
import { defaultIngestConfig } from '../config.js';
import { openTestApi } from '../http/test-api.js';
import { testReadings } from '../test-helpers.js';
import { EpochBuilder } from './epoch-builder.js';
import { loadHeadKey, prepareAnchoring } from './setup.js';

const skip = skipWithoutTool('softhsm2-util', 'apt-get install -y softhsm2');
const T = Date.parse('2025-06-05T00:00:00Z');

describe.skipIf(skip)('PKCS#11 keys at the ingest (SoftHSM2)', () => {
  let token: TestToken;
  let spec: Pkcs11KeySpec;
  const env = (): NodeJS.ProcessEnv => ({ FRESHTRAIL_PKCS11_PIN: token.pin });

  beforeAll(() => {
    token = createSoftHsmToken({ tokenLabel: 'ingest' });
    spec = { module: token.module, tokenLabel: token.tokenLabel, keyLabel: 'epoch-head' };
  });
  afterAll(() => token?.cleanup());

  it('closes an epoch whose head, signed in the token, verifies with checkSignedHead', async () => {
    const { publicKeyHex } = await generatePkcs11Ed25519Key(spec, env());
    const { headKey, headPublicKeyHex } = await loadHeadKey({ headKeyPkcs11: spec }, env());
    const api = await openTestApi({ limits: { maxClockSkewMs: 1e12 }, now: () => T });
    try {
      expect(headPublicKeyHex).toBe(publicKeyHex);
      expect(headKey.describe()).toBe("pkcs11 token 'ingest' key 'epoch-head'");
      const builder = new EpochBuilder({ store: api.store, log: 'freshtrail:test', headKey, epochMs: 3_600_000, logger: silentLogger() });
      expect((await api.app.inject({ method: 'POST', url: '/api/v1/events', payload: commingledChain() as unknown as string })).statusCode).toBe(201);
      expect(await builder.closeEpoch(T)).toMatchObject({ epoch: 1 });
      const stored = (await api.store.epochHead(1))!;
      expect(checkSignedHead(stored, publicKeyHex)).toEqual([]);
      expect(checkSignedHead(stored, '11'.repeat(32))).toHaveLength(1);
    } finally {
      headKey.close?.();
      await api.close();
    }
  });

  it('accepts batches of a gateway whose key is in the token', async () => {
    const gw = { ...spec, keyLabel: 'gw-dock-3' };
    await generatePkcs11Ed25519Key(gw, env());
    const signer = await loadSigner({ pkcs11: gw }, { env: env() });
    const api = await openTestApi({ limits: { maxClockSkewMs: 1e12 } });
    try {
      expect((await api.app.inject({ method: 'POST', url: '/api/v1/gateways', payload: { id: 'dock-3', publicKey: signer.publicKeyHex } })).statusCode).toBe(201);
      const first = sealBatch({ v: 1, gateway: 'dock-3', seq: 1, prev: GENESIS_PREV, createdAt: Date.now(), readings: testReadings(3) }, signer);
      const second = sealBatch({ v: 1, gateway: 'dock-3', seq: 2, prev: first.id, createdAt: Date.now(), readings: testReadings(2) }, signer);
      for (const sealed of [first, second]) {
        const answer = await api.app.inject({ method: 'POST', url: '/api/v1/batches', headers: { 'content-type': 'application/json' }, payload: encodeEnvelope(sealed) });
        expect(answer.json()).toMatchObject({ status: 'accepted' });
      }
      expect(await api.store.getBatchHeader('dock-3', 2)).toMatchObject({ id: second.id });
    } finally {
      signer.close?.();
      await api.close();
    }
  });

  it('refuses a head key given twice, and names headKeyPkcs11 in token errors', async () => {
    const config = (anchoring: object) => defaultIngestConfig({ anchoring: { enabled: true, ...anchoring } }).anchoring;
    await expect(prepareAnchoring(config({ headKeyFile: 'head.key', headKeyPkcs11: spec }), silentLogger())).rejects.toThrow('anchoring: give headKeyFile or headKeyPkcs11, not both');
    await expect(loadHeadKey({ headKeyPkcs11: { ...spec, keyLabel: 'nope' } }, env())).rejects.toMatchObject({
      code: 'FT_ERR_CONFIG',
      message: expect.stringMatching(/^anchoring\.headKeyPkcs11: no private key labelled 'nope' on PKCS#11 token 'ingest'/),
    });
  });
});
