/**
 * The dashboard build (web/build.ts): index.html names the hashed assets it wrote, each has a
 * gzip twin, the verifier is a separate chunk, and the first load stays within the budget of
 * issue 8 (≤ 300 KB of JavaScript). Prints the measured size.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDashboard, FIRST_LOAD_BUDGET_BYTES, type DashboardBuild } from './build.js';

describe('the dashboard build', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ft-web-'));
  let built: DashboardBuild;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes index.html naming its hashed script and stylesheet, each with a gzip twin', async () => {
    built = await buildDashboard({ outDir: dir });
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const named = [...html.matchAll(/\/assets\/([^"]+)"/g)].map((m) => m[1]!);
    expect(named).toHaveLength(2);
    for (const name of named) {
      expect(built.assets).toContain(name);
      expect(existsSync(join(dir, 'assets', `${name}.gz`))).toBe(true);
    }
    // No inline script or style: the pages' CSP allows 'self' only.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style|style="/);
  }, 60_000);

  it('keeps the first load within 300 KB of JavaScript, the verifier in its own chunk', () => {
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    console.log(`dashboard first load: ${kb(built.firstLoad.rawBytes)} JavaScript raw, ${kb(built.firstLoad.gzipBytes)} gzip (${built.firstLoad.files.join(', ')})`);
    expect(built.firstLoad.rawBytes).toBeLessThanOrEqual(FIRST_LOAD_BUDGET_BYTES);
    const verifier = built.assets.find((a) => a.startsWith('verify-') && a.endsWith('.js'));
    expect(verifier).toBeDefined();
    expect(built.firstLoad.files).not.toContain(verifier);
    // The protocol code and @noble are in the verifier chunk, not in the first load.
    const firstLoadText = built.firstLoad.files.map((f) => readFileSync(join(dir, 'assets', f), 'utf8')).join('\n');
    expect(firstLoadText).not.toContain('batch signature');
    expect(readFileSync(join(dir, 'assets', verifier!), 'utf8')).toContain('batch signature');
  });
});
