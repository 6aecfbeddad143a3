// Officials: the progress table of seed 004 (nation → ministry → department → points, and by province),
// satisfaction over time, its funnel plot (pages/funnel.ts) and its ranking, the reconciliation list, and downloads of each table.
// Every table shows names and shares and sorts by any column; breadcrumbs lead back up; errors are in
// the reader's language with a way on.

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

import { ApiError, NetworkError, get, url } from "../api";
import { field, h, pageHeading, replaceChildren, setMessage, statusMessage, type Child } from "../dom";
import { formatDate, formatNumber, language, localName, t, type MessageKey } from "../i18n";
import { navigate, render, type PageContext } from "../router";
import { complaintsOverdueSection } from "./complaints-overdue";
import { funnelSection } from "./funnel";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

const COLUMNS = [
  "service_points",
  "pinned",
  "not_pinned",
  "copy_cancelled",
  "copy_not_cancelled",
  "copy_in_progress",
  "surveyed",
  "not_surveyed",
] as const;

type CountColumn = (typeof COLUMNS)[number];
type Counts = Record<CountColumn, number>;
type Row = Counts & Record<string, unknown>;

// A share (per cent of the unit's points) follows each of these counts.
const SHARED: Partial<Record<CountColumn, MessageKey>> = {
  pinned: "col.pinned_share",
  copy_cancelled: "col.copy_cancelled_share",
  surveyed: "col.surveyed_share",
};

interface Table {
  name_th?: string | null;
  name_en?: string | null;
  rows: Row[];
  total: Counts;
}

interface PointRow {
  service_point_id: string;
  name_th: string | null;
  name_en?: string | null;
  province_code: string | null;
  province_name_th?: string | null;
  province_name_en?: string | null;
  pinned: number;
  surveyed: number;
  copy_status: "required" | "in_progress" | "cancelled" | null;
}

interface Day {
  day: string;
  ratings: number;
  verified: number;
  mean: number | null;
}

interface Ranked {
  unit_id: string;
  name_th?: string | null;
  name_en?: string | null;
  rank: number | null;
  ratings: number;
  mean: number | null;
  fair_score: { score: number; low: number; high: number; rankable: boolean };
}

interface Mismatch {
  service_point_id: string;
  name_th: string | null;
  department_id: string | null;
  department_name_th?: string | null;
  department_name_en?: string | null;
  province_code: string | null;
  province_name_th?: string | null;
  province_name_en?: string | null;
  ratings_asked_for_copy: number;
  complaints_asked_for_copy: number;
  latest_report_at: string | null;
}

/** Where the official is: the nation, one ministry, or one department of a ministry. */
interface Scope {
  ministryId: string | null;
  departmentId: string | null;
}

const STATS = "/api/stats/v1";
const POINTS_PER_PAGE = 50;
const RANKS_PER_PAGE = 20;

export async function officialPage({ main, params, signal }: PageContext): Promise<void> {
  const scope: Scope = { ministryId: params[0] ?? null, departmentId: params[1] ?? null };
  const crumbs = h("nav", { class: "breadcrumbs", "aria-label": t("official.breadcrumbs") });
  main.append(crumbs, pageHeading(t("official.title")));
  breadcrumbs(crumbs, scope, {});
  const ministryInput = h("input", { type: "text", name: "ministry_id", size: 8, value: scope.ministryId ?? "" });
  main.append(
    h(
      "form",
      {
        class: "inline-form",
        onsubmit: (event: Event) => {
          event.preventDefault();
          const id = ministryInput.value.trim();
          navigate(id ? `/official/ministries/${encodeURIComponent(id)}` : "/official");
        },
      },
      field(t("official.ministry.id"), ministryInput),
      h("button", { type: "submit" }, t("official.show")),
    ),
  );
  const progress = h("section", { "aria-labelledby": "progress-heading" });
  const provinces = h("section", { "aria-labelledby": "provinces-heading" });
  const satisfaction = h("section", { "aria-labelledby": "satisfaction-heading" });
  const funnel = h("section", { "aria-labelledby": "funnel-heading" });
  const ranking = h("section", { "aria-labelledby": "ranking-heading" });
  const reconciliation = h("section", { "aria-labelledby": "reconciliation-heading" });
  const overdue = h("section", { "aria-labelledby": "complaints-overdue-heading" });
  main.append(progress, satisfaction, funnel, ranking, provinces, reconciliation, overdue);
  const names = (found: { ministry?: string; department?: string }) => breadcrumbs(crumbs, scope, found);
  await Promise.all([
    scope.departmentId
      ? departmentPoints(progress, scope, names, signal)
      : scope.ministryId
        ? departmentsTable(progress, scope.ministryId, names, signal)
        : ministriesTable(progress, signal),
    provinceTable(provinces, scope, signal),
    satisfactionChart(satisfaction, scope, signal),
    funnelSection(funnel, scope, signal, (message, error) => showError(message, error, signal)),
    rankingTable(ranking, scope, signal),
    reconciliationList(reconciliation, scope, signal),
    complaintsOverdueSection(overdue, scope, signal),
  ]);
}

// ------------------------------------------------------------------------------------ helpers
function name(row: object): string {
  const named = row as { name_th?: string | null; name_en?: string | null };
  return localName({ name_th: named.name_th ?? null, name_en: named.name_en ?? null });
}

function ministryPath(id: string): string {
  return `/official/ministries/${encodeURIComponent(id)}`;
}

function departmentPath(ministryId: string, departmentId: string): string {
  return `${ministryPath(ministryId)}/departments/${encodeURIComponent(departmentId)}`;
}

/** Nation › ministry › department: every level but the current one is a link back up. */
function breadcrumbs(nav: HTMLElement, scope: Scope, found: { ministry?: string; department?: string }): void {
  const levels: { label: string; href: string }[] = [{ label: t("official.nation"), href: "/official" }];
  if (scope.ministryId) levels.push({ label: found.ministry || scope.ministryId, href: ministryPath(scope.ministryId) });
  if (scope.ministryId && scope.departmentId) {
    levels.push({ label: found.department || scope.departmentId, href: departmentPath(scope.ministryId, scope.departmentId) });
  }
  replaceChildren(
    nav,
    h(
      "ol",
      {},
      levels.map((level, index) =>
        h(
          "li",
          {},
          index === levels.length - 1 ? h("span", { "aria-current": "page" }, level.label) : h("a", { href: level.href }, level.label),
        ),
      ),
    ),
  );
}

/** An error in the reader's language, never the service's raw text, with a way on. */
function showError(message: HTMLElement, error: unknown, signal: AbortSignal): void {
  if (signal.aborted || (error instanceof DOMException && error.name === "AbortError")) return;
  let key: MessageKey = "official.error.other";
  if (error instanceof NetworkError) key = "error.network";
  else if (error instanceof ApiError) {
    if (error.status === 404 && !error.notAvailable) key = "official.error.notfound";
    else if (error.status === 422 || error.status === 400) key = "official.error.input";
    else if (error.status === 503 || error.status === 502 || error.status === 504 || error.notAvailable) key = "official.error.unavailable";
  }
  setMessage(
    message,
    "error",
    h("span", {}, t(key)),
    " ",
    h("button", { type: "button", class: "link-button", onclick: () => void render() }, t("official.retry")),
    " · ",
    h("a", { href: "/official" }, t("official.back.nation")),
  );
}

function share(part: number, whole: number): string {
  return whole ? `${formatNumber((100 * part) / whole, 1)}%` : "–";
}

/** The file people read (headings as on screen, UTF-8 BOM), the spreadsheet, and the field-named CSV. */
function downloads(path: string, query: Record<string, string | null | undefined> = {}): HTMLElement {
  const headings = language();
  return h(
    "p",
    { class: "downloads" },
    h("a", { href: url(path, { ...query, format: "csv", headings }), download: "" }, t("official.download.csv")),
    " · ",
    h("a", { href: url(path, { ...query, format: "xlsx", headings }), download: "" }, t("official.download.xlsx")),
    " · ",
    h("a", { href: url(path, { ...query, format: "csv" }), download: "" }, t("official.download.fields")),
  );
}

// ------------------------------------------------------------------------------------ sortable table
interface Column<R> {
  key: string;
  label: string;
  /** What the column sorts by; null sorts last. */
  value: (row: R) => string | number | null;
  cell: (row: R) => Child;
  rowHeader?: boolean;
}

interface SortableOptions<R> {
  caption: string;
  columns: Column<R>[];
  rows: R[];
  rowId: (row: R) => string;
  footer?: Child;
  pageSize?: number;
  className?: string;
}

function compare(a: string | number | null, b: string | number | null): number {
  if (a === null || a === "") return b === null || b === "" ? 0 : 1;
  if (b === null || b === "") return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), language() === "th" ? "th" : "en", { numeric: true });
}

/** A table sortable by any column (buttons in the headings, aria-sort on the sorted one), paged when long. */
function sortableTable<R>(options: SortableOptions<R>): HTMLElement {
  const { columns, rows, pageSize } = options;
  let sortKey: string | null = null;
  let descending = false;
  let page = 0;
  const body = h("tbody", {});
  const pager = h("div", { class: "pager" });
  const headers = columns.map((column) => {
    const indicator = h("span", { "aria-hidden": "true", class: "sort-indicator" }, " ↕");
    const button = h(
      "button",
      {
        type: "button",
        class: "sort-button",
        "data-sort": column.key,
        onclick: () => {
          descending = sortKey === column.key ? !descending : false;
          sortKey = column.key;
          page = 0;
          update();
        },
      },
      column.label,
      indicator,
    );
    const th = h("th", { scope: "col", "data-col": column.key }, button);
    return { column, th, indicator };
  });

  function update(): void {
    let sorted = rows;
    if (sortKey) {
      const column = columns.find((c) => c.key === sortKey) as Column<R>;
      sorted = [...rows].sort((a, b) => {
        const order = compare(column.value(a), column.value(b));
        return descending ? -order : order;
      });
    }
    for (const { column, th, indicator } of headers) {
      if (column.key === sortKey) {
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        indicator.textContent = descending ? " ▼" : " ▲";
      } else {
        th.removeAttribute("aria-sort");
        indicator.textContent = " ↕";
      }
    }
    const size = pageSize && rows.length > pageSize ? pageSize : rows.length;
    const pages = size ? Math.ceil(rows.length / size) : 1;
    page = Math.min(page, pages - 1);
    const shown = sorted.slice(page * size, page * size + size);
    replaceChildren(
      body,
      shown.map((row) =>
        h(
          "tr",
          { "data-row-id": options.rowId(row) },
          columns.map((column) =>
            column.rowHeader
              ? h("th", { scope: "row", "data-col": column.key }, column.cell(row))
              : h("td", { "data-col": column.key }, column.cell(row)),
          ),
        ),
      ),
    );
    if (pages <= 1) {
      replaceChildren(pager);
      return;
    }
    replaceChildren(
      pager,
      h(
        "p",
        { role: "status", class: "paging" },
        t("official.paging", {
          from: formatNumber(page * size + 1),
          to: formatNumber(page * size + shown.length),
          n: formatNumber(rows.length),
        }),
      ),
      h(
        "button",
        { type: "button", disabled: page === 0, onclick: () => ((page -= 1), update()) },
        t("official.paging.previous"),
      ),
      " ",
      h(
        "button",
        { type: "button", disabled: page >= pages - 1, onclick: () => ((page += 1), update()) },
        t("official.paging.next"),
      ),
    );
  }

  update();
  return h(
    "div",
    {},
    h("p", { class: "hint" }, t("official.sort.hint")),
    h(
      "div",
      { class: "table-wrap", tabindex: 0, role: "region", "aria-label": options.caption },
      h(
        "table",
        { class: `data ${options.className ?? ""}`.trim() },
        h("caption", {}, options.caption),
        h("thead", {}, h("tr", {}, headers.map((x) => x.th))),
        body,
        options.footer ? h("tfoot", {}, options.footer) : null,
      ),
    ),
    pager,
  );
}

/** Count columns, each shared column followed by its share of the unit's points. */
function countColumns(): Column<Row>[] {
  const columns: Column<Row>[] = [];
  for (const c of COLUMNS) {
    columns.push({ key: c, label: t(`col.${c}` as MessageKey), value: (row) => row[c] ?? 0, cell: (row) => formatNumber(row[c] ?? 0) });
    const shareKey = SHARED[c];
    if (shareKey) {
      columns.push({
        key: `${c}_share`,
        label: t(shareKey),
        value: (row) => (row.service_points ? (row[c] ?? 0) / row.service_points : null),
        cell: (row) => share(row[c] ?? 0, row.service_points),
      });
    }
  }
  return columns;
}

function totalRow(total: Counts): HTMLElement {
  return h(
    "tr",
    { "data-row-id": "total" },
    h("th", { scope: "row" }, t("official.total")),
    countColumns().map((column) => h("td", { "data-col": column.key }, column.cell(total as Row))),
  );
}

/** One progress table: a first column naming the unit (a link to drill down where there is one). */
function progressTable(caption: string, firstColumn: string, table: Table, unit: (row: Row) => { id: string; label: Child; sortName: string }): HTMLElement {
  return sortableTable<Row>({
    caption,
    className: "progress",
    rows: table.rows,
    rowId: (row) => unit(row).id,
    columns: [
      { key: "name", label: firstColumn, rowHeader: true, value: (row) => unit(row).sortName, cell: (row) => unit(row).label },
      ...countColumns(),
    ],
    footer: totalRow(table.total),
  });
}

// ------------------------------------------------------------------------------------ sections
async function ministriesTable(section: HTMLElement, signal: AbortSignal): Promise<void> {
  section.append(h("h2", { id: "progress-heading" }, t("official.ministry")));
  const message = statusMessage();
  section.append(message);
  try {
    const table = await get<Table>(`${STATS}/ministries`, {}, signal);
    section.append(
      progressTable(t("official.ministry"), t("official.ministry"), table, (row) => {
        const id = String(row.ministry_id);
        const label = name(row) || id;
        return { id, sortName: label, label: h("a", { href: ministryPath(id) }, label) };
      }),
      downloads(`${STATS}/ministries`),
    );
  } catch (error) {
    showError(message, error, signal);
  }
}

async function departmentsTable(
  section: HTMLElement,
  ministryId: string,
  names: (found: { ministry?: string }) => void,
  signal: AbortSignal,
): Promise<void> {
  const heading = h("h2", { id: "progress-heading" }, `${t("official.ministry")} ${ministryId}`);
  const message = statusMessage();
  section.append(heading, message);
  const path = `${STATS}/ministries/${encodeURIComponent(ministryId)}/departments`;
  try {
    const table = await get<Table>(path, {}, signal);
    const ministryName = name(table) || ministryId;
    heading.textContent = ministryName;
    names({ ministry: ministryName });
    section.append(
      progressTable(`${t("official.department")} — ${ministryName}`, t("official.department"), table, (row) => {
        const id = String(row.department_id);
        const label = name(row) || id;
        return { id, sortName: label, label: h("a", { href: departmentPath(ministryId, id) }, label) };
      }),
      downloads(path),
    );
  } catch (error) {
    showError(message, error, signal);
  }
}

function pinnedCell(pinned: boolean): Child {
  return [h("span", { "aria-hidden": "true", class: pinned ? "mark-yes" : "mark-no" }, pinned ? "✓ " : "✗ "), t(pinned ? "staff.pinned" : "staff.notpinned")];
}

function copyWords(status: PointRow["copy_status"]): string {
  return status ? t(`status.${status}` as MessageKey) : t("col.not_surveyed");
}

/** The department's points, in words: pinned ✓ or not, surveyed or not, the copy status. */
async function departmentPoints(
  section: HTMLElement,
  scope: Scope,
  names: (found: { ministry?: string; department?: string }) => void,
  signal: AbortSignal,
): Promise<void> {
  const departmentId = scope.departmentId as string;
  const ministryId = scope.ministryId as string;
  const heading = h("h2", { id: "progress-heading", tabindex: -1 }, `${t("official.points")}: ${departmentId}`);
  const message = statusMessage();
  const container = h("div", { id: "drilldown" });
  section.append(heading, message, container);
  const path = `${STATS}/departments/${encodeURIComponent(departmentId)}/service-points`;
  try {
    const [table, ministry] = await Promise.all([
      get<{ name_th?: string | null; rows: PointRow[]; total: Counts }>(path, {}, signal),
      get<Table>(`${STATS}/ministries/${encodeURIComponent(ministryId)}/departments`, {}, signal).catch(() => null),
    ]);
    const departmentRow = ministry?.rows.find((row) => row.department_id === departmentId);
    const departmentName = (departmentRow && name(departmentRow)) || table.name_th || departmentId;
    names({ ministry: ministry ? name(ministry) || ministryId : ministryId, department: departmentName });
    heading.textContent = `${t("official.points")}: ${departmentName}`;
    const pointName = (row: PointRow) => name(row) || row.service_point_id;
    const provinceName = (row: PointRow) =>
      localName({ name_th: row.province_name_th ?? null, name_en: row.province_name_en ?? null }) ||
      (row.province_code ? `${t("official.province.unknown")} (${row.province_code})` : "–");
    const total = table.total;
    container.append(
      h(
        "p",
        { class: "summary" },
        `${t("col.service_points")} ${formatNumber(total.service_points)} · ${t("col.pinned")} ${formatNumber(total.pinned)} (${share(total.pinned, total.service_points)}) · ${t("col.copy_cancelled")} ${formatNumber(total.copy_cancelled)} (${share(total.copy_cancelled, total.service_points)}) · ${t("col.surveyed")} ${formatNumber(total.surveyed)} (${share(total.surveyed, total.service_points)})`,
      ),
      sortableTable<PointRow>({
        caption: `${t("official.points")}: ${departmentName}`,
        className: "points",
        rows: table.rows,
        rowId: (row) => row.service_point_id,
        pageSize: POINTS_PER_PAGE,
        columns: [
          {
            key: "name",
            label: t("staff.point"),
            rowHeader: true,
            value: pointName,
            cell: (row) => h("a", { href: `/points/${encodeURIComponent(row.service_point_id)}` }, pointName(row)),
          },
          { key: "province", label: t("official.province"), value: provinceName, cell: provinceName },
          { key: "pinned", label: t("official.point.pin"), value: (row) => row.pinned, cell: (row) => pinnedCell(row.pinned === 1) },
          {
            key: "surveyed",
            label: t("official.point.survey"),
            value: (row) => row.surveyed,
            cell: (row) => t(row.surveyed ? "staff.surveyed" : "staff.notsurveyed"),
          },
          { key: "copy_status", label: t("official.point.copy"), value: (row) => copyWords(row.copy_status), cell: (row) => copyWords(row.copy_status) },
        ],
      }),
      downloads(path),
    );
  } catch (error) {
    showError(message, error, signal);
  }
}

async function provinceTable(section: HTMLElement, scope: Scope, signal: AbortSignal): Promise<void> {
  section.append(h("h2", { id: "provinces-heading" }, t("official.provinces")));
  const message = statusMessage();
  section.append(message);
  const path = scope.ministryId && !scope.departmentId ? `${STATS}/ministries/${encodeURIComponent(scope.ministryId)}/provinces` : `${STATS}/provinces`;
  const query = scope.departmentId ? { department_id: scope.departmentId } : {};
  try {
    const table = await get<Table>(path, query, signal);
    section.append(
      progressTable(t("official.provinces"), t("official.province"), table, (row) => {
        const code = String(row.province_code);
        const label = name(row) || `${t("official.province.unknown")} (${code})`;
        return { id: code, sortName: label, label };
      }),
      downloads(path, query),
    );
  } catch (error) {
    showError(message, error, signal);
  }
}

function dailyPath(scope: Scope): string {
  if (scope.departmentId) return `${STATS}/satisfaction/departments/${encodeURIComponent(scope.departmentId)}/daily`;
  if (scope.ministryId) return `${STATS}/satisfaction/ministries/${encodeURIComponent(scope.ministryId)}/daily`;
  return `${STATS}/satisfaction/nation/daily`;
}

async function satisfactionChart(section: HTMLElement, scope: Scope, signal: AbortSignal): Promise<void> {
  section.append(h("h2", { id: "satisfaction-heading" }, t("official.satisfaction")));
  const message = statusMessage();
  section.append(message);
  try {
    const series = await get<{ days: Day[] }>(dailyPath(scope), { days: 30 }, signal);
    const canvas = h("canvas", { role: "img", "aria-label": `${t("official.satisfaction")}. ${t("official.satisfaction.gaps")}`, height: 260 });
    const labels = series.days.map((d) => d.day.slice(5));
    section.append(
      h("p", { class: "hint" }, t("official.satisfaction.gaps")),
      h("div", { class: "chart" }, canvas),
      // The same figures as a table for screen readers and keyboard users.
      h(
        "details",
        {},
        h("summary", {}, t("official.satisfaction")),
        h(
          "table",
          { class: "data" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("official.day")), h("th", { scope: "col" }, t("chart.average")), h("th", { scope: "col" }, t("chart.count")))),
          h("tbody", {}, series.days.map((d) => h("tr", {}, h("th", { scope: "row" }, d.day), h("td", {}, d.mean === null || !d.ratings ? "–" : formatNumber(d.mean, 2)), h("td", {}, formatNumber(d.ratings))))),
        ),
      ),
    );
    const chart = new Chart(canvas, {
      data: {
        labels,
        datasets: [
          {
            type: "line",
            label: t("chart.average"),
            // A day without ratings has no average: a gap, never a line drawn across it.
            data: series.days.map((d) => (d.ratings ? d.mean : null)),
            yAxisID: "score",
            borderColor: "#12355b",
            backgroundColor: "#12355b",
            spanGaps: false,
          },
          { type: "bar", label: t("chart.count"), data: series.days.map((d) => d.ratings), yAxisID: "count", backgroundColor: "rgba(244, 180, 0, 0.6)" },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          score: { type: "linear", position: "left", min: 1, max: 5 },
          count: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false } },
        },
      },
    });
    signal.addEventListener("abort", () => chart.destroy());
  } catch (error) {
    showError(message, error, signal);
  }
}

/** The units one level down, ranked by fair score, with the caveats that make the ranking fair. */
async function rankingTable(section: HTMLElement, scope: Scope, signal: AbortSignal): Promise<void> {
  section.append(h("h2", { id: "ranking-heading" }, t("official.ranking")));
  const message = statusMessage();
  section.append(message);
  const [level, query, link] = scope.departmentId
    ? ["service-points", { department_id: scope.departmentId }, (id: string) => `/points/${encodeURIComponent(id)}`]
    : scope.ministryId
      ? ["departments", { ministry_id: scope.ministryId }, (id: string) => departmentPath(scope.ministryId as string, id)]
      : ["ministries", {}, (id: string) => ministryPath(id)];
  try {
    const ranking = await get<{ items: Ranked[]; policy: { minimum_ratings_to_rank: number } }>(
      `${STATS}/satisfaction/${level}`,
      { window: "30d", ...query },
      signal,
    );
    section.append(h("p", { class: "hint caveat" }, t("official.ranking.caveat", { min: formatNumber(ranking.policy.minimum_ratings_to_rank) })));
    if (!ranking.items.length) {
      setMessage(message, "info", t("official.ranking.none"));
      return;
    }
    const unitName = (item: Ranked) => name(item) || item.unit_id;
    section.append(
      sortableTable<Ranked>({
        caption: t("official.ranking"),
        className: "ranking",
        rows: ranking.items,
        rowId: (item) => item.unit_id,
        pageSize: RANKS_PER_PAGE,
        columns: [
          { key: "rank", label: t("official.ranking.rank"), value: (item) => item.rank, cell: (item) => (item.rank === null ? "–" : formatNumber(item.rank)) },
          { key: "name", label: t("official.ranking.unit"), rowHeader: true, value: unitName, cell: (item) => h("a", { href: link(item.unit_id) }, unitName(item)) },
          { key: "ratings", label: t("chart.count"), value: (item) => item.ratings, cell: (item) => formatNumber(item.ratings) },
          {
            key: "fair",
            label: t("official.ranking.fair"),
            value: (item) => item.fair_score.score,
            cell: (item) =>
              item.fair_score.rankable
                ? `${formatNumber(item.fair_score.score, 2)} (${formatNumber(item.fair_score.low, 2)}–${formatNumber(item.fair_score.high, 2)})`
                : [
                    h("span", { class: "too-few" }, t("official.ranking.few")),
                    ` (${formatNumber(item.fair_score.low, 2)}–${formatNumber(item.fair_score.high, 2)})`,
                  ],
          },
          { key: "mean", label: t("official.ranking.mean"), value: (item) => item.mean, cell: (item) => (item.mean === null ? "–" : formatNumber(item.mean, 2)) },
        ],
      }),
    );
  } catch (error) {
    showError(message, error, signal);
  }
}

async function reconciliationList(section: HTMLElement, scope: Scope, signal: AbortSignal): Promise<void> {
  section.append(h("h2", { id: "reconciliation-heading" }, t("official.reconciliation")));
  const message = statusMessage();
  section.append(message);
  const query = scope.departmentId ? { department_id: scope.departmentId } : { ministry_id: scope.ministryId };
  try {
    const body = await get<{ days: number; items: Mismatch[] }>(`${STATS}/reconciliation`, query, signal);
    if (!body.items.length) setMessage(message, "info", t("official.reconciliation.none"));
    else {
      const pointName = (m: Mismatch) => m.name_th ?? m.service_point_id;
      const department = (m: Mismatch) =>
        localName({ name_th: m.department_name_th ?? null, name_en: m.department_name_en ?? null }) || m.department_id || "–";
      const province = (m: Mismatch) =>
        localName({ name_th: m.province_name_th ?? null, name_en: m.province_name_en ?? null }) || m.province_code || "–";
      const reports = (m: Mismatch) => m.ratings_asked_for_copy + m.complaints_asked_for_copy;
      section.append(
        sortableTable<Mismatch>({
          caption: t("official.reconciliation"),
          className: "reconciliation",
          rows: body.items,
          rowId: (m) => m.service_point_id,
          pageSize: POINTS_PER_PAGE,
          columns: [
            { key: "name", label: t("staff.point"), rowHeader: true, value: pointName, cell: (m) => h("a", { href: `/points/${encodeURIComponent(m.service_point_id)}` }, pointName(m)) },
            { key: "department", label: t("official.department"), value: department, cell: department },
            { key: "province", label: t("official.province"), value: province, cell: province },
            { key: "reports", label: t("official.reports"), value: reports, cell: (m) => formatNumber(reports(m)) },
            {
              key: "latest",
              label: t("official.reconciliation.latest"),
              value: (m) => m.latest_report_at,
              cell: (m) => (m.latest_report_at ? formatDate(m.latest_report_at) : "–"),
            },
          ],
        }),
      );
    }
    section.append(downloads(`${STATS}/reconciliation`, query));
  } catch (error) {
    showError(message, error, signal);
  }
}
