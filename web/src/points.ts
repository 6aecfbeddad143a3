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
  department_name_th?: string | null;
  department?: { id: string; name_th?: string | null; name_en?: string | null } | null;
  province_name_th?: string | null;
  province_name_en?: string | null;
  district_name_th?: string | null;
  district_name_en?: string | null;
  province?: { code: string; name_th?: string | null; name_en?: string | null } | null;
  district?: { code: string; name_th?: string | null; name_en?: string | null } | null;
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

/** The district and province, so two offices of the same name can be told apart. */
export function areaLabel(point: ServicePoint): string {
  const district = point.district ?? { name_th: point.district_name_th, name_en: point.district_name_en };
  const province = point.province ?? { name_th: point.province_name_th, name_en: point.province_name_en };
  return [localName(district), localName(province)].filter(Boolean).join(", ");
}

/** The agency (department) that runs the point. */
export function agencyLabel(point: ServicePoint): string {
  return point.department ? localName(point.department) : (point.department_name_th ?? "");
}

// ------------------------------------------------------------------ photocopies, per service
export type CopyStatus = "required" | "in_progress" | "cancelled";
export type CopyKind = "id_card_copy" | "house_registration_copy";
export const COPY_KINDS: readonly CopyKind[] = ["id_card_copy", "house_registration_copy"];

export interface ServiceCopyAnswer {
  service_id: string;
  id_card_copy: CopyStatus;
  house_registration_copy: CopyStatus;
}

export interface Readiness {
  copy_status: CopyStatus;
  services: ServiceCopyAnswer[];
  answered_at?: string;
}

/** What a citizen must bring for one service: the document list read with the agency's survey. */
export interface CopyAnswer {
  /** "none": the list has no copies; "not_needed": every listed copy was cancelled; "bring": some are still asked for. */
  verdict: "none" | "not_needed" | "bring";
  /** The copies still to bring (documents of the list), and why they may still be asked for. */
  bring: DocumentRequirement[];
  reason: "in_progress" | "unsurveyed" | "required" | null;
  /** The copy kinds the agency cancelled for this service. */
  cancelled: Set<string>;
}

export function isCopyKind(kind: string | undefined): kind is CopyKind {
  return kind === "id_card_copy" || kind === "house_registration_copy";
}

export function copyAnswer(service: ServiceInfo, readiness: Readiness | null): CopyAnswer {
  const answer = readiness?.services.find((s) => s.service_id === service.id) ?? null;
  const copies = (service.documents ?? []).filter((d) => isCopyKind(d.kind) && (d.copies ?? 1) > 0);
  const cancelled = new Set<string>(COPY_KINDS.filter((kind) => answer?.[kind] === "cancelled"));
  const bring = copies.filter((d) => !cancelled.has(d.kind ?? ""));
  if (!copies.length) return { verdict: "none", bring: [], reason: null, cancelled };
  if (!bring.length) return { verdict: "not_needed", bring: [], reason: null, cancelled };
  const statuses = bring.map((d) => (answer ? answer[d.kind as CopyKind] : null));
  const reason = statuses.includes(null) ? "unsurveyed" : statuses.includes("in_progress") ? "in_progress" : "required";
  return { verdict: "bring", bring, reason, cancelled };
}

// ------------------------------------------------------------------ satisfaction (stats-service)
export interface FairScore {
  score: number | null;
  low: number | null;
  high: number | null;
  rankable: boolean;
}

/** One window (7d, 30d, all) of a point's ratings: counts, the plain mean and the fair score. */
export interface RatingWindow {
  ratings: number;
  verified: number;
  mean: number | null;
  /** Ratings saying a photocopy was demanded: what citizens report, beside the agency's answer. */
  asked_for_copy: number;
  fair_score: FairScore;
}

export interface Satisfaction {
  windows: Record<string, RatingWindow>;
}

/** All ratings ever given, the window the point page shows too. */
export function allTime(satisfaction: Satisfaction): RatingWindow | undefined {
  return satisfaction.windows.all ?? Object.values(satisfaction.windows)[0];
}
