/**
 * The lot page's evidence part: where the lot's evidence stands (anchoring), Verify — the
 * checks of `freshtrail verify`, run here in the browser by the same protocol code (the
 * verifier chunk loads on the first press) — and the downloads: evidence bundle, FSMA 204
 * spreadsheet, EPCIS 2.0 document.
 */
import { download, enc, get } from '../api.js';
import { h, notice, replace, table } from '../dom.js';
import { timeEl } from '../time.js';
import type { AnchorTarget, LotHistory } from '../types.js';
import type { Check, EvidenceBundle } from '../verify/index.js';

const STATUS_TEXT: Record<LotHistory['anchoring']['status'], string> = {
  disabled: 'This ingest does not anchor evidence.',
  not_committed: 'In no epoch yet: the lot\'s evidence is committed when the current epoch closes.',
  committed: 'In a signed epoch head; not yet on a chain.',
  anchored: 'Anchored on a chain (included in a block).',
  final: 'Anchored and final on the chain.',
};

/** The RPC URL offered by default: that of the target that anchored the lot, else the first shareable one. */
export function defaultRpcUrl(lot: LotHistory, targets: readonly AnchorTarget[]): string {
  const used = new Set(lot.anchoring.anchors.map((a) => a.target));
  return (targets.find((t) => used.has(t.name) && t.rpcUrl) ?? targets.find((t) => t.rpcUrl))?.rpcUrl ?? '';
}

function checkList(checks: Check[]): HTMLElement {
  const failed = checks.filter((c) => !c.ok && !c.skipped);
  const skipped = checks.filter((c) => c.skipped);
  return h('div', { class: 'verify-result', 'data-testid': 'verify-result', 'data-ok': String(failed.length === 0) },
    failed.length === 0
      ? notice(`All ${checks.length - skipped.length} checks passed${skipped.length ? `; ${skipped.length} skipped (${skipped.map((c) => c.name).join(', ')})` : ''}.`, 'ok')
      : notice(`Verification FAILED: ${failed.map((c) => c.name).join(', ')}.`, 'error'),
    h('ol', { class: 'checks' }, ...checks.map((c) => {
      const state = c.ok ? 'pass' : c.skipped ? 'skip' : 'fail';
      return h('li', { class: `check ${state}`, 'data-check': c.name, 'data-state': state },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, c.ok ? '✓' : c.skipped ? '–' : '✗'),
        h('strong', {}, `${c.name}: `), h('span', { class: 'sr-only' }, `${state === 'pass' ? 'passed' : state === 'skip' ? 'skipped' : 'failed'}. `), c.detail);
    })));
}

export function evidenceSection(lot: LotHistory, targets: readonly AnchorTarget[]): HTMLElement {
  const a = lot.anchoring;
  const result = h('div', { 'aria-live': 'polite' });
  const rpc = h('input', { id: 'rpc-url', name: 'rpcUrl', type: 'url', value: defaultRpcUrl(lot, targets), placeholder: 'https://… (empty: skip the on-chain check)', size: 40 });
  const headKey = h('input', { id: 'head-key', name: 'headKey', pattern: '[0-9a-f]{64}', placeholder: 'empty: the key the bundle states', size: 40 });
  const button = h('button', { type: 'submit' }, 'Verify');
  const form = h('form', { class: 'card verify' },
    h('label', { for: 'rpc-url' }, 'Ethereum JSON-RPC node for the on-chain check'), rpc,
    h('label', { for: 'head-key' }, 'Ingest head public key to pin (optional, 64 hex)'), headKey,
    button, result);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      button.disabled = true;
      replace(result, notice('Fetching the evidence bundle and verifying…', 'info'));
      try {
        const [bundle, { verifyEvidence }] = await Promise.all([get<EvidenceBundle>(`/lots/${enc(lot.id)}/evidence`), import('../verify/index.js')]);
        const checks = await verifyEvidence(bundle, { ...(rpc.value ? { rpcUrl: rpc.value } : {}), ...(headKey.value ? { headPublicKey: headKey.value.toLowerCase() } : {}) });
        replace(result, checkList(checks));
      } catch (err) {
        replace(result, notice(`Could not verify: ${(err as Error).message}`, 'error'));
      } finally {
        button.disabled = false;
      }
    })();
  });

  const said = h('div', { 'aria-live': 'polite' });
  const save = (path: string, name: string) => async (): Promise<void> => {
    try {
      await download(path, name);
    } catch (err) {
      replace(said, notice((err as Error).message, 'error'));
    }
  };
  const safe = lot.id.replace(/[^A-Za-z0-9._-]/g, '_');
  return h('section', { 'aria-labelledby': 'evidence-h' },
    h('h2', { id: 'evidence-h' }, 'Evidence'),
    h('p', {}, h('span', { class: `badge ${a.status === 'final' || a.status === 'anchored' ? 'ok' : 'watch'}`, 'data-testid': 'anchoring-status' }, a.status.replace('_', ' ')), ' ', STATUS_TEXT[a.status]),
    a.epoch === undefined ? null : h('dl', { class: 'facts' },
      h('dt', {}, 'Epoch'), h('dd', {}, String(a.epoch)),
      a.committedAt ? h('dt', {}, 'Committed') : null, a.committedAt ? h('dd', {}, timeEl(a.committedAt)) : null,
      a.headHash ? h('dt', {}, 'Head hash') : null, a.headHash ? h('dd', {}, h('code', {}, a.headHash)) : null),
    a.anchors.length === 0 ? null : table('Anchors', ['Target', 'Chain', 'Contract', 'Epoch', 'Transaction', 'Block', 'Status'], a.anchors.map((x) => [x.target, x.chainId, h('code', {}, x.contract), String(x.epoch), h('code', {}, x.txHash), String(x.blockNumber), x.status])),
    form,
    h('h3', {}, 'Downloads'),
    h('p', { class: 'actions' },
      h('button', { type: 'button', onclick: () => void save(`/lots/${enc(lot.id)}/evidence`, `evidence-${safe}.json`)() }, 'Evidence bundle (JSON)'),
      h('button', { type: 'button', onclick: () => void save(`/exports/fsma204.csv?tlc=${enc(lot.id)}`, `fsma204-${safe}.csv`)() }, 'FSMA 204 spreadsheet (CSV)'),
      h('button', { type: 'button', onclick: () => void save(`/exports/epcis?tlc=${enc(lot.id)}`, `epcis-${safe}.jsonld`)() }, 'EPCIS 2.0 document (JSON-LD)')),
    said);
}
