// Points kept on the phone for the field (issue 22): each staff point page read with signal, and the
// points of the staff list's page, are copied to IndexedDB, so the pin and survey pages still open for
// them without signal (with what the page showed then, including the pin a new pin is based on).

import { createStore, get as idbGet, set } from "idb-keyval";

const store = createStore("citizeninfo-points", "points");
const FRESH_MS = 6 * 60 * 60 * 1000;

export interface KeptPoint<T> {
  point: T;
  readiness?: unknown;
  kept_at: string;
}

export async function keptPoint<T>(pointId: string): Promise<KeptPoint<T> | undefined> {
  try {
    return await idbGet<KeptPoint<T>>(pointId, store);
  } catch {
    return undefined;
  }
}

export async function keepPoint<T>(pointId: string, point: T): Promise<void> {
  try {
    const known = await idbGet<KeptPoint<T>>(pointId, store);
    await set(pointId, { ...known, point, kept_at: new Date().toISOString() }, store);
  } catch {
    // No IndexedDB: the page simply needs signal.
  }
}

export async function keepReadiness(pointId: string, readiness: unknown): Promise<void> {
  try {
    const known = await idbGet<KeptPoint<unknown>>(pointId, store);
    if (known) await set(pointId, { ...known, readiness }, store);
  } catch {
    // as above
  }
}

/** Copies the points not kept in the last hours, a few requests at a time, while there is signal. */
export async function keepPoints(pointIds: string[], fetchPoint: (id: string) => Promise<unknown>, signal: AbortSignal): Promise<void> {
  const due: string[] = [];
  for (const id of pointIds) {
    const known = await keptPoint(id);
    if (!known || Date.now() - Date.parse(known.kept_at) > FRESH_MS) due.push(id);
  }
  const worker = async () => {
    for (let id = due.shift(); id !== undefined && !signal.aborted && navigator.onLine; id = due.shift()) {
      try {
        await keepPoint(id, await fetchPoint(id));
      } catch {
        // Not kept this time: the next list view tries again.
      }
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}
