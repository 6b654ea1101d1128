/** Recalls: the list with progress, and one recall's progress per notified holder (acknowledge for recalls:acknowledge). */
import { get, post } from '../api.js';
import { h, link, notice, replace, table } from '../dom.js';
import type { PageContext } from '../router.js';
import { can } from '../session.js';
import { timeEl } from '../time.js';
import type { Recall } from '../types.js';

const progressBar = (done: number, total: number): HTMLElement =>
  h('span', { class: 'progress' }, h('progress', { max: Math.max(total, 1), value: done, 'aria-label': `${done} of ${total} acknowledged` }), ` ${done} / ${total} acknowledged`);

export async function recallsPage({ main, signal }: PageContext): Promise<void> {
  const { recalls } = await get<{ recalls: Array<Recall & { progress: { locations: number; acknowledged: number } }> }>('/recalls?limit=200', signal);
  replace(main, h('h1', {}, 'Recalls'),
    h('p', { class: 'hint' }, 'Start a recall from a lot\'s trace page.'),
    recalls.length === 0 ? h('p', { class: 'empty' }, 'No recalls.') : table('Recalls, newest first', ['Recall', 'Started', 'Lots', 'Affected lots', 'Reason', 'Progress'], recalls.map((r) => [
      link(`/recalls/${r.id}`, `Recall #${r.id}`), timeEl(r.createdAt), r.lots.join(', '), String(r.affectedLots.length), r.reason, progressBar(r.progress.acknowledged, r.progress.locations),
    ])));
}

export async function recallPage({ main, params, signal }: PageContext): Promise<void> {
  const id = Number(params[0]);
  const said = h('div', { 'aria-live': 'polite' });
  const render = async (): Promise<void> => {
    const r = await get<Recall>(`/recalls/${id}`, signal);
    const notices = r.notices ?? [];
    const acknowledge = (location: string) => async (): Promise<void> => {
      try {
        await post(`/recalls/${id}/acknowledge`, { location });
        replace(said, notice(`${location} acknowledged the recall.`, 'ok'));
        await render();
      } catch (err) {
        replace(said, notice((err as Error).message, 'error'));
      }
    };
    replace(main, h('h1', {}, `Recall #${r.id}`), said,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Reason'), h('dd', {}, r.reason),
        h('dt', {}, 'Classification'), h('dd', {}, r.classification ? `Class ${r.classification}` : '—'),
        h('dt', {}, 'Started'), h('dd', {}, timeEl(r.createdAt), ` by ${r.initiatedBy}`),
        h('dt', {}, 'Recalled lots'), h('dd', {}, ...r.lots.flatMap((l, i) => [i ? ', ' : '', link(`/lots/${encodeURIComponent(l)}`, l)])),
        h('dt', {}, 'Affected lots'), h('dd', {}, r.affectedLots.join(', ') + (r.truncated ? ' (trace truncated: there may be more)' : '')),
        h('dt', {}, 'Progress'), h('dd', {}, progressBar(r.progress?.acknowledged ?? 0, r.progress?.locations ?? notices.length))),
      h('h2', {}, 'Holders notified'),
      notices.length === 0 ? h('p', { class: 'empty' }, 'No location received or holds an affected lot.') : table('Progress per notified location', ['Location', 'Lots received or held', 'Held at start', 'Notified', 'Acknowledged'], notices.map((n) => [
        n.location, n.lots.join(', '), n.heldLots.join(', ') || '—', timeEl(n.notifiedAt),
        n.acknowledgedAt ? h('span', {}, h('span', { class: 'badge ok' }, 'Acknowledged'), ' ', timeEl(n.acknowledgedAt), n.acknowledgedBy ? ` by ${n.acknowledgedBy}` : '')
          : can('recalls:acknowledge') ? h('button', { type: 'button', onclick: () => void acknowledge(n.location)() }, `Acknowledge for ${n.location}`) : h('span', { class: 'badge watch' }, 'Waiting'),
      ]), { 'data-testid': 'recall-notices' }));
  };
  await render();
}
