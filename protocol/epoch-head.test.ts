import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHeadLink, checkSignedHead, GENESIS_HEAD_HASH, headBytes, headHash, signHead, type EpochHead } from './epoch-head.js';
import { keyPairFromSeed } from './keys.js';
import { merkleRoot } from './merkle.js';

const key = keyPairFromSeed('42'.repeat(32));
const first: EpochHead = { v: 1, log: 'freshtrail:test', epoch: 1, treeSize: 2, root: merkleRoot([Buffer.from('a'), Buffer.from('b')]).toString('hex'), prev: GENESIS_HEAD_HASH, closedAt: Date.UTC(2026, 0, 15) };
const second: EpochHead = { ...first, epoch: 2, treeSize: 0, root: createHash('sha256').digest('hex'), prev: headHash(first), closedAt: first.closedAt + 3_600_000 };

describe('epoch heads', () => {
  it('signs and hashes the canonical JSON (members sorted, no whitespace)', () => {
    expect(headBytes(first).toString()).toBe(
      `{"closedAt":${first.closedAt},"epoch":1,"log":"freshtrail:test","prev":"${GENESIS_HEAD_HASH}","root":"${first.root}","treeSize":2,"v":1}`,
    );
    expect(headHash(first)).toBe(createHash('sha256').update(headBytes(first)).digest('hex'));
    expect(checkSignedHead(signHead(first, key.privateKey), key.publicKeyHex)).toEqual([]);
  });

  it('refuses a head whose any field changed after signing, or signed by another key', () => {
    const signed = signHead(first, key.privateKey);
    for (const tampered of [{ ...first, treeSize: 3 }, { ...first, root: second.root }, { ...first, closedAt: first.closedAt + 1 }, { ...first, log: 'other' }]) {
      expect(checkSignedHead({ head: tampered, sig: signed.sig }, key.publicKeyHex)).toEqual([expect.stringMatching(/signature does not verify/)]);
    }
    expect(checkSignedHead(signed, keyPairFromSeed('43'.repeat(32)).publicKeyHex)).toHaveLength(1);
  });

  it('names shape problems before checking the signature', () => {
    const bad = { head: { ...first, epoch: 0, root: 'ABC', extra: 1 } as unknown as EpochHead, sig: '00' };
    expect(checkSignedHead(bad, key.publicKeyHex)).toEqual(['head.extra is not a head field', 'head.epoch must be an integer ≥ 1', 'head.root must be 64 lowercase hex characters']);
    expect(checkSignedHead({ head: { ...first, prev: second.root }, sig: '' }, key.publicKeyHex)).toEqual(['head.prev of epoch 1 must be 64 zeros']);
  });

  it('links each head to the hash of the one before', () => {
    expect(checkHeadLink(first, second)).toEqual([]);
    expect(checkHeadLink(first, { ...second, prev: GENESIS_HEAD_HASH })).toEqual([expect.stringMatching(/chain of heads is broken/)]);
    expect(checkHeadLink(first, { ...second, epoch: 3 })).toEqual([expect.stringMatching(/does not follow/)]);
    expect(checkHeadLink(second, first)).not.toEqual([]);
  });
});
