// Installs the service worker that keeps the app shell for use without signal (production builds only:
// `npm run dev` serves modules that no worker should cache).

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
      // No worker (private mode, an old browser): the pages still work with signal.
    });
  });
}
