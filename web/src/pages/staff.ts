// Agency staff: sign in, their department's points with pin and survey state, pin a point, answer the
// readiness survey, read and reply to feedback.

import L from "leaflet";

import { ApiError, NetworkError, errorText, get, post } from "../api";
import { session, signIn } from "../auth";
import { append, field, h, pageHeading, replaceChildren, setMessage, statusMessage, uid } from "../dom";
import { formatDate, formatNumber, hasMessage, language, localName, t, type MessageKey } from "../i18n";
import { createMap } from "../map";
import { normalizePoint, type ServiceInfo, type ServicePoint } from "../points";
import { keepPoint, keepPoints, keepReadiness, keptPoint } from "../offline/points";
import { queuePanel } from "../offline/panel";
import { enqueuePin, enqueueSurvey, flush, onOutcome, type Outcome, type PinRecord, type QueuedItem, type SurveyAnswer } from "../offline/queue";
import { navigate, render, type PageContext } from "../router";

const OBSTACLE_KINDS = ["law", "policy", "budget", "it_linkage", "personnel", "other"] as const;
const COPY_STATUSES = ["required", "in_progress", "cancelled"] as const;

interface SurveyState {
  service_point_id: string;
  name_th: string;
  name_en?: string | null;
  surveyed: boolean;
  copy_status: string | null;
}

function signInForm(main: HTMLElement, signal?: AbortSignal): void {
  const username = h("input", { type: "text", name: "username", autocomplete: "username", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const message = statusMessage();
  main.append(
    pageHeading(t("signin.title")),
    h(
      "form",
      {
        class: "signin-form",
        onsubmit: async (event: Event) => {
          event.preventDefault();
          try {
            await signIn(username.value.trim(), password.value);
            void flush(); // what waited for this account (made offline, or kept when a sign-in expired)
            void render();
          } catch {
            setMessage(message, "error", t("signin.failed"));
            password.value = "";
            password.focus();
          }
        },
      },
      field(t("signin.username"), username),
      field(t("signin.password"), password),
      h("button", { type: "submit" }, t("signin.submit")),
      message,
    ),
  );
  if (signal) main.append(queuePanel(signal));
}

/** Staff pages need a signed-in account; without one they show the sign-in form in place (with what
 * waits to be sent on this phone, when the page gives its signal). */
export function requireSession(main: HTMLElement, signal?: AbortSignal): boolean {
  if (session()) return true;
  signInForm(main, signal);
  return false;
}

interface RosterRow {
  id: string;
  name: string;
  searchText: string;
  pinned: boolean | null;
  flagged: boolean;
  surveyed: boolean | null;
}

interface DepartmentPoint {
  id: string;
  name_th: string | null;
  name_en: string | null;
  pinned: boolean;
  flags: string[];
}

const PAGE_SIZE = 25;
const ROSTER_PAGE = 1000;

/** Every point of the department with its pin and survey state (one request per 1,000 points each). */
async function loadRoster(departmentId: string, signal: AbortSignal): Promise<{ rows: RosterRow[]; problems: unknown[] }> {
  const department = encodeURIComponent(departmentId);
  const pins = (async () => {
    const items: DepartmentPoint[] = [];
    for (let offset = 0; ; offset += ROSTER_PAGE) {
      const page = await get<{ total: number; items: DepartmentPoint[] }>(
        `/api/pin/v1/departments/${department}/service-points`,
        { limit: ROSTER_PAGE, offset },
        signal,
      );
      items.push(...page.items);
      if (page.items.length < ROSTER_PAGE || items.length >= page.total) return items;
    }
  })();
  const surveys = (async () => {
    const items: SurveyState[] = [];
    let after: string | null = null;
    do {
      const page: { items: SurveyState[]; next_after: string | null } = await get(
        `/api/nocopy/v1/departments/${department}/readiness`,
        { limit: ROSTER_PAGE, after },
        signal,
      );
      items.push(...page.items);
      after = page.next_after;
    } while (after);
    return items;
  })();
  const [pinned, surveyed] = await Promise.allSettled([pins, surveys]);
  const rows = new Map<string, RosterRow>();
  const row = (id: string, names: { name_th?: string | null; name_en?: string | null }): RosterRow => {
    const known = rows.get(id);
    if (known) return known;
    const created: RosterRow = {
      id,
      name: localName(names) || id,
      searchText: [id, names.name_th, names.name_en].filter(Boolean).join(" ").toLocaleLowerCase(),
      pinned: null,
      flagged: false,
      surveyed: null,
    };
    rows.set(id, created);
    return created;
  };
  if (pinned.status === "fulfilled") {
    for (const p of pinned.value) Object.assign(row(p.id, p), { pinned: p.pinned, flagged: p.flags.length > 0 });
  }
  if (surveyed.status === "fulfilled") {
    for (const s of surveyed.value) row(s.service_point_id, s).surveyed = s.surveyed;
  }
  const problems = [pinned, surveyed].filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
  return { rows: [...rows.values()].sort((a, b) => a.id.localeCompare(b.id)), problems };
}

function choice(name: string, label: string, value: string, options: [string, string][]): HTMLElement {
  return field(
    label,
    h("select", { name }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text))),
  );
}

export async function staffPage({ main, query, signal }: PageContext): Promise<void> {
  if (!requireSession(main, signal)) return;
  const account = session()!;
  const departmentId = query.get("department_id") ?? account.departmentId ?? "";
  const q = query.get("q") ?? "";
  const pinnedFilter = query.get("pinned") ?? "";
  const surveyedFilter = query.get("surveyed") ?? "";
  const requestedPage = Math.max(1, Number.parseInt(query.get("page") ?? "1", 10) || 1);
  const departmentInput = h("input", { type: "text", name: "department_id", value: departmentId, size: 12 });
  const pointInput = h("input", { type: "text", name: "service_point_id", size: 12, required: true });
  const searchInput = h("input", { type: "search", name: "q", value: q, maxlength: 200 });
  const message = statusMessage();
  const summary = h("p", { class: "list-summary", "aria-live": "polite" });
  const table = h("div", { class: "table-wrap" });
  const pager = h("nav", { class: "pager", "aria-label": t("stafflist.pages") });
  const listUrl = (changes: Record<string, string>) => {
    const params = new URLSearchParams({ department_id: departmentId, q, pinned: pinnedFilter, surveyed: surveyedFilter });
    for (const [key, value] of Object.entries(changes)) params.set(key, value);
    for (const [key, value] of [...params]) if (!value || (key === "page" && value === "1")) params.delete(key);
    return `/staff?${params.toString()}`;
  };
  const filters: HTMLFormElement = h(
    "form",
    {
      class: "inline-form list-filters",
      role: "search",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const data = new FormData(filters);
        navigate(
          listUrl({
            q: String(data.get("q") ?? "").trim(),
            pinned: String(data.get("pinned") ?? ""),
            surveyed: String(data.get("surveyed") ?? ""),
            page: "1",
          }),
        );
      },
    },
    field(t("stafflist.search"), searchInput),
    choice("pinned", t("stafflist.pinned"), pinnedFilter, [
      ["", t("stafflist.any")],
      ["true", t("staff.pinned")],
      ["false", t("staff.notpinned")],
    ]),
    choice("surveyed", t("stafflist.surveyed"), surveyedFilter, [
      ["", t("stafflist.any")],
      ["true", t("staff.surveyed")],
      ["false", t("staff.notsurveyed")],
    ]),
    h("button", { type: "submit" }, t("stafflist.submit")),
    q || pinnedFilter || surveyedFilter ? h("a", { href: listUrl({ q: "", pinned: "", surveyed: "", page: "1" }) }, t("stafflist.clear")) : null,
  );
  append(main, [
    pageHeading(t("staff.title")),
    h("p", { class: "muted" }, t("staff.signedin", { user: account.username })),
    queuePanel(signal),
    h(
      "div",
      { class: "tool-row" },
      h(
        "form",
        {
          class: "inline-form",
          onsubmit: (event: Event) => {
            event.preventDefault();
            navigate(`/staff?department_id=${encodeURIComponent(departmentInput.value.trim())}`);
          },
        },
        field(t("staff.department"), departmentInput),
        h("button", { type: "submit" }, t("staff.show")),
      ),
      h(
        "form",
        {
          class: "inline-form",
          onsubmit: (event: Event) => {
            event.preventDefault();
            navigate(`/staff/points/${encodeURIComponent(pointInput.value.trim())}/pin`);
          },
        },
        field(t("staff.open.id"), pointInput),
        h("button", { type: "submit", class: "secondary" }, t("staff.open.go")),
      ),
    ),
    departmentId
      ? h("p", {}, h("a", { href: `/staff/inbox?department_id=${encodeURIComponent(departmentId)}` }, t("stafflist.inbox")))
      : null,
    departmentId ? filters : null,
    message,
    summary,
    table,
    pager,
  ]);
  if (!departmentId) return;
  if (account.role !== "admin" && account.departmentId && account.departmentId !== departmentId) {
    setMessage(
      message,
      "error",
      h("strong", {}, t("foreign.title")),
      " ",
      t("foreign.detail", { department: departmentId, mine: account.departmentId }),
      " ",
      h("a", { href: "/staff" }, t("foreign.back")),
    );
    filters.remove();
    return;
  }
  setMessage(message, "info", t("loading"));
  const { rows, problems } = await loadRoster(departmentId, signal);
  if (signal.aborted) return;
  if (problems.length) setMessage(message, "error", [...new Set(problems.map(errorText))].join(" · "));
  else message.replaceChildren();
  const words = q.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  const matching = rows.filter(
    (row) =>
      words.every((word) => row.searchText.includes(word)) &&
      (pinnedFilter === "" || row.pinned === (pinnedFilter === "true")) &&
      (surveyedFilter === "" || row.surveyed === (surveyedFilter === "true")),
  );
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const pageNumber = Math.min(requestedPage, pages);
  const shown = matching.slice((pageNumber - 1) * PAGE_SIZE, pageNumber * PAGE_SIZE);
  replaceChildren(
    summary,
    matching.length
      ? t("stafflist.count", {
          from: formatNumber((pageNumber - 1) * PAGE_SIZE + 1),
          to: formatNumber((pageNumber - 1) * PAGE_SIZE + shown.length),
          total: formatNumber(matching.length),
        })
      : t("stafflist.none"),
    matching.length !== rows.length ? ` · ${t("stafflist.count.all", { n: formatNumber(rows.length) })}` : "",
  );
  const state = (value: boolean | null, yes: MessageKey, no: MessageKey) =>
    value === null ? "–" : h("span", { class: value ? "badge badge-cancelled" : "badge badge-required" }, t(value ? yes : no));
  const link = (id: string, page: string, label: MessageKey) =>
    h("a", { href: `/staff/points/${encodeURIComponent(id)}/${page}` }, t(label));
  // Ready for the field: this page's points are kept on the phone, so they open without signal.
  void keepPoints(
    shown.map((p) => p.id),
    (id) => get(`/api/pin/v1/service-points/${encodeURIComponent(id)}`, {}, signal),
    signal,
  );
  if (!shown.length) {
    table.replaceChildren();
    pager.replaceChildren();
    return;
  }
  replaceChildren(
    table,
    h(
      "table",
      { class: "data stack" },
      h("caption", {}, `${t("staff.title")} (${departmentId})`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("staff.point")),
          h("th", { scope: "col" }, t("staff.pin")),
          h("th", { scope: "col" }, t("staff.survey")),
          h("th", { scope: "col" }, t("staff.actions")),
        ),
      ),
      h(
        "tbody",
        {},
        shown.map((p) =>
          h(
            "tr",
            { "data-point-id": p.id },
            h("th", { scope: "row" }, h("a", { href: `/points/${encodeURIComponent(p.id)}` }, p.name), h("div", { class: "muted" }, p.id)),
            h(
              "td",
              { "data-label": t("staff.pin") },
              state(p.pinned, "staff.pinned", "staff.notpinned"),
              p.flagged ? [" ", h("span", { class: "badge badge-in_progress" }, t("stafflist.flagged"))] : null,
            ),
            h("td", { "data-label": t("staff.survey") }, state(p.surveyed, "staff.surveyed", "staff.notsurveyed")),
            h(
              "td",
              { class: "row-actions", "data-label": t("staff.actions") },
              link(p.id, "pin", "staff.do.pin"),
              link(p.id, "survey", "staff.do.survey"),
              h(
                "a",
                { href: `/staff/inbox?department_id=${encodeURIComponent(departmentId)}&service_point_id=${encodeURIComponent(p.id)}` },
                t("staff.do.feedback"),
              ),
              link(p.id, "counter", "staff.do.counter"),
            ),
          ),
        ),
      ),
    ),
  );
  replaceChildren(
    pager,
    pageNumber > 1 ? h("a", { href: listUrl({ page: String(pageNumber - 1) }), rel: "prev" }, t("stafflist.prev")) : null,
    h("span", { "aria-current": "page" }, t("stafflist.page", { page: formatNumber(pageNumber), pages: formatNumber(pages) })),
    pageNumber < pages ? h("a", { href: listUrl({ page: String(pageNumber + 1) }), rel: "next" }, t("stafflist.next")) : null,
  );
}

interface MapArea {
  lat: number;
  lon: number;
  level: "district" | "province";
  radius_km: number;
}

interface Area {
  code: string;
  name_th?: string | null;
  name_en?: string | null;
}

interface StaffPoint extends ServicePoint {
  may_edit?: boolean;
  pin_history?: PinRecord[];
  map_area?: MapArea | null;
  district?: Area | null;
  province?: Area | null;
}

interface FlagNote {
  flag: string;
  th: string;
  en: string;
}

/** Whether the signed-in account may change this point: the server says so; else its department decides. */
function mayEdit(point: StaffPoint): boolean {
  if (typeof point.may_edit === "boolean") return point.may_edit;
  const account = session();
  return Boolean(account && (account.role === "admin" || (point.department_id && account.departmentId === point.department_id)));
}

/** Another department's point: say so before any form, with a way back (instead of a 403 on saving). */
export function foreignPointNotice(point: ServicePoint): HTMLElement {
  const account = session();
  return h(
    "div",
    { class: "message message-error foreign-point", role: "alert" },
    h("p", {}, h("strong", {}, t("foreign.title"))),
    h("p", {}, t("foreign.detail", { department: point.department_id ?? "–", mine: account?.departmentId ?? "–" })),
    h(
      "p",
      { class: "actions" },
      h("a", { href: "/staff", class: "button" }, t("foreign.back")),
      h("a", { href: `/points/${encodeURIComponent(point.id)}`, class: "button secondary" }, t("foreign.public")),
    ),
  );
}

export async function loadPoint(
  main: HTMLElement,
  pointId: string,
  signal: AbortSignal,
  title: MessageKey,
): Promise<StaffPoint | null> {
  try {
    let raw: unknown;
    let keptAt: string | null = null;
    try {
      raw = await get(`/api/pin/v1/service-points/${encodeURIComponent(pointId)}`, {}, signal);
      void keepPoint(pointId, raw);
    } catch (error) {
      // No signal: the copy this phone kept, if any (said so on the page).
      const kept = error instanceof NetworkError ? await keptPoint<unknown>(pointId) : undefined;
      if (!kept) throw error instanceof NetworkError ? new NetworkError(t("offline.nopoint")) : error;
      raw = kept.point;
      keptAt = kept.kept_at;
    }
    const point = normalizePoint(raw as Record<string, unknown>) as StaffPoint;
    main.append(pageHeading(`${t(title)}: ${localName(point)}`), h("p", { class: "muted" }, point.id));
    if (keptAt) main.append(h("p", { class: "message message-warning kept-point" }, t("offline.kept.point", { date: formatDate(keptAt) })));
    if (!mayEdit(point)) {
      main.append(foreignPointNotice(point));
      return null;
    }
    return point;
  } catch (error) {
    if (!signal.aborted) main.append(pageHeading(t(title)), h("p", { class: "message message-error", role: "alert" }, errorText(error)));
    return null;
  }
}

function flagWords(flag: string, notes: FlagNote[] = []): string {
  const key = `pinflag.${flag}`;
  if (hasMessage(key)) return t(key);
  const note = notes.find((n) => n.flag === flag);
  return note ? (language() === "th" ? note.th : note.en) : flag;
}

/** Map zoom that shows an area of this radius around its centre. */
function zoomFor(area: MapArea): number {
  if (area.radius_km < 5) return area.level === "district" ? 13 : 11;
  if (area.radius_km < 25) return 11;
  if (area.radius_km < 80) return 9;
  return 8;
}

/** How a save went that was queued first (issue 22), for the page's message; "sent" is the caller's. */
function queuedOutcome(message: HTMLElement, outcome: Outcome): void {
  if (outcome.kind === "queued") setMessage(message, "info", h("strong", {}, t("offline.kept")));
  else if (outcome.kind === "signin") setMessage(message, "warning", h("strong", {}, t("offline.signin.now")), " ", h("a", { href: "/staff" }, t("offline.signin")));
  else if (outcome.kind === "conflict") setMessage(message, "warning", h("strong", {}, t("offline.conflict.now")));
  else if (outcome.kind === "refused") setMessage(message, "error", `${t("error.generic")}: ${outcome.problem}`);
}

/** Queues the item, then sends what waits: its own outcome (still queued when there is no signal).
 * While it waits, `later` hears how a later attempt ends, as long as the page stays open. */
async function saveThroughQueue(
  make: () => Promise<QueuedItem>,
  signal: AbortSignal,
  later: (outcome: Outcome) => void,
): Promise<Outcome> {
  const item = await make();
  const outcome = (await flush()).get(item.id) ?? { kind: "queued" };
  if (outcome.kind === "queued" || outcome.kind === "signin") onOutcome(item.id, later, signal);
  return outcome;
}

export async function pinPage({ main, params, signal }: PageContext): Promise<void> {
  if (!requireSession(main, signal)) return;
  const point = await loadPoint(main, params[0], signal, "pin.title");
  if (!point) return;
  const lat = h("input", { type: "number", name: "lat", step: "any", min: -90, max: 90, required: true });
  const lon = h("input", { type: "number", name: "lon", step: "any", min: -180, max: 180, required: true });
  const accuracyText = h("p", { class: "accuracy", "aria-live": "polite" });
  let accuracy: number | null = null;
  const message = statusMessage();
  const mapElement = h("div", { class: "map", "aria-label": t("pin.help") });
  const submit = h("button", { type: "submit" }, t("pin.save"));
  const doubt = h("div", { class: "pin-doubt" });
  const candidate = (): Record<string, number> => {
    const body: Record<string, number> = { lat: Number(lat.value), lon: Number(lon.value) };
    if (accuracy !== null) body.accuracy_m = accuracy;
    return body;
  };
  const pointUrl = `/api/pin/v1/service-points/${encodeURIComponent(point.id)}`;
  // The pin this page shows (what a new pin is based on): the latest of the history staff see; none if
  // the point is not pinned; unknown (no condition) if the history is not shown.
  const history = point.pin_history;
  let basedOn: PinRecord | null | undefined = history ? (history.at(-1) ?? null) : point.pinned ? undefined : null;
  async function save(body: Record<string, number>): Promise<void> {
    submit.disabled = true;
    doubt.replaceChildren();
    try {
      // Kept on the phone first with its idempotency key, then sent (now, or once back online).
      const outcome = await saveThroughQueue(
        () => enqueuePin(point!.id, localName(point!) || point!.id, { lat: body.lat, lon: body.lon, ...(body.accuracy_m !== undefined ? { accuracy_m: body.accuracy_m } : {}) }, basedOn),
        signal,
        (later) => showPinOutcome(later),
      );
      showPinOutcome(outcome);
    } catch (error) {
      setMessage(message, "error", errorText(error));
    } finally {
      submit.disabled = false;
    }
  }
  function showPinOutcome(outcome: Outcome): void {
    if (outcome.kind !== "sent" || !outcome.pin) {
      queuedOutcome(message, outcome);
      return;
    }
    const pin = { flags: [], ...outcome.pin };
    basedOn = outcome.pin;
    if (pin.flags.length) {
      // Saved, but never as a plain green success: say what is doubtful about it.
      setMessage(
        message,
        "warning",
        h("strong", {}, t("pin.saved.flagged")),
        h("ul", {}, pin.flags.map((flag) => h("li", {}, flagWords(flag)))),
      );
    } else {
      setMessage(message, "success", h("strong", {}, t("pin.saved")));
    }
  }
  const form = h(
    "form",
    {
      class: "pin-form",
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const body = candidate();
        submit.disabled = true;
        setMessage(message, "info", t("pin.checking"));
        let check: { flags: string[]; notes: FlagNote[]; distance_to_area_km: number | null } | null = null;
        try {
          check = await post(`${pointUrl}/pins:check`, body);
        } catch (error) {
          if (error instanceof NetworkError) {
            // No signal: the checks run when the pin is sent; its flags are kept with the pin.
            await save(body);
            return;
          }
          if (!(error instanceof ApiError && error.notAvailable)) {
            setMessage(message, "error", errorText(error));
            submit.disabled = false;
            return;
          }
        }
        submit.disabled = false;
        message.replaceChildren();
        if (!check || !check.flags.length) {
          await save(body);
          return;
        }
        // A doubtful place is saved only when the person confirms it, having read why it is doubtful.
        const confirm = h("button", { type: "button", class: "confirm-pin", onclick: () => void save(body) }, t("pin.doubt.confirm"));
        replaceChildren(
          doubt,
          h(
            "div",
            { class: "message message-warning", role: "alert" },
            h("p", {}, h("strong", {}, t("pin.doubt.title"))),
            h("ul", {}, check.flags.map((flag) => h("li", {}, flagWords(flag, check!.notes)))),
            check.distance_to_area_km !== null && check.flags.some((f) => f === "far_from_district" || f === "outside_thailand")
              ? h("p", {}, t("pin.doubt.distance", { km: formatNumber(check.distance_to_area_km) }))
              : null,
            h(
              "div",
              { class: "actions" },
              confirm,
              h(
                "button",
                {
                  type: "button",
                  class: "secondary",
                  onclick: () => {
                    doubt.replaceChildren();
                    lat.focus();
                  },
                },
                t("pin.doubt.change"),
              ),
            ),
          ),
        );
        confirm.focus();
      },
    },
    h("p", {}, t("pin.help")),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () =>
            navigator.geolocation?.getCurrentPosition(
              (position) => {
                accuracy = Math.round(position.coords.accuracy);
                place(position.coords.latitude, position.coords.longitude, accuracy);
              },
              () => setMessage(message, "error", t("search.near.denied")),
              { enableHighAccuracy: true, timeout: 20_000, maximumAge: 0 },
            ),
        },
        t("pin.device"),
      ),
    ),
    h("div", { class: "coordinates" }, field(t("pin.lat"), lat), field(t("pin.lon"), lon)),
    accuracyText,
    submit,
    doubt,
    message,
  );
  const area = point.map_area;
  const areaName = area ? localName((area.level === "district" ? point.district : point.province) ?? {}) : "";
  main.append(
    h("div", { class: "point-layout" }, form, h("div", {}, areaName && !point.location ? h("p", { class: "muted map-area" }, t("pin.area", { area: areaName })) : null, mapElement)),
    queuePanel(signal),
  );

  const map = createMap(mapElement, signal);
  const chosen = L.layerGroup().addTo(map);
  function place(latitude: number, longitude: number, accuracyM: number | null, pan = true): void {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    doubt.replaceChildren(); // a confirmation was for the place before
    message.replaceChildren();
    chosen.clearLayers();
    if (accuracyM) L.circle([latitude, longitude], { radius: accuracyM, color: "#1a73e8", weight: 1 }).addTo(chosen);
    L.circleMarker([latitude, longitude], { radius: 9, color: "#b3261e", weight: 3, fillOpacity: 0.8 }).addTo(chosen);
    replaceChildren(accuracyText, accuracyM ? t("pin.accuracy", { m: formatNumber(accuracyM) }) : "");
    if (pan) map.setView([latitude, longitude], Math.max(map.getZoom(), 16));
  }
  map.on("click", (event: L.LeafletMouseEvent) => {
    accuracy = null; // a click on the map is as precise as the map, not a GPS reading
    place(event.latlng.lat, event.latlng.lng, null, false);
  });
  for (const input of [lat, lon]) {
    input.addEventListener("change", () => {
      if (lat.value && lon.value) {
        accuracy = null;
        place(Number(lat.value), Number(lon.value), null);
      }
    });
  }
  if (point.location) {
    place(point.location.lat, point.location.lon, null);
    map.setView([point.location.lat, point.location.lon], 16);
  } else if (area) {
    // Not pinned yet: open on the point's district (else province), not on the whole country.
    map.setView([area.lat, area.lon], zoomFor(area));
  }
}

interface ReadinessAnswer {
  mou_with_dopa: boolean;
  card_readers: number;
  services: { service_id: string; id_card_copy: string; house_registration_copy: string }[];
  obstacles: { kind: string; detail?: string }[];
}

export async function surveyPage({ main, params, signal }: PageContext): Promise<void> {
  if (!requireSession(main, signal)) return;
  const point = await loadPoint(main, params[0], signal, "survey.title");
  if (!point) return;
  let previous: ReadinessAnswer | null = null;
  try {
    previous = await get<ReadinessAnswer>(`/api/nocopy/v1/service-points/${encodeURIComponent(point.id)}/readiness`, {}, signal);
    void keepReadiness(point.id, previous);
  } catch (error) {
    if (error instanceof NetworkError) {
      previous = ((await keptPoint<unknown>(point.id))?.readiness as ReadinessAnswer | undefined) ?? null;
    } else if (!(error instanceof ApiError && error.status === 404)) {
      main.append(h("p", { class: "message message-error", role: "alert" }, errorText(error)));
    }
  }
  const mou = h("input", { type: "checkbox", name: "mou_with_dopa", id: "survey-mou", checked: previous?.mou_with_dopa ?? false });
  const readers = h("input", { type: "number", name: "card_readers", min: 0, max: 10000, step: 1, required: true, value: previous?.card_readers ?? 0 });
  const services: ServiceInfo[] = point.services ?? point.service_ids.map((id) => ({ id }));
  const copySelect = (serviceId: string, kind: "id_card_copy" | "house_registration_copy") => {
    const answered = previous?.services.find((s) => s.service_id === serviceId)?.[kind] ?? "required";
    return h(
      "select",
      { name: `${serviceId}.${kind}`, "data-service": serviceId, "data-kind": kind, "aria-label": `${t(`copy.${kind}`)} — ${serviceId}` },
      COPY_STATUSES.map((s) => h("option", { value: s, selected: s === answered }, t(`status.${s}`))),
    );
  };
  const serviceTable = services.length
    ? h(
        "table",
        { class: "data stack survey-services" },
        h("caption", {}, t("survey.services")),
        h(
          "thead",
          {},
          h("tr", {}, h("th", { scope: "col" }, t("point.services")), h("th", { scope: "col" }, t("copy.id_card_copy")), h("th", { scope: "col" }, t("copy.house_registration_copy"))),
        ),
        h(
          "tbody",
          {},
          services.map((s) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, localName(s) || s.id),
              h("td", { "data-label": t("copy.id_card_copy") }, copySelect(s.id, "id_card_copy")),
              h("td", { "data-label": t("copy.house_registration_copy") }, copySelect(s.id, "house_registration_copy")),
            ),
          ),
        ),
      )
    : h("p", {}, t("survey.noservices"));
  const obstacles = h(
    "fieldset",
    { class: "choices" },
    h("legend", {}, t("survey.obstacles")),
    OBSTACLE_KINDS.map((kind) => {
      const id = uid("obstacle");
      const known = previous?.obstacles.find((o) => o.kind === kind);
      const detail = h("input", { type: "text", name: `obstacle.${kind}.detail`, maxlength: 1000, value: known?.detail ?? "", "aria-label": `${t(`obstacle.${kind}`)} — ${t("survey.obstacle.detail")}` });
      return h(
        "div",
        { class: "choice obstacle" },
        h("input", { type: "checkbox", id, name: `obstacle.${kind}`, value: kind, checked: Boolean(known) }),
        h("label", { for: id }, t(`obstacle.${kind}`)),
        detail,
      );
    }),
  );
  const message = statusMessage();
  const submit = h("button", { type: "submit" }, t("survey.save"));
  const form: HTMLFormElement = h(
    "form",
    {
      class: "survey-form",
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const answer: ReadinessAnswer = {
          mou_with_dopa: mou.checked,
          card_readers: Number(readers.value),
          services: services.map((s) => ({
            service_id: s.id,
            id_card_copy: form.querySelector<HTMLSelectElement>(`select[data-service="${CSS.escape(s.id)}"][data-kind="id_card_copy"]`)!.value,
            house_registration_copy: form.querySelector<HTMLSelectElement>(`select[data-service="${CSS.escape(s.id)}"][data-kind="house_registration_copy"]`)!.value,
          })),
          obstacles: OBSTACLE_KINDS.filter((kind) => form.querySelector<HTMLInputElement>(`input[name="obstacle.${kind}"]`)!.checked).map((kind) => ({
            kind,
            detail: form.querySelector<HTMLInputElement>(`input[name="obstacle.${kind}.detail"]`)!.value.trim(),
          })),
        };
        submit.disabled = true;
        try {
          // Kept on the phone first with its idempotency key, then sent (now, or once back online).
          const show = (outcome: Outcome) => {
            if (outcome.kind === "sent") {
              const status = outcome.copy_status && hasMessage(`status.${outcome.copy_status}`) ? ` — ${t(`status.${outcome.copy_status}` as MessageKey)}` : "";
              setMessage(message, "success", h("strong", {}, t("survey.saved")), status);
            } else {
              queuedOutcome(message, outcome);
            }
          };
          show(await saveThroughQueue(() => enqueueSurvey(point.id, localName(point) || point.id, answer as SurveyAnswer), signal, show));
        } catch (error) {
          setMessage(message, "error", errorText(error));
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("div", { class: "choice" }, mou, h("label", { for: "survey-mou" }, t("survey.mou"))),
    field(t("survey.readers"), readers),
    serviceTable,
    obstacles,
    submit,
    message,
  );
  main.append(form, queuePanel(signal));
}

export interface RatingView {
  rating_id: string;
  score: number;
  comment: string | null;
  comment_hidden?: boolean;
  hidden_reason?: string | null;
  verified: boolean;
  asked_for_copy: boolean | null;
  submitted_at: string;
  reply: { text: string; replied_at: string } | null;
}

export async function feedbackPage({ main, params, signal }: PageContext): Promise<void> {
  if (!requireSession(main)) return;
  const point = await loadPoint(main, params[0], signal, "feedback.title");
  if (!point) return;
  const list = h("div", {});
  main.append(list);
  try {
    const body = await get<{ items: RatingView[] }>("/api/feedback/v1/ratings", { service_point_id: point.id, limit: 50 }, signal);
    if (!body.items.length) {
      list.append(h("p", {}, t("feedback.none")));
      return;
    }
    list.append(h("ol", { class: "feedback" }, body.items.map((rating) => ratingItem(rating))));
  } catch (error) {
    if (!signal.aborted) list.append(h("p", { class: "message message-error", role: "alert" }, errorText(error)));
  }
}

export function ratingItem(rating: RatingView): HTMLElement {
  const replyBox = h("div", {});
  const item = h(
    "li",
    { class: "card" },
    h("p", {}, h("strong", {}, t("point.score.value", { score: rating.score })), " · ", formatDate(rating.submitted_at), rating.verified ? [" · ", h("span", { class: "badge badge-cancelled" }, t("feedback.verified"))] : null),
    rating.comment ? h("blockquote", {}, rating.comment) : rating.hidden_reason ? h("p", { class: "muted" }, rating.hidden_reason) : null,
    replyBox,
  );
  if (rating.reply) {
    replyBox.append(h("p", {}, h("strong", {}, `${t("feedback.replied")}: `), rating.reply.text));
    return item;
  }
  const text = h("textarea", { rows: 2, maxlength: 1000, required: true });
  const message = statusMessage();
  replyBox.append(
    h(
      "form",
      {
        onsubmit: async (event: Event) => {
          event.preventDefault();
          try {
            await post(`/api/feedback/v1/ratings/${encodeURIComponent(rating.rating_id)}/reply`, { text: text.value.trim() });
            replaceChildren(replyBox, h("p", {}, h("strong", {}, `${t("feedback.replied")}: `), text.value.trim()));
          } catch (error) {
            setMessage(message, "error", errorText(error));
          }
        },
      },
      field(t("feedback.reply"), text),
      h("button", { type: "submit", class: "secondary" }, t("feedback.reply.send")),
      message,
    ),
  );
  return item;
}
