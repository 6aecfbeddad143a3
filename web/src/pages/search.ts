// Citizens: search (ค้นหา) by the service they need and the place ("ทำบัตรประชาชน เชียงใหม่"), or near me
// with the same words, optionally in a province and district chosen by name; results as a list (keyboard
// and screen readers) with real totals and more pages, each with distance, agency, area, the copy status
// (the agency's answer beside what visitors report) and the fair score with its number of ratings, and on
// a map.

import L from "leaflet";

import { ApiError, get } from "../api";
import { field, h, pageHeading, replaceChildren, setMessage, statusMessage } from "../dom";
import { areaPicker } from "../geography";
import { formatDistance, formatNumber, hasMessage, language, localName, t, type MessageKey } from "../i18n";
import { createMap, showPoints } from "../map";
import {
  agencyLabel,
  allTime,
  areaLabel,
  pointItems,
  pointLabel,
  type RatingWindow,
  type Readiness,
  type Satisfaction,
  type ServicePoint,
} from "../points";
import { navigate, type PageContext } from "../router";
import { citizenErrorText } from "./citizen-errors";

const NEARBY_RADIUS_M = 50_000;
const PAGE_SIZE = 20;
const EXAMPLES = {
  th: ["ทำบัตรประชาชน เชียงใหม่", "ใบขับขี่ กทม", "แจ้งเกิด ขอนแก่น"],
  en: ["ID card Chiang Mai", "passport Bangkok", "birth registration Khon Kaen"],
};

interface Overview {
  service_points?: number;
  pinned?: number;
  surveyed?: number;
  copy_cancelled?: number;
  ratings?: number;
}

interface Understood {
  words?: string;
  services?: string[];
  places?: { kind: string; code: string; name_th?: string; name_en?: string }[];
}

interface SearchAnswer {
  total?: number;
  total_relation?: "eq" | "gte";
  items?: unknown[];
  query?: Understood;
}

export async function searchPage({ main, query, signal }: PageContext): Promise<void> {
  const words = query.get("q")?.trim() ?? "";
  const lat = query.get("lat");
  const lon = query.get("lon");
  const near = Boolean(lat && lon);
  const provinceCode = query.get("province_code");
  const districtCode = provinceCode ? query.get("district_code") : null;
  const queryInput = h("input", { type: "search", name: "q", autocomplete: "off", value: words });
  const message = statusMessage();
  const picker = areaPicker(provinceCode, districtCode, signal);
  const area = h(
    "fieldset",
    { class: "area-picker" },
    h("legend", {}, t("search.area")),
    field(t("search.province"), picker.province),
    field(t("search.district"), picker.district),
  );
  // Without the list of places (an older pin-service) the search works as before, by words alone.
  void picker.ready.then((available) => {
    if (!available) area.remove();
  });
  /** The search's words and the chosen area: the codes the API filters on, as the URL carries them. */
  const searchParams = (): URLSearchParams => {
    const params = new URLSearchParams();
    if (queryInput.value.trim()) params.set("q", queryInput.value.trim());
    if (picker.province.value) params.set("province_code", picker.province.value);
    if (picker.province.value && picker.district.value) params.set("district_code", picker.district.value);
    return params;
  };

  const form = h(
    "form",
    {
      class: "search-form",
      role: "search",
      onsubmit: (event: Event) => {
        event.preventDefault();
        navigate(`/search?${searchParams()}`);
      },
    },
    field(t("search.query"), queryInput, t("citizen.search.hint")),
    area,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, t("search.submit")),
      h(
        "button",
        { type: "button", class: "secondary", onclick: () => findNearMe(searchParams(), message) },
        t("search.near"),
      ),
    ),
  );
  const overview = h("section", { class: "overview", "aria-labelledby": "overview-heading" });
  main.append(pageHeading(t("search.title")), form, message);

  if (!words && !near && !provinceCode) {
    // The home page starts with the search: examples of what to type, not an arbitrary list of points.
    main.append(
      h(
        "p",
        { class: "search-examples" },
        `${t("citizen.search.examples")}: `,
        EXAMPLES[language()].map((example, index) => [
          index ? " · " : "",
          h("a", { href: `/search?${new URLSearchParams({ q: example })}` }, example),
        ]),
      ),
      overview,
    );
    void loadOverview(overview, signal);
    return;
  }

  const understood = h("p", { class: "understood muted" });
  const resultsHeading = h("h2", { id: "results-heading" }, t("search.results"));
  const resultList = h("ol", { class: "results", "aria-labelledby": "results-heading" });
  const shownLine = h("p", { class: "muted results-shown" });
  const moreButton = h("button", { type: "button", class: "secondary more-results", hidden: true }, t("citizen.search.more"));
  const mapElement = h("div", { class: "map", "aria-label": t("search.map") });
  main.append(
    understood,
    h(
      "div",
      { class: "search-layout" },
      h(
        "section",
        { class: "results-panel", "aria-labelledby": "results-heading" },
        resultsHeading,
        resultList,
        shownLine,
        moreButton,
      ),
      mapElement,
    ),
  );

  const map = createMap(mapElement, signal);
  const layer = L.layerGroup().addTo(map);
  const found: ServicePoint[] = [];
  let total = 0;

  const loadPage = async (): Promise<ServicePoint[]> => {
    const body = await get<SearchAnswer>(
      "/api/pin/v1/service-points",
      {
        q: words,
        province_code: provinceCode,
        district_code: districtCode,
        lat,
        lon,
        radius_m: near ? NEARBY_RADIUS_M : null,
        limit: PAGE_SIZE,
        offset: found.length,
      },
      signal,
    );
    const points = pointItems(body);
    total = body.total ?? found.length + points.length;
    found.push(...points);
    resultList.append(...points.map((point) => resultItem(point, signal)));
    showPoints(
      map,
      layer,
      found
        .filter((p) => p.location)
        .map((p) => ({ id: p.id, lat: p.location!.lat, lon: p.location!.lon, label: pointLabel(p) })),
      (p) => navigate(`/points/${encodeURIComponent(p.id)}`),
    );
    const more = body.total_relation === "gte";
    if (!found.length) {
      setMessage(message, "info", h("strong", {}, t("search.none")), " ", t("citizen.search.none.hint"));
    } else {
      const n = formatNumber(total);
      setMessage(message, "info", more ? t("citizen.search.count.more", { n }) : t("citizen.search.count", { n }));
    }
    shownLine.textContent = found.length ? t("citizen.search.shown", { shown: formatNumber(found.length), n: formatNumber(total) }) : "";
    moreButton.hidden = !points.length || found.length >= total;
    if (body.query) replaceChildren(understood, understoodText(body.query, near));
    return points;
  };

  moreButton.addEventListener("click", async () => {
    moreButton.disabled = true;
    try {
      const added = await loadPage();
      // Keyboard and screen-reader users carry on from the first new result.
      (resultList.querySelector(`li[data-point-id="${CSS.escape(added[0]?.id ?? "")}"] a`) as HTMLElement | null)?.focus();
    } catch (error) {
      if (!signal.aborted) setMessage(message, "error", citizenErrorText(error));
    } finally {
      moreButton.disabled = false;
    }
  });

  setMessage(message, "info", t("loading"));
  try {
    await loadPage();
  } catch (error) {
    if (signal.aborted) return;
    setMessage(message, "error", citizenErrorText(error));
  }
}

function understoodText(understood: Understood, near: boolean): string {
  const parts: string[] = [];
  const services = (understood.services ?? []).map((key) =>
    hasMessage(`service.${key}`) ? t(`service.${key}` as MessageKey) : key,
  );
  if (services.length) parts.push(t("citizen.search.understood.service", { s: services.join(", ") }));
  const places = (understood.places ?? []).map((p) => localName(p));
  if (places.length) parts.push(t("citizen.search.understood.place", { p: places.join(", ") }));
  if (near) parts.push(t("citizen.search.understood.near", { d: formatDistance(NEARBY_RADIUS_M) }));
  return parts.join(" · ");
}

function resultItem(point: ServicePoint, signal: AbortSignal): HTMLElement {
  const copy = h("span", { class: "result-copy" }, t("citizen.result.copy", { s: t("loading") }));
  const reports = h("span", { class: "result-reports", hidden: true });
  const score = h("span", { class: "result-score" }, t("citizen.result.score", { s: t("loading") }));
  void loadGlance(point.id, { copy, reports, score }, signal);
  const area = areaLabel(point);
  const agency = agencyLabel(point);
  return h(
    "li",
    { class: "result", "data-point-id": point.id },
    h("a", { href: `/points/${encodeURIComponent(point.id)}`, class: "result-name" }, pointLabel(point)),
    area ? h("span", { class: "result-meta" }, t("citizen.result.area", { a: area })) : null,
    agency ? h("span", { class: "result-meta" }, t("citizen.result.agency", { a: agency })) : null,
    copy,
    reports,
    score,
    point.address_th ? h("span", { class: "result-address" }, point.address_th) : null,
    point.location ? null : h("span", { class: "result-meta muted" }, t("citizen.result.notpinned")),
  );
}

interface Glance {
  copy: HTMLElement;
  reports: HTMLElement;
  score: HTMLElement;
}

/** A result at a glance: the agency's copy answer, what visitors report, and the fair score. */
async function loadGlance(pointId: string, glance: Glance, signal: AbortSignal): Promise<void> {
  const id = encodeURIComponent(pointId);
  const [readiness, satisfaction] = await Promise.allSettled([
    get<Readiness>(`/api/nocopy/v1/service-points/${id}/readiness`, {}, signal),
    get<Satisfaction>(`/api/stats/v1/satisfaction/service-points/${id}`, {}, signal),
  ]);
  if (signal.aborted) return;
  const ratings = satisfaction.status === "fulfilled" ? (allTime(satisfaction.value) ?? null) : null;
  const status = showCopyStatus(glance.copy, readiness);
  showReports(glance.reports, ratings, status);
  showScore(glance.score, ratings);
}

function showCopyStatus(target: HTMLElement, readiness: PromiseSettledResult<Readiness>): string {
  if (readiness.status === "fulfilled") {
    const status = readiness.value.copy_status;
    target.dataset.copyStatus = status;
    replaceChildren(
      target,
      t("citizen.result.copy", { s: "" }),
      h("span", { class: `badge badge-${status}` }, t(`status.${status}` as MessageKey)),
      " ",
      h("span", { class: "muted" }, t("citizen.result.copy.agency")),
    );
    return status;
  }
  const error = readiness.reason;
  const unsurveyed = error instanceof ApiError && error.status === 404 && !error.notAvailable;
  const status = unsurveyed ? "unsurveyed" : "unknown";
  target.dataset.copyStatus = status;
  replaceChildren(
    target,
    t("citizen.result.copy", { s: unsurveyed ? t("status.unsurveyed") : t("citizen.result.copy.unknown") }),
  );
  return status;
}

/** What visitors said in their ratings ("was a copy asked for?"), only when someone has rated. */
function showReports(target: HTMLElement, ratings: RatingWindow | null, agencyStatus: string): void {
  if (!ratings?.ratings) return;
  const conflict = agencyStatus === "cancelled" && ratings.asked_for_copy > 0;
  target.dataset.asked = String(ratings.asked_for_copy);
  target.classList.toggle("result-conflict", conflict);
  replaceChildren(
    target,
    t("citizen.result.reports", { asked: formatNumber(ratings.asked_for_copy), n: formatNumber(ratings.ratings) }),
    conflict ? [" — ", h("strong", {}, t("citizen.result.reports.conflict"))] : null,
  );
  target.hidden = false;
}

/** The fair score only once there are enough ratings to rank (as on the point's page); always the count. */
function showScore(target: HTMLElement, ratings: RatingWindow | null): void {
  let text: string;
  if (!ratings) {
    text = t("citizen.result.score.unknown");
  } else if (!ratings.ratings) {
    text = t("citizen.score.none");
  } else if (ratings.fair_score.score === null || !ratings.fair_score.rankable) {
    text = t("citizen.result.score.few", { n: formatNumber(ratings.ratings) });
  } else {
    text = t("citizen.result.score.value", {
      score: formatNumber(ratings.fair_score.score, 1),
      n: formatNumber(ratings.ratings),
    });
  }
  target.dataset.ratings = ratings ? String(ratings.ratings) : "";
  replaceChildren(target, t("citizen.result.score", { s: text }));
}

function findNearMe(chosen: URLSearchParams, message: HTMLElement): void {
  if (!("geolocation" in navigator)) {
    setMessage(message, "error", t("search.near.denied"));
    return;
  }
  setMessage(message, "info", t("search.near.busy"));
  navigator.geolocation.getCurrentPosition(
    (position) => {
      // The typed words (and a chosen area) still count near me: "ทำบัตรประชาชน" + near me = ID-card
      // offices nearest first.
      const params = new URLSearchParams(chosen);
      params.set("lat", position.coords.latitude.toFixed(6));
      params.set("lon", position.coords.longitude.toFixed(6));
      navigate(`/search?${params}`);
    },
    () => setMessage(message, "error", t("search.near.denied")),
    { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
  );
}

async function loadOverview(section: HTMLElement, signal: AbortSignal): Promise<void> {
  try {
    const overview = await get<Overview>("/api/stats/v1/overview", {}, signal);
    const tile = (label: string, value: number | undefined) =>
      h("div", { class: "stat" }, h("dt", {}, label), h("dd", {}, value === undefined ? "–" : formatNumber(value)));
    replaceChildren(
      section,
      h("h2", { id: "overview-heading" }, t("overview.title")),
      h(
        "dl",
        { class: "stats" },
        tile(t("overview.points"), overview.service_points),
        tile(t("overview.pinned"), overview.pinned),
        tile(t("overview.surveyed"), overview.surveyed),
        tile(t("overview.cancelled"), overview.copy_cancelled),
        tile(t("overview.ratings"), overview.ratings),
      ),
    );
  } catch {
    section.remove(); // the figures are a bonus on this page; search works without them
  }
}
