import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateKeyPair,
  keyPairFromSeed,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyFromHex,
  publicKeyToHex,
  signBytes,
  verifyBytes,
} from './keys.js';
import { RFC8032_CASES } from './vectors/fixtures.js';

/** Ed25519 group order (RFC 8032 §5.1). */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function withS(sigHex: string, f: (s: bigint) => bigint): string {
  const sig = Buffer.from(sigHex, 'hex');
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
  let t = f(s);
  for (let i = 0; i < 32; i++) {
    sig[32 + i] = Number(t & 0xffn);
    t >>= 8n;
  }
  return sig.toString('hex');
}

describe('Ed25519 keys and signatures', () => {
  it.each(RFC8032_CASES.map((c) => [c.name, c] as const))('reproduces %s', (_, c) => {
    const pair = keyPairFromSeed(c.seed);
    const message = Buffer.from(c.messageHex, 'hex');
    expect(pair.publicKeyHex).toBe(c.publicKey);
    expect(signBytes(pair.privateKey, message)).toBe(c.sig);
    expect(verifyBytes(publicKeyFromHex(c.publicKey), message, c.sig)).toBe(true);
  });

  it('round-trips a private key through PKCS#8 PEM', () => {
    const pair = generateKeyPair();
    const pem = privateKeyToPem(pair.privateKey);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const loaded = privateKeyFromPem(pem);
    const message = Buffer.from('batch bytes');
    expect(signBytes(loaded, message)).toBe(signBytes(pair.privateKey, message));
    expect(verifyBytes(publicKeyFromHex(pair.publicKeyHex), message, signBytes(loaded, message))).toBe(true);
  });

  it('round-trips a public key through raw hex', () => {
    const pair = generateKeyPair();
    expect(pair.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    expect(publicKeyToHex(publicKeyFromHex(pair.publicKeyHex))).toBe(pair.publicKeyHex);
    expect(generateKeyPair().publicKeyHex).not.toBe(pair.publicKeyHex);
  });

  it('refuses malformed public keys and seeds', () => {
    const hex = generateKeyPair().publicKeyHex;
    expect(() => publicKeyFromHex(hex.toUpperCase())).toThrow(/64 lowercase hex/);
    expect(() => publicKeyFromHex(hex.slice(2))).toThrow(/64 lowercase hex/);
    expect(() => keyPairFromSeed('00'.repeat(31))).toThrow(/32 bytes/);
  });

  it('refuses a PEM key that is not Ed25519', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => privateKeyFromPem(pem)).toThrow(/expected an Ed25519 private key, found ec/);
  });

  it('says no to a wrong message, a wrong key and malformed signatures', () => {
    const pair = keyPairFromSeed(RFC8032_CASES[1].seed);
    const key = publicKeyFromHex(pair.publicKeyHex);
    const message = Buffer.from('72', 'hex');
    const sig = signBytes(pair.privateKey, message);
    expect(verifyBytes(key, Buffer.from('73', 'hex'), sig)).toBe(false);
    expect(verifyBytes(publicKeyFromHex(generateKeyPair().publicKeyHex), message, sig)).toBe(false);
    expect(verifyBytes(key, message, sig.toUpperCase())).toBe(false);
    expect(verifyBytes(key, message, sig.slice(0, 126))).toBe(false);
    expect(verifyBytes(key, message, `${sig}00`)).toBe(false);
  });

  it('refuses a signature whose S is not reduced mod L (RFC 8032 §5.1.7 malleability)', () => {
    const pair = keyPairFromSeed(RFC8032_CASES[0].seed);
    const key = publicKeyFromHex(pair.publicKeyHex);
    const sig = signBytes(pair.privateKey, Buffer.alloc(0));
    expect(withS(sig, (s) => s)).toBe(sig);
    expect(verifyBytes(key, Buffer.alloc(0), withS(sig, (s) => s + L))).toBe(false);
  });
});
