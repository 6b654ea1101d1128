/**
 * Every vector file's content, built from the fixed fixtures by the protocol code itself.
 * `generate.ts` writes these files; `protocol/vectors.test.ts` rebuilds them and compares, so
 * the committed vectors can never drift from the code.
 */
import { buildBatches, buildKeys } from './batch-vectors.js';
import { buildCanonical } from './canonical-vectors.js';
import { buildChains } from './chain-vectors.js';
import { buildMerkle } from './merkle-vectors.js';

export const VECTOR_FILES = ['keys.json', 'batches.json', 'chains.json', 'canonical.json', 'merkle.json'] as const;
export type VectorFile = (typeof VECTOR_FILES)[number];

/** The exact text of each vector file: 2-space indented JSON with a final newline. */
export function buildVectorFiles(): Record<VectorFile, string> {
  const content: Record<VectorFile, object> = {
    'keys.json': buildKeys(),
    'batches.json': buildBatches(),
    'chains.json': buildChains(),
    'canonical.json': buildCanonical(),
    'merkle.json': buildMerkle(),
  };
  const files = {} as Record<VectorFile, string>;
  for (const name of VECTOR_FILES) files[name] = `${JSON.stringify(content[name], null, 2)}\n`;
  return files;
}
