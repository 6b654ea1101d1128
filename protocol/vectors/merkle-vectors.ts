/**
 * Builds merkle.json: RFC 9162 trees of several sizes with their roots, an inclusion proof for
 * every leaf, consistency proofs, tampered proofs that must fail, and the known answers published
 * with transparency-dev/merkle (proof/verify_test.go), which the first eight leaves reproduce.
 */
import { consistencyProof, inclusionProof, leafHash, merkleRoot, verifyConsistency, verifyInclusion } from '../merkle.js';

/** The RFC 6962 test leaves used by Certificate Transparency and transparency-dev/merkle. */
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];

/** Leaf data: the eight CT leaves, then UTF-8 "FreshTrail leaf <i>" up to 16 leaves. */
export function leafData(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => (i < CT_LEAVES.length ? Buffer.from(CT_LEAVES[i]!, 'hex') : Buffer.from(`FreshTrail leaf ${i}`, 'utf8')));
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const TREE_SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 16];
const CONSISTENCY_PAIRS: Array<[number, number]> = [
  [1, 1], [1, 2], [1, 8], [2, 5], [3, 7], [4, 8], [5, 16], [6, 7], [6, 8], [7, 8], [7, 16], [8, 16], [15, 16], [16, 16],
];

/**
 * Known answers copied from transparency-dev/merkle proof/verify_test.go (leaf numbers there are
 * 1-based; here leafIndex is 0-based). Roots are of the first n CT leaves.
 */
const KNOWN_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const KNOWN_INCLUSION = [
  { leafIndex: 0, treeSize: 1, hashes: [] },
  { leafIndex: 0, treeSize: 8, hashes: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { leafIndex: 5, treeSize: 8, hashes: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { leafIndex: 2, treeSize: 3, hashes: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  { leafIndex: 1, treeSize: 5, hashes: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
];
const KNOWN_CONSISTENCY = [
  { oldSize: 1, newSize: 1, proof: [] },
  { oldSize: 1, newSize: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { oldSize: 6, newSize: 8, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { oldSize: 2, newSize: 5, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  { oldSize: 6, newSize: 7, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
];

function rootOf(n: number): string {
  return hex(merkleRoot(leafData(n)));
}

/** Flips bit 3 of the first byte of hashes[i], as transparency-dev's corrupted probes do. */
function flipped(hashes: string[], i: number): string[] {
  return hashes.map((h, j) => (j === i ? (parseInt(h.slice(0, 2), 16) ^ 8).toString(16).padStart(2, '0') + h.slice(2) : h));
}

interface InvalidInclusion {
  kind: 'inclusion';
  description: string;
  leaf: string;
  leafIndex: number;
  treeSize: number;
  hashes: string[];
  root: string;
}

interface InvalidConsistency {
  kind: 'consistency';
  description: string;
  oldSize: number;
  newSize: number;
  oldRoot: string;
  newRoot: string;
  proof: string[];
}

function invalidCases(): Array<InvalidInclusion | InvalidConsistency> {
  const leaves = leafData(7);
  const root7 = rootOf(7);
  const p = inclusionProof(leaves, 4);
  const c = consistencyProof(leafData(16), 6);
  const [root6, root16] = [rootOf(6), rootOf(16)];
  const inclusion = (description: string, leafIndex: number, treeSize: number, hashes: string[], root = root7, leaf = leaves[4]!): InvalidInclusion => ({
    kind: 'inclusion', description, leaf: hex(leaf), leafIndex, treeSize, hashes, root,
  });
  const consistency = (description: string, oldSize: number, newSize: number, proof: string[], oldRoot = root6, newRoot = root16): InvalidConsistency => ({
    kind: 'consistency', description, oldSize, newSize, oldRoot, newRoot, proof,
  });
  return [
    inclusion('a bit flipped in hashes[1]', 4, 7, flipped(p.hashes, 1)),
    inclusion('leafIndex + 1', 5, 7, p.hashes),
    inclusion('leafIndex ≥ treeSize', 7, 7, p.hashes),
    inclusion('treeSize × 2', 4, 14, p.hashes),
    inclusion('last hash removed', 4, 7, p.hashes.slice(0, -1)),
    inclusion('the root appended', 4, 7, [...p.hashes, root7]),
    inclusion('hash in upper case', 4, 7, [p.hashes[0]!.toUpperCase(), ...p.hashes.slice(1)]),
    inclusion('hash with a trailing newline', 4, 7, [`${p.hashes[0]!}\n`, ...p.hashes.slice(1)]),
    inclusion('wrong leaf data', 4, 7, p.hashes, root7, leaves[3]!),
    inclusion('the root of the 0-leaf tree as root', 4, 7, p.hashes, hex(merkleRoot([]))),
    consistency('a bit flipped in proof[0]', 6, 16, flipped(c, 0)),
    consistency('oldSize + 1', 7, 16, c),
    consistency('roots swapped', 6, 16, c, root16, root6),
    consistency('empty proof for different sizes', 6, 16, []),
    consistency('proof[0] repeated in front', 6, 16, [c[0]!, ...c]),
    consistency('last hash removed', 6, 16, c.slice(0, -1)),
    consistency('hash with a trailing newline', 6, 16, [...c.slice(0, -1), `${c[c.length - 1]!}\n`]),
    consistency('oldSize 0 (not defined here)', 0, 16, [], hex(merkleRoot([]))),
    consistency('oldSize > newSize', 16, 6, c, root16, root6),
  ];
}

export function buildMerkle(): object {
  const trees = TREE_SIZES.map((n) => {
    const leaves = leafData(n);
    return {
      treeSize: n,
      leaves: leaves.map(hex),
      leafHashes: leaves.map((l) => hex(leafHash(l))),
      root: rootOf(n),
      inclusion: leaves.map((_, i) => inclusionProof(leaves, i)),
    };
  });
  const consistency = CONSISTENCY_PAIRS.map(([m, n]) => ({ oldSize: m, newSize: n, oldRoot: rootOf(m), newRoot: rootOf(n), proof: consistencyProof(leafData(n), m) }));
  const invalid = invalidCases();
  for (const c of invalid) {
    const ok = c.kind === 'inclusion' ? verifyInclusion(Buffer.from(c.leaf, 'hex'), c, c.root) : verifyConsistency(c.oldSize, c.newSize, c.oldRoot, c.newRoot, c.proof);
    if (ok) throw new Error(`invalid Merkle case "${c.description}" verifies`);
  }
  checkKnownAnswers();
  return {
    description: 'RFC 9162 (SHA-256) Merkle trees. leaves are the leaf data in hex (leaf i of every tree is the same bytes); leafHashes = SHA-256(0x00 || leaf); root = MTH of the tree (SHA-256 of nothing for 0 leaves). inclusion[i] = {leafIndex, treeSize, hashes} for leaf i. consistency proofs between the trees over the first oldSize and newSize leaves. invalid: proofs that must fail. knownAnswers: published values from transparency-dev/merkle proof/verify_test.go for the same first 8 leaves.',
    trees,
    consistency,
    invalid,
    knownAnswers: { source: 'https://github.com/transparency-dev/merkle/blob/main/proof/verify_test.go', roots: KNOWN_ROOTS.map((root, i) => ({ treeSize: i + 1, root })), inclusion: KNOWN_INCLUSION, consistency: KNOWN_CONSISTENCY },
  };
}

/** The generator refuses to write vectors if the code disagrees with the published answers. */
function checkKnownAnswers(): void {
  KNOWN_ROOTS.forEach((root, i) => {
    if (rootOf(i + 1) !== root) throw new Error(`root of ${i + 1} CT leaves differs from transparency-dev`);
  });
  for (const k of KNOWN_INCLUSION) {
    const ours = inclusionProof(leafData(k.treeSize), k.leafIndex).hashes;
    if (ours.join() !== k.hashes.join()) throw new Error(`inclusion proof ${k.leafIndex}/${k.treeSize} differs from transparency-dev`);
  }
  for (const k of KNOWN_CONSISTENCY) {
    const ours = consistencyProof(leafData(k.newSize), k.oldSize);
    if (ours.join() !== k.proof.join()) throw new Error(`consistency proof ${k.oldSize}→${k.newSize} differs from transparency-dev`);
  }
}
