// A service point for citizens: services, steps and documents, whether copies are still demanded
// (the agency's answer beside what citizens report), the fair score, directions, and the rating form.

import L from "leaflet";

import { ApiError, errorText, get, post } from "../api";
import { append, field, h, pageHeading, replaceChildren, setMessage, statusMessage, uid } from "../dom";
import { formatNumber, hasMessage, localName, t, type MessageKey } from "../i18n";
import { createMap, showPoints } from "../map";
import { directionLinks, normalizePoint, type ServiceInfo, type ServicePoint } from "../points";
import type { PageContext } from "../router";

interface Readiness {
  copy_status: "required" | "in_progress" | "cancelled";
  services: { service_id: string; id_card_copy: string; house_registration_copy: string }[];
}

interface FairScore {
  score: number | null;
  low: number | null;
  high: number | null;
  rankable: boolean;
}

interface Window {
  ratings: number;
  verified: number;
  mean: number | null;
  asked_for_copy: number;
  fair_score: FairScore;
}

interface Satisfaction {
  windows: Record<string, Window>;
}

export async function pointPage({ main, params, query, signal }: PageContext): Promise<void> {
  const pointId = params[0];
  const status = statusMessage();
  main.append(status);
  setMessage(status, "info", t("loading"));
  let point: ServicePoint;
  try {
    point = normalizePoint(await get(`/api/pin/v1/service-points/${encodeURIComponent(pointId)}`, {}, signal));
  } catch (error) {
    if (signal.aborted) return;
    main.prepend(pageHeading(pointId));
    setMessage(status, "error", errorText(error));
    return;
  }
  status.remove();
  document.title = `${localName(point) || point.id} — CITIZENinfo`;

  const copies = h("section", { class: "card", "aria-labelledby": "copies-heading" });
  const score = h("section", { class: "card", "aria-labelledby": "score-heading" });
  const mapElement = h("div", { class: "map map-small", "aria-label": t("search.map") });
  const links = directionLinks(point);
  const province = (point as unknown as { province?: { name_th?: string; name_en?: string } }).province;

  main.append(
    pageHeading(localName(point) || point.id),
    h(
      "div",
      { class: "point-layout" },
      h(
        "div",
        {},
        h(
          "dl",
          { class: "facts" },
          point.address_th ? [h("dt", {}, t("point.address")), h("dd", {}, point.address_th)] : null,
          point.province_code
            ? [h("dt", {}, t("point.province")), h("dd", {}, province ? localName(province) : point.province_code)]
            : null,
        ),
        links
          ? h(
              "p",
              { class: "directions" },
              h("span", { class: "label" }, `${t("point.directions")}: `),
              h("a", { href: links.google, target: "_blank", rel: "noopener noreferrer" }, t("point.directions.google")),
              " · ",
              h("a", { href: links.apple, target: "_blank", rel: "noopener noreferrer" }, t("point.directions.apple")),
            )
          : h("p", { class: "muted" }, t("point.notpinned")),
        h(
          "p",
          { class: "actions" },
          h("a", { href: "#rate", class: "button" }, t("point.rate")),
          h("a", { href: `/points/${encodeURIComponent(point.id)}/complain`, class: "button secondary" }, t("point.complain")),
        ),
      ),
      mapElement,
    ),
    h("div", { class: "cards" }, copies, score),
    servicesSection(point),
    ratingSection(point, query.get("visit_token")),
  );

  const map = createMap(mapElement, signal);
  if (point.location) {
    showPoints(map, L.layerGroup().addTo(map), [
      { id: point.id, lat: point.location.lat, lon: point.location.lon, label: localName(point) },
    ]);
  }
  const satisfaction = loadSatisfaction(point.id, signal);
  void renderCopies(copies, point, satisfaction, signal);
  void renderScore(score, satisfaction);
}

async function loadSatisfaction(pointId: string, signal: AbortSignal): Promise<Window | Error> {
  try {
    const body = await get<Satisfaction>(`/api/stats/v1/satisfaction/service-points/${encodeURIComponent(pointId)}`, {}, signal);
    return body.windows.all ?? Object.values(body.windows)[0];
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function statusText(value: string | null | undefined): string {
  const key = `status.${value}`;
  return hasMessage(key) ? t(key as MessageKey) : t("status.unsurveyed");
}

async function renderCopies(
  section: HTMLElement,
  point: ServicePoint,
  satisfaction: Promise<Window | Error>,
  signal: AbortSignal,
): Promise<void> {
  section.append(h("h2", { id: "copies-heading" }, t("point.copies")));
  let agency: Readiness | null = null;
  const agencyLine = h("p", {}, t("loading"));
  section.append(h("h3", {}, t("point.copies.agency")), agencyLine);
  try {
    agency = await get<Readiness>(`/api/nocopy/v1/service-points/${encodeURIComponent(point.id)}/readiness`, {}, signal);
    replaceChildren(agencyLine, h("strong", { class: `badge badge-${agency.copy_status}` }, statusText(agency.copy_status)));
  } catch (error) {
    if (signal.aborted) return;
    const unsurveyed = error instanceof ApiError && error.status === 404 && !error.notAvailable;
    replaceChildren(agencyLine, unsurveyed ? t("status.unsurveyed") : errorText(error));
  }
  const figures = await satisfaction;
  const citizens = h("p", {});
  section.append(h("h3", {}, t("point.copies.citizens")), citizens);
  if (figures instanceof Error) {
    replaceChildren(citizens, errorText(figures));
    return;
  }
  const answered = figures.ratings;
  replaceChildren(citizens, t("point.copies.citizens.n", { asked: formatNumber(figures.asked_for_copy), n: formatNumber(answered) }));
  if (agency?.copy_status === "cancelled" && figures.asked_for_copy > 0) {
    section.append(h("p", { class: "message message-error", role: "note" }, t("point.copies.mismatch")));
  }
}

async function renderScore(section: HTMLElement, satisfaction: Promise<Window | Error>): Promise<void> {
  section.append(h("h2", { id: "score-heading" }, t("point.score")));
  const figures = await satisfaction;
  if (figures instanceof Error) {
    section.append(h("p", {}, errorText(figures)));
    return;
  }
  const fair = figures.fair_score;
  if (!figures.ratings || fair.score === null) {
    section.append(h("p", {}, t("point.score.few")));
    return;
  }
  append(section, [
    h("p", { class: "score" }, t("point.score.value", { score: formatNumber(fair.score, 1) })),
    h("p", {}, t("point.score.n", { n: formatNumber(figures.ratings) })),
    fair.low !== null && fair.high !== null
      ? h("p", {}, t("point.score.interval", { low: formatNumber(fair.low, 1), high: formatNumber(fair.high, 1) }))
      : null,
    h("p", {}, t("point.score.verified", { n: formatNumber(figures.verified) })),
  ]);
  if (!fair.rankable) section.append(h("p", { class: "muted" }, t("point.score.few")));
}

function servicesSection(point: ServicePoint): HTMLElement {
  const services: ServiceInfo[] = point.services ?? point.service_ids.map((id) => ({ id }));
  return h(
    "section",
    { "aria-labelledby": "services-heading" },
    h("h2", { id: "services-heading" }, t("point.services")),
    services.map((service) =>
      h(
        "details",
        { class: "service" },
        h("summary", {}, localName(service) || service.id),
        service.steps?.length ? [h("h3", {}, t("point.steps")), h("ol", {}, service.steps.map((s) => h("li", {}, s)))] : null,
        service.documents?.length
          ? [
              h("h3", {}, t("point.documents")),
              h(
                "ul",
                {},
                service.documents.map((d) =>
                  h("li", {}, localName(d) || (d.kind && hasMessage(`copy.${d.kind}`) ? t(`copy.${d.kind}` as MessageKey) : d.kind ?? ""), d.copies ? ` × ${d.copies}` : ""),
                ),
              ),
            ]
          : null,
      ),
    ),
  );
}

function ratingSection(point: ServicePoint, visitToken: string | null): HTMLElement {
  const message = statusMessage();
  const scoreName = uid("score");
  const scores = h(
    "fieldset",
    { class: "choices" },
    h("legend", {}, t("rate.score")),
    [1, 2, 3, 4, 5].map((n) => {
      const id = uid("score");
      return h(
        "div",
        { class: "choice" },
        h("input", { type: "radio", name: scoreName, id, value: n, required: true }),
        h("label", { for: id }, t(`rate.score.${n}` as MessageKey)),
      );
    }),
  );
  const copyName = uid("copy");
  const copyChoice = h(
    "fieldset",
    { class: "choices" },
    h("legend", {}, t("rate.copy")),
    (["yes", "no", "unknown"] as const).map((value) => {
      const id = uid("copy");
      return h(
        "div",
        { class: "choice" },
        h("input", { type: "radio", name: copyName, id, value, checked: value === "unknown" }),
        h("label", { for: id }, t(`rate.copy.${value}`)),
      );
    }),
  );
  const serviceSelect = h(
    "select",
    { name: "service_id" },
    h("option", { value: "" }, t("rate.service.any")),
    (point.services ?? point.service_ids.map((id) => ({ id }) as ServiceInfo)).map((s) =>
      h("option", { value: s.id }, localName(s) || s.id),
    ),
  );
  const comment = h("textarea", { name: "comment", maxlength: 1000, rows: 4 });
  const submit = h("button", { type: "submit" }, t("rate.submit"));
  const form = h(
    "form",
    {
      class: "rating-form",
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const chosen = form.querySelector<HTMLInputElement>(`input[name="${scoreName}"]:checked`);
        if (!chosen) return;
        const copy = form.querySelector<HTMLInputElement>(`input[name="${copyName}"]:checked`)?.value;
        const body: Record<string, unknown> = { service_point_id: point.id, score: Number(chosen.value) };
        if (serviceSelect.value) body.service_id = serviceSelect.value;
        if (copy === "yes" || copy === "no") body.asked_for_copy = copy === "yes";
        if (comment.value.trim()) body.comment = comment.value.trim();
        if (visitToken) body.visit_token = visitToken;
        submit.disabled = true;
        try {
          const accepted = await post<{ rating_id: string; verified: boolean }>("/api/feedback/v1/ratings", body);
          form.replaceWith(
            h(
              "div",
              { class: "message message-success", role: "status", "data-rating-id": accepted.rating_id },
              h("p", {}, h("strong", {}, t("rate.thanks"))),
              h("p", {}, accepted.verified ? t("rate.thanks.verified") : t("rate.thanks.unverified")),
            ),
          );
        } catch (error) {
          submit.disabled = false;
          const used = error instanceof ApiError && error.status === 409;
          setMessage(message, "error", used ? t("rate.used") : errorText(error));
        }
      },
    },
    visitToken ? h("p", { class: "message message-success" }, t("rate.verified")) : null,
    scores,
    field(t("rate.service"), serviceSelect),
    copyChoice,
    field(t("rate.comment"), comment, t("rate.comment.hint")),
    submit,
    message,
  );
  return h("section", { id: "rate", "aria-labelledby": "rate-heading" }, h("h2", { id: "rate-heading" }, t("rate.title")), form);
}
