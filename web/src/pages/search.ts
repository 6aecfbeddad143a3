// Citizens: search (ค้นหา) by the service they need and the place ("ทำบัตรประชาชน เชียงใหม่"), or near me
// with the same words; results as a list (keyboard and screen readers) with real totals and more pages,
// each with distance, agency, area and whether copies are still asked for, and on a map.

import L from "leaflet";

import { ApiError, get } from "../api";
import { field, h, pageHeading, replaceChildren, setMessage, statusMessage } from "../dom";
import { formatDistance, formatNumber, hasMessage, language, localName, t, type MessageKey } from "../i18n";
import { createMap, showPoints } from "../map";
import { agencyLabel, areaLabel, pointItems, pointLabel, type Readiness, type ServicePoint } from "../points";
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
  const queryInput = h("input", { type: "search", name: "q", autocomplete: "off", value: words });
  const message = statusMessage();

  const form = h(
    "form",
    {
      class: "search-form",
      role: "search",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const params = new URLSearchParams();
        if (queryInput.value.trim()) params.set("q", queryInput.value.trim());
        navigate(`/search?${params}`);
      },
    },
    field(t("search.query"), queryInput, t("citizen.search.hint")),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, t("search.submit")),
      h(
        "button",
        { type: "button", class: "secondary", onclick: () => findNearMe(queryInput.value.trim(), message) },
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
  void loadCopyStatus(point.id, copy, signal);
  const area = areaLabel(point);
  const agency = agencyLabel(point);
  return h(
    "li",
    { class: "result", "data-point-id": point.id },
    h("a", { href: `/points/${encodeURIComponent(point.id)}`, class: "result-name" }, pointLabel(point)),
    area ? h("span", { class: "result-meta" }, t("citizen.result.area", { a: area })) : null,
    agency ? h("span", { class: "result-meta" }, t("citizen.result.agency", { a: agency })) : null,
    copy,
    point.address_th ? h("span", { class: "result-address" }, point.address_th) : null,
    point.location ? null : h("span", { class: "result-meta muted" }, t("citizen.result.notpinned")),
  );
}

async function loadCopyStatus(pointId: string, target: HTMLElement, signal: AbortSignal): Promise<void> {
  let text: string;
  let status = "unknown";
  try {
    const readiness = await get<Readiness>(
      `/api/nocopy/v1/service-points/${encodeURIComponent(pointId)}/readiness`,
      {},
      signal,
    );
    status = readiness.copy_status;
    text = t(`status.${readiness.copy_status}` as MessageKey);
  } catch (error) {
    if (signal.aborted) return;
    const unsurveyed = error instanceof ApiError && error.status === 404 && !error.notAvailable;
    status = unsurveyed ? "unsurveyed" : "unknown";
    text = unsurveyed ? t("status.unsurveyed") : t("citizen.result.copy.unknown");
  }
  target.dataset.copyStatus = status;
  replaceChildren(target, t("citizen.result.copy", { s: text }));
}

function findNearMe(words: string, message: HTMLElement): void {
  if (!("geolocation" in navigator)) {
    setMessage(message, "error", t("search.near.denied"));
    return;
  }
  setMessage(message, "info", t("search.near.busy"));
  navigator.geolocation.getCurrentPosition(
    (position) => {
      // The typed words still count near me: "ทำบัตรประชาชน" + near me = ID-card offices nearest first.
      const params = new URLSearchParams();
      if (words) params.set("q", words);
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
