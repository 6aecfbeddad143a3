// What the client reads about service points, tolerant of the shapes the services return as they grow.

import { formatDistance, localName, t } from "./i18n";

export interface LatLon {
  lat: number;
  lon: number;
}

export interface DocumentRequirement {
  name_th?: string;
  name_en?: string;
  kind?: string;
  copies?: number;
}

export interface ServiceInfo {
  id: string;
  name_th?: string;
  name_en?: string | null;
  steps?: string[];
  documents?: DocumentRequirement[];
}

export interface ServicePoint {
  id: string;
  name_th: string;
  name_en?: string | null;
  department_id?: string;
  ministry_id?: string;
  province_code?: string;
  district_code?: string;
  address_th?: string;
  service_ids: string[];
  services?: ServiceInfo[];
  pinned: boolean;
  location: LatLon | null;
  distance_m?: number;
  directions?: Record<string, string>;
}

type Raw = Record<string, unknown>;

function asLocation(raw: Raw): LatLon | null {
  const location = (raw.location ?? null) as Raw | null;
  const lat = Number(location?.lat ?? raw.lat);
  const lon = Number(location?.lon ?? raw.lon);
  return Number.isFinite(lat) && Number.isFinite(lon) && (location || raw.lat !== undefined) ? { lat, lon } : null;
}

export function normalizePoint(raw: Raw): ServicePoint {
  const location = asLocation(raw);
  return {
    ...(raw as object),
    id: String(raw.id ?? raw.service_point_id ?? raw._id ?? ""),
    name_th: String(raw.name_th ?? ""),
    name_en: (raw.name_en as string | null | undefined) ?? null,
    service_ids: Array.isArray(raw.service_ids) ? (raw.service_ids as string[]) : [],
    services: Array.isArray(raw.services) ? (raw.services as ServiceInfo[]) : undefined,
    pinned: Boolean(raw.pinned ?? location),
    location,
    distance_m: typeof raw.distance_m === "number" ? raw.distance_m : undefined,
    directions: (raw.directions as Record<string, string> | undefined) ?? undefined,
  } as ServicePoint;
}

export function pointItems(body: unknown): ServicePoint[] {
  const items = Array.isArray(body) ? body : ((body as Raw | null)?.items as unknown[] | undefined) ?? [];
  return items.map((item) => normalizePoint(item as Raw));
}

/** Directions open the citizen's own map app; the API's links win when it gives them. */
export function directionLinks(point: ServicePoint): { google: string; apple: string } | null {
  if (!point.location) return null;
  const { lat, lon } = point.location;
  return {
    google:
      point.directions?.google ??
      point.directions?.google_maps ??
      `https://www.google.com/maps/dir/?api=1&destination=${lat},${lon}`,
    apple:
      point.directions?.apple ?? point.directions?.apple_maps ?? `https://maps.apple.com/?daddr=${lat},${lon}`,
  };
}

export function pointLabel(point: ServicePoint): string {
  const name = localName(point) || point.id;
  return point.distance_m !== undefined ? `${name} · ${t("search.distance", { d: formatDistance(point.distance_m) })}` : name;
}
