// Provinces and their districts by name (pin-service's geography, DOPA codes): people choose a place by
// its name, in Thai or in English, and the API still gets the codes it filters on.

import { get } from "./api";
import { h, replaceChildren } from "./dom";
import { language, t } from "./i18n";

export interface Area {
  code: string;
  name_th: string;
  name_en: string;
}

const GEOGRAPHY = "/api/pin/v1/geography";

let provincesOnce: Promise<Area[]> | null = null;
const districtsOnce = new Map<string, Promise<Area[]>>();

/** The 77 provinces, asked for once per page load (the answer is cached by the browser for a day too). */
export function provinces(): Promise<Area[]> {
  provincesOnce ??= get<{ items: Area[] }>(`${GEOGRAPHY}/provinces`).then((body) => body.items);
  provincesOnce.catch(() => (provincesOnce = null)); // a failure is asked again next time
  return provincesOnce;
}

export function districts(provinceCode: string): Promise<Area[]> {
  let once = districtsOnce.get(provinceCode);
  if (!once) {
    once = get<{ items: Area[] }>(`${GEOGRAPHY}/provinces/${encodeURIComponent(provinceCode)}/districts`).then(
      (body) => body.items,
    );
    once.catch(() => districtsOnce.delete(provinceCode));
    districtsOnce.set(provinceCode, once);
  }
  return once;
}

/** "เชียงใหม่ (Chiang Mai)": the reader's language first, so typing the first letters finds the place. */
export function areaLabel(area: Area): string {
  return language() === "en" ? `${area.name_en} (${area.name_th})` : `${area.name_th} (${area.name_en})`;
}

/** In the reader's alphabetical order (Thai order for Thai names). */
export function byName(areas: Area[]): Area[] {
  const collator = new Intl.Collator(language() === "en" ? "en" : "th");
  const name = (area: Area) => (language() === "en" ? area.name_en : area.name_th);
  return [...areas].sort((a, b) => collator.compare(name(a), name(b)));
}

export interface AreaPicker {
  province: HTMLSelectElement;
  district: HTMLSelectElement;
  /** Resolves once the province list (and the chosen province's districts) are in; false if unavailable. */
  ready: Promise<boolean>;
}

/** Two selects: the province, then its districts (disabled until a province is chosen). */
export function areaPicker(chosenProvince: string | null, chosenDistrict: string | null, signal: AbortSignal): AreaPicker {
  const province = h(
    "select",
    { name: "province_code", disabled: true },
    h("option", { value: "" }, t("search.province.any")),
  );
  const district = h(
    "select",
    { name: "district_code", disabled: true },
    h("option", { value: "" }, t("search.district.first")),
  );

  const fillDistricts = async (code: string, chosen: string | null): Promise<void> => {
    district.disabled = true;
    if (!code) {
      replaceChildren(district, h("option", { value: "" }, t("search.district.first")));
      return;
    }
    replaceChildren(district, h("option", { value: "" }, t("loading")));
    let items: Area[];
    try {
      items = await districts(code);
    } catch {
      if (signal.aborted) return;
      replaceChildren(district, h("option", { value: "" }, t("search.district.unavailable")));
      return;
    }
    if (signal.aborted || province.value !== code) return; // the citizen chose another province meanwhile
    replaceChildren(
      district,
      h("option", { value: "" }, t("search.district.any")),
      byName(items).map((area) => h("option", { value: area.code, selected: area.code === chosen }, areaLabel(area))),
    );
    district.disabled = false;
  };

  province.addEventListener("change", () => void fillDistricts(province.value, null));

  const ready = (async () => {
    let items: Area[];
    try {
      items = await provinces();
    } catch {
      return false;
    }
    if (signal.aborted) return false;
    province.append(
      ...byName(items).map((area) => h("option", { value: area.code, selected: area.code === chosenProvince }, areaLabel(area))),
    );
    province.disabled = false;
    if (province.value) await fillDistricts(province.value, chosenDistrict);
    return true;
  })();
  return { province, district, ready };
}
