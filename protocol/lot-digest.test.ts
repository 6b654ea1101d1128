/**
 * Lot evidence headers against fixed vectors. The expected digests were cross-checked with
 * `printf '%s' '<json>' | sha256sum` (and `printf '\x00'` before the header for the leaf hash),
 * so they do not merely repeat the code.
 */
import { describe, expect, it } from 'vitest';
import { buildLotHeader, eventDigest, lotHeaderBytes, lotLeafHash, newSalt, sameLotEvidence } from './lot-digest.js';
import { GENESIS_HEAD_HASH, headHash } from './epoch-head.js';
import { inclusionProof, merkleRoot, verifyInclusion } from './merkle.js';

const packing = { eventId: 'ev-1', eventTime: 1000, cte: 'initial_packing', lots: [{ tlc: 'LOT-1' }] };
const shipping = { eventId: 'ev-2', eventTime: 1000, cte: 'shipping', lots: [{ tlc: 'LOT-1', quantity: 2.5 }], contacts: { name: 'Maria Lopez' } };
const batches = [
  { gateway: 'gw-b', seq: 7, id: 'bb'.repeat(32) },
  { gateway: 'gw-a', seq: 3, id: 'aa'.repeat(32) },
];
const salt = '11'.repeat(32);

const PACKING_DIGEST = 'f706fd7b54560cfa41270ca0ebb77a8344be7a01be503d21295d09ff7de2de62';
const SHIPPING_DIGEST = '418084bc5ac35a6642dfc52cec9e5677575de4934d42509693a5d8fd05c19432';
const HEADER_JSON =
  `{"batches":[{"gateway":"gw-a","id":"${'a'.repeat(64)}","seq":3},{"gateway":"gw-b","id":"${'b'.repeat(64)}","seq":7}],` +
  `"events":["${PACKING_DIGEST}","${SHIPPING_DIGEST}"],"lot":"LOT-1","salt":"${'1'.repeat(64)}","v":1}`;
const LEAF_HASH = 'eecb2faa3a6bc981d7f34cde9ba722be396993971969d845267a7b8654a315df';

describe('lot evidence headers', () => {
  it('digests each event\'s canonical JSON without contacts', () => {
    expect(eventDigest(packing)).toBe(PACKING_DIGEST);
    expect(eventDigest(shipping)).toBe(SHIPPING_DIGEST);
    // Erasing the contacts changes nothing a leaf committed to.
    expect(eventDigest({ ...shipping, contacts: {} })).toBe(SHIPPING_DIGEST);
  });

  it('orders events by (eventTime, eventId) and batches by gateway; canonical bytes and leaf hash match the vector', () => {
    const header = buildLotHeader({ lot: 'LOT-1', salt, events: [shipping, packing], batches });
    expect(header.events).toEqual([PACKING_DIGEST, SHIPPING_DIGEST]);
    expect(header.batches.map((b) => b.gateway)).toEqual(['gw-a', 'gw-b']);
    expect(lotHeaderBytes(header).toString('utf8')).toBe(HEADER_JSON);
    expect(lotLeafHash(header).toString('hex')).toBe(LEAF_HASH);
  });

  it('a fresh salt changes the leaf but not the evidence', () => {
    const a = buildLotHeader({ lot: 'LOT-1', events: [packing], batches });
    const b = buildLotHeader({ lot: 'LOT-1', events: [packing], batches });
    expect(a.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(a.salt).not.toBe(b.salt);
    expect(lotLeafHash(a)).not.toEqual(lotLeafHash(b));
    expect(sameLotEvidence(a, b)).toBe(true);
    expect(sameLotEvidence(a, buildLotHeader({ lot: 'LOT-1', events: [packing, shipping], batches }))).toBe(false);
    expect(sameLotEvidence(a, buildLotHeader({ lot: 'LOT-1', events: [packing], batches: [{ ...batches[0]!, seq: 8 }, batches[1]!] }))).toBe(false);
  });

  it('refuses a malformed salt and two batches of one gateway', () => {
    expect(() => buildLotHeader({ lot: 'L', salt: 'AB'.repeat(32), events: [], batches: [] })).toThrow(/salt/);
    expect(() => buildLotHeader({ lot: 'L', salt: newSalt(), events: [], batches: [batches[0]!, batches[0]!] })).toThrow(/twice/);
  });

  it('a header is a leaf of an RFC 9162 tree: its inclusion proof verifies against the root', () => {
    const header = buildLotHeader({ lot: 'LOT-1', salt, events: [packing], batches });
    const leaves = [Buffer.from('x'), lotHeaderBytes(header), Buffer.from('y')];
    const root = merkleRoot(leaves).toString('hex');
    expect(verifyInclusion(lotHeaderBytes(header), inclusionProof(leaves, 1), root)).toBe(true);
  });

  it('gives the example epoch of docs/anchoring.md "Epochs"', () => {
    const lot1 = buildLotHeader({ lot: 'LOT-1', salt, events: [shipping, packing], batches });
    const lot2 = buildLotHeader({ lot: 'LOT-2', salt: '22'.repeat(32), events: [packing], batches: [] });
    const leaves = [lotHeaderBytes(lot1), lotHeaderBytes(lot2)];
    const root = merkleRoot(leaves).toString('hex');
    expect(root).toBe('0a94093b7588fed878d99d9b7f0f219cefe35989bb54fe1f8dac6a1b8236828f');
    expect(inclusionProof(leaves, 0).hashes).toEqual(['2ca551f724f78b8b337ace8f581771ae92d072c06b5f0a214f3ebab28b8fbf16']);
    const head = { v: 1 as const, log: 'freshtrail', epoch: 1, treeSize: 2, root, prev: GENESIS_HEAD_HASH, closedAt: Date.UTC(2025, 5, 5) };
    expect(headHash(head)).toBe('547eeeb88e4529e3af5508ae9dff44c56081dcfabb1c651d4ff10c9787896713');
  });
});
