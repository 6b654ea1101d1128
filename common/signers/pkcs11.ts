/**
 * PKCS#11 plumbing shared by the token-backed signers: loading pkcs11js (an optional native
 * dependency, imported only when a PKCS#11 key is configured), one initialized module per library
 * path per process (PKCS#11 v2.40 §5.4: a second C_Initialize fails with
 * CKR_CRYPTOKI_ALREADY_INITIALIZED, and C_Finalize ends every session of the application), finding
 * a token by label, logging in, finding objects and generating a signing key pair. Errors are FT_ERR_KEY messages that name the
 * module, token and key label and say what to do; they never contain the PIN.
 */
import { randomBytes } from 'node:crypto';
import { FreshTrailError } from '../errors.js';
import { readSecret, secretOrigin, type SecretSource } from './secret.js';

export const DEFAULT_PIN_ENV = 'FRESHTRAIL_PKCS11_PIN';

/** A key on a PKCS#11 token, as configured (gateway.pkcs11, anchoring.headKeyPkcs11). */
export interface Pkcs11KeySpec {
  /** Path of the vendor's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  module: string;
  /** CKA_LABEL of the token (CK_TOKEN_INFO.label, trailing blanks ignored). */
  tokenLabel: string;
  /** CKA_LABEL of the key pair's objects. */
  keyLabel: string;
  /** Variable holding the user PIN; default FRESHTRAIL_PKCS11_PIN. */
  pinEnv?: string;
  /** File holding the user PIN (mode 0600); wins over pinEnv. */
  pinFile?: string;
}

/** The part of the pkcs11js API used here (typed locally so the build does not need the optional package). */
export type Handle = Buffer;
export interface Attribute {
  type: number;
  value?: number | boolean | string | Buffer;
}
export interface Pkcs11Api {
  load(path: string): void;
  close(): void;
  C_Initialize(): void;
  C_Finalize(): void;
  C_GetSlotList(tokenPresent?: boolean): Handle[];
  C_GetTokenInfo(slot: Handle): { label: string };
  C_OpenSession(slot: Handle, flags: number): Handle;
  C_CloseSession(session: Handle): void;
  C_Login(session: Handle, userType: number, pin?: string): void;
  C_FindObjectsInit(session: Handle, template: Attribute[]): void;
  C_FindObjects(session: Handle, maxObjectCount: number): Handle[];
  C_FindObjectsFinal(session: Handle): void;
  C_GetAttributeValue(session: Handle, object: Handle, template: Attribute[]): { type: number; value: Buffer }[];
  C_SignInit(session: Handle, mechanism: { mechanism: number; parameter?: Buffer }, key: Handle): void;
  C_Sign(session: Handle, inData: Buffer, outData: Buffer): Buffer;
  C_GenerateKeyPair(session: Handle, mechanism: { mechanism: number }, publicTemplate: Attribute[], privateTemplate: Attribute[]): { privateKey: Handle; publicKey: Handle };
}

// PKCS#11 v2.40 / v3.0 constants (pkcs11t.h); v3.0's Edwards-curve ones are not in pkcs11js' table.
export const CKF_RW_SESSION = 0x2;
export const CKF_SERIAL_SESSION = 0x4;
export const CKU_USER = 1;
export const CKO_PUBLIC_KEY = 2;
export const CKO_PRIVATE_KEY = 3;
export const CKA_CLASS = 0x0;
export const CKA_TOKEN = 0x1;
export const CKA_PRIVATE = 0x2;
export const CKA_LABEL = 0x3;
export const CKA_KEY_TYPE = 0x100;
export const CKA_ID = 0x102;
export const CKA_SENSITIVE = 0x103;
export const CKA_SIGN = 0x108;
export const CKA_VERIFY = 0x10a;
export const CKA_EXTRACTABLE = 0x162;
export const CKA_EC_PARAMS = 0x180;
export const CKA_EC_POINT = 0x181;
export const CKK_EC = 0x3;
export const CKK_EC_EDWARDS = 0x40; // PKCS#11 v3.0 §2.3.10
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;
export const CKM_EC_KEY_PAIR_GEN = 0x1040;
export const CKM_ECDSA = 0x1041;

/** Errors after which a new session (and login) may succeed: the token restarted, the session timed out (YubiHSM), the device was re-plugged. */
export const SESSION_LOST = new Set([
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_OBJECT_HANDLE_INVALID',
  'CKR_KEY_HANDLE_INVALID',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
]);

/** The CKR_… name of a pkcs11js error, or its message. */
export function ckr(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return /^CKR_\w+/.exec(message)?.[0] ?? message.split('\n')[0]!;
}

type Pkcs11Package = { PKCS11: new () => Pkcs11Api };
let packagePromise: Promise<Pkcs11Package> | undefined;

async function pkcs11Package(): Promise<Pkcs11Package> {
  const name = 'pkcs11js'; // a variable specifier: the optional package is resolved at run time only
  packagePromise ??= import(name).then(
    (mod: { default?: Pkcs11Package } & Partial<Pkcs11Package>) => (mod.PKCS11 ? (mod as Pkcs11Package) : mod.default!),
    (err: unknown) => {
      packagePromise = undefined;
      throw new FreshTrailError('FT_ERR_KEY', `PKCS#11 keys need the npm package pkcs11js (an optional dependency that did not install: ${ckr(err)}); run \`npm install pkcs11js\` (it builds with node-gyp: needs python3, make and g++)`);
    },
  );
  return packagePromise;
}

interface LoadedModule {
  api: Pkcs11Api;
  refs: number;
}
const modules = new Map<string, LoadedModule>();

/** The initialized library at `path`, shared by every signer of this process; pair each call with {@link releaseModule}. */
export async function acquireModule(path: string): Promise<Pkcs11Api> {
  const { PKCS11 } = await pkcs11Package();
  const loaded = modules.get(path);
  if (loaded) {
    loaded.refs++;
    return loaded.api;
  }
  const api = new PKCS11();
  try {
    api.load(path);
  } catch (err) {
    throw new FreshTrailError('FT_ERR_KEY', `PKCS#11 module ${path} cannot be loaded (${ckr(err)}): install the token's PKCS#11 library (SoftHSM2: apt-get install softhsm2, module /usr/lib/softhsm/libsofthsm2.so) and set module to its path`);
  }
  try {
    api.C_Initialize();
  } catch (err) {
    if (ckr(err) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      api.close();
      throw new FreshTrailError('FT_ERR_KEY', `PKCS#11 module ${path} failed to initialize (${ckr(err)}); for SoftHSM2 check that SOFTHSM2_CONF names a readable softhsm2.conf whose tokendir exists`);
    }
  }
  modules.set(path, { api, refs: 1 });
  return api;
}

export function releaseModule(path: string): void {
  const loaded = modules.get(path);
  if (!loaded || --loaded.refs > 0) return;
  modules.delete(path);
  try {
    loaded.api.C_Finalize();
    loaded.api.close();
  } catch {
    // Finalizing a library that lost its device: nothing left to release.
  }
}

export function pinSource(spec: Pkcs11KeySpec): SecretSource {
  return { env: spec.pinEnv, file: spec.pinFile, defaultEnv: DEFAULT_PIN_ENV, what: `user PIN of PKCS#11 token '${spec.tokenLabel}'` };
}

/** Opens a session on the token labelled spec.tokenLabel and logs in as the user. */
export function openUserSession(api: Pkcs11Api, spec: Pkcs11KeySpec, pin: string, readWrite = false): Handle {
  const labels: string[] = [];
  let slot: Handle | undefined;
  for (const s of api.C_GetSlotList(true)) {
    const label = api.C_GetTokenInfo(s).label.replace(/[ \0]+$/, '');
    labels.push(label);
    if (label === spec.tokenLabel) {
      slot = s;
      break;
    }
  }
  if (slot === undefined) {
    const present = labels.filter((l) => l !== '').map((l) => `'${l}'`);
    throw new FreshTrailError(
      'FT_ERR_KEY',
      `no PKCS#11 token labelled '${spec.tokenLabel}' in module ${spec.module} (tokens present: ${present.length > 0 ? present.join(', ') : 'none'}); check tokenLabel, or initialize a token (SoftHSM2: softhsm2-util --init-token --free --label ${spec.tokenLabel})`,
    );
  }
  const session = api.C_OpenSession(slot, CKF_SERIAL_SESSION | (readWrite ? CKF_RW_SESSION : 0));
  try {
    api.C_Login(session, CKU_USER, pin);
  } catch (err) {
    const code = ckr(err);
    if (code === 'CKR_USER_ALREADY_LOGGED_IN') return session; // another signer of this process logged in to the token (login is per application)
    api.C_CloseSession(session);
    const origin = secretOrigin(pinSource(spec));
    if (code === 'CKR_PIN_INCORRECT' || code === 'CKR_PIN_LEN_RANGE') {
      throw new FreshTrailError('FT_ERR_KEY', `the PIN from ${origin} is wrong for PKCS#11 token '${spec.tokenLabel}' (${code}); fix it before retrying: tokens lock the PIN after a few wrong tries`);
    }
    if (code === 'CKR_PIN_LOCKED') throw new FreshTrailError('FT_ERR_KEY', `the user PIN of PKCS#11 token '${spec.tokenLabel}' is locked (${code}); the security officer must reset it (SoftHSM2: softhsm2-util --init-pin)`);
    throw new FreshTrailError('FT_ERR_KEY', `login to PKCS#11 token '${spec.tokenLabel}' failed (${code})`);
  }
  return session;
}

export function findObjects(api: Pkcs11Api, session: Handle, template: Attribute[]): Handle[] {
  api.C_FindObjectsInit(session, template);
  try {
    return api.C_FindObjects(session, 16);
  } finally {
    api.C_FindObjectsFinal(session);
  }
}

/** A CK_ULONG attribute (native byte order, 4 or 8 bytes; only little-endian hosts are supported). */
export function ulongAttribute(api: Pkcs11Api, session: Handle, object: Handle, type: number): number {
  const [attr] = api.C_GetAttributeValue(session, object, [{ type }]);
  const value = attr!.value;
  return value.length >= 4 ? value.readUInt32LE(0) : value[0]!;
}

export function bytesAttribute(api: Pkcs11Api, session: Handle, object: Handle, type: number): Buffer {
  return api.C_GetAttributeValue(session, object, [{ type }])[0]!.value;
}

/** An elliptic-curve signing key pair for {@link generateEcKeyPair}. */
export interface EcKeyPairKind {
  /** CKA_KEY_TYPE: CKK_EC or CKK_EC_EDWARDS. */
  keyType: number;
  /** The key-pair generation mechanism, e.g. CKM_EC_KEY_PAIR_GEN. */
  mechanism: number;
  /** CKA_EC_PARAMS: the DER OID of the curve. */
  ecParams: Buffer;
  /** The key in an error message, e.g. "an Ed25519 key". */
  name: string;
  /** What the token must support, said when generation fails. */
  needs: string;
}

/**
 * Generates a key pair on the token labelled spec.tokenLabel: both objects are token objects
 * carrying keyLabel and one random CKA_ID, the private key is sensitive and not extractable.
 * Refuses a label already in use. Returns the new public key's CKA_EC_POINT.
 */
export async function generateEcKeyPair(spec: Pkcs11KeySpec, env: NodeJS.ProcessEnv, kind: EcKeyPairKind): Promise<Buffer> {
  const pin = readSecret(pinSource(spec), env);
  const api = await acquireModule(spec.module);
  try {
    const session = openUserSession(api, spec, pin, true);
    try {
      if (findObjects(api, session, [{ type: CKA_LABEL, value: spec.keyLabel }]).length > 0) {
        throw new FreshTrailError('FT_ERR_KEY', `PKCS#11 token '${spec.tokenLabel}' already holds objects labelled '${spec.keyLabel}'; refusing to add a second key under that label (choose another --key-label)`);
      }
      const common = [
        { type: CKA_TOKEN, value: true },
        { type: CKA_LABEL, value: spec.keyLabel },
        { type: CKA_ID, value: randomBytes(16) },
        { type: CKA_KEY_TYPE, value: kind.keyType },
      ];
      let pair;
      try {
        pair = api.C_GenerateKeyPair(
          session,
          { mechanism: kind.mechanism },
          [...common, { type: CKA_CLASS, value: CKO_PUBLIC_KEY }, { type: CKA_VERIFY, value: true }, { type: CKA_EC_PARAMS, value: kind.ecParams }],
          [...common, { type: CKA_CLASS, value: CKO_PRIVATE_KEY }, { type: CKA_SIGN, value: true }, { type: CKA_PRIVATE, value: true }, { type: CKA_SENSITIVE, value: true }, { type: CKA_EXTRACTABLE, value: false }],
        );
      } catch (err) {
        throw new FreshTrailError('FT_ERR_KEY', `PKCS#11 token '${spec.tokenLabel}' cannot generate ${kind.name} (${ckr(err)}); ${kind.needs}`);
      }
      return bytesAttribute(api, session, pair.publicKey, CKA_EC_POINT);
    } finally {
      api.C_CloseSession(session);
    }
  } finally {
    releaseModule(spec.module);
  }
}
