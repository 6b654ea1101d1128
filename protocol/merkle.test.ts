import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consistencyProof, inclusionProof, leafHash, merkleRoot, nodeHash, rootFromLeafHashes, verifyConsistency, verifyInclusion } from './merkle.js';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const leaves = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${i}`));

/**
 * An independent root computation: the left-to-right "stack of perfect subtrees" construction
 * (as a log appends), folded right to left at the end. Same root as RFC 9162 §2.1.1.
 */
function stackRoot(data: Buffer[]): string {
  if (data.length === 0) return hex(sha256());
  const stack: Array<{ size: number; hash: Buffer }> = [];
  for (const d of data) {
    let top = { size: 1, hash: sha256(Buffer.from([0]), d) };
    while (stack.length > 0 && stack[stack.length - 1]!.size === top.size) {
      const left = stack.pop()!;
      top = { size: left.size * 2, hash: sha256(Buffer.from([1]), left.hash, top.hash) };
    }
    stack.push(top);
  }
  let acc = stack.pop()!.hash;
  while (stack.length > 0) acc = sha256(Buffer.from([1]), stack.pop()!.hash, acc);
  return hex(acc);
}

/** Flips one bit of hashes[i]. */
const flip = (hashes: string[], i: number): string[] => hashes.map((h, j) => (j === i ? (parseInt(h[0]!, 16) ^ 1).toString(16) + h.slice(1) : h));

describe('RFC 9162 hashing', () => {
  it('prefixes leaves with 0x00 and nodes with 0x01', () => {
    expect(hex(leafHash(Buffer.alloc(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    const [a, b] = [leafHash(Buffer.from('a')), leafHash(Buffer.from('b'))];
    expect(hex(nodeHash(a, b))).toBe(hex(sha256(Buffer.from([1]), a, b)));
    expect(hex(merkleRoot([]))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('gives the same root as an independent construction for 0..64 leaves', () => {
    for (let n = 0; n <= 64; n++) expect(hex(merkleRoot(leaves(n)))).toBe(stackRoot(leaves(n)));
  });

  it('does not duplicate an odd last node (no CVE-2012-2459 collision)', () => {
    const three = leaves(3);
    expect(hex(merkleRoot(three))).not.toBe(hex(merkleRoot([...three, three[2]!])));
  });
});

describe('inclusion proofs, every leaf of every tree of 1..33 leaves', () => {
  for (let n = 1; n <= 33; n++) {
    it(`tree of ${n}`, () => {
      const data = leaves(n);
      const root = hex(merkleRoot(data));
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(data, i);
        expect(proof).toMatchObject({ leafIndex: i, treeSize: n });
        expect(verifyInclusion(data[i]!, proof, root)).toBe(true);
        // Tampered proofs: each must fail.
        expect(verifyInclusion(Buffer.from('other'), proof, root)).toBe(false);
        if (n > 1) expect(verifyInclusion(data[i]!, { ...proof, leafIndex: (i + 1) % n }, root)).toBe(false);
        expect(verifyInclusion(data[i]!, { ...proof, treeSize: n * 2 }, root)).toBe(false);
        expect(verifyInclusion(data[i]!, { ...proof, leafIndex: n }, root)).toBe(false);
        expect(verifyInclusion(data[i]!, { ...proof, hashes: [...proof.hashes, root] }, root)).toBe(false);
        if (proof.hashes.length > 0) {
          expect(verifyInclusion(data[i]!, { ...proof, hashes: proof.hashes.slice(1) }, root)).toBe(false);
          expect(verifyInclusion(data[i]!, { ...proof, hashes: proof.hashes.slice(0, -1) }, root)).toBe(false);
          for (let j = 0; j < proof.hashes.length; j++) expect(verifyInclusion(data[i]!, { ...proof, hashes: flip(proof.hashes, j) }, root)).toBe(false);
          expect(verifyInclusion(data[i]!, { ...proof, hashes: [proof.hashes[0]!.toUpperCase(), ...proof.hashes.slice(1)] }, root)).toBe(false);
          expect(verifyInclusion(data[i]!, { ...proof, hashes: [`${proof.hashes[0]!}0`, ...proof.hashes.slice(1)] }, root)).toBe(false);
        }
        expect(verifyInclusion(data[i]!, proof, hex(sha256()))).toBe(false);
      }
    });
  }

  it('refuses to build a proof outside the tree', () => {
    expect(() => inclusionProof([], 0)).toThrow(RangeError);
    expect(() => inclusionProof(leaves(3), 3)).toThrow(RangeError);
    expect(() => inclusionProof(leaves(3), -1)).toThrow(RangeError);
  });
});

describe('consistency proofs, every old size of every tree of 1..33 leaves', () => {
  for (let n = 1; n <= 33; n++) {
    it(`tree of ${n}`, () => {
      const data = leaves(n);
      const newRoot = hex(merkleRoot(data));
      for (let m = 1; m <= n; m++) {
        const oldRoot = hex(merkleRoot(data.slice(0, m)));
        const proof = consistencyProof(data, m);
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof)).toBe(true);
        if (m === n) {
          expect(proof).toEqual([]);
          expect(verifyConsistency(m, n, oldRoot, newRoot, [oldRoot])).toBe(false);
          continue;
        }
        expect(verifyConsistency(m, n, newRoot, oldRoot, proof)).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, newRoot, [])).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof.slice(0, -1))).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, newRoot, [...proof, newRoot])).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, newRoot, [proof[0]!, ...proof])).toBe(false);
        for (let j = 0; j < proof.length; j++) expect(verifyConsistency(m, n, oldRoot, newRoot, flip(proof, j))).toBe(false);
        if (m + 1 < n) expect(verifyConsistency(m + 1, n, oldRoot, newRoot, proof)).toBe(false);
        // A tree whose first m leaves differ is not an extension of the old tree.
        const forked = [Buffer.from('rewritten'), ...data.slice(1)];
        expect(verifyConsistency(m, n, oldRoot, hex(merkleRoot(forked)), consistencyProof(forked, m))).toBe(false);
      }
    });
  }

  it('refuses sizes outside 1..newSize', () => {
    const data = leaves(4);
    const root = hex(merkleRoot(data));
    expect(() => consistencyProof(data, 0)).toThrow(RangeError);
    expect(() => consistencyProof(data, 5)).toThrow(RangeError);
    expect(verifyConsistency(0, 4, hex(sha256()), root, [])).toBe(false);
    expect(verifyConsistency(5, 4, root, root, [])).toBe(false);
    expect(verifyConsistency(4, 4, 'not hex', 'not hex', [])).toBe(false);
  });
});

/**
 * Trees far beyond memory where every leaf is the same bytes: a subtree's hash then depends only
 * on its size, so proofs can be built from sizes alone. This checks the verifiers at sizes
 * above 2^32, where 32-bit bitwise arithmetic would go wrong.
 */
describe('huge uniform trees', () => {
  const memo = new Map<number, Buffer>();
  const split = (n: number): number => {
    let k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  };
  const sizeHash = (n: number): Buffer => {
    const known = memo.get(n);
    if (known) return known;
    const h = n === 1 ? leafHash(Buffer.from('x')) : nodeHash(sizeHash(split(n)), sizeHash(n - split(n)));
    memo.set(n, h);
    return h;
  };
  const path = (m: number, n: number): Buffer[] => {
    if (n <= 1) return [];
    const k = split(n);
    return m < k ? [...path(m, k), sizeHash(n - k)] : [...path(m - k, n - k), sizeHash(k)];
  };
  const subproof = (m: number, n: number, b: boolean): Buffer[] => {
    if (m === n) return b ? [] : [sizeHash(n)];
    const k = split(n);
    return m <= k ? [...subproof(m, k, b), sizeHash(n - k)] : [...subproof(m - k, n - k, false), sizeHash(k)];
  };

  it('agrees with the real tree code at small sizes', () => {
    const data = Array.from({ length: 13 }, () => Buffer.from('x'));
    expect(hex(sizeHash(13))).toBe(hex(rootFromLeafHashes(data.map(leafHash))));
    expect(path(6, 13).map(hex)).toEqual(inclusionProof(data, 6).hashes);
    expect(subproof(5, 13, true).map(hex)).toEqual(consistencyProof(data, 5));
  });

  it.each([
    [3 * 2 ** 31, 3 * 2 ** 31 + 1],
    [2 ** 32, 2 ** 32 + 5],
    [2 ** 40 + 3, 2 ** 41 + 17],
    [Number.MAX_SAFE_INTEGER - 2, Number.MAX_SAFE_INTEGER],
  ])('consistency %d → %d and inclusion of the last old leaf', (m, n) => {
    expect(verifyConsistency(m, n, hex(sizeHash(m)), hex(sizeHash(n)), subproof(m, n, true).map(hex))).toBe(true);
    expect(verifyConsistency(m, n, hex(sizeHash(m)), hex(sizeHash(n)), subproof(m, n, true).slice(1).map(hex))).toBe(false);
    const proof = { leafIndex: m - 1, treeSize: n, hashes: path(m - 1, n).map(hex) };
    expect(verifyInclusion(Buffer.from('x'), proof, hex(sizeHash(n)))).toBe(true);
    // (Neighbouring indices can share a proof here, since all leaves are equal; change a hash instead.)
    expect(verifyInclusion(Buffer.from('x'), { ...proof, hashes: flip(proof.hashes, proof.hashes.length - 1) }, hex(sizeHash(n)))).toBe(false);
  });
});
