import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import { defineConfig, type Plugin } from "vite";

// `npm run dev` proxies the APIs to the running gateway so the client is developed against real services.
const gateway = process.env.CITIZENINFO_GATEWAY ?? "http://127.0.0.1:8080";

/** Files of web/public the app shell needs offline (besides the built assets). */
const PUBLIC_SHELL = ["/favicon.svg", "/manifest.webmanifest", "/icons/icon-192.png", "/icons/icon-512.png", "/icons/icon.svg"];

/**
 * The service worker (issue 22): a small hand-written worker (src/offline/sw.template.js) written to
 * /sw.js with this build's precache list — index.html, every JS/CSS/font/image asset (not source maps)
 * and the public shell files — and a version that changes with them, so each release installs anew.
 */
function serviceWorker(): Plugin {
  return {
    name: "citizeninfo-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const assets = Object.keys(bundle)
        .filter((name) => name.startsWith("assets/") && !name.endsWith(".map"))
        .map((name) => `/${name}`)
        .sort();
      const precache = ["/index.html", ...PUBLIC_SHELL, ...assets];
      const template = readFileSync(new URL("./src/offline/sw.template.js", import.meta.url), "utf8");
      const version = createHash("sha256").update(template).update(precache.join("\n")).digest("hex").slice(0, 12);
      this.emitFile({
        type: "asset",
        fileName: "sw.js",
        source: template.replace("__VERSION__", version).replace("__PRECACHE__", JSON.stringify(precache, null, 2)),
      });
    },
  };
}

export default defineConfig({
  plugins: [serviceWorker()],
  build: {
    target: "es2022",
    sourcemap: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "/api": gateway,
      "/open311": gateway,
    },
  },
});
