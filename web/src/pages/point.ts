// A service point for citizens: services, steps and documents; per service, one plain answer to "do I
// bring a copy?" read from the document list and the agency's survey, with citizens' reports as evidence;
// the fair score explained; directions; and the rating form (the rate button scrolls to it and focuses it).

import L from "leaflet";

import { ApiError, get, post } from "../api";
import { append, field, h, pageHeading, replaceChildren, setMessage, statusMessage, uid } from "../dom";
import { formatDate, formatNumber, hasMessage, localName, t, type MessageKey } from "../i18n";
import { createMap, showPoints } from "../map";
import {
  agencyLabel,
  allTime,
  areaLabel,
  copyAnswer,
  directionLinks,
  normalizePoint,
  type DocumentRequirement,
  type RatingWindow as Window,
  type Readiness,
  type Satisfaction,
  type ServiceInfo,
  type ServicePoint,
} from "../points";
import type { PageContext } from "../router";
import { backToSearch, citizenErrorText } from "./citizen-errors";

interface PublicRating {
  service_id: string | null;
  asked_for_copy: boolean | null;
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
    const missing = error instanceof ApiError && error.status === 404 && !error.notAvailable;
    main.prepend(pageHeading(missing ? t("citizen.error.point.notfound") : t("citizen.error.generic")));
    setMessage(
      status,
      "error",
      h("p", {}, missing ? t("citizen.error.point.notfound.detail") : citizenErrorText(error)),
      h("p", {}, backToSearch()),
    );
    return;
  }
  status.remove();
  document.title = `${localName(point) || point.id} — CITIZENinfo`;

  const [readiness, ratings] = await Promise.all([loadReadiness(point.id, signal), loadRatings(point.id, signal)]);
  if (signal.aborted) return;
  const copies = h("section", { class: "card", "aria-labelledby": "copies-heading" });
  const score = h("section", { class: "card", "aria-labelledby": "score-heading" });
  const mapElement = h("div", { class: "map map-small", "aria-label": t("search.map") });
  const links = directionLinks(point);
  const area = areaLabel(point);
  const agency = agencyLabel(point);

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
          area ? [h("dt", {}, t("point.province")), h("dd", {}, area)] : null,
          agency ? [h("dt", {}, t("official.department")), h("dd", {}, agency)] : null,
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
          h(
            "a",
            {
              href: "#rate",
              class: "button",
              onclick: (event: Event) => {
                event.preventDefault();
                goToRating();
              },
            },
            t("point.rate"),
          ),
          h("a", { href: `/points/${encodeURIComponent(point.id)}/complain`, class: "button secondary" }, t("point.complain")),
        ),
      ),
      mapElement,
    ),
    h("div", { class: "cards" }, copies, score),
    servicesSection(point, readiness),
    ratingSection(point, query.get("visit_token"), () => void refreshScore(score, point.id, signal)),
  );

  const map = createMap(mapElement, signal);
  if (point.location) {
    showPoints(map, L.layerGroup().addTo(map), [
      { id: point.id, lat: point.location.lat, lon: point.location.lon, label: localName(point) },
    ]);
  }
  renderCopies(copies, point, readiness, ratings);
  renderScore(score, await loadSatisfaction(point.id, signal));
  if (location.hash === "#rate") goToRating();
}

/** The rate button: bring the form into view and put focus on it (on a phone it is far below). */
function goToRating(): void {
  const section = document.getElementById("rate");
  const heading = document.getElementById("rate-heading");
  if (!section || !heading) return;
  if (location.hash !== "#rate") history.replaceState(history.state, "", "#rate");
  section.scrollIntoView({ block: "start" });
  heading.focus({ preventScroll: true });
}

async function loadReadiness(pointId: string, signal: AbortSignal): Promise<Readiness | null> {
  try {
    return await get<Readiness>(`/api/nocopy/v1/service-points/${encodeURIComponent(pointId)}/readiness`, {}, signal);
  } catch {
    return null; // not surveyed (404) or not reachable: the answer falls back to the document list
  }
}

async function loadRatings(pointId: string, signal: AbortSignal): Promise<PublicRating[]> {
  try {
    const body = await get<{ items: PublicRating[] }>(
      "/api/feedback/v1/ratings",
      { service_point_id: pointId, limit: 100 },
      signal,
    );
    return body.items ?? [];
  } catch {
    return []; // evidence is a bonus: without it the agency's answer stands alone
  }
}

async function loadSatisfaction(pointId: string, signal: AbortSignal): Promise<Window | Error> {
  try {
    const body = await get<Satisfaction>(`/api/stats/v1/satisfaction/service-points/${encodeURIComponent(pointId)}`, {}, signal);
    return allTime(body) ?? new Error("no ratings window");
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function documentName(d: DocumentRequirement): string {
  return localName(d) || (d.kind && hasMessage(`copy.${d.kind}`) ? t(`copy.${d.kind}` as MessageKey) : (d.kind ?? ""));
}

function documentText(d: DocumentRequirement): string {
  return `${documentName(d)}${d.copies ? ` × ${d.copies}` : ""}`;
}

function reports(ratings: PublicRating[], serviceId: string | null): { asked: number; n: number } {
  const answered = ratings.filter((r) => r.service_id === serviceId && r.asked_for_copy !== null);
  return { asked: answered.filter((r) => r.asked_for_copy).length, n: answered.length };
}

function renderCopies(section: HTMLElement, point: ServicePoint, readiness: Readiness | null, ratings: PublicRating[]): void {
  const services: ServiceInfo[] = point.services ?? point.service_ids.map((id) => ({ id }));
  section.append(
    h("h2", { id: "copies-heading" }, t("citizen.copy.title")),
    h(
      "ul",
      { class: "copy-answers" },
      services.map((service) => {
        const answer = copyAnswer(service, readiness);
        const evidence = reports(ratings, service.id);
        const reasonKey =
          answer.reason === "in_progress"
            ? "citizen.copy.bring.in_progress"
            : answer.reason === "unsurveyed"
              ? "citizen.copy.bring.unsurveyed"
              : null;
        return h(
          "li",
          { class: `copy-answer copy-answer-${answer.verdict}`, "data-service-id": service.id },
          h("strong", {}, localName(service) || service.id),
          h(
            "p",
            { class: "copy-verdict" },
            answer.verdict === "none"
              ? t("citizen.copy.none.listed")
              : answer.verdict === "not_needed"
                ? t("citizen.copy.not.needed")
                : t("citizen.copy.bring", { docs: answer.bring.map(documentText).join(", ") }),
          ),
          reasonKey ? h("p", { class: "muted" }, t(reasonKey)) : null,
          evidence.n
            ? h(
                "p",
                { class: "copy-evidence" },
                t("citizen.copy.evidence", { asked: formatNumber(evidence.asked), n: formatNumber(evidence.n) }),
              )
            : null,
          answer.verdict === "not_needed" && evidence.asked > 0
            ? h(
                "p",
                { class: "message message-error", role: "note" },
                t("citizen.copy.conflict"),
                " — ",
                h("a", { href: `/points/${encodeURIComponent(point.id)}/complain` }, t("point.complain")),
              )
            : null,
        );
      }),
    ),
  );
  const general = reports(ratings, null);
  if (general.n) {
    section.append(
      h(
        "p",
        { class: "copy-evidence" },
        t("citizen.copy.evidence.point", { asked: formatNumber(general.asked), n: formatNumber(general.n) }),
      ),
    );
  }
}

function renderScore(section: HTMLElement, figures: Window | Error): void {
  replaceChildren(section, h("h2", { id: "score-heading" }, t("point.score")));
  if (figures instanceof Error) {
    section.append(h("p", {}, citizenErrorText(figures)));
    return;
  }
  section.dataset.ratings = String(figures.ratings);
  const fair = figures.fair_score;
  if (!figures.ratings) {
    section.append(h("p", {}, t("citizen.score.none")));
    return;
  }
  if (fair.score === null || !fair.rankable) {
    // Too few to conclude: no score in large type, only the count and, small, the early average.
    append(section, [
      h("p", {}, t("citizen.score.few", { n: formatNumber(figures.ratings) })),
      figures.mean !== null
        ? h("p", { class: "muted" }, t("citizen.score.early", { mean: formatNumber(figures.mean, 1) }))
        : null,
    ]);
    return;
  }
  append(section, [
    h("p", { class: "score" }, t("citizen.score.value", { score: formatNumber(fair.score, 1) })),
    h("p", {}, t("point.score.n", { n: formatNumber(figures.ratings) })),
    fair.low !== null && fair.high !== null
      ? h("p", {}, t("citizen.score.range", { low: formatNumber(fair.low, 1), high: formatNumber(fair.high, 1) }))
      : null,
    h("p", {}, t("point.score.verified", { n: formatNumber(figures.verified) })),
  ]);
}

/** After a rating, the score card follows it: stats count it within seconds. */
async function refreshScore(section: HTMLElement, pointId: string, signal: AbortSignal): Promise<void> {
  const before = Number(section.dataset.ratings ?? "0");
  const note = h("p", { class: "muted", role: "status" }, t("citizen.score.updating"));
  section.append(note);
  for (let attempt = 0; attempt < 20 && !signal.aborted; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const figures = await loadSatisfaction(pointId, signal);
    if (signal.aborted) return;
    if (!(figures instanceof Error) && figures.ratings > before) {
      renderScore(section, figures);
      return;
    }
  }
  note.remove();
}

function servicesSection(point: ServicePoint, readiness: Readiness | null): HTMLElement {
  const services: ServiceInfo[] = point.services ?? point.service_ids.map((id) => ({ id }));
  const reported = readiness?.answered_at ? formatDate(readiness.answered_at) : "";
  return h(
    "section",
    { "aria-labelledby": "services-heading" },
    h("h2", { id: "services-heading" }, t("point.services")),
    services.map((service) => {
      const answer = copyAnswer(service, readiness);
      return h(
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
                  answer.cancelled.has(d.kind ?? "")
                    ? h(
                        "li",
                        { class: "document-cancelled", "data-kind": d.kind ?? "" },
                        h("s", {}, documentText(d)),
                        " — ",
                        t("citizen.copy.cancelled.reason", { date: reported }),
                      )
                    : h("li", { "data-kind": d.kind ?? "" }, documentText(d)),
                ),
              ),
            ]
          : null,
      );
    }),
  );
}

function ratingSection(point: ServicePoint, visitToken: string | null, onRated: () => void): HTMLElement {
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
          onRated();
        } catch (error) {
          submit.disabled = false;
          const used = error instanceof ApiError && error.status === 409;
          setMessage(message, "error", used ? t("rate.used") : citizenErrorText(error));
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
  return h("section", { id: "rate", "aria-labelledby": "rate-heading" }, h("h2", { id: "rate-heading", tabindex: -1 }, t("rate.title")), form);
}
