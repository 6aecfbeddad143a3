// History-API routing (nginx sends every unknown path to index.html); each page gets an AbortSignal
// that fires when the user leaves, so timers, maps and pending requests stop with it.

export interface PageContext {
  main: HTMLElement;
  params: string[];
  query: URLSearchParams;
  signal: AbortSignal;
}

export type Page = (context: PageContext) => void | Promise<void>;

interface Route {
  pattern: RegExp;
  page: Page;
}

const routes: Route[] = [];
let notFound: Page = () => undefined;
let current: AbortController | null = null;
let afterRender: () => void = () => undefined;
// The path and query last rendered: a change of the #fragment alone moves within the page, not to a new one.
let renderedAt = "";

export function route(pattern: RegExp, page: Page): void {
  routes.push({ pattern, page });
}

export function fallback(page: Page): void {
  notFound = page;
}

export function onRendered(callback: () => void): void {
  afterRender = callback;
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  void render();
}

export async function render(): Promise<void> {
  current?.abort();
  current = new AbortController();
  renderedAt = location.pathname + location.search;
  const main = document.getElementById("main") as HTMLElement;
  main.replaceChildren();
  const path = decodeURIComponent(location.pathname);
  const query = new URLSearchParams(location.search);
  const match = routes.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  const context: PageContext = { main, params: match?.m?.slice(1) ?? [], query, signal: current.signal };
  await (match ? match.r.page(context) : notFound(context));
  afterRender();
}

/** Same-origin links navigate without a reload; modified clicks (new tab) are left to the browser. */
export function interceptLinks(): void {
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const anchor = (event.target as Element | null)?.closest("a");
    if (!anchor || anchor.target || anchor.hasAttribute("download") || anchor.origin !== location.origin) return;
    if (anchor.pathname.startsWith("/api/") || anchor.pathname.startsWith("/open311/")) return;
    if (anchor.getAttribute("href")?.startsWith("#")) return;
    event.preventDefault();
    navigate(anchor.pathname + anchor.search);
  });
  window.addEventListener("popstate", () => {
    if (location.pathname + location.search !== renderedAt) void render();
  });
}
