/**
 * Ed25519 keys and signatures (RFC 8032) through node:crypto. On the wire a public key is the
 * raw 32 bytes in lowercase hex and a signature the raw 64 bytes in lowercase hex; on disk a
 * private key is PKCS#8 PEM, the form OpenSSL and PKCS#11 tooling read.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';

// DER prefixes that wrap a raw Ed25519 key into SPKI / PKCS#8 (RFC 8410 §4, §7).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export const PUBLIC_KEY_HEX = /^[0-9a-f]{64}$/;
export const SIGNATURE_HEX = /^[0-9a-f]{128}$/;

export interface GatewayKeyPair {
  privateKey: KeyObject;
  /** Raw public key, 64 lowercase hex characters. */
  publicKeyHex: string;
}

export function generateKeyPair(): GatewayKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKeyHex: publicKeyToHex(publicKey) };
}

/** Deterministic key from a 32-byte seed (RFC 8032 §5.1.5); used for test vectors. */
export function keyPairFromSeed(seedHex: string): GatewayKeyPair {
  const seed = Buffer.from(seedHex, 'hex');
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes (64 hex characters)');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKeyHex: publicKeyToHex(createPublicKey(privateKey)) };
}

export function publicKeyToHex(key: KeyObject): string {
  const der = key.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('hex');
}

export function publicKeyFromHex(hex: string): KeyObject {
  if (!PUBLIC_KEY_HEX.test(hex)) throw new Error('an Ed25519 public key is 64 lowercase hex characters');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

export function privateKeyFromPem(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`expected an Ed25519 private key, found ${key.asymmetricKeyType ?? 'an unknown key type'}`);
  }
  return key;
}

export function privateKeyToPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function signBytes(privateKey: KeyObject, message: Uint8Array): string {
  return cryptoSign(null, message, privateKey).toString('hex');
}

/** False for a malformed signature as well as a wrong one: callers only need yes or no. */
export function verifyBytes(publicKey: KeyObject, message: Uint8Array, signatureHex: string): boolean {
  if (!SIGNATURE_HEX.test(signatureHex)) return false;
  return cryptoVerify(null, message, publicKey, Buffer.from(signatureHex, 'hex'));
}
