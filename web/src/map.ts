// Leaflet map with a configurable tile server; without reachable tiles it still shows points and clicks.

import L from "leaflet";

import { config } from "./config";
import { t } from "./i18n";

export interface MapPoint {
  id: string;
  lat: number;
  lon: number;
  label: string;
  href?: string;
}

export function createMap(container: HTMLElement, signal: AbortSignal): L.Map {
  const settings = config();
  // No zoom/fade animations: a page left mid-animation would otherwise throw from a removed map,
  // and people who prefer reduced motion get none.
  const map = L.map(container, {
    zoomControl: true,
    keyboard: true,
    zoomAnimation: false,
    fadeAnimation: false,
    markerZoomAnimation: false,
  }).setView(settings.center, settings.zoom);
  container.setAttribute("role", "region");
  const notice = L.DomUtil.create("div", "map-notice");
  notice.setAttribute("role", "status");
  if (settings.tileUrl) {
    const tiles = L.tileLayer(settings.tileUrl, {
      attribution: settings.tileAttribution,
      maxZoom: settings.tileMaxZoom,
    });
    let warned = false;
    tiles.on("tileerror", () => {
      if (warned) return;
      warned = true;
      notice.textContent = t("map.notiles");
      container.append(notice);
    });
    tiles.addTo(map);
  } else {
    notice.textContent = t("map.notiles");
    container.append(notice);
  }
  signal.addEventListener("abort", () => map.remove());
  return map;
}

/** Points as SVG circles (78k markers would not fit as DOM markers; results are bounded by the API's limit). */
export function showPoints(map: L.Map, layer: L.LayerGroup, points: MapPoint[], onSelect?: (p: MapPoint) => void): void {
  layer.clearLayers();
  const bounds: L.LatLngExpression[] = [];
  for (const point of points) {
    const marker = L.circleMarker([point.lat, point.lon], {
      radius: 7,
      color: "#12355b",
      weight: 2,
      fillColor: "#f4b400",
      fillOpacity: 0.9,
    });
    marker.bindTooltip(point.label);
    if (onSelect) marker.on("click", () => onSelect(point));
    marker.addTo(layer);
    bounds.push([point.lat, point.lon]);
  }
  if (bounds.length === 1) map.setView(bounds[0], 15);
  else if (bounds.length > 1) map.fitBounds(L.latLngBounds(bounds), { padding: [24, 24], maxZoom: 15 });
}
