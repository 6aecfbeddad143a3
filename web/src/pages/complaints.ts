// Citizens: file a complaint about a point (sent on to the national complaint system) and track it by code.

import { get, post, ApiError } from "../api";
import { field, h, pageHeading, replaceChildren, setMessage, statusMessage } from "../dom";
import { formatDate, hasMessage, localName, t, type MessageKey } from "../i18n";
import { normalizePoint } from "../points";
import { navigate, type PageContext } from "../router";
import { backToSearch, citizenErrorText } from "./citizen-errors";

const CATEGORIES = [
  "asked_for_copy",
  "waiting_time",
  "staff_conduct",
  "wrong_information",
  "fees",
  "corruption",
  "facilities",
  "other",
] as const;

interface ComplaintStatus {
  status: string;
  tracking_code?: string;
  history: { status: string; note?: string | null; changed_at?: string }[];
  due_at?: string | null;
  overdue?: boolean;
  reopen?: { allowed: boolean; until: string | null; reopens_left: number } | null;
}

const REOPEN_REFUSALS = ["window_passed", "too_many_reopens", "not_answered"] as const;

/** Why a reopening was refused, in the reader's language (the service's reason code, never its text). */
function reopenErrorText(error: unknown): string {
  if (error instanceof ApiError && error.status === 409) {
    const reason = (error.problem as { reason?: unknown } | null)?.reason;
    const known = REOPEN_REFUSALS.find((r) => r === reason);
    if (known) return t(`reopen.refused.${known}`);
  }
  return citizenErrorText(error);
}

/** The reopen form for an answered complaint still inside its window (anonymous: the code is the proof). */
function reopenForm(code: string, complaint: ComplaintStatus, reload: () => void): HTMLElement | null {
  const reopen = complaint.reopen;
  if (!reopen?.allowed || !reopen.until) return null;
  const reasonId = "reopen-reason";
  const hintId = "reopen-hint";
  const reason = h("textarea", { id: reasonId, name: "reason", required: true, maxlength: 1000, rows: 4, "aria-describedby": hintId });
  const message = statusMessage();
  const submit = h("button", { type: "submit" }, t("reopen.submit"));
  return h(
    "form",
    {
      class: "reopen",
      onsubmit: async (event: Event) => {
        event.preventDefault();
        if (!reason.value.trim()) return;
        submit.disabled = true;
        try {
          // The service redacts id numbers, phones and e-mail addresses from the reason before storing it.
          await post(`/api/feedback/v1/complaints/${encodeURIComponent(code)}:reopen`, { reason: reason.value.trim() });
          reload(); // the page again, with the new status and the notice on top
        } catch (error) {
          submit.disabled = false;
          setMessage(message, "error", reopenErrorText(error));
        }
      },
    },
    h("h2", {}, t("reopen.title")),
    h("label", { for: reasonId }, t("reopen.reason")),
    h("p", { id: hintId, class: "muted" }, t("reopen.hint", { until: formatDate(reopen.until), left: reopen.reopens_left })),
    reason,
    submit,
    message,
  );
}

export async function complaintPage({ main, params, signal }: PageContext): Promise<void> {
  const pointId = params[0];
  const heading = pageHeading(t("complaint.title"));
  main.append(heading);
  try {
    const point = normalizePoint(await get(`/api/pin/v1/service-points/${encodeURIComponent(pointId)}`, {}, signal));
    heading.textContent = `${t("complaint.title")}: ${localName(point)}`;
  } catch {
    // The form still works with the id alone.
  }
  const category = h(
    "select",
    { name: "category", required: true },
    // No subject chosen for the citizen: a preselected one would bias what is reported.
    h("option", { value: "", selected: true }, t("citizen.complaint.choose")),
    CATEGORIES.map((c) => h("option", { value: c }, t(`category.${c}` as MessageKey))),
  );
  const description = h("textarea", { name: "description", required: true, maxlength: 2000, rows: 5 });
  const consent = h("input", { type: "checkbox", name: "consent_to_contact", id: "complaint-consent" });
  const phone = h("input", { type: "tel", name: "phone", autocomplete: "tel" });
  const email = h("input", { type: "email", name: "email", autocomplete: "email" });
  const contact = h("div", { class: "contact", hidden: true }, field(t("complaint.phone"), phone), field(t("complaint.email"), email));
  consent.addEventListener("change", () => {
    contact.hidden = !consent.checked;
  });
  const message = statusMessage();
  const submit = h("button", { type: "submit" }, t("complaint.submit"));
  const form = h(
    "form",
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const body: Record<string, unknown> = {
          service_point_id: pointId,
          category: category.value,
          description: description.value.trim(),
          consent_to_contact: consent.checked,
        };
        if (consent.checked && (phone.value.trim() || email.value.trim())) {
          body.contact = { ...(phone.value.trim() && { phone: phone.value.trim() }), ...(email.value.trim() && { email: email.value.trim() }) };
        }
        submit.disabled = true;
        try {
          const filed = await post<{ complaint_id: string; tracking_code: string }>("/api/feedback/v1/complaints", body);
          form.replaceWith(
            h(
              "div",
              { class: "message message-success", role: "status" },
              h("p", {}, t("complaint.filed"), " ", h("strong", { class: "tracking-code" }, filed.tracking_code)),
              h("p", {}, t("complaint.keep"), " — ", h("a", { href: `/complaints/${encodeURIComponent(filed.tracking_code)}` }, t("track.title"))),
            ),
          );
        } catch (error) {
          submit.disabled = false;
          setMessage(message, "error", citizenErrorText(error));
        }
      },
    },
    field(t("complaint.category"), category),
    field(t("complaint.description"), description),
    h("div", { class: "choice" }, consent, h("label", { for: "complaint-consent" }, t("complaint.consent"))),
    contact,
    submit,
    message,
  );
  main.append(form);
}

export async function trackPage({ main, params, signal }: PageContext): Promise<void> {
  const code = h("input", { type: "text", name: "tracking_code", required: true, autocomplete: "off", value: params[0] ?? "" });
  const result = h("div", { "aria-live": "polite" });
  main.append(
    pageHeading(t("track.title")),
    h(
      "form",
      {
        class: "inline-form",
        onsubmit: (event: Event) => {
          event.preventDefault();
          if (code.value.trim()) navigate(`/complaints/${encodeURIComponent(code.value.trim())}`);
        },
      },
      field(t("track.code"), code),
      h("button", { type: "submit" }, t("track.submit")),
    ),
    result,
  );
  if (!params[0]) return;
  const message = statusMessage();
  result.append(message);
  setMessage(message, "info", t("loading"));
  const show = async (notice?: HTMLElement) => {
    const complaint = await get<ComplaintStatus>(`/api/feedback/v1/complaints/${encodeURIComponent(params[0])}`, {}, signal);
    const label = (s: string) => (hasMessage(`complaint.status.${s}`) ? t(`complaint.status.${s}` as MessageKey) : s);
    replaceChildren(
      result,
      notice ?? null,
      h("p", {}, `${t("track.status")}: `, h("strong", {}, label(complaint.status))),
      complaint.due_at
        ? h(
            "p",
            { class: complaint.overdue ? "overdue" : "due" },
            `${t("track.due")}: ${formatDate(complaint.due_at)}`,
            complaint.overdue ? [" ", h("span", { class: "badge badge-required" }, t("track.overdue"))] : null,
          )
        : null,
      h("h2", {}, t("track.history")),
      h(
        "ol",
        { class: "history" },
        complaint.history.map((entry) =>
          h("li", {}, entry.changed_at ? `${formatDate(entry.changed_at)} — ` : "", label(entry.status), entry.note ? `: ${entry.note}` : ""),
        ),
      ),
      reopenForm(params[0], complaint, () => {
        const done = statusMessage("success");
        setMessage(done, "success", t("reopen.done"));
        void show(done).catch((error) => {
          result.prepend(message);
          setMessage(message, "error", citizenErrorText(error));
        });
      }),
    );
  };
  try {
    await show();
  } catch (error) {
    if (signal.aborted) return;
    const missing = error instanceof ApiError && error.status === 404 && !error.notAvailable;
    setMessage(message, "error", missing ? t("track.notfound") : citizenErrorText(error), " ", backToSearch());
  }
}
