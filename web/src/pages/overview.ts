/**
 * Overview: lots by remaining shelf life (at risk first), open alerts, gateways and their
 * health; alerts arrive live over the event stream and refresh the page's figures.
 */
import { ApiError, enc, get } from '../api.js';
import { h, link, notice, replace, table } from '../dom.js';
import { days, one, risk, RISK_TEXT } from '../format.js';
import type { PageContext } from '../router.js';
import { can } from '../session.js';
import { followAlerts } from '../sse.js';
import { ago, timeEl } from '../time.js';
import type { Alert, Gateway, ListedLot } from '../types.js';
import { alertRows } from './alerts.js';

/** A gateway not heard for this long is shown as silent. */
export const SILENT_AFTER_MS = 5 * 60_000;

export async function overviewPage({ main, signal }: PageContext): Promise<void> {
  const lotsBox = h('section', { 'aria-labelledby': 'lots-h' });
  const alertsBox = h('section', { 'aria-labelledby': 'alerts-h' });
  const gatewaysBox = h('section', { 'aria-labelledby': 'gateways-h' });
  const live = h('span', { class: 'live', role: 'status' }, 'connecting…');
  replace(main, h('h1', {}, 'Overview ', live), lotsBox, alertsBox, gatewaysBox);

  const refresh = async (): Promise<void> => {
    await Promise.all([renderLots(lotsBox, signal), renderAlerts(alertsBox, signal), renderGateways(gatewaysBox, signal)]);
  };
  await refresh();
  if (signal.aborted) return;
  // Alerts as they happen; each event refreshes the figures once (coalesced per second).
  let pending: ReturnType<typeof setTimeout> | undefined;
  if (can('alerts:read')) {
    followAlerts(() => {
      pending ??= setTimeout(() => {
        pending = undefined;
        void refresh();
      }, 1000);
    }, signal, (on) => replace(live, on ? 'live' : 'reconnecting…'));
  } else replace(live, '');
  // Freshness changes with every reading: refresh the lots every 15 s while the page is open.
  const timer = setInterval(() => void renderLots(lotsBox, signal), 15_000);
  signal.addEventListener('abort', () => {
    clearInterval(timer);
    if (pending) clearTimeout(pending);
  });
}

async function renderLots(box: HTMLElement, signal: AbortSignal): Promise<void> {
  try {
    const { lots } = await get<{ lots: ListedLot[] }>('/lots?limit=200', signal);
    const rows = lots.map((l) => {
      const level = risk(l.freshness?.remainingDays);
      return [
        link(`/lots/${enc(l.id)}`, l.id),
        l.commodity,
        h('span', { class: `badge ${level}` }, RISK_TEXT[level]),
        l.freshness ? days(l.freshness.remainingDays) : '—',
        l.freshness ? one(l.freshness.quality) : '—',
        l.holders.map((x) => x.location).join(', ') || '—',
      ];
    });
    replace(box, h('h2', { id: 'lots-h' }, `Lots (${lots.length})`),
      lots.length === 0 ? h('p', { class: 'empty' }, 'No lots yet.') : table('Lots by remaining shelf life, at risk first', ['Lot', 'Commodity', 'Status', 'Remaining', 'Quality (10 fresh, 4 end)', 'Where now'], rows, { class: 'lots', 'data-testid': 'lots' }));
  } catch (err) {
    if (!signal.aborted) replace(box, h('h2', { id: 'lots-h' }, 'Lots'), notice(err instanceof ApiError ? err.message : String(err), 'error'));
  }
}

async function renderAlerts(box: HTMLElement, signal: AbortSignal): Promise<void> {
  if (!can('alerts:read')) return replace(box);
  try {
    const { alerts } = await get<{ alerts: Alert[] }>('/alerts?status=open&limit=20', signal);
    replace(box, h('h2', { id: 'alerts-h' }, `Open alerts (${alerts.length}${alerts.length === 20 ? '+' : ''})`),
      alerts.length === 0 ? h('p', { class: 'empty' }, 'No open alerts.') : table('Open alerts, newest first', ['Alert', 'Severity', 'Kind', 'About', 'Opened', 'Message'], alertRows(alerts)),
      h('p', {}, link('/alerts', 'All alerts')));
  } catch (err) {
    if (!signal.aborted) replace(box, h('h2', { id: 'alerts-h' }, 'Open alerts'), notice(String((err as Error).message), 'error'));
  }
}

async function renderGateways(box: HTMLElement, signal: AbortSignal): Promise<void> {
  if (!can('integrity:read')) return replace(box);
  try {
    const [{ gateways }, stats] = await Promise.all([
      get<{ gateways: Gateway[] }>('/gateways', signal),
      get<{ quarantinedByGateway: Array<{ gateway: string; batches: number }> }>('/stats', signal),
    ]);
    const now = Date.now();
    const lags = await Promise.all(gateways.map((g) => outboxLag(g, signal).catch(() => undefined)));
    const rows = gateways.map((g, i) => {
      const silent = g.lastSeenAt === undefined || now - Date.parse(g.lastSeenAt) > SILENT_AFTER_MS;
      const state = g.revocation ? 'revoked' : silent ? 'silent' : 'ok';
      return [
        g.id,
        h('span', { class: `badge ${state === 'ok' ? 'ok' : 'risk'}` }, state === 'ok' ? 'Reporting' : state === 'revoked' ? 'Revoked' : 'Silent'),
        g.lastSeenAt ? h('span', {}, ago(g.lastSeenAt, now), ' (', timeEl(g.lastSeenAt), ')') : 'never',
        g.lastSeq === undefined ? '—' : `#${g.lastSeq}`,
        lags[i] === undefined ? '—' : `${one(lags[i]! / 1000)} s`,
        String(g.readings),
      ];
    });
    const quarantined = stats.quarantinedByGateway.reduce((n, q) => n + q.batches, 0);
    replace(box, h('h2', { id: 'gateways-h' }, `Gateways (${gateways.length})`),
      table('Gateways and their health', ['Gateway', 'Health', 'Last batch received', 'Last batch', 'Outbox lag', 'Readings'], rows),
      quarantined ? notice(`${quarantined} batch(es) from gateways not enrolled are quarantined: approve their join requests on the Gateways page.`, 'info') : null,
      h('p', { class: 'hint' }, 'Outbox lag: how long the newest reading of the last batch waited at the gateway before the ingest committed it (batching, outages, retries).'),
      h('p', {}, link('/gateways', 'Manage gateways')));
  } catch (err) {
    if (!signal.aborted) replace(box, h('h2', { id: 'gateways-h' }, 'Gateways'), notice(String((err as Error).message), 'error'));
  }
}

/**
 * The outbox lag of a gateway's last batch: its receipt time minus the newest reading it
 * carried (the readings of the two minutes before receipt are enough to find it).
 */
async function outboxLag(g: Gateway, signal: AbortSignal): Promise<number | undefined> {
  if (g.lastSeenAt === undefined || g.lastSeq === undefined) return undefined;
  const seen = Date.parse(g.lastSeenAt);
  const { readings } = await get<{ readings: Array<{ ts: number; seq: number }> }>(`/readings?gateway=${enc(g.id)}&from=${seen - 120_000}&to=${seen + 1}&limit=10000`, signal);
  const last = readings.filter((r) => r.seq === g.lastSeq);
  return last.length === 0 ? undefined : Math.max(0, seen - Math.max(...last.map((r) => r.ts)));
}
