// Officials: the progress table of seed 004 (nation → ministry → department → points, and by province),
// satisfaction over time, the reconciliation list, and CSV/XLSX downloads of each table.

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

import { errorText, get, url } from "../api";
import { field, h, pageHeading, replaceChildren, setMessage, statusMessage } from "../dom";
import { formatDate, formatNumber, language, t, type MessageKey } from "../i18n";
import { navigate, type PageContext } from "../router";

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

type Counts = Record<(typeof COLUMNS)[number], number>;
type Row = Counts & Record<string, unknown>;

interface Table {
  rows: Row[];
  total: Counts;
}

interface Day {
  day: string;
  ratings: number;
  verified: number;
  mean: number | null;
}

interface Mismatch {
  service_point_id: string;
  name_th: string | null;
  province_code: string | null;
  ratings_asked_for_copy: number;
  complaints_asked_for_copy: number;
  latest_report_at: string | null;
}

const STATS = "/api/stats/v1";

export async function officialPage({ main, params, signal }: PageContext): Promise<void> {
  const ministryId = params[0] ?? null;
  main.append(pageHeading(t("official.title")));
  const ministryInput = h("input", { type: "text", name: "ministry_id", size: 8, value: ministryId ?? "" });
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
  const reconciliation = h("section", { "aria-labelledby": "reconciliation-heading" });
  main.append(progress, satisfaction, provinces, reconciliation);
  await Promise.all([
    ministryId ? departmentsTable(progress, ministryId, signal) : ministriesTable(progress, signal),
    provinceTable(provinces, ministryId, signal),
    satisfactionChart(satisfaction, ministryId, signal),
    reconciliationList(reconciliation, ministryId, signal),
  ]);
}

function name(row: Record<string, unknown>): string {
  const th = row.name_th as string | null | undefined;
  const en = row.name_en as string | null | undefined;
  return (language() === "en" && en) || th || en || "";
}

function downloads(path: string): HTMLElement {
  return h(
    "p",
    { class: "downloads" },
    h("a", { href: url(path, { format: "csv" }), download: "" }, t("official.download.csv")),
    " · ",
    h("a", { href: url(path, { format: "xlsx" }), download: "" }, t("official.download.xlsx")),
  );
}

/** One progress table: a first column naming the unit (a link to drill down where there is one). */
function progressTable(
  caption: string,
  firstColumn: string,
  table: Table,
  unit: (row: Row) => { id: string; label: HTMLElement | string },
): HTMLElement {
  const numbers = (counts: Counts) => COLUMNS.map((c) => h("td", { "data-col": c }, formatNumber(counts[c] ?? 0)));
  return h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    h(
      "table",
      { class: "data progress" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, firstColumn), COLUMNS.map((c) => h("th", { scope: "col" }, t(`col.${c}` as MessageKey))))),
      h(
        "tbody",
        {},
        table.rows.map((row) => {
          const { id, label } = unit(row);
          return h("tr", { "data-row-id": id }, h("th", { scope: "row" }, label), numbers(row));
        }),
      ),
      h("tfoot", {}, h("tr", { "data-row-id": "total" }, h("th", { scope: "row" }, t("official.total")), numbers(table.total))),
    ),
  );
}

async function ministriesTable(section: HTMLElement, signal: AbortSignal): Promise<void> {
  section.append(h("h2", { id: "progress-heading" }, t("official.ministry")));
  const message = statusMessage();
  section.append(message);
  try {
    const table = await get<Table>(`${STATS}/ministries`, {}, signal);
    section.append(
      progressTable(t("official.ministry"), t("official.ministry"), table, (row) => {
        const id = String(row.ministry_id);
        return { id, label: h("a", { href: `/official/ministries/${encodeURIComponent(id)}` }, name(row) || id) };
      }),
      downloads(`${STATS}/ministries`),
    );
  } catch (error) {
    if (!signal.aborted) setMessage(message, "error", errorText(error));
  }
}

async function departmentsTable(section: HTMLElement, ministryId: string, signal: AbortSignal): Promise<void> {
  const heading = h("h2", { id: "progress-heading" }, `${t("official.ministry")} ${ministryId}`);
  const message = statusMessage();
  const points = h("div", { class: "drilldown", "aria-live": "polite" });
  section.append(heading, message);
  const path = `${STATS}/ministries/${encodeURIComponent(ministryId)}/departments`;
  try {
    const table = await get<Table & { name_th?: string | null; name_en?: string | null }>(path, {}, signal);
    if (table.name_th) heading.textContent = name(table as unknown as Record<string, unknown>);
    section.append(
      progressTable(`${t("official.department")} — ${heading.textContent}`, t("official.department"), table, (row) => {
        const id = String(row.department_id);
        return {
          id,
          label: h(
            "button",
            { type: "button", class: "link-button", "aria-controls": "drilldown", onclick: () => void departmentPoints(points, id, name(row) || id, signal) },
            name(row) || id,
          ),
        };
      }),
      downloads(path),
      points,
    );
    points.id = "drilldown";
  } catch (error) {
    if (!signal.aborted) setMessage(message, "error", errorText(error));
  }
}

async function departmentPoints(container: HTMLElement, departmentId: string, label: string, signal: AbortSignal): Promise<void> {
  const message = statusMessage();
  replaceChildren(container, h("h3", { tabindex: -1 }, `${t("official.points")}: ${label}`), message);
  (container.firstElementChild as HTMLElement).focus();
  const path = `${STATS}/departments/${encodeURIComponent(departmentId)}/service-points`;
  try {
    const table = await get<Table>(path, {}, signal);
    container.append(
      progressTable(`${t("official.points")}: ${label}`, t("staff.point"), table, (row) => {
        const id = String(row.service_point_id);
        return { id, label: h("a", { href: `/points/${encodeURIComponent(id)}` }, name(row) || id) };
      }),
      downloads(path),
    );
  } catch (error) {
    if (!signal.aborted) setMessage(message, "error", errorText(error));
  }
}

async function provinceTable(section: HTMLElement, ministryId: string | null, signal: AbortSignal): Promise<void> {
  section.append(h("h2", { id: "provinces-heading" }, t("official.provinces")));
  const message = statusMessage();
  section.append(message);
  const path = ministryId ? `${STATS}/ministries/${encodeURIComponent(ministryId)}/provinces` : `${STATS}/provinces`;
  try {
    const table = await get<Table>(path, {}, signal);
    const details = h(
      "details",
      {},
      h("summary", {}, `${t("official.provinces")} (${formatNumber(table.rows.length)})`),
      progressTable(t("official.provinces"), t("official.province"), table, (row) => {
        const code = String(row.province_code);
        const label = name(row);
        return { id: code, label: label ? `${label} (${code})` : code };
      }),
      downloads(path),
    );
    section.append(details);
  } catch (error) {
    if (!signal.aborted) setMessage(message, "error", errorText(error));
  }
}

async function satisfactionChart(section: HTMLElement, ministryId: string | null, signal: AbortSignal): Promise<void> {
  section.append(h("h2", { id: "satisfaction-heading" }, t("official.satisfaction")));
  const message = statusMessage();
  section.append(message);
  const path = ministryId ? `${STATS}/satisfaction/ministries/${encodeURIComponent(ministryId)}/daily` : `${STATS}/satisfaction/nation/daily`;
  try {
    const series = await get<{ days: Day[] }>(path, { days: 30 }, signal);
    const canvas = h("canvas", { role: "img", "aria-label": t("official.satisfaction"), height: 260 });
    const labels = series.days.map((d) => d.day.slice(5));
    section.append(
      h("div", { class: "chart" }, canvas),
      // The same figures as a table for screen readers and keyboard users.
      h(
        "details",
        {},
        h("summary", {}, t("official.satisfaction")),
        h(
          "table",
          { class: "data" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "วันที่ / Day"), h("th", { scope: "col" }, t("chart.average")), h("th", { scope: "col" }, t("chart.count")))),
          h("tbody", {}, series.days.map((d) => h("tr", {}, h("th", { scope: "row" }, d.day), h("td", {}, d.mean === null ? "–" : formatNumber(d.mean, 2)), h("td", {}, formatNumber(d.ratings))))),
        ),
      ),
    );
    const chart = new Chart(canvas, {
      data: {
        labels,
        datasets: [
          { type: "line", label: t("chart.average"), data: series.days.map((d) => d.mean), yAxisID: "score", borderColor: "#12355b", backgroundColor: "#12355b", spanGaps: true },
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
    if (!signal.aborted) setMessage(message, "error", errorText(error));
  }
}

async function reconciliationList(section: HTMLElement, ministryId: string | null, signal: AbortSignal): Promise<void> {
  section.append(h("h2", { id: "reconciliation-heading" }, t("official.reconciliation")));
  const message = statusMessage();
  section.append(message);
  try {
    const body = await get<{ days: number; items: Mismatch[] }>(`${STATS}/reconciliation`, { ministry_id: ministryId }, signal);
    if (!body.items.length) {
      setMessage(message, "info", t("official.reconciliation.none"));
      return;
    }
    section.append(
      h(
        "ul",
        { class: "reconciliation" },
        body.items.map((m) =>
          h(
            "li",
            {},
            h("a", { href: `/points/${encodeURIComponent(m.service_point_id)}` }, m.name_th ?? m.service_point_id),
            ` — ${t("official.reports")}: ${formatNumber(m.ratings_asked_for_copy + m.complaints_asked_for_copy)}`,
            m.latest_report_at ? ` (${formatDate(m.latest_report_at)})` : "",
          ),
        ),
      ),
    );
  } catch (error) {
    if (!signal.aborted) setMessage(message, "error", errorText(error));
  }
}

