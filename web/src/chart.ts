/**
 * A small SVG time-series chart (no charting library: SVG keeps each drawn point inspectable
 * and the chart scales on a tablet). Lines per series, shaded bands (excursions), vertical
 * markers (custody changes) and an optional limit line. Each series' polyline carries its
 * point count, and a table of the same data sits next to it for screen readers.
 */
import { h, s } from './dom.js';
import { formatTick, zoneLabel } from './time.js';

export interface Series { name: string; points: Array<[number, number]> }
export interface ChartSpec {
  title: string;
  unit: string;
  series: Series[];
  bands?: Array<{ from: number; to: number; label: string }>;
  markers?: Array<{ t: number; label: string }>;
  limit?: { value: number; label: string };
  /** Time domain; default the data's. */
  domain?: [number, number];
  kind?: string;
}

const W = 800;
const H = 260;
const M = { top: 16, right: 16, bottom: 34, left: 52 };

/** Round tick values over [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((x) => x >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

export function chart(spec: ChartSpec): HTMLElement {
  const all = spec.series.flatMap((x) => x.points);
  const figure = h('figure', { class: 'chart', 'data-chart': spec.kind ?? spec.title });
  const caption = h('figcaption', {}, `${spec.title} (${spec.unit}), times in ${zoneLabel()}`);
  if (all.length === 0) {
    figure.append(caption, h('p', { class: 'empty' }, 'No readings in this period.'));
    return figure;
  }
  const ts = all.map((p) => p[0]);
  const vs = all.map((p) => p[1]).concat(spec.limit ? [spec.limit.value] : []);
  const [t0, t1] = spec.domain ?? [Math.min(...ts), Math.max(...ts)];
  const span = t1 > t0 ? t1 - t0 : 1;
  let lo = Math.min(...vs);
  let hi = Math.max(...vs);
  const pad = (hi - lo) * 0.08 || 1;
  lo -= pad;
  hi += pad;
  const x = (t: number) => M.left + ((t - t0) / span) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - ((v - lo) / (hi - lo)) * (H - M.top - M.bottom);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${spec.title} chart`, preserveAspectRatio: 'none' });

  for (const b of spec.bands ?? []) {
    const x0 = x(Math.max(b.from, t0));
    const x1 = x(Math.min(b.to, t1));
    svg.append(s('rect', { class: 'band excursion', x: x0.toFixed(1), y: M.top, width: Math.max(2, x1 - x0).toFixed(1), height: H - M.top - M.bottom, 'data-from': b.from, 'data-to': b.to }, s('title', {}, b.label)));
  }
  for (const v of niceTicks(lo, hi)) {
    svg.append(s('line', { class: 'grid', x1: M.left, x2: W - M.right, y1: y(v).toFixed(1), y2: y(v).toFixed(1) }));
    svg.append(s('text', { class: 'tick', x: M.left - 6, y: (y(v) + 4).toFixed(1), 'text-anchor': 'end' }, String(v)));
  }
  const { ticks, seconds } = niceTimeTicks(t0, t1);
  for (const t of ticks) {
    svg.append(s('text', { class: 'tick', x: x(t).toFixed(1), y: H - M.bottom + 18, 'text-anchor': 'middle' }, formatTick(t, seconds)));
  }
  if (spec.limit) {
    svg.append(s('line', { class: 'limit', x1: M.left, x2: W - M.right, y1: y(spec.limit.value).toFixed(1), y2: y(spec.limit.value).toFixed(1) }, s('title', {}, spec.limit.label)));
  }
  (spec.markers ?? []).forEach((m, i) => {
    if (m.t < t0 || m.t > t1) return;
    svg.append(s('line', { class: 'marker custody-change', x1: x(m.t).toFixed(1), x2: x(m.t).toFixed(1), y1: M.top, y2: H - M.bottom, 'data-t': m.t }, s('title', {}, m.label)));
    // Labels of close markers alternate between two rows so they do not overprint.
    svg.append(s('text', { class: 'marker-label', x: (x(m.t) + 4).toFixed(1), y: M.top + 12 + (i % 2) * 15 }, m.label));
  });
  spec.series.forEach((series, i) => {
    const pts = series.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(2)}`).join(' ');
    svg.append(s('polyline', { class: `series c${i % 6}`, points: pts, 'data-series': series.name, 'data-count': series.points.length }, s('title', {}, series.name)));
  });
  svg.append(s('line', { class: 'axis', x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom }), s('line', { class: 'axis', x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }));

  const legend = h('ul', { class: 'legend' }, ...spec.series.map((x, i) => h('li', {}, h('span', { class: `swatch c${i % 6}`, 'aria-hidden': 'true' }), `${x.name} (${x.points.length})`)));
  if (spec.bands?.length) legend.append(h('li', {}, h('span', { class: 'swatch band', 'aria-hidden': 'true' }), `${spec.bands.length} excursion${spec.bands.length === 1 ? '' : 's'}`));
  figure.append(caption, svg, legend);
  return figure;
}

/** About six time ticks on whole seconds, minutes, hours or days; `seconds` when ticks are under a minute apart. */
function niceTimeTicks(t0: number, t1: number): { ticks: number[]; seconds: boolean } {
  const steps = [1e3, 5e3, 10e3, 15e3, 30e3, 60e3, 5 * 60e3, 15 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 86_400e3, 7 * 86_400e3];
  const step = steps.find((st) => (t1 - t0) / st <= 6) ?? steps[steps.length - 1]!;
  const ticks: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return { ticks: ticks.length ? ticks : [t0], seconds: step < 60e3 };
}
