// Citizens: search (ค้นหา) by text or near me, results as a list (keyboard and screen readers) and on a map.

import L from "leaflet";

import { get, errorText } from "../api";
import { field, h, pageHeading, replaceChildren, setMessage, statusMessage } from "../dom";
import { formatNumber, t } from "../i18n";
import { createMap, showPoints } from "../map";
import { pointItems, pointLabel, type ServicePoint } from "../points";
import { navigate, type PageContext } from "../router";

const NEARBY_RADIUS_M = 50_000;
const RESULT_LIMIT = 50;

interface Overview {
  service_points?: number;
  pinned?: number;
  surveyed?: number;
  copy_cancelled?: number;
  ratings?: number;
}

export async function searchPage({ main, query, signal }: PageContext): Promise<void> {
  const queryInput = h("input", { type: "search", name: "q", autocomplete: "off", value: query.get("q") ?? "" });
  const provinceInput = h("input", {
    type: "text",
    name: "province_code",
    inputmode: "numeric",
    pattern: "[0-9]{2}",
    maxlength: 2,
    size: 4,
    value: query.get("province_code") ?? "",
  });
  const message = statusMessage();
  const resultsHeading = h("h2", { id: "results-heading" }, t("search.results"));
  const resultList = h("ol", { class: "results", "aria-labelledby": "results-heading" });
  const mapElement = h("div", { class: "map", "aria-label": t("search.map") });

  const form = h(
    "form",
    {
      class: "search-form",
      role: "search",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const params = new URLSearchParams();
        if (queryInput.value.trim()) params.set("q", queryInput.value.trim());
        if (provinceInput.value.trim()) params.set("province_code", provinceInput.value.trim());
        navigate(`/search?${params}`);
      },
    },
    field(t("search.query"), queryInput),
    field(t("search.province"), provinceInput),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, t("search.submit")),
      h("button", { type: "button", class: "secondary", onclick: () => findNearMe(message) }, t("search.near")),
    ),
  );
  const overview = h("section", { class: "overview", "aria-labelledby": "overview-heading" });
  main.append(
    pageHeading(t("search.title")),
    form,
    message,
    h(
      "div",
      { class: "search-layout" },
      h("section", { class: "results-panel", "aria-labelledby": "results-heading" }, resultsHeading, resultList),
      mapElement,
    ),
    overview,
  );

  const map = createMap(mapElement, signal);
  const layer = L.layerGroup().addTo(map);
  void loadOverview(overview, signal);

  const lat = query.get("lat");
  const lon = query.get("lon");
  setMessage(message, "info", t("loading"));
  try {
    const body =
      lat && lon
        ? await get<unknown>(
            "/api/pin/v1/service-points/nearby",
            { lat, lon, radius_m: NEARBY_RADIUS_M, limit: RESULT_LIMIT },
            signal,
          )
        : await get<unknown>(
            "/api/pin/v1/service-points",
            { q: query.get("q"), province_code: query.get("province_code"), limit: RESULT_LIMIT },
            signal,
          );
    const points = pointItems(body);
    showResults(points, resultList);
    showPoints(
      map,
      layer,
      points.filter((p) => p.location).map((p) => ({ id: p.id, lat: p.location!.lat, lon: p.location!.lon, label: pointLabel(p) })),
      (p) => navigate(`/points/${encodeURIComponent(p.id)}`),
    );
    setMessage(message, "info", points.length ? t("search.count", { n: formatNumber(points.length) }) : t("search.none"));
  } catch (error) {
    if (signal.aborted) return;
    setMessage(message, "error", errorText(error));
  }
}

function showResults(points: ServicePoint[], list: HTMLElement): void {
  replaceChildren(
    list,
    points.map((point) =>
      h(
        "li",
        { class: "result" },
        h("a", { href: `/points/${encodeURIComponent(point.id)}`, class: "result-name" }, pointLabel(point)),
        point.address_th ? h("span", { class: "result-address" }, point.address_th) : null,
      ),
    ),
  );
}

function findNearMe(message: HTMLElement): void {
  if (!("geolocation" in navigator)) {
    setMessage(message, "error", t("search.near.denied"));
    return;
  }
  setMessage(message, "info", t("search.near.busy"));
  navigator.geolocation.getCurrentPosition(
    (position) =>
      navigate(`/search?lat=${position.coords.latitude.toFixed(6)}&lon=${position.coords.longitude.toFixed(6)}`),
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
