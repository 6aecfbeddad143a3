// CITIZENinfo service worker (hand-written; vite.config.ts fills in the precache list and version at
// build time). The app shell — index.html, the hashed JS/CSS/font assets, icons, manifest — is cached
// on install, so staff pages open without signal. The APIs are never touched here: the page itself
// queues what it could not send (src/offline/queue.ts).
const VERSION = "__VERSION__";
const SHELL = `citizeninfo-shell-${VERSION}`;
const RUNTIME = "citizeninfo-runtime";
const PRECACHE = __PRECACHE__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(PRECACHE.map((path) => new Request(path, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("citizeninfo-shell-") && n !== SHELL).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

async function fromShell(path) {
  const cache = await caches.open(SHELL);
  return cache.match(path);
}

/** Pages: the network first (a new release shows at once), the cached shell when there is no signal. */
async function page(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const shell = await fromShell("/index.html");
    if (shell) return shell;
    throw error;
  }
}

/** Hashed assets never change: the cache first, else the network (kept for next time). */
async function asset(request) {
  const cached = (await caches.match(request)) ?? null;
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    void caches.open(RUNTIME).then((cache) => cache.put(request, copy));
  }
  return response;
}

/** The runtime config: the network first, the last copy offline. */
async function fresh(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const copy = response.clone();
      void caches.open(RUNTIME).then((cache) => cache.put(request.url, copy));
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request.url);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return; // map tiles and the like: the browser's own way
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/open311/")) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith("/assets/") || PRECACHE.includes(url.pathname)) {
    event.respondWith(asset(request));
  } else if (url.pathname === "/config.json") {
    event.respondWith(fresh(request));
  }
});
