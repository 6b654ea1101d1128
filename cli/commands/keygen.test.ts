/** `freshtrail keygen`: file keys (plain and --encrypt) and keys generated inside a SoftHSM2 token. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadSigner } from '../../common/signers/index.js';
import { Pkcs11EthereumSigner } from '../../common/signers/pkcs11-ethereum.js';
import { createSoftHsmToken } from '../../common/signers/softhsm-test-token.js';
import { gatewaySignerSpec } from '../../edge/keyfile.js';
import { tempDir } from '../../ingest/test-helpers.js';
import { runCli } from '../../test/support/cli.js';
import { skipWithoutTool } from '../../test/support/tools.js';

const tmp = tempDir('freshtrail-keygen-');
afterAll(() => tmp.cleanup());
const saved = { ...process.env };
afterEach(() => {
  for (const name of ['FRESHTRAIL_KEY_PASSPHRASE', 'FRESHTRAIL_PKCS11_PIN', 'GW_PASS']) if (saved[name] === undefined) delete process.env[name];
});

describe('freshtrail keygen', () => {
  it('--encrypt writes an encrypted PEM that loads with the passphrase from the environment', async () => {
    const out = join(tmp.dir, 'gw.key');
    process.env.GW_PASS = 'keygen passphrase 77';
    const made = await runCli('keygen', '--out', out, '--encrypt', '--passphrase-env', 'GW_PASS');
    expect(made.code).toBe(0);
    expect(made.out).toContain('mode 0600, encrypted');
    expect(made.out).not.toContain('keygen passphrase 77');
    expect(readFileSync(out, 'utf8')).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const signer = await loadSigner(gatewaySignerSpec({ id: 'gw', keyFile: out, keyPassphraseEnv: 'GW_PASS' }));
    expect(signer.publicKeyHex).toBe(readFileSync(`${out}.pub`, 'utf8').trim());
  });

  it('--encrypt without the passphrase variable says which variable to set', async () => {
    const result = await runCli('keygen', '--out', join(tmp.dir, 'none.key'), '--encrypt');
    expect(result.code).not.toBe(0);
    expect(result.err).toContain('export FRESHTRAIL_KEY_PASSPHRASE=...');
  });

  it.skipIf(skipWithoutTool('softhsm2-util', 'apt-get install -y softhsm2'))('--pkcs11-module generates the key on the token and writes <label>.pub', async () => {
    const token = createSoftHsmToken();
    try {
      process.env.FRESHTRAIL_PKCS11_PIN = token.pin;
      const out = join(tmp.dir, 'gw-7');
      const made = await runCli('keygen', '--pkcs11-module', token.module, '--token', token.tokenLabel, '--key-label', 'gw-7', '--out', out);
      expect(made.code).toBe(0);
      const publicKeyHex = readFileSync(`${out}.pub`, 'utf8').trim();
      expect(made.out).toContain(publicKeyHex);
      expect(made.out).not.toContain(token.pin);
      const spec = gatewaySignerSpec({ id: 'gw-7', pkcs11: { module: token.module, tokenLabel: token.tokenLabel, keyLabel: 'gw-7' } });
      const signer = await loadSigner(spec);
      expect(signer.publicKeyHex).toBe(publicKeyHex);
      signer.close?.();
      const again = await runCli('keygen', '--pkcs11-module', token.module, '--token', token.tokenLabel, '--key-label', 'gw-7', '--out', out);
      expect(again.err).toContain("already holds objects labelled 'gw-7'");
    } finally {
      token.cleanup();
    }
  });

  it.skipIf(skipWithoutTool('softhsm2-util', 'apt-get install -y softhsm2'))('--curve secp256k1 generates the anchorer key on the token and prints its address', async () => {
    const token = createSoftHsmToken();
    try {
      process.env.FRESHTRAIL_PKCS11_PIN = token.pin;
      const args = ['keygen', '--curve', 'secp256k1', '--pkcs11-module', token.module, '--token', token.tokenLabel, '--key-label', 'anchorer'];
      const made = await runCli(...args);
      expect(made.err).toBe('');
      expect(made.code).toBe(0);
      const address = /address: +(0x[0-9a-fA-F]{40})/.exec(made.out)?.[1];
      expect(made.out).not.toContain(token.pin);
      const signer = await Pkcs11EthereumSigner.open({ module: token.module, tokenLabel: token.tokenLabel, keyLabel: 'anchorer' });
      expect(signer.address).toBe(address);
      signer.close();
      expect((await runCli(...args)).err).toContain("already holds objects labelled 'anchorer'");
      expect((await runCli('keygen', '--curve', 'secp256k1', '--out', join(tmp.dir, 'eth.key'))).code).toBe(2);
      expect((await runCli('keygen', '--curve', 'p256', '--out', join(tmp.dir, 'p.key'))).err).toContain("--curve is ed25519 (default) or secp256k1, not 'p256'");
    } finally {
      token.cleanup();
    }
  });
});

describe('gatewaySignerSpec', () => {
  const pkcs11 = { module: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 't', keyLabel: 'k' };
  it('takes exactly one key', () => {
    expect(gatewaySignerSpec({ id: 'g', keyFile: 'k', keyPassphraseFile: 'p' })).toEqual({ file: 'k', passphraseFile: 'p', passphraseEnv: undefined });
    expect(gatewaySignerSpec({ id: 'g', pkcs11 })).toEqual({ pkcs11 });
    expect(() => gatewaySignerSpec({ id: 'g', keyFile: 'k', pkcs11 })).toThrow('gateway: give keyFile or pkcs11, not both');
    expect(() => gatewaySignerSpec({ id: 'g', pkcs11, keyPassphraseEnv: 'X' })).toThrow(/take[s]? pkcs11\.pinEnv or pkcs11\.pinFile/);
    expect(() => gatewaySignerSpec({ id: 'g' })).toThrow('gateway.keyFile: required key is missing');
  });
});
