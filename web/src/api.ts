// Calls through the gateway: problem+json errors become ApiError, the bearer token is added when signed in.

import { session } from "./auth";
import { t } from "./i18n";

export interface Problem {
  status?: number;
  title?: string;
  title_th?: string;
  detail?: string | unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problemText(problem) || `HTTP ${status}`);
  }

  /** A route that is not deployed yet (or a method it does not have): the page degrades, it does not fail. */
  get notAvailable(): boolean {
    return this.status === 405 || this.status === 501 || (this.status === 404 && isRouteMissing(this.problem));
  }
}

export class NetworkError extends Error {}

function isRouteMissing(problem: Problem | null): boolean {
  // FastAPI's own 404 for an unknown path says just "Not Found"; a missing record names what is missing.
  const detail = typeof problem?.detail === "string" ? problem.detail : "";
  return problem === null || detail === "" || detail === "Not Found";
}

function problemText(problem: Problem | null): string {
  if (!problem) return "";
  if (typeof problem.detail === "string" && problem.detail) return problem.detail;
  if (Array.isArray(problem.detail)) {
    return problem.detail
      .map((entry) => (typeof entry === "object" && entry && "msg" in entry ? String(entry.msg) : String(entry)))
      .join("; ");
  }
  return problem.title_th ?? problem.title ?? "";
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  form?: Record<string, string>;
  query?: Record<string, string | number | boolean | null | undefined>;
  signal?: AbortSignal;
}

export function url(path: string, query: RequestOptions["query"] = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = session()?.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = new URLSearchParams(options.form);
  }
  let response: Response;
  try {
    response = await fetch(url(path, options.query), {
      method: options.method ?? (body ? "POST" : "GET"),
      headers,
      body,
      signal: options.signal,
      credentials: "same-origin",
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new NetworkError(t("error.network"));
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, (parsed as Problem | null) ?? null);
  return parsed as T;
}

export const get = <T>(path: string, query?: RequestOptions["query"], signal?: AbortSignal) =>
  request<T>(path, { query, signal });

export const post = <T>(path: string, json: unknown) => request<T>(path, { method: "POST", json });

export const put = <T>(path: string, json: unknown) => request<T>(path, { method: "PUT", json });

/** The human sentence for any failure, Thai or English. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.notAvailable) return t("error.unavailable");
    return `${t("error.generic")} (${error.status}): ${error.message}`;
  }
  if (error instanceof NetworkError) return error.message;
  return `${t("error.generic")}: ${error instanceof Error ? error.message : String(error)}`;
}
