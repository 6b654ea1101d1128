/**
 * Page routing in the browser: real URLs (/lots/ID, /trace/ID, /recalls/7 …) that the ingest
 * answers with index.html (ingest/http/routes/dashboard.ts), links intercepted for in-app
 * navigation, Back/Forward through popstate. Each page gets an AbortSignal that ends its
 * streams and timers when the user leaves it.
 */
export interface PageContext {
  main: HTMLElement;
  params: string[];
  query: URLSearchParams;
  signal: AbortSignal;
}
export interface Route { pattern: RegExp; title: string; render: (ctx: PageContext) => Promise<void> }

let routes: Route[] = [];
let current: AbortController | undefined;
/** The first page shown: focus stays where the browser put it (the skip link is the first Tab stop). */
let firstShow = true;

export function startRouter(table: Route[], main: HTMLElement): void {
  routes = table;
  document.addEventListener('click', (e) => {
    // HTML and SVG links alike (the trace graph's nodes are SVG <a>): read the attribute.
    const a = (e.target as Element | null)?.closest?.('a');
    const href = a?.getAttribute('href');
    if (!a || !href || href.startsWith('#') || a.getAttribute('target') || a.hasAttribute('download') || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const url = new URL(href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/docs')) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', () => void show(main));
  void show(main);
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  void show(document.getElementById('main')!);
}

async function show(main: HTMLElement): Promise<void> {
  current?.abort();
  const controller = (current = new AbortController());
  const path = location.pathname;
  const route = routes.find((r) => r.pattern.test(path));
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    const here = a.pathname === '/' ? path === '/' : path.startsWith(a.pathname);
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!route) {
    main.replaceChildren(Object.assign(document.createElement('h1'), { textContent: 'Not found' }));
    return;
  }
  const params = route.pattern.exec(path)!.slice(1).map((p) => decodeURIComponent(p));
  document.title = `${route.title} · FreshTrail`;
  main.replaceChildren(Object.assign(document.createElement('p'), { textContent: 'Loading…' }));
  main.setAttribute('aria-busy', 'true');
  try {
    await route.render({ main, params, query: new URLSearchParams(location.search), signal: controller.signal });
  } finally {
    if (!controller.signal.aborted) {
      main.removeAttribute('aria-busy');
      // After an in-app navigation, move focus to the new page's heading so keyboard and screen
      // reader users start there (a full page load already starts at the top).
      // A page that focused a control itself (the sign-in field) keeps it.
      const focusedByPage = document.activeElement !== null && document.activeElement !== main && main.contains(document.activeElement);
      const heading = firstShow || focusedByPage ? null : main.querySelector('h1');
      firstShow = false;
      if (heading) {
        heading.tabIndex = -1;
        heading.focus({ preventScroll: true });
      }
    }
  }
}
