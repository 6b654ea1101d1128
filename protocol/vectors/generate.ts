/**
 * Writes the protocol test vectors into this folder: `npx tsx protocol/vectors/generate.ts`
 * (or `npm run vectors`). Deterministic: fixed seeds and timestamps, so a second run writes
 * the same bytes. See README.md for the fields of each file.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildVectorFiles, VECTOR_FILES } from './build.js';

const here = dirname(fileURLToPath(import.meta.url));
const files = buildVectorFiles();
for (const name of VECTOR_FILES) {
  writeFileSync(join(here, name), files[name]);
  console.log(`wrote protocol/vectors/${name} (${Buffer.byteLength(files[name])} bytes)`);
}
