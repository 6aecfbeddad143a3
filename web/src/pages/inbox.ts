// Agency staff: one inbox for their department — its points' ratings (with comments, to reply to) and
// complaints, newest first, by point and kind, paged. Complaints come as the publication policy shows
// them to the department: never a tracking code, and nothing about who filed a protected complaint.
// Complaints past their target time come first (the service orders them), flagged with how late.

import { errorText, get } from "../api";
import { session } from "../auth";
import { append, field, h, pageHeading, replaceChildren, setMessage, statusMessage } from "../dom";
import { formatDate, formatNumber, hasMessage, localName, t, type MessageKey } from "../i18n";
import { navigate, type PageContext } from "../router";
import { ratingItem, requireSession, type RatingView } from "./staff";

const PAGE_SIZE = 20;

interface InboxComplaint {
  public_id: string;
  category: string;
  category_th: string;
  category_en: string;
  service_point_id: string;
  status: string;
  status_note: string | null;
  description: string | null;
  contact: { phone?: string | null; email?: string | null } | null;
  author_protected: boolean;
  filed_at: string;
  due_at?: string | null;
  overdue?: boolean;
  late_by_hours?: number | null;
}

interface InboxItem {
  kind: "rating" | "complaint";
  at: string;
  service_point_id: string;
  rating?: RatingView;
  complaint?: InboxComplaint;
}

interface InboxPage {
  total: number;
  overdue?: number;
  items: InboxItem[];
}

/** "Overdue · 3 d 4 h late": the flag staff see first on a complaint past its target time. */
function overdueFlag(complaint: InboxComplaint): HTMLElement | null {
  if (!complaint.overdue) return null;
  const hours = complaint.late_by_hours ?? 0;
  return h(
    "p",
    { class: "overdue-flag" },
    h("span", { class: "badge badge-required" }, t("inbox.overdue")),
    " ",
    h("strong", {}, t("inbox.late", { days: formatNumber(Math.floor(hours / 24)), hours: formatNumber(hours % 24) })),
    complaint.due_at ? ` · ${t("inbox.due")}: ${formatDate(complaint.due_at)}` : "",
  );
}

interface PointName {
  id: string;
  name_th: string | null;
  name_en: string | null;
}

function complaintItem(complaint: InboxComplaint, pointName: string): HTMLElement {
  const category = `category.${complaint.category}`;
  const status = `complaint.status.${complaint.status}`;
  const contact = complaint.contact && (complaint.contact.phone || complaint.contact.email);
  return h(
    "li",
    { class: "card inbox-complaint", "data-kind": "complaint", "data-overdue": complaint.overdue ? "true" : "false" },
    overdueFlag(complaint),
    h(
      "p",
      {},
      h("span", { class: "badge badge-required" }, t("inbox.complaint")),
      " ",
      h("strong", {}, hasMessage(category) ? t(category as MessageKey) : complaint.category_th),
      " · ",
      hasMessage(status) ? t(status as MessageKey) : complaint.status,
      " · ",
      formatDate(complaint.filed_at),
    ),
    h("p", { class: "muted" }, pointName),
    !complaint.overdue && complaint.due_at ? h("p", { class: "muted" }, `${t("inbox.due")}: ${formatDate(complaint.due_at)}`) : null,
    complaint.description ? h("blockquote", {}, complaint.description) : null,
    complaint.status_note ? h("p", {}, complaint.status_note) : null,
    contact
      ? h("p", {}, h("strong", {}, `${t("inbox.contact")}: `), [complaint.contact?.phone, complaint.contact?.email].filter(Boolean).join(" · "))
      : null,
    complaint.author_protected ? h("p", { class: "muted" }, t("inbox.protected")) : null,
  );
}

export async function inboxPage({ main, query, signal }: PageContext): Promise<void> {
  if (!requireSession(main)) return;
  const account = session()!;
  const departmentId = query.get("department_id") ?? account.departmentId ?? "";
  const pointId = query.get("service_point_id") ?? "";
  const kind = query.get("kind") ?? "";
  const overdueOnly = query.get("overdue") === "true";
  const pageNumber = Math.max(1, Number.parseInt(query.get("page") ?? "1", 10) || 1);
  const message = statusMessage();
  const summary = h("p", { class: "list-summary", "aria-live": "polite" });
  const list = h("ol", { class: "feedback inbox" });
  const pager = h("nav", { class: "pager", "aria-label": t("stafflist.pages") });
  const pointSelect = h("select", { name: "service_point_id" }, h("option", { value: "" }, t("inbox.point.any")));
  const kindSelect = h(
    "select",
    { name: "kind" },
    (
      [
        ["", "inbox.kind.any"],
        ["rating", "inbox.kind.rating"],
        ["complaint", "inbox.kind.complaint"],
      ] as const
    ).map(([value, label]) => h("option", { value, selected: value === kind }, t(label))),
  );
  const overdueBox = h("input", { type: "checkbox", name: "overdue", id: "inbox-overdue", checked: overdueOnly });
  const url = (changes: Record<string, string>) => {
    const params = new URLSearchParams({ department_id: departmentId, service_point_id: pointId, kind, overdue: overdueOnly ? "true" : "" });
    for (const [key, value] of Object.entries(changes)) params.set(key, value);
    for (const [key, value] of [...params]) if (!value || (key === "page" && value === "1")) params.delete(key);
    return `/staff/inbox?${params.toString()}`;
  };
  append(main, [
    pageHeading(t("inbox.title")),
    h("p", {}, h("a", { href: `/staff?department_id=${encodeURIComponent(departmentId)}` }, t("foreign.back"))),
    departmentId
      ? h(
          "form",
          {
            class: "inline-form list-filters",
            onsubmit: (event: Event) => {
              event.preventDefault();
              const overdue = overdueBox.checked ? "true" : "";
              // Overdue applies to complaints only.
              navigate(url({ service_point_id: pointSelect.value, kind: overdue ? "complaint" : kindSelect.value, overdue, page: "1" }));
            },
          },
          field(t("inbox.point"), pointSelect),
          field(t("inbox.kind"), kindSelect),
          h("div", { class: "choice" }, overdueBox, h("label", { for: "inbox-overdue" }, t("inbox.overdue.filter"))),
          h("button", { type: "submit" }, t("inbox.show")),
        )
      : null,
    message,
    summary,
    list,
    pager,
  ]);
  if (!departmentId) return;
  if (account.role !== "admin" && account.departmentId !== departmentId) {
    setMessage(
      message,
      "error",
      h("strong", {}, t("foreign.title")),
      " ",
      t("foreign.detail", { department: departmentId, mine: account.departmentId ?? "–" }),
    );
    return;
  }
  setMessage(message, "info", t("loading"));
  const department = encodeURIComponent(departmentId);
  const [points, inbox] = await Promise.allSettled([
    get<{ items: PointName[] }>(`/api/pin/v1/departments/${department}/service-points`, { limit: 1000 }, signal),
    get<InboxPage>(
      `/api/feedback/v1/departments/${department}/inbox`,
      {
        service_point_id: pointId,
        kind: overdueOnly ? "complaint" : kind,
        ...(overdueOnly && { overdue: "true" }),
        limit: PAGE_SIZE,
        offset: (pageNumber - 1) * PAGE_SIZE,
      },
      signal,
    ),
  ]);
  if (signal.aborted) return;
  const names = new Map<string, string>();
  if (points.status === "fulfilled") {
    for (const point of points.value.items) {
      names.set(point.id, localName(point) || point.id);
      pointSelect.append(h("option", { value: point.id, selected: point.id === pointId }, `${localName(point) || point.id} (${point.id})`));
    }
  }
  if (pointId && !names.has(pointId)) pointSelect.append(h("option", { value: pointId, selected: true }, pointId));
  if (inbox.status === "rejected") {
    setMessage(message, "error", errorText(inbox.reason));
    return;
  }
  message.replaceChildren();
  const { total, items } = inbox.value;
  const overdueCount = inbox.value.overdue ?? 0;
  const first = (pageNumber - 1) * PAGE_SIZE + 1;
  replaceChildren(
    summary,
    items.length
      ? t("inbox.count", { from: formatNumber(first), to: formatNumber(first + items.length - 1), total: formatNumber(total) })
      : t("inbox.none"),
    overdueCount ? [" · ", h("strong", { class: "overdue-count" }, t("inbox.overdue.count", { count: formatNumber(overdueCount) }))] : null,
  );
  const pointLabel = (id: string) => `${t("inbox.point")}: ${names.get(id) ?? id} (${id})`;
  replaceChildren(
    list,
    items.map((item) => {
      if (item.kind === "complaint" && item.complaint) return complaintItem(item.complaint, pointLabel(item.service_point_id));
      const card = ratingItem(item.rating!);
      card.dataset.kind = "rating";
      card.insertBefore(h("p", { class: "muted" }, pointLabel(item.service_point_id)), card.children[1] ?? null);
      card.firstElementChild?.prepend(h("span", { class: "badge badge-cancelled" }, t("inbox.rating")), " ");
      return card;
    }),
  );
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  replaceChildren(
    pager,
    pageNumber > 1 ? h("a", { href: url({ page: String(pageNumber - 1) }), rel: "prev" }, t("stafflist.prev")) : null,
    h("span", { "aria-current": "page" }, t("stafflist.page", { page: formatNumber(pageNumber), pages: formatNumber(pages) })),
    pageNumber < pages ? h("a", { href: url({ page: String(pageNumber + 1) }), rel: "next" }, t("stafflist.next")) : null,
  );
}
