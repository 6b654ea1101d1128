/**
 * The committed vector files must be exactly what the code produces today (so they never drift),
 * and each file's claims must hold when checked with the protocol functions directly. The worked
 * example of docs/protocol.md §9 must quote the vectors.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isFreshTrailError } from '../common/errors.js';
import { decodeEnvelope, verifySealedBatch, type SealedBatch } from './batch.js';
import { canonicalJson, type CanonicalValue } from './canonical.js';
import { keyPairFromSeed, publicKeyFromHex, verifyBytes } from './keys.js';
import { merkleRoot, verifyConsistency, verifyInclusion, type InclusionProof } from './merkle.js';
import { buildVectorFiles, VECTOR_FILES } from './vectors/build.js';
import { chainVerdict } from './vectors/chain-verdict.js';

const here = dirname(fileURLToPath(import.meta.url));
const vectorDir = join(here, 'vectors');
const read = (name: string): string => readFileSync(join(vectorDir, name), 'utf8');
// JSON test data, checked field by field below.
type Json = any;
const load = (name: string): Json => JSON.parse(read(name));
/** Vitest rows [name, case] from a list of cases that have a name. */
const named = (list: Json[]): Array<[string, Json]> => list.map((c) => [c.name as string, c]);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('vector files', () => {
  const built = buildVectorFiles();
  it.each(VECTOR_FILES.map((f) => [f]))('%s is exactly what generate.ts writes today (run `npm run vectors` after a deliberate change)', (name) => {
    expect(read(name)).toBe(built[name]);
  });

  it('README.md describes every file', () => {
    const readme = read('README.md');
    for (const name of VECTOR_FILES) expect(readme).toContain(`## ${name}`);
  });
});

describe('keys.json', () => {
  const keys = load('keys.json');
  it('derives each public key from its seed, and the seed from its label', () => {
    for (const k of keys.keys) {
      expect(createHash('sha256').update(k.seedLabel, 'utf8').digest('hex')).toBe(k.seed);
      expect(keyPairFromSeed(k.seed).publicKeyHex).toBe(k.publicKey);
      expect(k.spkiDerHex.endsWith(k.publicKey)).toBe(true);
      expect(k.pkcs8DerHex.endsWith(k.seed)).toBe(true);
    }
  });
  it('holds RFC 8032 answers that verify', () => {
    for (const c of keys.rfc8032) expect(verifyBytes(publicKeyFromHex(c.publicKey), Buffer.from(c.messageHex, 'hex'), c.sig)).toBe(true);
  });
});

describe('batches.json', () => {
  const { batches, rejected } = load('batches.json');
  it.each(named(batches))('%s: canonical text, bytes, id and signature agree', (_, b: Json) => {
    expect(canonicalJson(b.batch as CanonicalValue)).toBe(b.canonical);
    expect(Buffer.from(b.canonical, 'utf8').toString('hex')).toBe(b.canonicalHex);
    expect(sha256(Buffer.from(b.canonicalHex, 'hex'))).toBe(b.id);
    const key = publicKeyFromHex(b.publicKey);
    for (const text of [b.envelope, b.wire].filter((t) => t !== undefined)) {
      const sealed = decodeEnvelope(Buffer.from(text, 'utf8'));
      expect(sealed.id).toBe(b.id);
      expect(verifySealedBatch(sealed, key)).toBe(true);
    }
  });

  it('covers the edge cases the spec promises', () => {
    const names = batches.map((b: Json) => b.name);
    expect(names).toEqual(expect.arrayContaining(['minimal', 'negative-temperature', 'integer-valued-decimals', 'negative-zero', 'escaped-src', 'rh-only']));
    const byName = Object.fromEntries(batches.map((b: Json): [string, Json] => [b.name, b]));
    expect(byName['integer-valued-decimals'].wire).toContain('"tempC": 2.0');
    expect(byName['integer-valued-decimals'].canonical).toContain('"tempC":2,');
    expect(byName['negative-zero'].wire).toContain('"tempC":-0,');
    expect(byName['escaped-src'].canonical).toContain('\\"probe\\"\\\\door\\u0001\\t\\n°C');
    expect(byName['other-key'].id).toBe(byName.minimal.id);
    expect(byName['other-key'].sig).not.toBe(byName.minimal.sig);
  });

  it.each(named(rejected))('refuses %s', (_, r: Json) => {
    let code: string | undefined;
    try {
      decodeEnvelope(Buffer.from(r.wireHex, 'hex'));
    } catch (err) {
      if (isFreshTrailError(err)) code = err.code;
    }
    expect(code).toBe(r.code);
  });
});

describe('chains.json', () => {
  const chains = load('chains.json');
  const key = publicKeyFromHex(chains.publicKey);
  it('links each batch to the previous one', () => {
    chains.chain.forEach((c: Json, i: number) => {
      expect(c.seq).toBe(i + 1);
      expect(c.prev).toBe(i === 0 ? '0'.repeat(64) : chains.chain[i - 1].id);
      expect(sha256(Buffer.from(c.canonical, 'utf8'))).toBe(c.id);
    });
  });
  it.each(named(chains.cases))('%s', (_, c: Json) => {
    const accepted = new Map<number, SealedBatch>();
    for (const text of c.accepted) {
      const s = decodeEnvelope(Buffer.from(text, 'utf8'));
      accepted.set(s.batch.seq, s);
    }
    expect(chainVerdict(Buffer.from(c.wire, 'utf8'), accepted, key)).toEqual(c.expected);
  });
});

describe('canonical.json', () => {
  const { valid, refused } = load('canonical.json');
  it.each(named(valid))('%s', (_, c: Json) => {
    expect(canonicalJson(JSON.parse(c.input))).toBe(c.canonical);
  });
  it.each(named(refused))('refuses: %s', (_, c: Json) => {
    expect(() => canonicalJson(JSON.parse(c.input))).toThrow();
  });
});

describe('merkle.json', () => {
  const m = load('merkle.json');
  it('roots and every inclusion proof', () => {
    for (const t of m.trees) {
      const leaves = t.leaves.map((h: string) => Buffer.from(h, 'hex'));
      expect(merkleRoot(leaves).toString('hex')).toBe(t.root);
      t.inclusion.forEach((p: InclusionProof, i: number) => expect(verifyInclusion(leaves[i], p, t.root)).toBe(true));
    }
  });
  it('consistency proofs', () => {
    for (const c of m.consistency) expect(verifyConsistency(c.oldSize, c.newSize, c.oldRoot, c.newRoot, c.proof)).toBe(true);
  });
  it('invalid proofs fail', () => {
    for (const c of m.invalid) {
      const ok = c.kind === 'inclusion' ? verifyInclusion(Buffer.from(c.leaf, 'hex'), c, c.root) : verifyConsistency(c.oldSize, c.newSize, c.oldRoot, c.newRoot, c.proof);
      expect(ok, c.description).toBe(false);
    }
  });
  it('the published transparency-dev answers hold for our trees', () => {
    const rootBySize = new Map(m.trees.map((t: Json) => [t.treeSize, t.root]));
    for (const r of m.knownAnswers.roots) if (rootBySize.has(r.treeSize)) expect(rootBySize.get(r.treeSize)).toBe(r.root);
    const eight = m.trees.find((t: Json) => t.treeSize === 8);
    for (const k of m.knownAnswers.inclusion) {
      const leaves = eight.leaves.slice(0, k.treeSize).map((h: string) => Buffer.from(h, 'hex'));
      expect(verifyInclusion(leaves[k.leafIndex], k, m.knownAnswers.roots[k.treeSize - 1].root)).toBe(true);
    }
    for (const k of m.knownAnswers.consistency) {
      const [oldRoot, newRoot] = [m.knownAnswers.roots[k.oldSize - 1].root, m.knownAnswers.roots[k.newSize - 1].root];
      expect(verifyConsistency(k.oldSize, k.newSize, oldRoot, newRoot, k.proof)).toBe(true);
    }
  });
});

describe('docs/protocol.md §9 quotes the vectors', () => {
  const doc = readFileSync(join(here, '..', 'docs', 'protocol.md'), 'utf8');
  const minimal = load('batches.json').batches.find((b: Json) => b.name === 'minimal');
  const keyA = load('keys.json').keys.find((k: Json) => k.name === 'gateway-a');
  it.each([
    ['seed', keyA.seed],
    ['public key', keyA.publicKey],
    ['canonical text', minimal.canonical],
    ['id', minimal.id],
    ['signature', minimal.sig],
    ['envelope', minimal.envelope],
  ])('%s', (_, value: string) => {
    expect(doc).toContain(value);
  });
  it('the verifier intermediate k = SHA-512(R ‖ A ‖ M) mod L', () => {
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    const digest = createHash('sha512').update(Buffer.from(minimal.sig.slice(0, 64), 'hex')).update(Buffer.from(keyA.publicKey, 'hex')).update(Buffer.from(minimal.canonicalHex, 'hex')).digest();
    const k = BigInt(`0x${Buffer.from(digest).reverse().toString('hex')}`) % L;
    expect(doc).toContain(`k    ${k}`);
  });
  it('canonical bytes, in hex lines of 64 characters', () => {
    const lines = (minimal.canonicalHex as string).match(/.{1,64}/g)!;
    expect(doc).toContain(lines.join('\n'));
  });
});
