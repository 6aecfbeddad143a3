// Officials: complaints awaiting an answer and those past their category's target time, per ministry
// or department (stats-service GET /complaints/deadlines, counted at the moment of asking).
// Wired into the officials' page by official.ts:
//   const overdue = h("section", { "aria-labelledby": "complaints-overdue-heading" });
//   main.append(..., overdue);  await complaintsOverdueSection(overdue, scope, signal);

import { errorText, get } from "../api";
import { h, setMessage, statusMessage } from "../dom";
import { formatDate, formatNumber, localName, t } from "../i18n";

const STATS = "/api/stats/v1";

export interface ComplaintsOverdueScope {
  ministryId: string | null;
  departmentId: string | null;
}

interface UnitDeadlines {
  id: string;
  name_th: string | null;
  name_en: string | null;
  open: number;
  overdue: number;
}

export interface ComplaintDeadlines {
  open: number;
  overdue: number;
  ministries: UnitDeadlines[];
  departments: UnitDeadlines[];
  as_of: string;
}

/** The table: one row per unit, most overdue first (as the service orders them). */
export function complaintsOverdueTable(body: ComplaintDeadlines, level: "ministry" | "department"): HTMLElement {
  const rows = level === "ministry" ? body.ministries : body.departments;
  const unitLabel = t(level === "ministry" ? "deadlines.unit.ministry" : "deadlines.unit.department");
  return h(
    "table",
    { class: "complaints-overdue" },
    h("caption", {}, t("deadlines.title")),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, unitLabel), h("th", { scope: "col" }, t("deadlines.open")), h("th", { scope: "col" }, t("deadlines.overdue"))),
    ),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          { "data-unit": row.id, "data-overdue": row.overdue > 0 ? "true" : "false" },
          h("th", { scope: "row" }, `${localName(row) || row.id} (${row.id})`),
          h("td", { class: "number" }, formatNumber(row.open)),
          h("td", { class: "number" }, row.overdue > 0 ? h("strong", {}, formatNumber(row.overdue)) : formatNumber(row.overdue)),
        ),
      ),
    ),
  );
}

/** Fills `section` with the heading, the national/ministry/department totals and the per-unit table. */
export async function complaintsOverdueSection(section: HTMLElement, scope: ComplaintsOverdueScope, signal: AbortSignal): Promise<void> {
  section.append(h("h2", { id: "complaints-overdue-heading" }, t("deadlines.title")));
  const message = statusMessage();
  section.append(message);
  setMessage(message, "info", t("loading"));
  const query = scope.departmentId ? { department_id: scope.departmentId } : { ministry_id: scope.ministryId };
  try {
    const body = await get<ComplaintDeadlines>(`${STATS}/complaints/deadlines`, query, signal);
    if (signal.aborted) return;
    message.replaceChildren();
    if (!body.open) {
      setMessage(message, "info", t("deadlines.none"));
      return;
    }
    section.append(
      h(
        "p",
        { class: "complaints-overdue-summary" },
        t("deadlines.summary", { open: formatNumber(body.open), overdue: formatNumber(body.overdue) }),
        ` (${formatDate(body.as_of)})`,
      ),
    );
    if (!scope.departmentId) section.append(complaintsOverdueTable(body, scope.ministryId ? "department" : "ministry"));
  } catch (error) {
    if (signal.aborted) return;
    setMessage(message, "error", errorText(error));
  }
}
