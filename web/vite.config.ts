import { defineConfig } from "vite";

// `npm run dev` proxies the APIs to the running gateway so the client is developed against real services.
const gateway = process.env.CITIZENINFO_GATEWAY ?? "http://127.0.0.1:8080";

export default defineConfig({
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
