// Officials: the satisfaction funnel plot (Spiegelhalter 2005). Each unit's share of satisfied ratings
// (score 4–5) against its number of ratings, with 95% and 99.8% control limits around the national
// share: only a unit outside them differs from the nation by more than chance. Drawn as SVG (no chart
// library); the same figures as a real table for screen readers; the nation's 30-day trend beside it.

import { get } from "../api";
import { h, setMessage, statusMessage } from "../dom";
import { formatNumber, localName, t, type MessageKey } from "../i18n";

const STATS = "/api/stats/v1";
const SVG_NS = "http://www.w3.org/2000/svg";

export type Classification = "above_99_8" | "above_95" | "within" | "below_95" | "below_99_8";

interface FunnelUnit {
  unit_id: string;
  name_th: string | null;
  name_en: string | null;
  n: number;
  satisfied: number;
  value: number;
  z: number | null;
  classification: Classification;
}

interface Limits {
  n: number;
  lower_99_8: number;
  lower_95: number;
  upper_95: number;
  upper_99_8: number;
}

interface TrendDay {
  day: string;
  ratings: number;
  satisfied: number;
  share: number | null;
  mean: number | null;
}

interface Funnel {
  level: string;
  window: string;
  target: number;
  national_ratings: number;
  overdispersion: number | null;
  units: FunnelUnit[];
  limits: Limits[];
  trend: TrendDay[];
}

export interface FunnelScope {
  ministryId: string | null;
  departmentId: string | null;
}

/** Colour and shape per class: shape says the direction, so colour is never the only cue. */
const STYLE: Record<Classification, { colour: string; shape: "up" | "down" | "circle"; filled: boolean }> = {
  above_99_8: { colour: "#0b6b2e", shape: "up", filled: true },
  above_95: { colour: "#2e8b47", shape: "up", filled: false },
  within: { colour: "#5f6368", shape: "circle", filled: false },
  below_95: { colour: "#b45309", shape: "down", filled: false },
  below_99_8: { colour: "#b3261e", shape: "down", filled: true },
};
const ORDER: Classification[] = ["above_99_8", "above_95", "within", "below_95", "below_99_8"];

const WIDTH = 640;
const HEIGHT = 380;
const MARGIN = { left: 72, right: 20, top: 16, bottom: 56 };

type SvgAttributes = Record<string, string | number>;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: SvgAttributes = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

export function classWords(classification: Classification): string {
  return t(`funnel.class.${classification}` as MessageKey);
}

function percent(value: number): string {
  return `${formatNumber(value * 100, 1)}%`;
}

function unitName(unit: FunnelUnit): string {
  return localName({ name_th: unit.name_th, name_en: unit.name_en }) || unit.unit_id;
}

/** The funnel section: heading, explanation, plot and trend side by side, then the table. */
export async function funnelSection(
  section: HTMLElement,
  scope: FunnelScope,
  signal: AbortSignal,
  onError: (message: HTMLElement, error: unknown) => void,
): Promise<void> {
  section.append(h("h2", { id: "funnel-heading" }, t("funnel.title")));
  const message = statusMessage();
  section.append(message);
  const query: Record<string, string> = scope.departmentId
    ? { level: "service_point", department_id: scope.departmentId }
    : scope.ministryId
      ? { level: "department", ministry_id: scope.ministryId }
      : { level: "department" };
  try {
    const funnel = await get<Funnel>(`${STATS}/satisfaction/funnel`, { window: "30d", ...query }, signal);
    section.append(h("p", { class: "hint" }, t("funnel.explain")));
    const plots = h("div", { class: "funnel-plots", style: "display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start" });
    section.append(plots);
    if (funnel.units.length) plots.append(funnelFigure(funnel));
    else setMessage(message, "info", t("official.ranking.none"));
    plots.append(trendFigure(funnel.trend));
    if (funnel.units.length) section.append(funnelTable(funnel));
  } catch (error) {
    onError(message, error);
  }
}

// ------------------------------------------------------------------------------------ the plot
function funnelFigure(funnel: Funnel): HTMLElement {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxN = Math.max(10, ...funnel.limits.map((l) => l.n), ...funnel.units.map((u) => u.n));
  const x = (n: number) => MARGIN.left + (Math.log(Math.max(1, n)) / Math.log(maxN)) * plotWidth;
  const y = (v: number) => MARGIN.top + (1 - v) * plotHeight;
  const above = funnel.units.filter((u) => u.classification.startsWith("above")).length;
  const below = funnel.units.filter((u) => u.classification.startsWith("below")).length;
  const summary = t("funnel.summary", {
    n: formatNumber(funnel.units.length),
    above: formatNumber(above),
    below: formatNumber(below),
    target: percent(funnel.target),
  });
  const focusLine = h("p", { class: "hint funnel-focus", "aria-hidden": "true" }, t("funnel.focus.hint"));

  const axes = svg("g", { "aria-hidden": "true", fill: "#1f2933", "font-size": 12 });
  // y: 0–100 %, gridlines every 20 %.
  for (let step = 0; step <= 5; step += 1) {
    const v = step / 5;
    axes.append(
      svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(v), y2: y(v), stroke: "#e3e6ea" }),
      svg("text", { x: MARGIN.left - 8, y: y(v) + 4, "text-anchor": "end" }, `${formatNumber(v * 100)}%`),
    );
  }
  // x: log scale, ticks 1, 2, 5, 10, 20, 50, …
  for (let decade = 1; decade <= maxN; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const n = decade * m;
      if (n > maxN) break;
      axes.append(
        svg("line", { x1: x(n), x2: x(n), y1: MARGIN.top + plotHeight, y2: MARGIN.top + plotHeight + 5, stroke: "#1f2933" }),
        svg("text", { x: x(n), y: MARGIN.top + plotHeight + 18, "text-anchor": "middle" }, formatNumber(n)),
      );
    }
  }
  axes.append(
    svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: MARGIN.top + plotHeight, y2: MARGIN.top + plotHeight, stroke: "#1f2933" }),
    svg("line", { x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: MARGIN.top + plotHeight, stroke: "#1f2933" }),
    svg("text", { x: MARGIN.left + plotWidth / 2, y: HEIGHT - 12, "text-anchor": "middle", "font-size": 13 }, t("funnel.axis.x")),
    svg(
      "text",
      { x: 16, y: MARGIN.top + plotHeight / 2, "text-anchor": "middle", "font-size": 13, transform: `rotate(-90 16 ${MARGIN.top + plotHeight / 2})` },
      t("funnel.axis.y"),
    ),
  );

  const curve = (key: keyof Omit<Limits, "n">) =>
    funnel.limits.map((l, i) => `${i ? "L" : "M"}${x(l.n).toFixed(1)},${y(l[key]).toFixed(1)}`).join(" ");
  const limitsGroup = svg(
    "g",
    { "aria-hidden": "true", fill: "none" },
    svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(funnel.target), y2: y(funnel.target), stroke: "#12355b", "stroke-width": 2, class: "funnel-target" }),
    svg("path", { d: curve("upper_95"), stroke: "#12355b", "stroke-dasharray": "5 4", class: "funnel-limit-95" }),
    svg("path", { d: curve("lower_95"), stroke: "#12355b", "stroke-dasharray": "5 4", class: "funnel-limit-95" }),
    svg("path", { d: curve("upper_99_8"), stroke: "#12355b", "stroke-width": 1.5, class: "funnel-limit-99-8" }),
    svg("path", { d: curve("lower_99_8"), stroke: "#12355b", "stroke-width": 1.5, class: "funnel-limit-99-8" }),
  );

  const marks = svg("g", {});
  // Fewest ratings drawn last, so a big unit never hides a small one.
  for (const unit of [...funnel.units].sort((a, b) => b.n - a.n)) {
    const style = STYLE[unit.classification];
    const cx = x(unit.n);
    const cy = y(unit.value);
    const label = t("funnel.point", { name: unitName(unit), value: percent(unit.value), n: formatNumber(unit.n), class: classWords(unit.classification) });
    const paint = { fill: style.filled ? style.colour : "#ffffff", stroke: style.colour, "stroke-width": 2 };
    const shape =
      style.shape === "circle"
        ? svg("circle", { cx, cy, r: 5, ...paint })
        : svg("path", { d: style.shape === "up" ? `M${cx},${cy - 6} L${cx + 6},${cy + 5} L${cx - 6},${cy + 5} Z` : `M${cx},${cy + 6} L${cx + 6},${cy - 5} L${cx - 6},${cy - 5} Z`, ...paint });
    const mark = svg(
      "g",
      { class: "funnel-mark", role: "img", "aria-label": label, tabindex: 0, "data-unit-id": unit.unit_id, "data-classification": unit.classification },
      svg("title", {}, label),
      shape,
    );
    const show = () => {
      focusLine.textContent = label;
    };
    mark.addEventListener("mouseenter", show);
    mark.addEventListener("focus", show);
    marks.append(mark);
  }

  const plot = svg(
    "svg",
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: "group",
      "aria-label": summary,
      class: "funnel-plot",
      style: "width:100%;max-width:40rem;height:auto;background:#fff;border:1px solid #d0d5dd;border-radius:6px",
    },
    axes,
    limitsGroup,
    marks,
  );
  return h(
    "figure",
    { class: "funnel", style: "margin:0;flex:1 1 32rem;min-width:18rem" },
    plot,
    focusLine,
    legend(funnel.target),
    funnel.overdispersion !== null
      ? h("p", { class: "hint" }, t("funnel.overdispersion", { phi: formatNumber(funnel.overdispersion, 2) }))
      : null,
    h("figcaption", { class: "hint" }, summary),
  );
}

function legend(target: number): HTMLElement {
  const swatch = (content: SVGElement) =>
    svg("svg", { width: 28, height: 14, viewBox: "0 0 28 14", "aria-hidden": "true", style: "vertical-align:middle;margin-inline-end:0.25rem" }, content);
  const markSwatch = (c: Classification) => {
    const style = STYLE[c];
    const paint = { fill: style.filled ? style.colour : "#ffffff", stroke: style.colour, "stroke-width": 2 };
    return swatch(
      style.shape === "circle"
        ? svg("circle", { cx: 14, cy: 7, r: 5, ...paint })
        : svg("path", { d: style.shape === "up" ? "M14,1 L20,12 L8,12 Z" : "M14,13 L20,2 L8,2 Z", ...paint }),
    );
  };
  const lineSwatch = (attributes: SvgAttributes) => swatch(svg("line", { x1: 1, x2: 27, y1: 7, y2: 7, stroke: "#12355b", ...attributes }));
  return h(
    "ul",
    { class: "funnel-legend", "aria-label": t("funnel.legend"), style: "list-style:none;padding:0;margin:0.5rem 0;display:flex;flex-wrap:wrap;gap:0.25rem 1rem;font-size:0.875rem" },
    h("li", {}, lineSwatch({ "stroke-width": 2 }), t("funnel.target", { p: percent(target) })),
    h("li", {}, lineSwatch({ "stroke-dasharray": "5 4" }), t("funnel.limit95")),
    h("li", {}, lineSwatch({ "stroke-width": 1.5 }), t("funnel.limit998")),
    ORDER.map((c) => h("li", {}, markSwatch(c), classWords(c))),
  );
}

// ------------------------------------------------------------------------------------ the table
function funnelTable(funnel: Funnel): HTMLElement {
  const caption = t("funnel.table");
  return h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    h(
      "table",
      { class: "data funnel-table" },
      h("caption", {}, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("funnel.col.unit")),
          h("th", { scope: "col" }, t("chart.count")),
          h("th", { scope: "col" }, t("funnel.col.value")),
          h("th", { scope: "col", style: "text-align:start" }, t("funnel.col.class")),
        ),
      ),
      h(
        "tbody",
        {},
        funnel.units.map((unit) =>
          h(
            "tr",
            { "data-row-id": unit.unit_id, "data-classification": unit.classification },
            h("th", { scope: "row", "data-col": "unit" }, unitName(unit)),
            h("td", { "data-col": "n" }, formatNumber(unit.n)),
            h("td", { "data-col": "value" }, percent(unit.value)),
            h("td", { "data-col": "classification", style: "text-align:start" }, classWords(unit.classification)),
          ),
        ),
      ),
    ),
  );
}

// ------------------------------------------------------------------------------------ the trend
function trendFigure(days: TrendDay[]): HTMLElement {
  const width = 320;
  const height = 200;
  const margin = { left: 44, right: 10, top: 10, bottom: 28 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const x = (i: number) => margin.left + (days.length > 1 ? (i / (days.length - 1)) * plotWidth : plotWidth / 2);
  const y = (v: number) => margin.top + (1 - v) * plotHeight;
  const rated = days.filter((d) => d.share !== null);
  const last = rated.length ? rated[rated.length - 1] : null;
  const summary = t("funnel.trend.summary", {
    days: formatNumber(rated.length),
    last: last && last.share !== null ? `${percent(last.share)} (${last.day})` : "–",
  });
  // A day without ratings is a gap: the line is broken there, never drawn across it.
  let d = "";
  let drawing = false;
  days.forEach((day, i) => {
    if (day.share === null) {
      drawing = false;
      return;
    }
    d += `${drawing ? "L" : "M"}${x(i).toFixed(1)},${y(day.share).toFixed(1)} `;
    drawing = true;
  });
  const grid = svg("g", { fill: "#1f2933", "font-size": 11 });
  for (const v of [0, 0.5, 1]) {
    grid.append(
      svg("line", { x1: margin.left, x2: width - margin.right, y1: y(v), y2: y(v), stroke: "#e3e6ea" }),
      svg("text", { x: margin.left - 6, y: y(v) + 4, "text-anchor": "end" }, `${formatNumber(v * 100)}%`),
    );
  }
  if (days.length) {
    grid.append(
      svg("text", { x: margin.left, y: height - 8, "text-anchor": "start" }, days[0].day.slice(5)),
      svg("text", { x: width - margin.right, y: height - 8, "text-anchor": "end" }, days[days.length - 1].day.slice(5)),
    );
  }
  const dots = svg("g", { fill: "#12355b" });
  days.forEach((day, i) => {
    if (day.share !== null) dots.append(svg("circle", { cx: x(i), cy: y(day.share), r: 2.5 }));
  });
  const chart = svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": summary, class: "funnel-trend", style: "width:100%;height:auto;background:#fff;border:1px solid #d0d5dd;border-radius:6px" },
    grid,
    svg("path", { d: d.trim(), fill: "none", stroke: "#12355b", "stroke-width": 2 }),
    dots,
  );
  const table = h(
    "table",
    { class: "data" },
    h("caption", {}, t("funnel.trend")),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, t("official.day")), h("th", { scope: "col" }, t("funnel.col.value")), h("th", { scope: "col" }, t("chart.count"))),
    ),
    h(
      "tbody",
      {},
      days.map((day) =>
        h("tr", {}, h("th", { scope: "row" }, day.day), h("td", {}, day.share === null ? "–" : percent(day.share)), h("td", {}, formatNumber(day.ratings))),
      ),
    ),
  );
  const figure = h(
    "figure",
    { class: "funnel-trend-figure", style: "margin:0;flex:0 1 20rem;min-width:14rem" },
    h("figcaption", { style: "font-weight:600" }, t("funnel.trend")),
    chart,
    h("p", { class: "hint" }, summary),
    h("details", {}, h("summary", {}, t("funnel.trend.table")), table),
  );
  return figure;
}
