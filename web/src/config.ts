// Runtime settings served with the app (/config.json), so one build serves any tile server.

export interface ClientConfig {
  tileUrl: string;
  tileAttribution: string;
  tileMaxZoom: number;
  center: [number, number];
  zoom: number;
}

const defaults: ClientConfig = {
  tileUrl: import.meta.env.VITE_TILE_URL ?? "",
  tileAttribution: import.meta.env.VITE_TILE_ATTRIBUTION ?? "",
  tileMaxZoom: 19,
  center: [13.7563, 100.5018],
  zoom: 6,
};

let loaded: ClientConfig = defaults;

export async function loadConfig(): Promise<void> {
  try {
    const response = await fetch("/config.json", { cache: "no-cache" });
    if (response.ok) loaded = { ...defaults, ...((await response.json()) as Partial<ClientConfig>) };
  } catch {
    // No config.json: the defaults (no tiles unless set at build time) still give a working page.
  }
}

export function config(): ClientConfig {
  return loaded;
}
