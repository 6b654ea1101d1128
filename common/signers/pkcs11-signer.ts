/**
 * Ed25519 keys inside a PKCS#11 token (SoftHSM2, a YubiHSM 2, a TPM through tpm2-pkcs11, a
 * smart-card HSM): the private key never leaves the token, which signs with CKM_EDDSA
 * (PKCS#11 v3.0 §2.3.14, pure Ed25519 without parameters). The key pair is found by CKA_LABEL;
 * the public key's CKA_EC_POINT (a DER OCTET STRING whose last 32 bytes are the RFC 8032 key)
 * gives publicKeyHex. pkcs11js calls the token synchronously, so sign() is synchronous.
 */
import { verify } from 'node:crypto';
import { publicKeyFromHex } from '../../protocol/keys.js';
import { FreshTrailError } from '../errors.js';
import type { Ed25519Signer } from './signer.js';
import { describeKey, findOneKey, Pkcs11KeySession } from './pkcs11-key-session.js';
import {
  bytesAttribute,
  CKA_CLASS,
  CKA_EC_POINT,
  CKA_KEY_TYPE,
  CKA_LABEL,
  CKK_EC_EDWARDS,
  CKM_EC_EDWARDS_KEY_PAIR_GEN,
  CKM_EDDSA,
  CKO_PRIVATE_KEY,
  CKO_PUBLIC_KEY,
  findObjects,
  generateEcKeyPair,
  ulongAttribute,
  type Handle,
  type Pkcs11Api,
  type Pkcs11KeySpec,
} from './pkcs11.js';

/** DER of OID 1.3.101.112 (id-Ed25519, RFC 8410 §3): CKA_EC_PARAMS of an Ed25519 key. */
const ED25519_EC_PARAMS = Buffer.from('06032b6570', 'hex');
const SELF_TEST = Buffer.from('freshtrail-pkcs11-self-test', 'utf8');

/** CKA_EC_POINT → raw 32-byte key: a DER OCTET STRING (04 20 ‖ key) by the spec, raw bytes on some older tokens. */
function rawEdwardsPoint(point: Buffer, spec: Pkcs11KeySpec): Buffer {
  if (point.length === 34 && point[0] === 0x04 && point[1] === 0x20) return point.subarray(2);
  if (point.length === 32) return point;
  throw new FreshTrailError('FT_ERR_KEY', `${describeKey(spec)}: the public key's CKA_EC_POINT (${point.length} bytes) is not an Ed25519 point`);
}

interface OpenKey {
  session: Handle;
  privateKey: Handle;
  publicKeyHex: string;
}

function openKey(api: Pkcs11Api, session: Handle, spec: Pkcs11KeySpec): OpenKey {
  const privateKey = findOneKey(api, session, spec, CKO_PRIVATE_KEY, `freshtrail keygen --pkcs11-module ${spec.module} --token ${spec.tokenLabel} --key-label ${spec.keyLabel}`);
  const keyType = ulongAttribute(api, session, privateKey, CKA_KEY_TYPE);
  if (keyType !== CKK_EC_EDWARDS) {
    throw new FreshTrailError('FT_ERR_KEY', `the key labelled '${spec.keyLabel}' on PKCS#11 token '${spec.tokenLabel}' is not an Ed25519 key (CKA_KEY_TYPE 0x${keyType.toString(16)}, expected CKK_EC_EDWARDS 0x40)`);
  }
  const publicKeys = findObjects(api, session, [
    { type: CKA_CLASS, value: CKO_PUBLIC_KEY },
    { type: CKA_LABEL, value: spec.keyLabel },
  ]);
  if (publicKeys.length !== 1) {
    throw new FreshTrailError(
      'FT_ERR_KEY',
      `PKCS#11 token '${spec.tokenLabel}' holds ${publicKeys.length} public keys labelled '${spec.keyLabel}', expected one: the public key gives the key id the ingest enrolls; keep it on the token next to the private key with the same label`,
    );
  }
  const raw = rawEdwardsPoint(bytesAttribute(api, session, publicKeys[0]!, CKA_EC_POINT), spec);
  const opened = { session, privateKey, publicKeyHex: raw.toString('hex') };
  // A public key with the same label but from another pair would make every batch fail at the ingest: check once here.
  if (!verify(null, SELF_TEST, publicKeyFromHex(opened.publicKeyHex), signOnce(api, opened, SELF_TEST))) {
    throw new FreshTrailError('FT_ERR_KEY', `the private and public keys labelled '${spec.keyLabel}' on PKCS#11 token '${spec.tokenLabel}' are not one key pair`);
  }
  return opened;
}

function signOnce(api: Pkcs11Api, key: OpenKey, message: Uint8Array): Buffer {
  api.C_SignInit(key.session, { mechanism: CKM_EDDSA }, key.privateKey);
  return api.C_Sign(key.session, Buffer.from(message.buffer, message.byteOffset, message.byteLength), Buffer.alloc(64));
}

export class Pkcs11Signer extends Pkcs11KeySession<OpenKey> implements Ed25519Signer {
  readonly publicKeyHex = this.key.publicKeyHex;

  /** Opens the token's key; pair with close(). */
  static async open(spec: Pkcs11KeySpec, env: NodeJS.ProcessEnv = process.env): Promise<Pkcs11Signer> {
    return new Pkcs11Signer(spec, await Pkcs11KeySession.login(spec, env, openKey));
  }

  sign(message: Uint8Array): string {
    return this.use((api, key) => signOnce(api, key, message).toString('hex'));
  }
}

/** Generates an Ed25519 key pair on the token (CKM_EC_EDWARDS_KEY_PAIR_GEN, see generateEcKeyPair); returns the raw public key, 64 hex characters. */
export async function generatePkcs11Ed25519Key(spec: Pkcs11KeySpec, env: NodeJS.ProcessEnv = process.env): Promise<{ publicKeyHex: string }> {
  const point = await generateEcKeyPair(spec, env, {
    keyType: CKK_EC_EDWARDS,
    mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN,
    ecParams: ED25519_EC_PARAMS,
    name: 'an Ed25519 key',
    needs: 'the token needs PKCS#11 v3.0 CKM_EC_EDWARDS_KEY_PAIR_GEN (SoftHSM2 ≥ 2.5 built with OpenSSL ≥ 1.1.1)',
  });
  return { publicKeyHex: rawEdwardsPoint(point, spec).toString('hex') };
}
