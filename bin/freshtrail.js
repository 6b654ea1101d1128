#!/usr/bin/env node
// Entry point of the `freshtrail` CLI. The TypeScript sources are compiled to dist/ by
// `npm install` (the package's `prepare` script); run `npm run build` after editing them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write('freshtrail: dist/ is missing; run `npm install` (or `npm run build`) in the FreshTrail folder first.\n');
  process.exit(2);
}
const { main } = await import(compiled);
process.exitCode = await main(process.argv.slice(2));
