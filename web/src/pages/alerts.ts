/** Alerts: open, acknowledged and resolved; acknowledge and resolve (scope alerts:write); live through the event stream. */
import { enc, get, post } from '../api.js';
import { h, link, notice, replace, table } from '../dom.js';
import type { PageContext } from '../router.js';
import { can } from '../session.js';
import { followAlerts } from '../sse.js';
import { timeEl } from '../time.js';
import type { Alert } from '../types.js';

/** What an alert is about: a link to the lot when the subject is one the user can open. */
const about = (a: Alert): Node | string => (a.subject ? (a.kind.includes('lot') || a.kind === 'recall' || a.kind.startsWith('arrival') ? link(`/lots/${enc(a.subject)}`, a.subject) : a.subject) : a.gateway ?? '—');

export function alertRows(alerts: Alert[]): Array<Array<Node | string>> {
  return alerts.map((a) => [`#${a.id}`, h('span', { class: `badge ${a.severity === 'critical' ? 'risk' : 'watch'}` }, a.severity), a.kind, about(a), timeEl(a.openedAt), a.message]);
}

export async function alertsPage({ main, signal, query }: PageContext): Promise<void> {
  const status = query.get('status') ?? 'open';
  const box = h('div');
  const said = h('div', { 'aria-live': 'polite' });
  const filter = h('nav', { 'aria-label': 'Alert status', class: 'tabs' },
    ...['open', 'acknowledged', 'resolved'].map((s) => link(`/alerts?status=${s}`, s[0]!.toUpperCase() + s.slice(1), s === status ? { 'aria-current': 'page' } : {})));
  replace(main, h('h1', {}, 'Alerts'), filter, said, box);

  const act = async (a: Alert, action: 'acknowledge' | 'resolve'): Promise<void> => {
    try {
      await post(`/alerts/${a.id}/${action}`, {});
      replace(said, notice(`Alert #${a.id} ${action === 'acknowledge' ? 'acknowledged' : 'resolved'}.`, 'ok'));
      await render();
    } catch (err) {
      replace(said, notice((err as Error).message, 'error'));
    }
  };
  const render = async (): Promise<void> => {
    const { alerts } = await get<{ alerts: Alert[] }>(`/alerts?status=${enc(status)}&limit=200`, signal);
    const writable = can('alerts:write');
    const rows = alertRows(alerts).map((cells, i) => {
      const a = alerts[i]!;
      const actions = h('span', { class: 'actions' },
        writable && a.status === 'open' ? h('button', { type: 'button', onclick: () => void act(a, 'acknowledge') }, `Acknowledge #${a.id}`) : null,
        writable && a.status !== 'resolved' ? h('button', { type: 'button', onclick: () => void act(a, 'resolve') }, `Resolve #${a.id}`) : null,
        a.acknowledgedBy ? `acknowledged by ${a.acknowledgedBy}` : null);
      return [...cells, actions];
    });
    replace(box, alerts.length === 0 ? h('p', { class: 'empty' }, `No ${status} alerts.`) : table(`${alerts.length} ${status} alerts, newest first`, ['Alert', 'Severity', 'Kind', 'About', 'Opened', 'Message', 'Actions'], rows, { 'data-testid': 'alerts' }));
  };
  await render();
  followAlerts(() => void render().catch(() => undefined), signal);
}
