/** Lot: conditions over its custody, shelf life, the event timeline with KDEs, evidence and Verify, downloads. */
import { enc, get } from '../api.js';
import { h, link, replace } from '../dom.js';
import { days, one, risk, RISK_TEXT } from '../format.js';
import type { PageContext } from '../router.js';
import { can } from '../session.js';
import { timeEl } from '../time.js';
import type { AnchorTarget, Commodity, LotHistory, ShelfLife } from '../types.js';
import { custodyCharts, loadCustodyReadings, shelfLifeChart } from './lot-charts.js';
import { evidenceSection } from './lot-evidence.js';

let commodities: Promise<Commodity[]> | undefined;

/** The KDEs of an event as the API stores them, minus what the timeline already shows. */
function kdeList(event: Record<string, unknown>): HTMLElement {
  const skip = new Set(['eventId', 'cte', 'eventTime']);
  const entries = Object.entries(event).filter(([k]) => !skip.has(k));
  return h('dl', { class: 'kdes' }, ...entries.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))]));
}

async function timeline(lot: LotHistory, signal: AbortSignal): Promise<HTMLElement> {
  const details = await Promise.all(lot.events.map((e) => get<{ event: Record<string, unknown> }>(`/events/${enc(e.eventId)}`, signal).then((d) => d.event).catch(() => undefined)));
  return h('section', { 'aria-labelledby': 'events-h' },
    h('h2', { id: 'events-h' }, `Events (${lot.events.length})`),
    lot.events.length === 0 ? h('p', { class: 'empty' }, 'No traceability events: the lot was created through the lot API.') :
      h('ol', { class: 'timeline', 'data-testid': 'events' }, ...lot.events.map((e, i) => h('li', {},
        h('p', {}, timeEl(e.time), ' ', h('strong', {}, e.cte.replace(/_/g, ' ')), ` at ${e.location}`, e.from ? ` from ${e.from}` : '', e.to ? ` to ${e.to}` : '',
          e.quantity === undefined ? '' : ` · ${e.quantity} ${e.unitOfMeasure ?? ''}`, ` (${e.role})`),
        details[i] ? h('details', {}, h('summary', {}, 'Key data elements'), kdeList(details[i]!)) : null))));
}

export async function lotPage({ main, params, signal }: PageContext): Promise<void> {
  const id = params[0]!;
  const now = Date.now();
  commodities ??= get<{ commodities: Commodity[] }>('/commodities').then((r) => r.commodities);
  const [lot, shelf, list, targets] = await Promise.all([
    get<LotHistory>(`/lots/${enc(id)}`, signal),
    get<ShelfLife>(`/lots/${enc(id)}/shelf-life?history=2000`, signal),
    commodities,
    get<{ targets: AnchorTarget[] }>('/anchoring/targets', signal).then((r) => r.targets).catch(() => []),
  ]);
  const commodity = list.find((c) => c.id === lot.commodity);
  const intervals = await loadCustodyReadings(lot, now, signal);
  const level = risk(lot.freshness?.remainingDays);
  replace(main,
    h('h1', {}, `Lot ${lot.id}`),
    h('p', { class: 'lead' }, `${commodity?.name ?? lot.commodity}${lot.label ? ` · ${lot.label}` : ''} · created `, timeEl(lot.createdAt), ' · ',
      h('span', { class: `badge ${level}` }, RISK_TEXT[level]), lot.freshness ? ` ${days(lot.freshness.remainingDays)} left, quality ${one(lot.freshness.quality)}` : '',
      ' · ', link(`/trace/${enc(lot.id)}`, can('recalls:write') ? 'Trace and recall' : 'Trace')),
    custodyCharts(lot, intervals, commodity),
    shelfLifeChart(shelf),
    await timeline(lot, signal),
    evidenceSection(lot, targets),
  );
}
