/**
 * Ed25519 keys inside a PKCS#11 token (SoftHSM2, a YubiHSM 2, a TPM through tpm2-pkcs11, a
 * smart-card HSM): the private key never leaves the token, which signs with CKM_EDDSA
 * (PKCS#11 v3.0 §2.3.14, pure Ed25519 without parameters). The key pair is found by CKA_LABEL;
 * the public key's CKA_EC_POINT (a DER OCTET STRING whose last 32 bytes are the RFC 8032 key)
 * gives publicKeyHex. pkcs11js calls the token synchronously, so sign() is synchronous.
 */
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { FreshTrailError } from '../errors.js';
import type { Ed25519Signer } from './signer.js';
import { readSecret } from './secret.js';
import {
  acquireModule,
  bytesAttribute,
  CKA_CLASS,
  CKA_EC_PARAMS,
  CKA_EC_POINT,
  CKA_EXTRACTABLE,
  CKA_ID,
  CKA_KEY_TYPE,
  CKA_LABEL,
  CKA_PRIVATE,
  CKA_SENSITIVE,
  CKA_SIGN,
  CKA_TOKEN,
  CKA_VERIFY,
  CKK_EC_EDWARDS,
  CKM_EC_EDWARDS_KEY_PAIR_GEN,
  CKM_EDDSA,
  CKO_PRIVATE_KEY,
  CKO_PUBLIC_KEY,
  ckr,
  findObjects,
  openUserSession,
  pinSource,
  releaseModule,
  SESSION_LOST,
  ulongAttribute,
  type Handle,
  type Pkcs11Api,
  type Pkcs11KeySpec,
} from './pkcs11.js';

/** DER of OID 1.3.101.112 (id-Ed25519, RFC 8410 §3): CKA_EC_PARAMS of an Ed25519 key. */
const ED25519_EC_PARAMS = Buffer.from('06032b6570', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const SELF_TEST = Buffer.from('freshtrail-pkcs11-self-test', 'utf8');

const where = (spec: Pkcs11KeySpec): string => `pkcs11 token '${spec.tokenLabel}' key '${spec.keyLabel}'`;

/** CKA_EC_POINT → raw 32-byte key: a DER OCTET STRING (04 20 ‖ key) by the spec, raw bytes on some older tokens. */
function rawEdwardsPoint(point: Buffer, spec: Pkcs11KeySpec): Buffer {
  if (point.length === 34 && point[0] === 0x04 && point[1] === 0x20) return point.subarray(2);
  if (point.length === 32) return point;
  throw new FreshTrailError('FT_ERR_KEY', `${where(spec)}: the public key's CKA_EC_POINT (${point.length} bytes) is not an Ed25519 point`);
}

interface OpenKey {
  session: Handle;
  privateKey: Handle;
  publicKeyHex: string;
}

function openKey(api: Pkcs11Api, spec: Pkcs11KeySpec, pin: string): OpenKey {
  const session = openUserSession(api, spec, pin);
  try {
    const privateKeys = findObjects(api, session, [
      { type: CKA_CLASS, value: CKO_PRIVATE_KEY },
      { type: CKA_LABEL, value: spec.keyLabel },
    ]);
    if (privateKeys.length === 0) {
      throw new FreshTrailError(
        'FT_ERR_KEY',
        `no private key labelled '${spec.keyLabel}' on PKCS#11 token '${spec.tokenLabel}'; check keyLabel, or create the key on the token: freshtrail keygen --pkcs11-module ${spec.module} --token ${spec.tokenLabel} --key-label ${spec.keyLabel}`,
      );
    }
    if (privateKeys.length > 1) throw new FreshTrailError('FT_ERR_KEY', `${privateKeys.length} private keys are labelled '${spec.keyLabel}' on PKCS#11 token '${spec.tokenLabel}'; give the key a unique label`);
    const privateKey = privateKeys[0]!;
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
    const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    if (!verify(null, SELF_TEST, publicKey, signOnce(api, opened, SELF_TEST))) {
      throw new FreshTrailError('FT_ERR_KEY', `the private and public keys labelled '${spec.keyLabel}' on PKCS#11 token '${spec.tokenLabel}' are not one key pair`);
    }
    return opened;
  } catch (err) {
    api.C_CloseSession(session);
    throw err;
  }
}

function signOnce(api: Pkcs11Api, key: OpenKey, message: Uint8Array): Buffer {
  api.C_SignInit(key.session, { mechanism: CKM_EDDSA }, key.privateKey);
  return api.C_Sign(key.session, Buffer.from(message.buffer, message.byteOffset, message.byteLength), Buffer.alloc(64));
}

export class Pkcs11Signer implements Ed25519Signer {
  readonly publicKeyHex: string;
  // #private fields: not enumerable, so a logged or inspected signer never shows the PIN.
  readonly #api: Pkcs11Api;
  readonly #pin: string;
  #key: OpenKey | undefined;

  private constructor(readonly spec: Pkcs11KeySpec, api: Pkcs11Api, pin: string, key: OpenKey) {
    this.#api = api;
    this.#pin = pin;
    this.#key = key;
    this.publicKeyHex = key.publicKeyHex;
  }

  /** Opens the token's key; pair with close(). */
  static async open(spec: Pkcs11KeySpec, env: NodeJS.ProcessEnv = process.env): Promise<Pkcs11Signer> {
    const pin = readSecret(pinSource(spec), env);
    const api = await acquireModule(spec.module);
    try {
      return new Pkcs11Signer(spec, api, pin, openKey(api, spec, pin));
    } catch (err) {
      releaseModule(spec.module);
      throw err;
    }
  }

  sign(message: Uint8Array): string {
    if (!this.#key) throw new FreshTrailError('FT_ERR_KEY', `${this.describe()} was closed`);
    try {
      return signOnce(this.#api, this.#key, message).toString('hex');
    } catch (err) {
      if (!SESSION_LOST.has(ckr(err))) throw new FreshTrailError('FT_ERR_KEY', `${this.describe()} cannot sign (${ckr(err)})`);
    }
    // The session is gone (token restarted, session timeout): one new session and login, then give up.
    try {
      this.#api.C_CloseSession(this.#key.session);
    } catch {
      // already closed
    }
    try {
      this.#key = openKey(this.#api, this.spec, this.#pin);
      return signOnce(this.#api, this.#key, message).toString('hex');
    } catch (err) {
      if (err instanceof FreshTrailError) throw err;
      throw new FreshTrailError('FT_ERR_KEY', `${this.describe()} cannot sign after reopening its session (${ckr(err)})`);
    }
  }

  describe(): string {
    return where(this.spec);
  }

  close(): void {
    if (!this.#key) return;
    try {
      this.#api.C_CloseSession(this.#key.session);
    } catch {
      // the token went away: nothing to close
    }
    this.#key = undefined;
    releaseModule(this.spec.module);
  }
}

/**
 * Generates an Ed25519 key pair on the token (CKM_EC_EDWARDS_KEY_PAIR_GEN): the private key is
 * sensitive and not extractable, both objects carry keyLabel and one random CKA_ID. Refuses a
 * label already in use. Returns the raw public key, 64 hex characters.
 */
export async function generatePkcs11Ed25519Key(spec: Pkcs11KeySpec, env: NodeJS.ProcessEnv = process.env): Promise<{ publicKeyHex: string }> {
  const pin = readSecret(pinSource(spec), env);
  const api = await acquireModule(spec.module);
  try {
    const session = openUserSession(api, spec, pin, true);
    try {
      if (findObjects(api, session, [{ type: CKA_LABEL, value: spec.keyLabel }]).length > 0) {
        throw new FreshTrailError('FT_ERR_KEY', `PKCS#11 token '${spec.tokenLabel}' already holds objects labelled '${spec.keyLabel}'; refusing to add a second key under that label (choose another --key-label)`);
      }
      const id = randomBytes(16);
      const common = [
        { type: CKA_TOKEN, value: true },
        { type: CKA_LABEL, value: spec.keyLabel },
        { type: CKA_ID, value: id },
        { type: CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
      ];
      let pair;
      try {
        pair = api.C_GenerateKeyPair(
          session,
          { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
          [...common, { type: CKA_CLASS, value: CKO_PUBLIC_KEY }, { type: CKA_VERIFY, value: true }, { type: CKA_EC_PARAMS, value: ED25519_EC_PARAMS }],
          [...common, { type: CKA_CLASS, value: CKO_PRIVATE_KEY }, { type: CKA_SIGN, value: true }, { type: CKA_PRIVATE, value: true }, { type: CKA_SENSITIVE, value: true }, { type: CKA_EXTRACTABLE, value: false }],
        );
      } catch (err) {
        throw new FreshTrailError('FT_ERR_KEY', `PKCS#11 token '${spec.tokenLabel}' cannot generate an Ed25519 key (${ckr(err)}); the token needs PKCS#11 v3.0 CKM_EC_EDWARDS_KEY_PAIR_GEN (SoftHSM2 ≥ 2.5 built with OpenSSL ≥ 1.1.1)`);
      }
      return { publicKeyHex: rawEdwardsPoint(bytesAttribute(api, session, pair.publicKey, CKA_EC_POINT), spec).toString('hex') };
    } finally {
      api.C_CloseSession(session);
    }
  } finally {
    releaseModule(spec.module);
  }
}
