/**
 * The browser verifier's parts, checked in Node against the originals: the node:crypto shim
 * (@noble) against node:crypto on the protocol's test vectors, and the hand ABI encoding of
 * heads(uint64) against ethers with the contract's own ABI. The whole verifier runs in
 * Chromium in test/dashboard/dashboard.e2e.test.ts.
 */
import * as nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Interface } from 'ethers';
import { describe, expect, it } from 'vitest';
import { publicKeyFromHex, verifyBytes } from '../protocol/keys.js';
import * as shim from './src/verify/node-crypto.js';
import { chainReader, decodeHead, headsCallData, selector } from './src/verify/chain-reader.js';

const vectors = (name: string) => JSON.parse(readFileSync(new URL(`../protocol/vectors/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const batches = vectors('batches.json').batches as Array<{ name: string; canonicalHex: string; id: string; sig: string; publicKey: string }>;

describe('the node:crypto shim of the browser verifier', () => {
  it('hashes as node:crypto does, in one or several updates, as bytes or hex', () => {
    for (const b of batches) {
      const bytes = Buffer.from(b.canonicalHex, 'hex');
      expect(shim.createHash('sha256').update(bytes).digest('hex')).toBe(b.id);
      expect(shim.createHash('sha256').update(bytes.subarray(0, 5)).update(bytes.subarray(5)).digest().equals(nodeCrypto.createHash('sha256').update(bytes).digest())).toBe(true);
    }
    expect(shim.createHash('sha256').update('abc').digest('hex')).toBe(nodeCrypto.createHash('sha256').update('abc').digest('hex'));
    expect(() => shim.createHash('md5')).toThrow(/sha256 only/);
  });

  it('verifies the vector signatures and refuses altered messages, signatures and keys as node:crypto does', () => {
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) {
      const message = Buffer.from(b.canonicalHex, 'hex');
      const der = publicKeyFromHex(b.publicKey).export({ format: 'der', type: 'spki' });
      const key = shim.createPublicKey({ key: der, format: 'der', type: 'spki' });
      expect(Buffer.from(key.export()).equals(der)).toBe(true);
      const sig = Buffer.from(b.sig, 'hex');
      expect(shim.verify(null, message, key, sig)).toBe(true);
      expect(verifyBytes(publicKeyFromHex(b.publicKey), message, b.sig)).toBe(true);
      const altered = Buffer.from(message);
      altered[altered.length - 2]! ^= 1;
      expect(shim.verify(null, altered, key, sig)).toBe(nodeCrypto.verify(null, altered, publicKeyFromHex(b.publicKey), sig));
      const badSig = Buffer.from(sig);
      badSig[0]! ^= 0x80;
      expect(shim.verify(null, message, key, badSig)).toBe(false);
      expect(shim.verify(null, message, key, sig.subarray(1))).toBe(false);
    }
  });

  it('holds no private keys: signing is refused', () => {
    expect(() => shim.sign()).toThrow(/does not sign/);
    expect(shim.randomBytes(32)).toHaveLength(32);
  });
});

describe('the browser ChainReader (eth_call by hand)', () => {
  const abi = (JSON.parse(readFileSync(new URL('../contracts/FreshTrailAnchor.json', import.meta.url), 'utf8')) as { abi: unknown[] }).abi;
  const iface = new Interface(abi as never);

  it('encodes heads(epoch) exactly as ethers does with the contract ABI', () => {
    expect(selector('heads(uint64)')).toBe(iface.getFunction('heads')!.selector);
    for (const epoch of [0, 1, 7, 255, 65_536, 2 ** 40]) expect(headsCallData(epoch)).toBe(iface.encodeFunctionData('heads', [epoch]));
    expect(() => headsCallData(-1)).toThrow();
  });

  it('decodes the bytes32 answer, the zero hash as not anchored', () => {
    const head = `0x${'ab'.repeat(32)}`;
    expect(decodeHead(iface.encodeFunctionResult('heads', [head]))).toBe(head);
    expect(decodeHead(`0x${'0'.repeat(64)}`)).toBeNull();
    expect(() => decodeHead('0x')).toThrow(/not a bytes32/);
  });

  it('reads through the node only anchors of the node\'s chain', async () => {
    const calls: Array<[string, unknown[]]> = [];
    const reader = chainReader(async (method, params) => {
      calls.push([method, params]);
      return method === 'eth_chainId' ? '0x7a69' : `0x${'cd'.repeat(32)}`;
    });
    expect(await reader('31337', '0x' + '11'.repeat(20), 3)).toBe(`0x${'cd'.repeat(32)}`);
    expect(await reader('1', '0x' + '11'.repeat(20), 3)).toBeUndefined();
    expect(calls.filter(([m]) => m === 'eth_chainId')).toHaveLength(1);
    expect(calls[1]).toEqual(['eth_call', [{ to: '0x' + '11'.repeat(20), data: headsCallData(3) }, 'latest']]);
  });
});
