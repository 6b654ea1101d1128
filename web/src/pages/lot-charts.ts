/**
 * The lot page's charts: temperature and humidity over the lot's custody intervals (the
 * readings of each interval's location within it), excursions shaded, custody changes marked;
 * and the shelf-life curve. A readings table under the charts carries the same data for
 * screen readers and for checking a value.
 */
import { enc, get } from '../api.js';
import { chart, type Series } from '../chart.js';
import { h } from '../dom.js';
import { EXCURSION_MARGIN_C, mergeSpans, spansAbove } from '../excursions.js';
import { one } from '../format.js';
import { formatTime } from '../time.js';
import type { Commodity, LotHistory, Reading, ShelfLife } from '../types.js';

/** The most readings a custody interval asks for (the API's per-query maximum). */
const READINGS_PER_INTERVAL = 10_000;
/** Rows the readings table shows; the charts draw every reading. */
const TABLE_ROWS = 2000;

export interface CustodyReadings { location: string; from: number; to: number; readings: Reading[] }

export async function loadCustodyReadings(lot: LotHistory, now: number, signal: AbortSignal): Promise<CustodyReadings[]> {
  return Promise.all(lot.custody.map(async (c) => {
    const from = Date.parse(c.from);
    const to = c.to === undefined ? Math.max(now, from) : Date.parse(c.to);
    const { readings } = await get<{ readings: Reading[] }>(`/readings?location=${enc(c.location)}&from=${from}&to=${to}&limit=${READINGS_PER_INTERVAL}`, signal);
    return { location: c.location, from, to, readings };
  }));
}

/** One series per (location, sensor) with readings of `measure`, in time order. */
export function seriesOf(intervals: readonly CustodyReadings[], measure: 'tempC' | 'rh'): Series[] {
  const byKey = new Map<string, Series>();
  for (const c of intervals) {
    for (const r of c.readings) {
      const v = r[measure];
      if (v === undefined) continue;
      const key = `${c.location} · ${r.sensor}`;
      let series = byKey.get(key);
      if (!series) byKey.set(key, (series = { name: key, points: [] }));
      series.points.push([r.ts, v]);
    }
  }
  for (const x of byKey.values()) x.points.sort((a, b) => a[0] - b[0]);
  return [...byKey.values()];
}

export function custodyCharts(lot: LotHistory, intervals: readonly CustodyReadings[], commodity: Commodity | undefined): HTMLElement {
  const domain: [number, number] | undefined = intervals.length ? [Math.min(...intervals.map((c) => c.from)), Math.max(...intervals.map((c) => c.to))] : undefined;
  const markers = intervals.map((c, i) => ({ t: c.from, label: i === 0 ? `at ${c.location}` : `→ ${c.location}` }));
  const temp = seriesOf(intervals, 'tempC');
  const limit = commodity ? commodity.bestTempC + EXCURSION_MARGIN_C : undefined;
  const bands = limit === undefined ? [] : mergeSpans(temp.flatMap((x) => spansAbove(x.points, limit))).map((b) => ({ ...b, label: `above ${one(limit)} °C from ${formatTime(b.from)} to ${formatTime(b.to)}` }));
  const rows = intervals.flatMap((c) => c.readings.map((r) => ({ ...r, location: c.location }))).sort((a, b) => a.ts - b.ts);
  const shown = rows.slice(0, TABLE_ROWS);
  return h('section', { 'aria-labelledby': 'conditions-h' },
    h('h2', { id: 'conditions-h' }, 'Conditions during custody'),
    limit === undefined ? null : h('p', { class: 'hint' }, `Shaded: excursions above ${one(limit)} °C (${commodity!.name}: best ${one(commodity!.bestTempC)} °C + ${EXCURSION_MARGIN_C} °C). Vertical lines: custody changes.`),
    chart({ kind: 'temperature', title: 'Temperature', unit: '°C', series: temp, bands, markers, ...(limit === undefined ? {} : { limit: { value: limit, label: `excursion limit ${one(limit)} °C` } }), ...(domain ? { domain } : {}) }),
    chart({ kind: 'humidity', title: 'Relative humidity', unit: '%', series: seriesOf(intervals, 'rh'), markers, ...(domain ? { domain } : {}) }),
    h('details', { class: 'readings' },
      h('summary', {}, `Readings table (${rows.length}${rows.length > TABLE_ROWS ? `, first ${TABLE_ROWS} shown` : ''})`),
      h('table', { 'data-testid': 'readings' },
        h('caption', {}, 'Readings during the lot\'s custody, oldest first'),
        h('thead', {}, h('tr', {}, ...['Time', 'Location', 'Sensor', 'Temperature °C', 'RH %'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...shown.map((r) => h('tr', { 'data-ts': r.ts }, h('td', {}, formatTime(r.ts)), h('td', {}, r.location), h('td', {}, r.sensor), h('td', {}, r.tempC === undefined ? '—' : String(r.tempC)), h('td', {}, r.rh === undefined ? '—' : String(r.rh))))))),
    h('p', { class: 'hint' }, `${lot.custody.length} custody interval(s); ${rows.length} readings.`));
}

export function shelfLifeChart(shelf: ShelfLife): HTMLElement {
  const points = shelf.history.map((p) => [Date.parse(p.time), p.remainingDays] as [number, number]).sort((a, b) => a[0] - b[0]);
  return h('section', { 'aria-labelledby': 'shelf-h' },
    h('h2', { id: 'shelf-h' }, 'Shelf life'),
    h('p', {}, `Remaining: ${one(shelf.freshness.remainingDays)} days at the best storage temperature; quality ${one(shelf.freshness.quality)} (10 fresh, 4 end of shelf life)${shelf.freshness.flags.length ? `; flags: ${shelf.freshness.flags.join(', ').replace(/_/g, ' ')}` : ''}.`),
    chart({ kind: 'shelf-life', title: 'Remaining shelf life', unit: 'days', series: [{ name: 'remaining shelf life', points }] }));
}
