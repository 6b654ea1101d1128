import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyPairFromSeed } from './keys.js';
import { joinMessage, keyFingerprint, signJoin, verifyJoin } from './join.js';

// RFC 8032 §7.1 TEST 1 key: a fixed key so the fingerprint is a fixed string.
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';

describe('join proof of possession (docs/protocol.md §7.5)', () => {
  const claim = { id: 'farm-a-gw1', publicKey: PUBLIC, token: 'tok_en-123' };

  it('signs exactly "freshtrail-join-v1\\n<id>\\n<publicKey>\\n<token>" in UTF-8', () => {
    expect(joinMessage(claim).toString('utf8')).toBe(`freshtrail-join-v1\nfarm-a-gw1\n${PUBLIC}\ntok_en-123`);
    expect(joinMessage({ ...claim, id: 'zone-é' }).includes(Buffer.from('zone-é', 'utf8'))).toBe(true);
  });

  it('verifies only with the claimed key, over the claimed id and token', () => {
    const keys = keyPairFromSeed(SEED);
    expect(keys.publicKeyHex).toBe(PUBLIC);
    const signature = signJoin(keys.privateKey, claim);
    expect(verifyJoin(claim, signature)).toBe(true);
    expect(verifyJoin({ ...claim, token: 'other' }, signature)).toBe(false);
    expect(verifyJoin({ ...claim, id: 'farm-a-gw2' }, signature)).toBe(false);
    const other = keyPairFromSeed('11'.repeat(32));
    expect(verifyJoin({ ...claim, publicKey: other.publicKeyHex }, signature)).toBe(false);
    expect(verifyJoin(claim, 'zz')).toBe(false);
  });

  it('fingerprints a key as the first 16 hex of SHA-256 over its raw 32 bytes', () => {
    const expected = createHash('sha256').update(Buffer.from(PUBLIC, 'hex')).digest('hex').slice(0, 16);
    expect(keyFingerprint(PUBLIC)).toBe(expected);
    expect(keyFingerprint(PUBLIC)).toHaveLength(16);
  });
});
