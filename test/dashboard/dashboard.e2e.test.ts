/**
 * The dashboard in a real browser (issue 8): headless Chromium (Debian's, driven by
 * playwright-core) against a running ingest fed by the simulator (fixture.ts). Each page is
 * checked against the API's own answers and saved as a screenshot under artifacts/screenshots/
 * (git-ignored). Skips with a notice without /usr/bin/chromium; fails under CI=true.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLD_ROOM, TRUCK } from '../../cli/demo/site.js';
import { BERRIES, commingledChain, FARM_A, FARM_B, SALAD, SPINACH, STORE_1, STORE_2 } from '../../ingest/events/chain-fixtures.js';
import { EXCURSION_MARGIN_C } from '../../web/src/excursions.js';
import { buildDashboard, DEFAULT_OUT_DIR } from '../../web/build.js';
import { verifyBundle, type EvidenceBundle } from '../../protocol/evidence.js';
import { commodity } from '../../models/commodities.js';
import { inCI } from '../support/tools.js';
import { startDashboardSite, STRAWBERRY, type DashboardSite } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));
/** The viewer's zone in the browser: times must show it with its offset (PST in winter, PDT in summer). */
const VIEWER_ZONE = 'America/Los_Angeles';

function skipWithoutChromium(): boolean {
  if (existsSync(CHROMIUM)) return false;
  const message = `${CHROMIUM} is missing (apt-get install -y chromium); the dashboard browser tests are skipped`;
  if (inCI) throw new Error(`CI=true and ${message.replace('are skipped', 'cannot run')}`);
  console.warn(`skip: ${message}`);
  return true;
}

interface ApiReading { ts: number; sensor: string; location: string; tempC?: number; rh?: number }
interface ApiHistory { custody: Array<{ location: string; from: string; to?: string }>; events: Array<{ cte: string }> }

describe.skipIf(skipWithoutChromium())('the web dashboard in Chromium, fed by the simulator', { timeout: 60_000 }, () => {
  let site: DashboardSite;
  let browser: Browser;
  let page: Page;
  let recallId: number;

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const lotPath = (id: string) => `/lots/${encodeURIComponent(id)}`;
  /** The readings of the lot's custody as the API serves them: what the chart must draw. */
  const custodyReadings = async (id: string): Promise<ApiReading[]> => {
    const history = await site.api<ApiHistory>(lotPath(id));
    const now = Date.now();
    const parts = await Promise.all(history.custody.map(async (c) => {
      const from = Date.parse(c.from);
      const to = c.to === undefined ? Math.max(now, from) : Date.parse(c.to);
      return (await site.api<{ readings: ApiReading[] }>(`/readings?location=${encodeURIComponent(c.location)}&from=${from}&to=${to}&limit=10000`)).readings;
    }));
    return parts.flat();
  };

  beforeAll(async () => {
    // The ingest serves dist/web (routes/dashboard.ts): build it from these sources first, so a
    // clean clone with only `npm ci` passes.
    await buildDashboard({ outDir: DEFAULT_OUT_DIR });
    await mkdir(SHOTS, { recursive: true });
    site = await startDashboardSite();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ timezoneId: VIEWER_ZONE, locale: 'en-US', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    // Console errors other than answered HTTP errors (the 401 before signing in is expected):
    // a CSP violation or a script error fails the last test.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });
    (globalThis as { dashboardErrors?: string[] }).dashboardErrors = errors;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('asks for an API key, signs in with it, and the overview lists the lots at risk first with the gateways', async () => {
    await page.goto(site.url);
    await page.waitForURL(/\/signin/);
    await shot('signin');
    await page.getByLabel('API key').fill(site.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${site.url}/`);
    const rows = page.locator('table[data-testid="lots"] tbody tr');
    await rows.first().waitFor();
    const { lots } = await site.api<{ lots: Array<{ id: string }> }>('/lots');
    expect(lots.length).toBeGreaterThanOrEqual(2);
    expect(await rows.locator('th').allTextContents()).toEqual(lots.map((l) => l.id));
    await expect.poll(() => page.locator('.live').textContent(), { timeout: 10_000 }).toBe('live');
    const gateways = page.locator('section[aria-labelledby="gateways-h"] tbody tr');
    await gateways.first().waitFor();
    expect(await gateways.count()).toBe(2);
    expect(await page.locator('#who').textContent()).toContain('admin');
    await shot('overview');
  });

  it('draws the lot\'s real readings over its custody, marks the custody change, and shows times in the viewer\'s zone with the offset', async () => {
    await page.goto(`${site.url}${lotPath(STRAWBERRY)}`);
    const temperature = page.locator('figure[data-chart="temperature"]');
    await temperature.locator('polyline').first().waitFor();
    const readings = await custodyReadings(STRAWBERRY);
    const withTemp = readings.filter((r) => r.tempC !== undefined);
    expect(withTemp.length).toBeGreaterThan(50);
    // Every reading of the custody is a vertex of its sensor's line: counts per series match.
    const drawn = await temperature.locator('polyline').evaluateAll((lines) => lines.map((l) => [l.getAttribute('data-series'), Number(l.getAttribute('data-count')), (l.getAttribute('points') ?? '').trim().split(/\s+/).length]));
    expect(drawn.reduce((n, [, count]) => n + (count as number), 0)).toBe(withTemp.length);
    for (const [, count, vertices] of drawn) expect(vertices).toBe(count);
    const expected = new Map<string, number>();
    for (const r of withTemp) expected.set(`${r.location} · ${r.sensor}`, (expected.get(`${r.location} · ${r.sensor}`) ?? 0) + 1);
    expect(new Map(drawn.map(([name, count]) => [name as string, count as number]))).toEqual(expected);
    // The table under the chart carries the same readings: time, location, sensor, value.
    const table = await page.locator('table[data-testid="readings"] tbody tr').evaluateAll((trs) => trs.map((tr) => [Number(tr.getAttribute('data-ts')), ...[...tr.querySelectorAll('td')].slice(1, 4).map((td) => td.textContent)]));
    const key = (row: unknown[]) => row.join('|');
    expect(table.map(key).sort()).toEqual(readings.map((r) => key([r.ts, r.location, r.sensor, r.tempC === undefined ? '—' : String(r.tempC)])).sort());
    // Cold room, then the truck: one marker per custody interval.
    const history = await site.api<ApiHistory>(lotPath(STRAWBERRY));
    expect(history.custody.map((c) => c.location)).toEqual([COLD_ROOM, TRUCK]);
    expect(await temperature.locator('line.custody-change').count()).toBe(2);
    expect(await page.locator('figure[data-chart="humidity"] polyline').count()).toBeGreaterThan(0);
    expect(await page.locator('figure[data-chart="shelf-life"] polyline').count()).toBe(1);
    // The event timeline: initial packing, shipping, receiving, each with its KDEs.
    expect(await page.locator('ol[data-testid="events"] > li').count()).toBe(history.events.length);
    expect(await page.locator('ol[data-testid="events"] details').count()).toBe(history.events.length);
    const offset = new Intl.DateTimeFormat('en-US', { timeZone: VIEWER_ZONE, timeZoneName: 'longOffset' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName')!.value;
    expect(offset).toMatch(/^GMT-0[78]:00$/);
    expect(await page.locator('main time').first().textContent()).toContain(offset);
    expect(await temperature.locator('figcaption').textContent()).toContain(`${VIEWER_ZONE} (${offset})`);
    await shot('lot');
  });

  it('shades the truck door opening as an excursion, where the readings exceed the limit', async () => {
    const limit = commodity('strawberry').tRefC + EXCURSION_MARGIN_C;
    const above = (await custodyReadings(STRAWBERRY)).filter((r) => r.tempC !== undefined && r.tempC > limit);
    expect(above.length, 'the simulated truck opened its door during the run').toBeGreaterThan(0);
    const bands = page.locator('figure[data-chart="temperature"] rect.excursion');
    expect(await bands.count()).toBeGreaterThan(0);
    const spans = await bands.evaluateAll((rects) => rects.map((r) => [Number(r.getAttribute('data-from')), Number(r.getAttribute('data-to'))]));
    // Each reading above the limit lies in a shaded band, and each band starts at such a reading.
    for (const r of above) expect(spans.some(([from, to]) => r.ts >= from! && r.ts <= to!), `reading at ${r.ts} shaded`).toBe(true);
    for (const [from] of spans) expect(above.some((r) => r.ts === from)).toBe(true);
    await page.locator('figure[data-chart="temperature"]').screenshot({ path: join(SHOTS, 'lot-excursion.png') });
  });

  it('downloads the evidence bundle, the FSMA 204 spreadsheet and the EPCIS document', async () => {
    const save = async (name: RegExp) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
      return { name: download.suggestedFilename(), text: await readFile((await download.path())!, 'utf8') };
    };
    const bundle = await save(/Evidence bundle/);
    expect(bundle.name).toBe(`evidence-${STRAWBERRY}.json`);
    expect((JSON.parse(bundle.text) as EvidenceBundle).lot).toBe(STRAWBERRY);
    const csv = await save(/FSMA 204/);
    expect(csv.name).toBe(`fsma204-${STRAWBERRY}.csv`);
    expect(csv.text).toContain(STRAWBERRY);
    const epcis = await save(/EPCIS/);
    expect(JSON.parse(epcis.text)).toMatchObject({ type: 'EPCISDocument' });
  });

  it('starts a recall from the trace page, and the recall reaches the lot\'s holders', async () => {
    await page.goto(`${site.url}/trace/${encodeURIComponent(STRAWBERRY)}`);
    const holders = page.locator('table[data-testid="holders"] tbody tr');
    await holders.first().waitFor();
    expect(await holders.locator('th').allTextContents()).toEqual([TRUCK]);
    expect(await page.locator('svg.trace-graph a.node').count()).toBeGreaterThanOrEqual(1);
    await shot('trace');
    await page.getByLabel('Reason').fill('Listeria monocytogenes found in a retained sample (e2e)');
    await page.getByLabel(/FDA classification/).selectOption('I');
    await page.getByRole('button', { name: 'Start recall' }).click();
    await page.waitForURL(/\/recalls\/\d+$/);
    recallId = Number(/\/recalls\/(\d+)$/.exec(page.url())![1]);
    const notices = page.locator('table[data-testid="recall-notices"] tbody tr');
    await notices.first().waitFor();
    const recall = await site.api<{ lots: string[]; notices: Array<{ location: string; alertId?: number }> }>(`/recalls/${recallId}`);
    expect(recall.lots).toEqual([STRAWBERRY]);
    // The holder (the truck) got a notice, delivered as an alert, and the page lists every notice.
    expect(recall.notices.map((n) => n.location)).toContain(TRUCK);
    expect(recall.notices.every((n) => n.alertId !== undefined)).toBe(true);
    expect((await notices.locator('th').allTextContents()).sort()).toEqual(recall.notices.map((n) => n.location).sort());
    const { alerts } = await site.api<{ alerts: Array<{ id: number; kind: string }> }>('/alerts?status=open&limit=100');
    for (const n of recall.notices) expect(alerts.some((a) => a.id === n.alertId)).toBe(true);
    await shot('recall');
  });

  it('acknowledges the recall alert on the Alerts page, and the holder acknowledges the recall', async () => {
    const recall = await site.api<{ notices: Array<{ location: string; alertId?: number }> }>(`/recalls/${recallId}`);
    const alertId = recall.notices.find((n) => n.location === TRUCK)!.alertId!;
    await page.goto(`${site.url}/alerts`);
    await page.locator('table[data-testid="alerts"]').waitFor();
    await page.getByRole('button', { name: `Acknowledge #${alertId}` }).click();
    await expect.poll(async () => (await site.api<{ alerts: Array<{ id: number }> }>('/alerts?status=acknowledged&limit=100')).alerts.some((a) => a.id === alertId)).toBe(true);
    await page.getByRole('status').filter({ hasText: `Alert #${alertId} acknowledged` }).waitFor();
    await shot('alerts');
    // The holder acknowledges the recall notice; progress follows.
    await page.goto(`${site.url}/recalls/${recallId}`);
    await page.getByRole('button', { name: `Acknowledge for ${TRUCK}` }).click();
    await expect.poll(async () => (await site.api<{ progress: { acknowledged: number } }>(`/recalls/${recallId}`)).progress.acknowledged).toBe(1);
    await page.goto(`${site.url}/recalls`);
    await page.locator('main table').waitFor();
    expect(await page.locator('main table tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('main table progress').first().getAttribute('value')).toBe('1');
    await shot('recalls');
  });

  it('lists the gateways with their actions, and is usable with the keyboard', async () => {
    await page.goto(`${site.url}/gateways`);
    await page.locator('section[aria-labelledby="gw-h"] table').waitFor();
    expect(await page.locator('section[aria-labelledby="gw-h"] tbody tr').count()).toBe(2);
    expect(await page.getByRole('button', { name: /^Revoke / }).count()).toBe(2);
    await shot('gateways');
    // Keyboard: the first Tab reaches the skip link, Enter on it moves focus to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('main');
    // A nav link followed with the keyboard routes in the app and focuses the new page's heading.
    await page.getByRole('link', { name: 'Overview' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${site.url}/`);
    await expect.poll(() => page.evaluate('document.activeElement && document.activeElement.tagName')).toBe('H1');
  });

  it('follows the signed-in role: a grower sees its own lots, a regulator sees all of them read-only', async () => {
    await site.send('PUT', '/parties/farm-a', { name: 'Farm A', locations: ['farm-a/'] });
    const signIn = async (role: string, party?: string): Promise<Page> => {
      const { key } = await site.send<{ key: string }>('POST', '/keys', { label: `e2e ${role}`, role, ...(party ? { party } : {}) });
      const other = await (await browser.newContext({ timezoneId: VIEWER_ZONE, locale: 'en-US', viewport: { width: 1280, height: 900 } })).newPage();
      await other.goto(`${site.url}/signin`);
      await other.getByLabel('API key').fill(key);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.locator('table[data-testid="lots"] tbody tr').first().waitFor();
      return other;
    };
    const grower = await signIn('grower', 'farm-a');
    // The strawberries were packed in farm A's cold room; the romaine never was at farm A.
    expect(await grower.locator('table[data-testid="lots"] tbody th').allTextContents()).toEqual([STRAWBERRY]);
    expect(await grower.locator('#who').textContent()).toContain('grower · farm-a');
    expect(await grower.locator('section[aria-labelledby="gateways-h"] table').count()).toBe(0);
    await grower.screenshot({ path: join(SHOTS, 'overview-grower.png'), fullPage: true });
    await grower.context().close();

    const regulator = await signIn('regulator');
    const { lots } = await site.api<{ lots: Array<{ id: string }> }>('/lots');
    expect(await regulator.locator('table[data-testid="lots"] tbody th').allTextContents()).toEqual(lots.map((l) => l.id));
    // Read-only: no Start recall on the trace page, no alert actions; Verify and the downloads stay.
    await regulator.goto(`${site.url}/trace/${encodeURIComponent(STRAWBERRY)}`);
    await regulator.locator('table[data-testid="holders"]').waitFor();
    expect(await regulator.getByRole('button', { name: 'Start recall' }).count()).toBe(0);
    await regulator.goto(`${site.url}/alerts?status=acknowledged`);
    await regulator.locator('table[data-testid="alerts"]').waitFor();
    expect(await regulator.getByRole('button', { name: /^(Acknowledge|Resolve) #/ }).count()).toBe(0);
    await regulator.goto(`${site.url}${lotPath(STRAWBERRY)}`);
    await regulator.getByRole('button', { name: 'Verify' }).waitFor();
    expect(await regulator.getByRole('button', { name: /FSMA 204/ }).count()).toBe(1);
    await regulator.context().close();
  });

  it('Verify runs the checks of `freshtrail verify` in the browser: all pass, and fail once the store is tampered with', async () => {
    await page.goto(`${site.url}${lotPath(STRAWBERRY)}`);
    await page.getByRole('button', { name: 'Verify' }).click();
    const result = page.locator('[data-testid="verify-result"]');
    await result.waitFor({ timeout: 30_000 });
    const states = () => page.locator('li.check').evaluateAll((items) => items.map((li) => [li.getAttribute('data-check'), li.getAttribute('data-state')]));
    const passed = await states();
    expect(await result.getAttribute('data-ok')).toBe('true');
    expect(passed.length).toBe(12);
    // Every check passed, the on-chain one too: the browser read heads(epoch) from anvil itself.
    expect(passed.every(([, state]) => state === 'pass')).toBe(true);
    // The same verdicts as the Node verifier (protocol/evidence.ts, what the CLI runs) on the same bundle.
    const bundle = await site.api<EvidenceBundle>(`${lotPath(STRAWBERRY)}/evidence`);
    const node = await verifyBundle(bundle);
    expect(passed.filter(([name]) => name !== 'on-chain head')).toEqual(node.filter((c) => c.name !== 'on-chain head').map((c) => [c.name, c.ok ? 'pass' : c.skipped ? 'skip' : 'fail']));
    await shot('verify-pass');

    // Tamper: change one temperature inside a stored signed batch of the lot's evidence.
    const chain = bundle.batches[0]!;
    const db = new Database(site.sqlitePath);
    try {
      const row = db.prepare('SELECT canonical FROM batches WHERE gateway = ? AND seq = ?').get(chain.gateway, chain.fromSeq) as { canonical: Buffer };
      const text = row.canonical.toString('utf8');
      const forged = text.replace(/"tempC":(-?\d+(?:\.\d+)?)/, (_m, v: string) => `"tempC":${v.replace(/\d$/, (d) => (d === '9' ? '8' : String(Number(d) + 1)))}`);
      expect(forged).not.toBe(text);
      db.prepare('UPDATE batches SET canonical = ? WHERE gateway = ? AND seq = ?').run(Buffer.from(forged, 'utf8'), chain.gateway, chain.fromSeq);
    } finally {
      db.close();
    }
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 30_000 }).toBe('false');
    const failed = (await states()).filter(([, state]) => state === 'fail').map(([name]) => name);
    expect(failed.length).toBeGreaterThan(0);
    // Batch 1's bytes no longer hash to the id batch 2 chains to (or, alone, to what was signed).
    expect(failed.some((name) => name === 'batch chain' || name === 'batch signature')).toBe(true);
    await shot('verify-fail');
  });

  it('draws a commingled lot\'s lineage: both farms upstream of the salad, every store downstream of the berries', async () => {
    // Two farms' lots → one salad at a processor → a DC → two stores (ingest/events/chain-fixtures.ts).
    await site.send('POST', '/events', commingledChain());
    const drawnGraph = async () => ({
      nodes: (await page.locator('svg.trace-graph a.node').evaluateAll((as) => as.map((a) => a.getAttribute('data-tlc')))).sort(),
      edges: await page.locator('svg.trace-graph line.edge').count(),
    });

    await page.goto(`${site.url}/trace/${encodeURIComponent(SALAD)}`);
    await page.locator('svg.trace-graph').waitFor();
    expect(await drawnGraph()).toEqual({ nodes: [BERRIES, SALAD, SPINACH].sort(), edges: 2 });
    const origins = page.locator('table').filter({ has: page.getByRole('columnheader', { name: 'Farm' }) }).locator('tbody tr');
    expect((await origins.evaluateAll((rows) => rows.map((r) => r.children[2]!.textContent))).sort()).toEqual([FARM_A, FARM_B].sort());
    await shot('trace-commingled');

    await page.goto(`${site.url}/trace/${encodeURIComponent(BERRIES)}`);
    const holders = page.locator('table[data-testid="holders"] tbody tr');
    await holders.first().waitFor();
    expect(await drawnGraph()).toEqual({ nodes: [BERRIES, SALAD].sort(), edges: 1 });
    const forward = await site.api<{ holders: Array<{ lot: string; location: string }> }>(`/lots/${encodeURIComponent(BERRIES)}/trace?direction=forward`);
    expect(forward.holders.map((x) => x.location)).toEqual(expect.arrayContaining([STORE_1, STORE_2]));
    expect((await holders.locator('th').allTextContents()).sort()).toEqual(forward.holders.map((x) => x.location).sort());
    expect((globalThis as { dashboardErrors?: string[] }).dashboardErrors).toEqual([]);
  });

  it('fits a packhouse tablet held upright: no page scrolls sideways, only wide tables and graphs inside their own box', async () => {
    const tablet = await (await browser.newContext({ timezoneId: VIEWER_ZONE, locale: 'en-US', viewport: { width: 768, height: 1024 }, isMobile: true, hasTouch: true })).newPage();
    await tablet.goto(`${site.url}/signin`);
    await tablet.getByLabel('API key').fill(site.apiKey);
    await tablet.getByRole('button', { name: 'Sign in' }).click();
    // Each page with the element that shows it has drawn its data.
    const pages: Array<[string, string, string]> = [
      ['overview', '/', 'table[data-testid="lots"]'],
      ['lot', lotPath(STRAWBERRY), 'svg polyline'],
      ['trace', `/trace/${encodeURIComponent(SALAD)}`, 'svg.trace-graph'],
      ['recalls', '/recalls', 'main table'],
      ['alerts', '/alerts?status=acknowledged', 'table[data-testid="alerts"]'],
      ['gateways', '/gateways', 'main table'],
    ];
    for (const [name, path, drawn] of pages) {
      await tablet.goto(`${site.url}${path}`);
      await tablet.locator(drawn).first().waitFor();
      const overflow = Number(await tablet.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
      expect(overflow, `${name} scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
      await tablet.screenshot({ path: join(SHOTS, `tablet-${name}.png`), fullPage: true });
    }
    await tablet.context().close();
  });
});
