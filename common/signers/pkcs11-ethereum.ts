/**
 * The anchorer's Ethereum (secp256k1) key inside a PKCS#11 token: the token signs transaction
 * hashes with CKM_ECDSA (PKCS#11 v2.40 §2.3.6: raw r ‖ s over the caller's digest, no hashing),
 * and this module turns that into an Ethereum signature: s moved to the low half (EIP-2) and the
 * recovery bit found by recovering the address. The key pair is found by CKA_LABEL; the public
 * key's CKA_EC_POINT gives the address. Session, PIN and re-login are pkcs11-key-session.ts's.
 */
import { computeAddress, copyRequest, getAddress, keccak256, recoverAddress, resolveAddress, Signature, toUtf8Bytes, Transaction, type TransactionLike, type TransactionRequest } from 'ethers';
import { FreshTrailError } from '../errors.js';
import { describeKey, findOneKey, Pkcs11KeySession } from './pkcs11-key-session.js';
import {
  bytesAttribute,
  CKA_EC_PARAMS,
  CKA_EC_POINT,
  CKA_KEY_TYPE,
  CKK_EC,
  CKK_EC_EDWARDS,
  CKM_EC_KEY_PAIR_GEN,
  CKM_ECDSA,
  CKO_PRIVATE_KEY,
  CKO_PUBLIC_KEY,
  generateEcKeyPair,
  ulongAttribute,
  type Handle,
  type Pkcs11Api,
  type Pkcs11KeySpec,
} from './pkcs11.js';

/** DER of OID 1.3.132.0.10 (secp256k1, SEC 2 §2.4.1): CKA_EC_PARAMS of an Ethereum key. */
export const SECP256K1_EC_PARAMS = Buffer.from('06052b8104000a', 'hex');
/** The group order n of secp256k1 (SEC 2 §2.4.1). */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;
const SELF_TEST = keccak256(toUtf8Bytes('freshtrail-pkcs11-ethereum-self-test'));

const keygenHint = (spec: Pkcs11KeySpec): string => `freshtrail keygen --curve secp256k1 --pkcs11-module ${spec.module} --token ${spec.tokenLabel} --key-label ${spec.keyLabel}`;

/** CKA_EC_POINT → 65-byte uncompressed point: a DER OCTET STRING (04 41 ‖ 04 X Y) by the spec, the raw point on some older tokens. */
function uncompressedPoint(point: Buffer, spec: Pkcs11KeySpec): Buffer {
  if (point.length === 67 && point[0] === 0x04 && point[1] === 0x41 && point[2] === 0x04) return point.subarray(2);
  if (point.length === 65 && point[0] === 0x04) return point;
  throw new FreshTrailError('FT_ERR_KEY', `${describeKey(spec)}: the public key's CKA_EC_POINT (${point.length} bytes) is not an uncompressed secp256k1 point`);
}

interface OpenKey {
  session: Handle;
  privateKey: Handle;
  address: string;
}

function openKey(api: Pkcs11Api, session: Handle, spec: Pkcs11KeySpec): OpenKey {
  const privateKey = findOneKey(api, session, spec, CKO_PRIVATE_KEY, keygenHint(spec));
  const keyType = ulongAttribute(api, session, privateKey, CKA_KEY_TYPE);
  if (keyType !== CKK_EC) {
    const kind = keyType === CKK_EC_EDWARDS ? 'an Ed25519 key (CKK_EC_EDWARDS)' : `of CKA_KEY_TYPE 0x${keyType.toString(16)}`;
    throw new FreshTrailError('FT_ERR_KEY', `the key labelled '${spec.keyLabel}' on PKCS#11 token '${spec.tokenLabel}' is ${kind}, not a secp256k1 key (CKK_EC); the anchorer needs an Ethereum key: ${keygenHint(spec)} with another label`);
  }
  const publicKey = findOneKey(api, session, spec, CKO_PUBLIC_KEY, keygenHint(spec));
  const params = bytesAttribute(api, session, publicKey, CKA_EC_PARAMS);
  if (!params.equals(SECP256K1_EC_PARAMS)) {
    throw new FreshTrailError('FT_ERR_KEY', `the EC key labelled '${spec.keyLabel}' on PKCS#11 token '${spec.tokenLabel}' is on another curve (CKA_EC_PARAMS ${params.toString('hex')}), not secp256k1 (${SECP256K1_EC_PARAMS.toString('hex')}); Ethereum signs with secp256k1 only`);
  }
  const address = computeAddress(`0x${uncompressedPoint(bytesAttribute(api, session, publicKey, CKA_EC_POINT), spec).toString('hex')}`);
  const opened = { session, privateKey, address };
  // A public key with the same label but from another pair would sign for another address: check once here.
  ethereumSignature(api, opened, SELF_TEST, spec);
  return opened;
}

/** r ‖ s from the token → an Ethereum signature of `digest` by key.address (low s, recovery bit found). */
function ethereumSignature(api: Pkcs11Api, key: OpenKey, digest: string, spec: Pkcs11KeySpec): Signature {
  api.C_SignInit(key.session, { mechanism: CKM_ECDSA }, key.privateKey);
  const rs = api.C_Sign(key.session, Buffer.from(digest.slice(2), 'hex'), Buffer.alloc(64));
  if (rs.length !== 64) throw new FreshTrailError('FT_ERR_KEY', `${describeKey(spec)}: CKM_ECDSA returned ${rs.length} bytes, expected r ‖ s of 64`);
  const r = `0x${rs.subarray(0, 32).toString('hex')}`;
  let s = BigInt(`0x${rs.subarray(32).toString('hex')}`);
  // EIP-2: Ethereum accepts only s ≤ n/2; (r, n − s) is the same signature with the other recovery bit.
  if (s > HALF_N) s = N - s;
  const sHex = `0x${s.toString(16).padStart(64, '0')}`;
  for (const yParity of [0, 1] as const) {
    const signature = Signature.from({ r, s: sHex, yParity });
    if (recoverAddress(digest, signature) === key.address) return signature;
  }
  throw new FreshTrailError('FT_ERR_KEY', `the private and public keys labelled '${spec.keyLabel}' on PKCS#11 token '${spec.tokenLabel}' are not one key pair (the signature does not recover to ${key.address})`);
}

/** An {@link AnchorSigner} (ingest/anchoring/anchor-target.ts) whose key stays in the token. */
export class Pkcs11EthereumSigner extends Pkcs11KeySession<OpenKey> {
  readonly address = this.key.address;

  /** Opens the token's key; pair with close(). */
  static async open(spec: Pkcs11KeySpec, env: NodeJS.ProcessEnv = process.env): Promise<Pkcs11EthereumSigner> {
    return new Pkcs11EthereumSigner(spec, await Pkcs11KeySession.login(spec, env, openKey));
  }

  /** Signs a 32-byte digest (0x hex): low s, yParity set. */
  signDigest(digest: string): Signature {
    return this.use((api, key) => ethereumSignature(api, key, digest, this.spec));
  }

  /** As ethers' BaseWallet.signTransaction: resolve `to`, check `from`, sign the unsigned hash, serialize. */
  async signTransaction(request: TransactionRequest): Promise<string> {
    const tx = copyRequest(request);
    if (tx.to != null) tx.to = await resolveAddress(tx.to);
    if (tx.from != null) {
      if (getAddress(await resolveAddress(tx.from)) !== this.address) throw new FreshTrailError('FT_ERR_KEY', `${this.describe()} signs for ${this.address}, not for tx.from ${String(tx.from)}`);
      delete tx.from;
    }
    const unsigned = Transaction.from(tx as TransactionLike<string>);
    unsigned.signature = this.signDigest(unsigned.unsignedHash);
    return unsigned.serialized;
  }
}

/** Generates a secp256k1 key pair on the token (CKM_EC_KEY_PAIR_GEN, see generateEcKeyPair); returns the key's Ethereum address (checksummed). */
export async function generatePkcs11Secp256k1Key(spec: Pkcs11KeySpec, env: NodeJS.ProcessEnv = process.env): Promise<{ address: string }> {
  const point = await generateEcKeyPair(spec, env, {
    keyType: CKK_EC,
    mechanism: CKM_EC_KEY_PAIR_GEN,
    ecParams: SECP256K1_EC_PARAMS,
    name: 'a secp256k1 key',
    needs: 'the token needs CKM_EC_KEY_PAIR_GEN with the curve secp256k1 (pkcs11-tool --module LIB -M lists the mechanisms; some HSMs must enable the curve first)',
  });
  return { address: computeAddress(`0x${uncompressedPoint(point, spec).toString('hex')}`) };
}
