/**
 * Builds the web dashboard (docs/dashboard.md) with esbuild into `outDir` (default dist/web):
 * index.html naming hashed assets under assets/, each also gzipped (the ingest serves the .gz
 * to clients that accept it, routes/dashboard.ts). The verifier (protocol/evidence.ts, the same
 * code `freshtrail verify` runs) is a separate chunk loaded on the first Verify; `node:crypto`
 * is replaced by web/src/verify/node-crypto.ts (@noble) and the verifier installs the `buffer`
 * package as the Buffer global (web/src/verify/buffer-global.ts).
 * Returns the first-load JavaScript size, which a test keeps within the budget.
 *
 * Run: `tsx web/build.ts [OUT_DIR]` (npm run build does).
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const WEB = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT_DIR = resolve(WEB, '../dist/web');
/** The first-load JavaScript budget of issue 8 (raw, minified), bytes. */
export const FIRST_LOAD_BUDGET_BYTES = 300 * 1024;

export interface DashboardBuild {
  outDir: string;
  /** The entry script and every chunk it imports statically: what a first visit downloads. */
  firstLoad: { files: string[]; rawBytes: number; gzipBytes: number };
  /** Every asset written (names under assets/). */
  assets: string[];
}

/** Resolves `node:crypto` to the browser shim, for the protocol code the verifier bundles. */
const nodeCryptoShim: Plugin = {
  name: 'node-crypto-shim',
  setup(b) {
    b.onResolve({ filter: /^(node:)?crypto$/ }, () => ({ path: join(WEB, 'src/verify/node-crypto.ts') }));
  },
};

export async function buildDashboard(options: { outDir?: string; minify?: boolean } = {}): Promise<DashboardBuild> {
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const assetsDir = join(outDir, 'assets');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(assetsDir, { recursive: true });
  const result = await build({
    entryPoints: { main: join(WEB, 'src/main.ts'), styles: join(WEB, 'src/styles.css') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'safari16', 'firefox115'],
    minify: options.minify ?? true,
    sourcemap: false,
    outdir: assetsDir,
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    plugins: [nodeCryptoShim],
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const assetName = (path: string) => basename(path);
  const mainPath = Object.keys(outputs).find((p) => outputs[p]!.entryPoint?.endsWith('src/main.ts'));
  const cssPath = Object.keys(outputs).find((p) => p.endsWith('.css'));
  if (!mainPath || !cssPath) throw new Error('the dashboard build produced no main script or stylesheet');
  const template = await readFile(join(WEB, 'index.template.html'), 'utf8');
  await writeFile(join(outDir, 'index.html'), template.replace('%MAIN%', assetName(mainPath)).replace('%STYLES%', assetName(cssPath)));

  const assets: string[] = [];
  for (const path of Object.keys(outputs)) {
    const file = resolve(path);
    // esbuild writes an empty styles-*.js for the CSS entry: drop it, nothing loads it.
    if (file.endsWith('.js') && outputs[path]!.entryPoint?.endsWith('.css')) {
      await rm(file, { force: true });
      continue;
    }
    await writeFile(`${file}.gz`, gzipSync(await readFile(file), { level: 9 }));
    assets.push(relative(assetsDir, file));
  }
  const firstLoad = staticClosure(result.metafile, mainPath);
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const path of firstLoad) {
    const bytes = await readFile(resolve(path));
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { outDir, firstLoad: { files: firstLoad.map(assetName), rawBytes, gzipBytes }, assets };
}

/** The output and every output it imports statically (import-statement), transitively. */
function staticClosure(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imp of metafile.outputs[path]?.imports ?? []) if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
  };
  visit(entry);
  return [...seen];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildDashboard({ outDir: process.argv[2] ?? DEFAULT_OUT_DIR });
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`dashboard built in ${built.outDir}: first load ${kb(built.firstLoad.rawBytes)} JavaScript (${kb(built.firstLoad.gzipBytes)} gzip), ${built.assets.length} assets`);
}
