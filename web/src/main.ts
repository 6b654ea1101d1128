/**
 * The dashboard's entry (issue 8, docs/dashboard.md): who is signed in, the page table, the
 * sign-in page. Pages live in pages/; the verifier is loaded only when Verify is pressed.
 */
import { ApiError, setApiKey, whenUnauthenticated } from './api.js';
import { h, notice, replace } from './dom.js';
import { alertsPage } from './pages/alerts.js';
import { gatewaysPage } from './pages/gateways.js';
import { lotPage } from './pages/lot.js';
import { overviewPage } from './pages/overview.js';
import { recallPage, recallsPage } from './pages/recalls.js';
import { tracePage } from './pages/trace.js';
import { navigate, startRouter, type PageContext } from './router.js';
import { clearSession, loadSession, session } from './session.js';

const main = document.getElementById('main')!;
const who = document.getElementById('who')!;

/** Renders a page only for a signed-in user; an API error becomes a message on the page. */
const guarded = (render: (ctx: PageContext) => Promise<void>) => async (ctx: PageContext): Promise<void> => {
  if (!session()) {
    try {
      await loadSession();
      showWho();
    } catch (err) {
      // 401: the unauthenticated handler below has already sent the user to sign in.
      if (err instanceof ApiError && err.status === 401) return;
      throw err;
    }
  }
  try {
    await render(ctx);
  } catch (err) {
    if (ctx.signal.aborted) return;
    replace(ctx.main, h('h1', {}, 'Something went wrong'), notice(err instanceof Error ? err.message : String(err), 'error'));
  }
};

function showWho(): void {
  const p = session();
  if (!p) return replace(who);
  replace(who,
    h('span', {}, `${p.actor} · ${p.role}${p.party ? ` · ${p.party}` : ''}`),
    ' ',
    h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'),
  );
}

function signOut(): void {
  setApiKey(null);
  clearSession();
  showWho();
  navigate('/signin');
}

async function signInPage({ main: el, query }: PageContext): Promise<void> {
  const input = h('input', { id: 'api-key', name: 'apiKey', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false', placeholder: 'ft_…' });
  const status = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card signin' },
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('p', { class: 'hint' }, 'Paste the API key your FreshTrail operator gave you (freshtrail apikey create). It is kept in this tab only and sent as a Bearer token.'),
    h('button', { type: 'submit' }, 'Sign in'),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      setApiKey(input.value.trim());
      try {
        await loadSession();
        showWho();
        const next = query.get('next');
        navigate(next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/signin') ? next : '/', true);
      } catch (err) {
        setApiKey(null);
        clearSession();
        replace(status, notice(err instanceof Error ? err.message : String(err), 'error'));
      }
    })();
  });
  replace(el, h('h1', {}, 'Sign in'), form);
  input.focus();
}

// The skip link moves focus itself: following a fragment does not move keyboard focus in every browser.
document.querySelector('a.skip')?.addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});

whenUnauthenticated(() => {
  clearSession();
  showWho();
  if (location.pathname !== '/signin') navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, true);
});

const ID = '([^/]+)';
startRouter([
  { pattern: /^\/$/, title: 'Overview', render: guarded(overviewPage) },
  { pattern: new RegExp(`^/lots/${ID}$`), title: 'Lot', render: guarded(lotPage) },
  { pattern: new RegExp(`^/trace/${ID}$`), title: 'Trace', render: guarded(tracePage) },
  { pattern: /^\/recalls$/, title: 'Recalls', render: guarded(recallsPage) },
  { pattern: /^\/recalls\/(\d+)$/, title: 'Recall', render: guarded(recallPage) },
  { pattern: /^\/alerts$/, title: 'Alerts', render: guarded(alertsPage) },
  { pattern: /^\/gateways$/, title: 'Gateways', render: guarded(gatewaysPage) },
  { pattern: /^\/signin$/, title: 'Sign in', render: signInPage },
], main);
