/** The anchorer's key as an encrypted JSON keystore, alone and as a configured anchor target. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encryptKeystoreJsonSync, Wallet } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { generateKeyPair, privateKeyToPem } from '../../protocol/keys.js';
import { defaultIngestConfig } from '../config.js';
import { tempDir } from '../test-helpers.js';
import { loadKeystoreWallet } from './keystore.js';
import { prepareAnchoring } from './setup.js';

const tmp = tempDir('freshtrail-keystore-');
afterAll(() => tmp.cleanup());
const PASSWORD = 'anchorer keystore pw 8812';
const wallet = Wallet.createRandom();
// scrypt N = 2^10 instead of 2^18 keeps the test fast; the format is the same.
const keystore = join(tmp.dir, 'anchorer.json');
writeFileSync(keystore, encryptKeystoreJsonSync({ address: wallet.address, privateKey: wallet.privateKey }, PASSWORD, { scrypt: { N: 1024 } }));

describe('encrypted JSON keystore', () => {
  it('decrypts with the password from the default variable, a named one, or a file', async () => {
    expect((await loadKeystoreWallet({ file: keystore }, { FRESHTRAIL_KEYSTORE_PASSWORD: PASSWORD })).address).toBe(wallet.address);
    expect((await loadKeystoreWallet({ file: keystore, passwordEnv: 'ANCHOR_PW' }, { ANCHOR_PW: PASSWORD })).privateKey).toBe(wallet.privateKey);
    const passwordFile = join(tmp.dir, 'pw');
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    expect((await loadKeystoreWallet({ file: keystore, passwordFile }, {})).address).toBe(wallet.address);
  });

  it('says what is wrong: wrong password, unset variable, not a keystore', async () => {
    await expect(loadKeystoreWallet({ file: keystore }, { FRESHTRAIL_KEYSTORE_PASSWORD: 'nope' })).rejects.toThrow(
      `the password from environment variable FRESHTRAIL_KEYSTORE_PASSWORD does not decrypt keystore ${keystore} (wrong password)`,
    );
    await expect(loadKeystoreWallet({ file: keystore }, {})).rejects.toThrow(/password of keystore .* is not set: export FRESHTRAIL_KEYSTORE_PASSWORD=/);
    const notKeystore = join(tmp.dir, 'plain.key');
    writeFileSync(notKeystore, `${wallet.privateKey}\n`, { mode: 0o600 });
    await expect(loadKeystoreWallet({ file: notKeystore }, {})).rejects.toThrow('is not an encrypted JSON keystore');
  });

  it('is an anchor target key (keystoreFile) in the anchoring configuration', async () => {
    const head = join(tmp.dir, 'head.key');
    writeFileSync(head, privateKeyToPem(generateKeyPair().privateKey), { mode: 0o600 });
    // An endpoint that does not answer at start only warns, so no chain is needed here.
    const target = { name: 'local', rpcUrl: 'http://127.0.0.1:9', chainId: 31337, contract: `0x${'ab'.repeat(20)}`, maxFeeGwei: 10, requestTimeoutMs: 500 };
    const anchoring = (t: object) => defaultIngestConfig({ anchoring: { enabled: true, headKeyFile: head, targets: [{ ...target, ...t }] } }).anchoring;
    process.env.FRESHTRAIL_TEST_ANCHOR_PW = PASSWORD;
    try {
      const setup = (await prepareAnchoring(anchoring({ keystoreFile: keystore, keystorePasswordEnv: 'FRESHTRAIL_TEST_ANCHOR_PW' }), silentLogger()))!;
      expect(setup.targets[0]!.signer.address).toBe(wallet.address);
      setup.close();
    } finally {
      delete process.env.FRESHTRAIL_TEST_ANCHOR_PW;
    }
    await expect(prepareAnchoring(anchoring({}), silentLogger())).rejects.toThrow('anchoring.targets "local": give exactly one of keyFile and keystoreFile');
    await expect(prepareAnchoring(anchoring({ keyFile: 'k', keystoreFile: keystore }), silentLogger())).rejects.toThrow('give exactly one of keyFile and keystoreFile');
    await expect(prepareAnchoring(anchoring({ keystoreFile: keystore, keystorePasswordEnv: 'FRESHTRAIL_TEST_UNSET_PW' }), silentLogger())).rejects.toMatchObject({
      code: 'FT_ERR_CONFIG',
      message: expect.stringMatching(/^anchoring\.targets "local": keystoreFile: the password of keystore .* is not set: export FRESHTRAIL_TEST_UNSET_PW=/),
    });
  });
});
