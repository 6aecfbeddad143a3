// The offline queue (issue 22): a pin or a readiness survey is written to IndexedDB the moment the staff
// member presses save, with an idempotency key made then, and sent from there — at once when there is
// signal, else when the phone is back online (the `online` event, and a retry every 30 s). Every attempt
// sends the same key through the bulk endpoints (`POST /pins:batch`, `POST /readiness:batch`, which take
// per-item keys; the single endpoints do not), so an answer lost in transit never stores anything twice.
// A pin carries the point's pin it was based on (`expected_current_pin_id`): if someone re-pinned the
// point meanwhile the server refuses it (409 pin_changed) and the queue shows both pins.

import { createStore, del, get as idbGet, set, values } from "idb-keyval";

import { ApiError, NetworkError, post } from "../api";
import { session, signOut } from "../auth";

export interface PinBody {
  lat: number;
  lon: number;
  accuracy_m?: number;
}

export interface PinRecord {
  pin_id: string;
  lat: number;
  lon: number;
  accuracy_m?: number | null;
  flags?: string[];
  pinned_by?: string;
  pinned_at?: string;
}

export interface SurveyAnswer {
  mou_with_dopa: boolean;
  card_readers: number;
  services: { service_id: string; id_card_copy: string; house_registration_copy: string }[];
  obstacles: { kind: string; detail?: string }[];
}

/** waiting: to send; sending: in flight; signin: the token expired or was refused, kept until the staff
 * member signs in again; conflict: the point was re-pinned meanwhile; refused: the server said no. */
export type QueueState = "waiting" | "sending" | "signin" | "conflict" | "refused";

interface QueuedBase {
  id: string; // the storage key, also the idempotency key (made once, when save was pressed)
  service_point_id: string;
  point_name: string;
  username: string;
  created_at: string;
  state: QueueState;
  attempts: number;
  last_attempt_at?: string;
  problem?: string;
}

export interface QueuedPin extends QueuedBase {
  kind: "pin";
  body: PinBody;
  /** The point's pin when the staff page showed it: `null` not pinned; absent: not known (no condition). */
  based_on?: PinRecord | null;
  /** The point's pin when the server refused this one (state conflict). */
  current_pin?: PinRecord | null;
}

export interface QueuedSurvey extends QueuedBase {
  kind: "survey";
  answer: SurveyAnswer;
}

export type QueuedItem = QueuedPin | QueuedSurvey;

export type Outcome =
  | { kind: "sent"; pin?: PinRecord; copy_status?: string }
  | { kind: "queued" }
  | { kind: "signin" }
  | { kind: "conflict"; current_pin: PinRecord | null }
  | { kind: "refused"; problem: string };

const store = createStore("citizeninfo-offline", "queue");
const changes = new EventTarget();
let flushing: Promise<Map<string, Outcome>> | null = null;

function emit(): void {
  changes.dispatchEvent(new Event("change"));
}

/** Calls back on every change of the queue until the signal fires. */
export function onQueueChange(callback: () => void, signal: AbortSignal): void {
  changes.addEventListener("change", callback, { signal });
}

/** Calls back once with the item's outcome when a later attempt (back online) decides it. */
export function onOutcome(id: string, callback: (outcome: Outcome) => void, signal: AbortSignal): void {
  const listener = (event: Event) => {
    const outcome = (event as CustomEvent<Map<string, Outcome>>).detail.get(id);
    if (!outcome || outcome.kind === "queued") return;
    changes.removeEventListener("outcomes", listener);
    callback(outcome);
  };
  changes.addEventListener("outcomes", listener, { signal });
}

export async function queued(): Promise<QueuedItem[]> {
  try {
    const items = (await values<QueuedItem>(store)).filter((item) => item && typeof item.id === "string");
    return items.sort((a, b) => a.created_at.localeCompare(b.created_at));
  } catch {
    return []; // private browsing without IndexedDB: nothing can wait, saves go straight out
  }
}

function newKey(): string {
  return crypto.randomUUID();
}

export async function enqueuePin(pointId: string, pointName: string, body: PinBody, basedOn: PinRecord | null | undefined): Promise<QueuedPin> {
  const item: QueuedPin = {
    kind: "pin",
    id: newKey(),
    service_point_id: pointId,
    point_name: pointName,
    username: session()?.username ?? "",
    created_at: new Date().toISOString(),
    state: "waiting",
    attempts: 0,
    body,
    ...(basedOn === undefined ? {} : { based_on: basedOn }),
  };
  await set(item.id, item, store);
  emit();
  return item;
}

export async function enqueueSurvey(pointId: string, pointName: string, answer: SurveyAnswer): Promise<QueuedSurvey> {
  const item: QueuedSurvey = {
    kind: "survey",
    id: newKey(),
    service_point_id: pointId,
    point_name: pointName,
    username: session()?.username ?? "",
    created_at: new Date().toISOString(),
    state: "waiting",
    attempts: 0,
    answer,
  };
  await set(item.id, item, store);
  emit();
  return item;
}

async function save(item: QueuedItem): Promise<void> {
  await set(item.id, item, store);
}

export async function discard(id: string): Promise<void> {
  await del(id, store);
  emit();
}

/** The staff member chose to replace the newer pin: the same pin and key, without the precondition. */
export async function sendAnyway(id: string): Promise<void> {
  const item = await idbGet<QueuedItem>(id, store);
  if (!item || item.kind !== "pin") return;
  delete item.based_on;
  delete item.current_pin;
  delete item.problem;
  item.state = "waiting";
  await save(item);
  emit();
  void flush();
}

/** Items the staff member signed in now may send (items wait for the account that made them). */
function mine(item: QueuedItem, username: string): boolean {
  return item.username === username || item.username === "";
}

interface PinResult {
  index: number;
  status: number;
  outcome: "created" | "repeated" | "refused";
  pin?: PinRecord | null;
  problem?: { detail?: string } | null;
  reason?: string | null;
  current_pin?: PinRecord | null;
}

interface SurveyResult {
  index: number;
  status: number;
  outcome: "answered" | "repeated" | "refused";
  answer?: { copy_status?: string } | null;
  problem?: { detail?: string } | null;
}

function pinItem(item: QueuedPin): Record<string, unknown> {
  const body: Record<string, unknown> = { service_point_id: item.service_point_id, ...item.body, idempotency_key: item.id };
  if (item.based_on !== undefined) body.expected_current_pin_id = item.based_on?.pin_id ?? null;
  return body;
}

function surveyItem(item: QueuedSurvey): Record<string, unknown> {
  return { service_point_id: item.service_point_id, idempotency_key: item.id, ...item.answer };
}

/**
 * Sends every waiting item of the signed-in staff member, one bulk request per kind, and records each
 * item's outcome: sent (removed from the queue), conflict, refused (kept to read and discard), or still
 * waiting (no signal, or the server could not store it: sent again later with the same key).
 */
export function flush(): Promise<Map<string, Outcome>> {
  if (flushing) return flushing.then(() => flush()); // one at a time; then once more for what came meanwhile
  flushing = (async () => {
    try {
      const outcomes = await flushNow();
      changes.dispatchEvent(new CustomEvent("outcomes", { detail: outcomes }));
      return outcomes;
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

async function flushNow(): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const account = session();
  const all = await queued();
  if (!account) {
    // Signed out or the token expired on this phone: keep everything, ask to sign in, then send.
    for (const item of all.filter((i) => i.state === "waiting" || i.state === "sending")) {
      item.state = "signin";
      await save(item);
      outcomes.set(item.id, { kind: "signin" });
    }
    if (outcomes.size) emit();
    return outcomes;
  }
  const due = all.filter((i) => mine(i, account.username) && (i.state === "waiting" || i.state === "sending" || i.state === "signin"));
  if (!due.length) return outcomes;
  if (!navigator.onLine) {
    for (const item of due) outcomes.set(item.id, { kind: "queued" });
    return outcomes;
  }
  const now = new Date().toISOString();
  for (const item of due) {
    item.state = "sending";
    item.attempts += 1;
    item.last_attempt_at = now;
    if (!item.username) item.username = account.username;
    await save(item);
  }
  emit();
  const pins = due.filter((i): i is QueuedPin => i.kind === "pin").slice(0, 500);
  const surveys = due.filter((i): i is QueuedSurvey => i.kind === "survey").slice(0, 500);
  await Promise.all([
    pins.length ? sendPins(pins, outcomes) : null,
    surveys.length ? sendSurveys(surveys, outcomes) : null,
  ]);
  for (const item of due) {
    if (item.state === "sending") {
      item.state = "waiting";
      await save(item);
    }
  }
  emit();
  return outcomes;
}

/** What a failed bulk request means for all its items. */
async function failedRequest(items: QueuedItem[], error: unknown, outcomes: Map<string, Outcome>): Promise<void> {
  if (error instanceof ApiError && error.status === 401) {
    signOut(); // the token is no longer good: the staff page asks to sign in; the items stay
    for (const item of items) {
      item.state = "signin";
      await save(item);
      outcomes.set(item.id, { kind: "signin" });
    }
    return;
  }
  const problem = error instanceof NetworkError || !(error instanceof ApiError) ? undefined : error.message;
  for (const item of items) {
    item.state = "waiting";
    item.problem = problem;
    await save(item);
    outcomes.set(item.id, { kind: "queued" });
  }
}

async function sendPins(items: QueuedPin[], outcomes: Map<string, Outcome>): Promise<void> {
  let report: { items: PinResult[] };
  try {
    report = await post<{ items: PinResult[] }>("/api/pin/v1/pins:batch", { items: items.map(pinItem) });
  } catch (error) {
    await failedRequest(items, error, outcomes);
    return;
  }
  for (const result of report.items) {
    const item = items[result.index];
    if (!item) continue;
    if (result.outcome === "created" || result.outcome === "repeated") {
      await del(item.id, store);
      item.state = "waiting"; // not left as "sending" by the caller's clean-up
      outcomes.set(item.id, { kind: "sent", pin: result.pin ?? undefined });
    } else if (result.status === 409 && result.reason === "pin_changed") {
      item.state = "conflict";
      item.current_pin = result.current_pin ?? null;
      item.problem = result.problem?.detail;
      await save(item);
      outcomes.set(item.id, { kind: "conflict", current_pin: item.current_pin });
    } else if (result.status >= 500) {
      item.state = "waiting";
      await save(item);
      outcomes.set(item.id, { kind: "queued" });
    } else {
      item.state = "refused";
      item.problem = result.problem?.detail ?? `HTTP ${result.status}`;
      await save(item);
      outcomes.set(item.id, { kind: "refused", problem: item.problem });
    }
  }
}

async function sendSurveys(items: QueuedSurvey[], outcomes: Map<string, Outcome>): Promise<void> {
  let report: { items: SurveyResult[] };
  try {
    report = await post<{ items: SurveyResult[] }>("/api/nocopy/v1/readiness:batch", { items: items.map(surveyItem) });
  } catch (error) {
    await failedRequest(items, error, outcomes);
    return;
  }
  for (const result of report.items) {
    const item = items[result.index];
    if (!item) continue;
    if (result.outcome === "answered" || result.outcome === "repeated") {
      await del(item.id, store);
      item.state = "waiting";
      outcomes.set(item.id, { kind: "sent", copy_status: result.answer?.copy_status });
    } else if (result.status >= 500) {
      item.state = "waiting";
      await save(item);
      outcomes.set(item.id, { kind: "queued" });
    } else {
      item.state = "refused";
      item.problem = result.problem?.detail ?? `HTTP ${result.status}`;
      await save(item);
      outcomes.set(item.id, { kind: "refused", problem: item.problem });
    }
  }
}

const RETRY_MS = 30_000;

/** Sends what waits when the phone comes back online, and every 30 s while anything waits. */
export function startBackgroundSending(): void {
  window.addEventListener("online", () => void flush());
  window.setInterval(() => {
    if (navigator.onLine && session()) void flush();
  }, RETRY_MS);
  if (navigator.onLine && session()) void flush();
}
