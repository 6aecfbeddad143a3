// Agency staff at the counter: open a card session on a reader, wait for the read, show the card's
// released fields and the citizen's one-time rating link (also as a QR code for their phone).

import QRCode from "qrcode";

import { errorText, get, post } from "../api";
import { field, h, pageHeading, replaceChildren, setMessage, statusMessage } from "../dom";
import { hasMessage, localName, t, type MessageKey } from "../i18n";
import { normalizePoint } from "../points";
import type { PageContext } from "../router";
import { foreignPointNotice, requireSession } from "./staff";

const POLL_INTERVAL_MS = 1000;
const PURPOSES = [
  ["identity_check", "ตรวจสอบตัวตน", "Identity check"],
  ["registration", "กรอกแบบฟอร์ม (รวมที่อยู่)", "Registration (with address)"],
  ["verified_visit", "ยืนยันการมาใช้บริการเท่านั้น", "Proof of visit only"],
] as const;

interface Reader {
  reader_id: string;
  name: string;
  card_present: boolean;
}

interface CardSession {
  session_id: string;
  status: "waiting" | "read" | "failed" | string;
  card?: Record<string, string | null> | null;
  error_th?: string | null;
  error?: string | null;
  verified_online?: boolean | null;
  visit_token?: string | null;
}

export async function counterPage({ main, params, signal }: PageContext): Promise<void> {
  if (!requireSession(main)) return;
  const pointId = params[0];
  const heading = pageHeading(t("counter.title"));
  main.append(heading);
  try {
    const point = normalizePoint(await get(`/api/pin/v1/service-points/${encodeURIComponent(pointId)}`, {}, signal));
    heading.textContent = `${t("counter.title")}: ${localName(point)}`;
    if ((point as { may_edit?: boolean }).may_edit === false) {
      main.append(foreignPointNotice(point));
      return;
    }
  } catch {
    // The reader list below is what matters here.
  }
  const message = statusMessage();
  const result = h("div", { class: "card-result", "aria-live": "polite" });
  main.append(message, result);
  let readers: Reader[];
  try {
    readers = (await get<{ items: Reader[] }>("/api/card/v1/readers", { service_point_id: pointId }, signal)).items;
  } catch (error) {
    if (!signal.aborted) setMessage(message, "error", errorText(error));
    return;
  }
  if (!readers.length) {
    setMessage(message, "info", t("counter.noreaders"));
    return;
  }
  const readerSelect = h(
    "select",
    { name: "reader_id" },
    readers.map((r) => h("option", { value: r.reader_id }, r.name, r.card_present ? ` (${t("counter.card.present")})` : "")),
  );
  const purposeSelect = h(
    "select",
    { name: "purpose" },
    PURPOSES.map(([value, th, en]) => h("option", { value }, document.documentElement.lang === "en" ? en : th)),
  );
  const start = h("button", { type: "submit" }, t("counter.start"));
  main.insertBefore(
    h(
      "form",
      {
        class: "inline-form",
        onsubmit: async (event: Event) => {
          event.preventDefault();
          start.disabled = true;
          replaceChildren(result);
          try {
            const opened = await post<CardSession>("/api/card/v1/sessions", { reader_id: readerSelect.value, purpose: purposeSelect.value });
            setMessage(message, "info", t("counter.waiting"));
            await follow(opened.session_id, pointId, message, result, signal);
          } catch (error) {
            if (!signal.aborted) setMessage(message, "error", errorText(error));
          } finally {
            start.disabled = false;
          }
        },
      },
      field(t("counter.reader"), readerSelect),
      field("Purpose / วัตถุประสงค์", purposeSelect),
      start,
    ),
    message,
  );
}

async function follow(sessionId: string, pointId: string, message: HTMLElement, result: HTMLElement, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const current = await get<CardSession>(`/api/card/v1/sessions/${encodeURIComponent(sessionId)}`, {}, signal);
    if (current.status === "waiting") {
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      continue;
    }
    if (current.status !== "read") {
      setMessage(message, "error", t("counter.failed"), current.error_th || current.error ? `: ${current.error_th ?? current.error}` : "");
      return;
    }
    setMessage(message, "success", t("counter.read"));
    const card = current.card ?? {};
    const rows = Object.entries(card).filter(([name, value]) => value && name !== "photo_jpeg");
    const link = current.visit_token ? `${location.origin}/points/${encodeURIComponent(pointId)}?visit_token=${encodeURIComponent(current.visit_token)}` : null;
    const qr = h("canvas", { class: "qr", role: "img", "aria-label": t("counter.visit") });
    replaceChildren(
      result,
      h(
        "dl",
        { class: "facts" },
        rows.map(([name, value]) => [h("dt", {}, hasMessage(`card.${name}`) ? t(`card.${name}` as MessageKey) : name), h("dd", {}, String(value))]),
      ),
      link ? h("section", {}, h("h2", {}, t("counter.visit")), qr, h("p", {}, h("a", { href: link, class: "visit-link" }, link))) : null,
    );
    if (link) await QRCode.toCanvas(qr, link, { width: 220, margin: 1 });
    return;
  }
}
