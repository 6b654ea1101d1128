/**
 * Keys are never logged (issue 7): while keys load and fail to load (an encrypted file key, a
 * PKCS#11 token, an Ethereum keystore, the anchoring setup, the CLI), everything that reaches
 * the logger (pino, captured from a stream, errors with their causes and stacks) and every error
 * message is searched for the secrets: PEM text, passphrases, PINs, keystore passwords.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { encryptKeystoreJsonSync, Wallet } from 'ethers';
import { pino, type Logger } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultIngestConfig } from '../../ingest/config.js';
import { prepareAnchoring } from '../../ingest/anchoring/setup.js';
import { loadKeystoreWallet } from '../../ingest/anchoring/keystore.js';
import { tempDir } from '../../ingest/test-helpers.js';
import { generateKeyPair, privateKeyToPem } from '../../protocol/keys.js';
import { runCli } from '../../test/support/cli.js';
import { skipWithoutTool } from '../../test/support/tools.js';
import { encryptedPrivateKeyPem, generatePkcs11Ed25519Key, loadSigner } from './index.js';
import { createSoftHsmToken } from './softhsm-test-token.js';

const tmp = tempDir('freshtrail-no-secrets-');
afterAll(() => tmp.cleanup());
const hasSoftHsm = !skipWithoutTool('softhsm2-util', 'apt-get install -y softhsm2');

function capturingLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk, _encoding, done) => (chunks.push(String(chunk)), done()) });
  return { logger: pino({ level: 'trace', base: undefined }, stream), text: () => chunks.join('') };
}

/** Logs a load's outcome the way the CLI and the ingest do: the signer on success, the error (with cause and stack) on failure. */
async function logged<T>(logger: Logger, what: string, load: () => Promise<T>): Promise<string> {
  try {
    const value = await load();
    const key = (value as { describe?: () => string } | undefined)?.describe?.();
    logger.info({ what, value, key }, 'key loaded');
    return '';
  } catch (err) {
    logger.error({ what, err }, 'key failed to load');
    return `${(err as Error).message}\n${(err as Error).stack}`;
  }
}

describe('secrets never reach logs or error messages', () => {
  const passphrase = 'pass-0f-the-gateway-key';
  const gateway = generateKeyPair();
  const plainPem = privateKeyToPem(gateway.privateKey);
  const encryptedPem = encryptedPrivateKeyPem(gateway.privateKey, passphrase);
  const pemBody = (pem: string) => pem.split('\n')[1]!; // the first base64 line of the key
  const secrets = [passphrase, pemBody(plainPem), pemBody(encryptedPem), 'PRIVATE KEY-----'];

  function expectClean(...texts: string[]): void {
    const all = texts.join('\n');
    for (const secret of secrets) expect(all, `a log or message contains "${secret}"`).not.toContain(secret);
  }

  it('file keys and the Ethereum keystore, loaded and failing, directly and through prepareAnchoring', async () => {
    const { logger, text } = capturingLogger();
    const encrypted = join(tmp.dir, 'gw.key');
    writeFileSync(encrypted, encryptedPem, { mode: 0o600 });
    const plain = join(tmp.dir, 'plain.key');
    writeFileSync(plain, plainPem, { mode: 0o644 }); // refused: readable by others
    const keystorePassword = 'keystore-pw-for-the-anchorer';
    const wallet = Wallet.createRandom();
    secrets.push(keystorePassword, wallet.privateKey.slice(2));
    const keystore = join(tmp.dir, 'anchorer.json');
    writeFileSync(keystore, encryptKeystoreJsonSync({ address: wallet.address, privateKey: wallet.privateKey }, keystorePassword, { scrypt: { N: 1024 } }));

    const messages = [
      await logged(logger, 'right passphrase', () => loadSigner({ file: encrypted }, { env: { FRESHTRAIL_KEY_PASSPHRASE: passphrase } })),
      await logged(logger, 'wrong passphrase', () => loadSigner({ file: encrypted }, { env: { FRESHTRAIL_KEY_PASSPHRASE: `${passphrase}x` } })),
      await logged(logger, 'no passphrase', () => loadSigner({ file: encrypted }, { env: {} })),
      await logged(logger, 'readable plain key', () => loadSigner({ file: plain })),
      await logged(logger, 'keystore', () => loadKeystoreWallet({ file: keystore }, { FRESHTRAIL_KEYSTORE_PASSWORD: keystorePassword }).then((w) => w.address)),
      await logged(logger, 'keystore wrong password', () => loadKeystoreWallet({ file: keystore }, { FRESHTRAIL_KEYSTORE_PASSWORD: `${keystorePassword}x` })),
    ];
    expect(messages[1]).toMatch(/wrong passphrase/);
    expect(messages[5]).toMatch(/wrong password/);

    // The ingest path: prepareAnchoring logs itself (info on success, warn for an unreachable endpoint).
    const target = { name: 'local', rpcUrl: 'http://127.0.0.1:9', chainId: 31337, contract: `0x${'ab'.repeat(20)}`, maxFeeGwei: 10, requestTimeoutMs: 500, keystoreFile: keystore, keystorePasswordEnv: 'FRESHTRAIL_TEST_NS_PW' };
    const anchoring = defaultIngestConfig({ anchoring: { enabled: true, headKeyFile: encrypted, headKeyPassphraseEnv: 'FRESHTRAIL_TEST_NS_PASS', targets: [target] } }).anchoring;
    process.env.FRESHTRAIL_TEST_NS_PASS = passphrase;
    process.env.FRESHTRAIL_TEST_NS_PW = keystorePassword;
    try {
      messages.push(await logged(logger, 'anchoring', async () => (await prepareAnchoring(anchoring, logger))!.close()));
      process.env.FRESHTRAIL_TEST_NS_PW = 'wrong';
      messages.push(await logged(logger, 'anchoring, wrong keystore password', () => prepareAnchoring(anchoring, logger)));
    } finally {
      delete process.env.FRESHTRAIL_TEST_NS_PASS;
      delete process.env.FRESHTRAIL_TEST_NS_PW;
    }
    expect(text()).toContain('anchoring enabled');
    expect(text()).toContain(`file ${encrypted} (encrypted)`);
    expect(text().split('\n').filter(Boolean)).toHaveLength(10);
    expectClean(text(), ...messages);
  });

  it('the CLI: edge join with an encrypted key and a wrong passphrase prints no secret', async () => {
    const encrypted = join(tmp.dir, 'join.key');
    writeFileSync(encrypted, encryptedPem, { mode: 0o600 });
    process.env.FRESHTRAIL_KEY_PASSPHRASE = 'not-the-passphrase';
    try {
      const result = await runCli('edge', 'join', '--url', 'http://127.0.0.1:9', '--token', 'tok', '--key', encrypted, '--id', 'gw-1');
      expect(result.code).not.toBe(0);
      expect(result.err).toMatch(/wrong passphrase/);
      expectClean(result.out, result.err);
    } finally {
      delete process.env.FRESHTRAIL_KEY_PASSPHRASE;
    }
  });

  it.skipIf(!hasSoftHsm)('PKCS#11: PIN right and wrong', async () => {
    const token = createSoftHsmToken({ pin: 'pin-4417-secret', soPin: 'so-pin-9921-secret' });
    secrets.push(token.pin, token.soPin);
    const { logger, text } = capturingLogger();
    try {
      const spec = { module: token.module, tokenLabel: token.tokenLabel, keyLabel: 'k' };
      await generatePkcs11Ed25519Key(spec, { FRESHTRAIL_PKCS11_PIN: token.pin });
      let opened: { close?(): void } | undefined;
      const messages = [
        await logged(logger, 'right PIN', async () => (opened = await loadSigner({ pkcs11: spec }, { env: { FRESHTRAIL_PKCS11_PIN: token.pin } }))),
        // Closed first: while a session of this process is logged in, PKCS#11 answers any login with CKR_USER_ALREADY_LOGGED_IN.
        await logged(logger, 'close', async () => opened?.close?.()),
        await logged(logger, 'wrong PIN', () => loadSigner({ pkcs11: spec }, { env: { FRESHTRAIL_PKCS11_PIN: `${token.pin}0` } })),
        await logged(logger, 'no token', () => loadSigner({ pkcs11: { ...spec, tokenLabel: 'x' } }, { env: { FRESHTRAIL_PKCS11_PIN: token.pin } })),
      ];
      expect(text()).toContain("pkcs11 token 'fresh' key 'k'");
      expect(messages[2]).toMatch(/CKR_PIN_INCORRECT/);
      expectClean(text(), ...messages);
    } finally {
      token.cleanup();
    }
  });
});
