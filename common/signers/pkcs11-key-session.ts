/**
 * A logged-in session holding one key of a PKCS#11 token, shared by the token-backed signers
 * (pkcs11-signer.ts, pkcs11-ethereum.ts): it reads the PIN, holds the process-wide module, signs
 * with the opened key and, when the token dropped the session, logs in again once before giving up.
 * The PIN lives in a #private field, so an inspected or serialized session or signer never shows it.
 */
import { FreshTrailError } from '../errors.js';
import { readSecret } from './secret.js';
import {
  acquireModule,
  CKA_CLASS,
  CKA_LABEL,
  CKO_PRIVATE_KEY,
  ckr,
  findObjects,
  openUserSession,
  pinSource,
  releaseModule,
  SESSION_LOST,
  type Handle,
  type Pkcs11Api,
  type Pkcs11KeySpec,
} from './pkcs11.js';

/** How a key is named in logs and error messages, e.g. "pkcs11 token 'fresh' key 'gw-1'". */
export const describeKey = (spec: Pkcs11KeySpec): string => `pkcs11 token '${spec.tokenLabel}' key '${spec.keyLabel}'`;

/**
 * Finds and checks the key labelled spec.keyLabel in a logged-in session and returns it with the
 * session. Called once by login() and again after a lost session; when it throws, the caller closes the session.
 */
export type OpenKey<K extends { session: Handle }> = (api: Pkcs11Api, session: Handle, spec: Pkcs11KeySpec) => K;

/** The only key object of class `cls` (CKO_PRIVATE_KEY or CKO_PUBLIC_KEY) labelled spec.keyLabel, or FT_ERR_KEY saying what is wrong; `keygen` is the command that creates the key. */
export function findOneKey(api: Pkcs11Api, session: Handle, spec: Pkcs11KeySpec, cls: number, keygen: string): Handle {
  const kind = cls === CKO_PRIVATE_KEY ? 'private' : 'public';
  const found = findObjects(api, session, [
    { type: CKA_CLASS, value: cls },
    { type: CKA_LABEL, value: spec.keyLabel },
  ]);
  if (found.length === 0) {
    throw new FreshTrailError('FT_ERR_KEY', `no ${kind} key labelled '${spec.keyLabel}' on PKCS#11 token '${spec.tokenLabel}'; check keyLabel, or create the key on the token: ${keygen}`);
  }
  if (found.length > 1) throw new FreshTrailError('FT_ERR_KEY', `${found.length} ${kind} keys are labelled '${spec.keyLabel}' on PKCS#11 token '${spec.tokenLabel}'; give the key a unique label`);
  return found[0]!;
}

/** Logs in to the token and opens the key with `openKey`, closing the session when that fails. */
function openIn<K extends { session: Handle }>(api: Pkcs11Api, spec: Pkcs11KeySpec, pin: string, openKey: OpenKey<K>): K {
  const session = openUserSession(api, spec, pin);
  try {
    return openKey(api, session, spec);
  } catch (err) {
    api.C_CloseSession(session);
    throw err;
  }
}

/** What login() hands to the constructor: the module, the PIN for a second login, and the opened key. */
export interface LoggedIn<K extends { session: Handle }> {
  api: Pkcs11Api;
  pin: string;
  openKey: OpenKey<K>;
  key: K;
}

/**
 * Base of the token-backed signers, generic in what their openKey returns. A subclass reads its
 * public identity from `key` in a field initializer, opens with `new Sub(spec, await login(...))`,
 * and signs through use().
 */
export abstract class Pkcs11KeySession<K extends { session: Handle }> {
  // #private fields: not enumerable, so a logged or inspected signer never shows the PIN.
  readonly #api: Pkcs11Api;
  readonly #pin: string;
  readonly #openKey: OpenKey<K>;
  #key: K | undefined;

  protected constructor(readonly spec: Pkcs11KeySpec, loggedIn: LoggedIn<K>) {
    this.#api = loggedIn.api;
    this.#pin = loggedIn.pin;
    this.#openKey = loggedIn.openKey;
    this.#key = loggedIn.key;
  }

  /** Reads the PIN, acquires the module and opens the key; pair the session built from it with close(). */
  protected static async login<K extends { session: Handle }>(spec: Pkcs11KeySpec, env: NodeJS.ProcessEnv, openKey: OpenKey<K>): Promise<LoggedIn<K>> {
    const pin = readSecret(pinSource(spec), env);
    const api = await acquireModule(spec.module);
    try {
      return { api, pin, openKey, key: openIn(api, spec, pin, openKey) };
    } catch (err) {
      releaseModule(spec.module);
      throw err;
    }
  }

  /** The key as opened now; FT_ERR_KEY after close(). */
  protected get key(): K {
    if (!this.#key) throw new FreshTrailError('FT_ERR_KEY', `${this.describe()} was closed`);
    return this.#key;
  }

  /**
   * Runs `op` (a signing operation) with the key. A FreshTrailError from `op` passes through; a
   * SESSION_LOST error closes the session, opens the key once more and runs `op` again; any
   * other token error, or a second failure, becomes FT_ERR_KEY "cannot sign".
   */
  protected use<T>(op: (api: Pkcs11Api, key: K) => T): T {
    const lost = this.key;
    try {
      return op(this.#api, lost);
    } catch (err) {
      if (err instanceof FreshTrailError) throw err;
      if (!SESSION_LOST.has(ckr(err))) throw new FreshTrailError('FT_ERR_KEY', `${this.describe()} cannot sign (${ckr(err)})`);
    }
    // The session is gone (token restarted, session timeout): one new session and login, then give up.
    try {
      this.#api.C_CloseSession(lost.session);
    } catch {
      // already closed
    }
    try {
      this.#key = openIn(this.#api, this.spec, this.#pin, this.#openKey);
      return op(this.#api, this.#key);
    } catch (err) {
      if (err instanceof FreshTrailError) throw err;
      throw new FreshTrailError('FT_ERR_KEY', `${this.describe()} cannot sign after reopening its session (${ckr(err)})`);
    }
  }

  describe(): string {
    return describeKey(this.spec);
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
