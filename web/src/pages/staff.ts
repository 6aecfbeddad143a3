// Agency staff: sign in, their department's points with pin and survey state, pin a point, answer the
// readiness survey, read and reply to feedback.

import L from "leaflet";

import { ApiError, errorText, get, post, put } from "../api";
import { session, signIn } from "../auth";
import { field, h, pageHeading, replaceChildren, setMessage, statusMessage, uid } from "../dom";
import { formatDate, formatNumber, localName, t, type MessageKey } from "../i18n";
import { createMap } from "../map";
import { normalizePoint, pointItems, type ServiceInfo, type ServicePoint } from "../points";
import { navigate, render, type PageContext } from "../router";

const OBSTACLE_KINDS = ["law", "policy", "budget", "it_linkage", "personnel", "other"] as const;
const COPY_STATUSES = ["required", "in_progress", "cancelled"] as const;
const LIST_LIMIT = 100;

interface SurveyState {
  service_point_id: string;
  name_th: string;
  name_en?: string | null;
  surveyed: boolean;
  copy_status: string | null;
}

function signInForm(main: HTMLElement): void {
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
}

/** Staff pages need a signed-in account; without one they show the sign-in form in place. */
export function requireSession(main: HTMLElement): boolean {
  if (session()) return true;
  signInForm(main);
  return false;
}

export async function staffPage({ main, query, signal }: PageContext): Promise<void> {
  if (!requireSession(main)) return;
  const account = session()!;
  const departmentId = query.get("department_id") ?? account.departmentId ?? "";
  const departmentInput = h("input", { type: "text", name: "department_id", value: departmentId, size: 12 });
  const pointInput = h("input", { type: "text", name: "service_point_id", size: 12, required: true });
  const message = statusMessage();
  const table = h("div", { class: "table-wrap" });
  main.append(
    pageHeading(t("staff.title")),
    h("p", { class: "muted" }, t("staff.signedin", { user: account.username })),
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
    message,
    table,
  );
  if (!departmentId) return;
  setMessage(message, "info", t("loading"));
  const [pins, surveys] = await Promise.allSettled([
    get<unknown>("/api/pin/v1/service-points", { department_id: departmentId, limit: LIST_LIMIT }, signal),
    get<{ items: SurveyState[] }>(
      `/api/nocopy/v1/departments/${encodeURIComponent(departmentId)}/readiness`,
      { limit: LIST_LIMIT },
      signal,
    ),
  ]);
  if (signal.aborted) return;
  const points = new Map<string, { name: string; pinned: boolean | null; surveyed: boolean | null; status: string | null }>();
  if (pins.status === "fulfilled") {
    for (const p of pointItems(pins.value)) points.set(p.id, { name: localName(p), pinned: p.pinned, surveyed: null, status: null });
  }
  if (surveys.status === "fulfilled") {
    for (const s of surveys.value.items) {
      const known = points.get(s.service_point_id);
      points.set(s.service_point_id, {
        name: known?.name ?? localName(s),
        pinned: known?.pinned ?? null,
        surveyed: s.surveyed,
        status: s.copy_status,
      });
    }
  }
  const problems = [pins, surveys].filter((r) => r.status === "rejected").map((r) => errorText((r as PromiseRejectedResult).reason));
  if (problems.length) setMessage(message, "error", [...new Set(problems)].join(" · "));
  else message.replaceChildren();
  const state = (value: boolean | null, yes: MessageKey, no: MessageKey) =>
    value === null ? "–" : h("span", { class: value ? "badge badge-cancelled" : "badge badge-required" }, t(value ? yes : no));
  const link = (id: string, page: string, label: MessageKey) =>
    h("a", { href: `/staff/points/${encodeURIComponent(id)}/${page}` }, t(label));
  replaceChildren(
    table,
    h(
      "table",
      { class: "data" },
      h("caption", {}, `${t("staff.title")} (${departmentId}) — ${formatNumber(points.size)}`),
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
        [...points].map(([id, p]) =>
          h(
            "tr",
            { "data-point-id": id },
            h("th", { scope: "row" }, h("a", { href: `/points/${encodeURIComponent(id)}` }, p.name || id), h("div", { class: "muted" }, id)),
            h("td", {}, state(p.pinned, "staff.pinned", "staff.notpinned")),
            h("td", {}, state(p.surveyed, "staff.surveyed", "staff.notsurveyed")),
            h(
              "td",
              { class: "row-actions" },
              link(id, "pin", "staff.do.pin"),
              link(id, "survey", "staff.do.survey"),
              link(id, "feedback", "staff.do.feedback"),
              link(id, "counter", "staff.do.counter"),
            ),
          ),
        ),
      ),
    ),
  );
}

async function loadPoint(main: HTMLElement, pointId: string, signal: AbortSignal, title: MessageKey): Promise<ServicePoint | null> {
  try {
    const point = normalizePoint(await get(`/api/pin/v1/service-points/${encodeURIComponent(pointId)}`, {}, signal));
    main.append(pageHeading(`${t(title)}: ${localName(point)}`), h("p", { class: "muted" }, point.id));
    return point;
  } catch (error) {
    if (!signal.aborted) main.append(pageHeading(t(title)), h("p", { class: "message message-error", role: "alert" }, errorText(error)));
    return null;
  }
}

export async function pinPage({ main, params, signal }: PageContext): Promise<void> {
  if (!requireSession(main)) return;
  const point = await loadPoint(main, params[0], signal, "pin.title");
  if (!point) return;
  const lat = h("input", { type: "number", name: "lat", step: "any", min: -90, max: 90, required: true });
  const lon = h("input", { type: "number", name: "lon", step: "any", min: -180, max: 180, required: true });
  const accuracyText = h("p", { class: "accuracy", "aria-live": "polite" });
  let accuracy: number | null = null;
  const message = statusMessage();
  const mapElement = h("div", { class: "map", "aria-label": t("pin.help") });
  const submit = h("button", { type: "submit" }, t("pin.save"));
  const form = h(
    "form",
    {
      class: "pin-form",
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        try {
          const body: Record<string, number> = { lat: Number(lat.value), lon: Number(lon.value) };
          if (accuracy !== null) body.accuracy_m = accuracy;
          const pin = await post<{ pin_id: string; flags: string[] }>(
            `/api/pin/v1/service-points/${encodeURIComponent(point.id)}/pins`,
            body,
          );
          setMessage(
            message,
            "success",
            h("strong", {}, t("pin.saved")),
            pin.flags.length ? ` — ${t("pin.flags")}: ${pin.flags.join(", ")}` : "",
          );
        } catch (error) {
          setMessage(message, "error", errorText(error));
        } finally {
          submit.disabled = false;
        }
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
    message,
  );
  main.append(h("div", { class: "point-layout" }, form, mapElement));

  const map = createMap(mapElement, signal);
  const chosen = L.layerGroup().addTo(map);
  function place(latitude: number, longitude: number, accuracyM: number | null, pan = true): void {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
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
  }
}

interface ReadinessAnswer {
  mou_with_dopa: boolean;
  card_readers: number;
  services: { service_id: string; id_card_copy: string; house_registration_copy: string }[];
  obstacles: { kind: string; detail?: string }[];
}

export async function surveyPage({ main, params, signal }: PageContext): Promise<void> {
  if (!requireSession(main)) return;
  const point = await loadPoint(main, params[0], signal, "survey.title");
  if (!point) return;
  let previous: ReadinessAnswer | null = null;
  try {
    previous = await get<ReadinessAnswer>(`/api/nocopy/v1/service-points/${encodeURIComponent(point.id)}/readiness`, {}, signal);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) {
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
        { class: "data" },
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
            h("tr", {}, h("th", { scope: "row" }, localName(s) || s.id), h("td", {}, copySelect(s.id, "id_card_copy")), h("td", {}, copySelect(s.id, "house_registration_copy"))),
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
          const saved = await put<{ copy_status: string }>(`/api/nocopy/v1/service-points/${encodeURIComponent(point.id)}/readiness`, answer);
          setMessage(message, "success", h("strong", {}, t("survey.saved")), ` — ${t(`status.${saved.copy_status}` as MessageKey)}`);
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
  main.append(form);
}

interface RatingView {
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

function ratingItem(rating: RatingView): HTMLElement {
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
