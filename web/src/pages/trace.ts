/**
 * Trace: a lot's lineage back to its farms and forward to every lot made from it, drawn as a
 * graph (columns by transformation steps, upstream left), its shipments, who holds the lots now,
 * and Start recall (scope recalls:write), which notifies every holder.
 */
import { enc, get, post } from '../api.js';
import { h, link, notice, replace, s, table } from '../dom.js';
import { navigate, type PageContext } from '../router.js';
import { can } from '../session.js';
import { timeEl } from '../time.js';
import type { Recall, Trace } from '../types.js';

interface GraphNode { tlc: string; commodity: string; column: number }

/** Nodes of both directions in columns: back depth d at −d, forward at +d, the lot at 0. */
export function graphNodes(back: Trace, forward: Trace): GraphNode[] {
  const byTlc = new Map<string, GraphNode>();
  for (const n of back.nodes) byTlc.set(n.tlc, { tlc: n.tlc, commodity: n.commodity, column: n.depth === 0 ? 0 : -n.depth });
  for (const n of forward.nodes) if (!byTlc.has(n.tlc) || n.depth > 0) byTlc.set(n.tlc, { tlc: n.tlc, commodity: n.commodity, column: n.tlc === forward.lot ? 0 : n.depth });
  return [...byTlc.values()];
}

/** Text that fits a node box (the full text is in the node's title and on its lot page). */
const clip = (text: string): string => (text.length > 27 ? `${text.slice(0, 26)}…` : text);

function graph(back: Trace, forward: Trace): SVGElement {
  const nodes = graphNodes(back, forward);
  const columns = [...new Set(nodes.map((n) => n.column))].sort((a, b) => a - b);
  const rows = new Map<number, GraphNode[]>();
  for (const n of nodes) rows.set(n.column, [...(rows.get(n.column) ?? []), n]);
  const NW = 220;
  const NH = 44;
  const GX = 60;
  const GY = 16;
  const height = Math.max(...[...rows.values()].map((r) => r.length)) * (NH + GY) + GY;
  const width = columns.length * (NW + GX) + GX;
  const pos = new Map<string, { x: number; y: number }>();
  for (const [ci, c] of columns.entries()) rows.get(c)!.forEach((n, ri) => pos.set(n.tlc, { x: GX + ci * (NW + GX), y: GY + ri * (NH + GY) }));
  // Drawn at its natural size (shrunk to fit, never blown up): one lot stays a box, not a banner.
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'trace-graph', role: 'group', 'aria-label': 'Lineage graph: upstream lots on the left, downstream on the right' });
  const edges = [...back.edges, ...forward.edges].filter((e) => e.kind === 'transformation');
  for (const e of new Map(edges.map((e) => [`${e.from}>${e.to}`, e])).values()) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    svg.append(s('line', { class: 'edge', x1: a.x + NW, y1: a.y + NH / 2, x2: b.x, y2: b.y + NH / 2, 'marker-end': 'url(#arrow)' }));
  }
  svg.prepend(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }))));
  for (const n of nodes) {
    const p = pos.get(n.tlc)!;
    svg.append(s('a', { href: `/lots/${enc(n.tlc)}`, class: `node${n.column === 0 ? ' self' : ''}`, 'data-tlc': n.tlc },
      s('title', {}, `${n.tlc} (${n.commodity})`),
      s('rect', { x: p.x, y: p.y, width: NW, height: NH, rx: 6 }),
      s('text', { x: p.x + 8, y: p.y + 18 }, clip(n.tlc)),
      s('text', { x: p.x + 8, y: p.y + 35, class: 'sub' }, clip(n.commodity))));
  }
  return svg;
}

function recallForm(lot: string): HTMLElement {
  const said = h('div', { 'aria-live': 'polite' });
  const reason = h('textarea', { id: 'recall-reason', name: 'reason', required: true, maxlength: 2000, rows: 2 });
  const cls = h('select', { id: 'recall-class', name: 'classification' }, h('option', { value: '' }, 'not classified yet'), ...['I', 'II', 'III'].map((c) => h('option', { value: c }, `Class ${c}`)));
  const form = h('form', { class: 'card recall' },
    h('h2', {}, 'Start recall'),
    h('p', { class: 'hint' }, `Recalls ${lot} and every lot made from it; each location that received or holds one gets a critical recall alert.`),
    h('label', { for: 'recall-reason' }, 'Reason'), reason,
    h('label', { for: 'recall-class' }, 'FDA classification (21 CFR 7.3(m))'), cls,
    h('button', { type: 'submit', class: 'danger' }, 'Start recall'), said);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      try {
        const recall = await post<Recall>('/recalls', { lots: [lot], reason: reason.value, ...(cls.value ? { classification: cls.value } : {}) });
        navigate(`/recalls/${recall.id}`);
      } catch (err) {
        replace(said, notice((err as Error).message, 'error'));
      }
    })();
  });
  return form;
}

export async function tracePage({ main, params, signal }: PageContext): Promise<void> {
  const lot = params[0]!;
  const [back, forward] = await Promise.all([
    get<Trace>(`/lots/${enc(lot)}/trace?direction=back`, signal),
    get<Trace>(`/lots/${enc(lot)}/trace?direction=forward`, signal),
  ]);
  // Both walks include the lot's own shipments: list each event once.
  const shipments = [...new Map([...back.edges, ...forward.edges].filter((e) => e.kind === 'shipment').map((e) => [e.eventId, e])).values()];
  replace(main,
    h('h1', {}, `Trace of ${lot}`),
    h('p', {}, link(`/lots/${enc(lot)}`, `Lot ${lot}`)),
    back.truncated || forward.truncated ? notice('The trace hit its depth or size limit: there may be more lots.', 'info') : null,
    h('section', { 'aria-labelledby': 'graph-h' }, h('h2', { id: 'graph-h' }, 'Upstream and downstream'), h('div', { class: 'scroll' }, graph(back, forward))),
    h('section', { 'aria-labelledby': 'holders-h' }, h('h2', { id: 'holders-h' }, 'Current holders'),
      forward.holders.length === 0 ? h('p', { class: 'empty' }, 'No location holds these lots now.') : table('Who holds the lot and every lot made from it now', ['Location', 'Lot', 'Since'], forward.holders.map((x) => [x.location, link(`/lots/${enc(x.lot)}`, x.lot), timeEl(x.since)]), { 'data-testid': 'holders' })),
    shipments.length === 0 ? null : h('section', {}, h('h2', {}, 'Shipments'), table('Shipments of these lots', ['Lot', 'From', 'To', 'Time', 'Event'], shipments.map((e) => [e.lot ?? '—', e.from, e.to, timeEl(e.time), h('code', {}, e.eventId)]))),
    back.origins.length === 0 ? null : h('section', {}, h('h2', {}, 'Origins'), table('Where the lots entered traceability', ['Lot', 'How', 'Farm', 'Field', 'Harvest date', 'Time'], back.origins.map((o) => [o.lot, o.via.replace('_', ' '), o.farmLocation ?? '—', o.fieldName ?? '—', o.harvestDate ?? '—', timeEl(o.time)]))),
    can('recalls:write') ? recallForm(lot) : null,
  );
}
