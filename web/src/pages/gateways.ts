/** Gateways: enrolled gateways, join requests to approve or reject, revocation (scope gateways:admin for the actions). */
import { enc, get, post } from '../api.js';
import { h, notice, replace, table } from '../dom.js';
import type { PageContext } from '../router.js';
import { can } from '../session.js';
import { ago, timeEl } from '../time.js';
import type { Gateway, JoinRequest } from '../types.js';

export async function gatewaysPage({ main, signal }: PageContext): Promise<void> {
  const said = h('div', { 'aria-live': 'polite' });
  const requestsBox = h('section', { 'aria-labelledby': 'requests-h' });
  const gatewaysBox = h('section', { 'aria-labelledby': 'gw-h' });
  replace(main, h('h1', {}, 'Gateways'), said, requestsBox, gatewaysBox);
  const admin = can('gateways:admin');

  const run = async (what: string, f: () => Promise<unknown>): Promise<void> => {
    try {
      await f();
      replace(said, notice(what, 'ok'));
    } catch (err) {
      replace(said, notice((err as Error).message, 'error'));
    }
    await render();
  };

  const revokeForm = (g: Gateway): HTMLElement => {
    const id = `revoke-${g.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const reason = h('input', { id, name: 'reason', required: true, maxlength: 1024, placeholder: 'why (key lost, device retired…)' });
    const form = h('form', { class: 'inline' }, h('label', { for: id, class: 'sr-only' }, `Reason to revoke ${g.id}`), reason, h('button', { type: 'submit', class: 'danger' }, `Revoke ${g.id}`));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void run(`Gateway ${g.id} revoked.`, () => post(`/gateways/${enc(g.id)}/revoke`, { reason: reason.value }));
    });
    return form;
  };

  const render = async (): Promise<void> => {
    const { gateways } = await get<{ gateways: Gateway[] }>('/gateways', signal);
    if (admin) {
      const { requests } = await get<{ requests: JoinRequest[] }>('/join-requests', signal);
      replace(requestsBox, h('h2', { id: 'requests-h' }, `Join requests (${requests.length})`),
        requests.length === 0 ? h('p', { class: 'empty' }, 'No pending join requests.')
          : table('Pending join requests: compare the fingerprint with the one the gateway shows before approving', ['Gateway', 'Fingerprint', 'Label', 'Requested', 'Decision'], requests.map((r) => [
            r.gateway, h('code', {}, r.fingerprint), r.label ?? '—', timeEl(r.requestedAt),
            h('span', { class: 'actions' },
              h('button', { type: 'button', onclick: () => void run(`Gateway ${r.gateway} approved and enrolled.`, () => post(`/join-requests/${r.id}/approve`, {})) }, `Approve ${r.gateway}`),
              h('button', { type: 'button', class: 'danger', onclick: () => void run(`Join request of ${r.gateway} rejected.`, () => post(`/join-requests/${r.id}/reject`, {})) }, `Reject ${r.gateway}`)),
          ])));
    } else replace(requestsBox);
    replace(gatewaysBox, h('h2', { id: 'gw-h' }, `Enrolled gateways (${gateways.length})`),
      table('Enrolled gateways', ['Gateway', 'Label', 'Enrolled', 'Last batch received', 'Batches', 'Readings', admin ? 'Revoke' : 'Status'], gateways.map((g) => [
        g.id, g.label ?? '—', timeEl(g.enrolledAt), g.lastSeenAt ? `${ago(g.lastSeenAt)}` : 'never', String(g.batches), String(g.readings),
        g.revocation ? h('span', { class: 'badge risk' }, `revoked: ${g.revocation.reason}`) : admin ? revokeForm(g) : 'active',
      ])));
  };
  await render();
}
