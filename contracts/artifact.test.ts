/** The committed artifact is exactly a fresh compile of the committed source (npm run build:contract). */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { artifactJson, ARTIFACT_PATH, compileAnchor, SOURCE_PATH } from './compile.js';

describe('contracts/FreshTrailAnchor.json', () => {
  const source = readFileSync(SOURCE_PATH, 'utf8');
  const committed = readFileSync(ARTIFACT_PATH, 'utf8');
  const fresh = compileAnchor(source);

  it('records the sha256 of the committed source', () => {
    expect((JSON.parse(committed) as { sourceSha256: string }).sourceSha256).toBe(createHash('sha256').update(source, 'utf8').digest('hex'));
  });

  it('equals a fresh compile byte for byte (run `npm run build:contract` after editing the contract)', () => {
    expect(committed).toBe(artifactJson(fresh));
  });

  it('packs the anchorer and the latest epoch in slot 0 and keeps the heads mapping in slot 1', () => {
    expect(fresh.storageLayout).toEqual([
      { label: 'anchorer', slot: '0', offset: 0, type: 't_address' },
      { label: 'latestEpoch', slot: '0', offset: 20, type: 't_uint64' },
      { label: 'heads', slot: '1', offset: 0, type: 't_mapping(t_uint64,t_bytes32)' },
    ]);
  });
});
