// The visible queue on the staff pages (issue 22): what waits to be sent, since when, its state; a
// conflict shows both pins and lets the staff member send theirs anyway or discard it.

import { session } from "../auth";
import { h, replaceChildren, type Child } from "../dom";
import { formatDate, formatNumber, t } from "../i18n";
import { discard, flush, onQueueChange, queued, sendAnyway, type PinRecord, type QueuedItem } from "./queue";

function coordinates(pin: { lat: number; lon: number }): string {
  return `${pin.lat.toFixed(6)}, ${pin.lon.toFixed(6)}`;
}

function pinDetails(label: string, pin: PinRecord | null | undefined, className: string): HTMLElement {
  return h(
    "div",
    { class: `queue-pin ${className}` },
    h("dt", {}, label),
    h(
      "dd",
      {},
      pin
        ? [
            coordinates(pin),
            pin.pinned_by || pin.pinned_at
              ? [" · ", t("offline.pin.by", { user: pin.pinned_by ?? "–", date: pin.pinned_at ? formatDate(pin.pinned_at) : "–" })]
              : null,
          ]
        : t("offline.basedon.none"),
    ),
  );
}

function stateBadge(item: QueuedItem): HTMLElement {
  const kind = item.state === "conflict" || item.state === "refused" ? "required" : item.state === "signin" ? "in_progress" : "cancelled";
  return h("span", { class: `badge badge-${kind} queue-state` }, t(`offline.state.${item.state}`));
}

function itemView(item: QueuedItem, refresh: () => void): HTMLElement {
  const account = session();
  const theirs = account && item.username && item.username !== account.username;
  const actions: Child[] = [];
  if (item.kind === "pin" && item.state === "conflict") {
    actions.push(
      h("button", { type: "button", class: "send-anyway", onclick: () => void sendAnyway(item.id).then(refresh) }, t("offline.sendanyway")),
    );
  }
  if (item.state === "conflict" || item.state === "refused" || item.state === "signin" || item.state === "waiting") {
    actions.push(
      h("button", { type: "button", class: "secondary discard", onclick: () => void discard(item.id) }, t("offline.discard")),
    );
  }
  return h(
    "li",
    { class: "card queue-item", "data-kind": item.kind, "data-state": item.state, "data-point-id": item.service_point_id },
    h(
      "p",
      {},
      h("strong", {}, `${t(item.kind === "pin" ? "offline.kind.pin" : "offline.kind.survey")}: ${item.point_name}`),
      " ",
      h("span", { class: "muted" }, item.service_point_id),
    ),
    h(
      "p",
      {},
      stateBadge(item),
      " · ",
      t("offline.since", { date: formatDate(item.created_at) }),
      item.attempts ? [" · ", t("offline.attempts", { n: formatNumber(item.attempts) })] : null,
    ),
    theirs ? h("p", { class: "muted" }, t("offline.other", { user: item.username })) : null,
    item.kind === "pin" && item.state === "conflict"
      ? h(
          "dl",
          { class: "queue-conflict" },
          pinDetails(t("offline.yours"), { ...item.body, pin_id: "", pinned_by: item.username, pinned_at: item.created_at }, "queue-pin-mine"),
          item.based_on !== undefined ? pinDetails(t("offline.basedon"), item.based_on, "queue-pin-seen") : null,
          pinDetails(t("offline.current"), item.current_pin, "queue-pin-current"),
        )
      : item.kind === "pin"
        ? h("p", { class: "muted" }, coordinates(item.body))
        : null,
    item.state === "refused" && item.problem ? h("p", { class: "message message-error" }, item.problem) : null,
    item.state === "signin" && !account ? h("p", {}, h("a", { href: "/staff" }, t("offline.signin"))) : null,
    actions.length ? h("div", { class: "actions" }, actions) : null,
  );
}

/**
 * The queue panel; it follows the queue and the connection until the page is left. Shown while anything
 * waits or the phone is offline; once the last item is sent it says so.
 */
export function queuePanel(signal: AbortSignal): HTMLElement {
  const panel = h("section", { class: "offline-queue", "aria-labelledby": "offline-queue-title", hidden: true });
  const status = h("p", { class: "queue-connection", role: "status", "aria-live": "polite" });
  const list = h("div", {});
  let hadItems = false;
  let renderId = 0;
  const refresh = async () => {
    const id = ++renderId;
    const items = await queued();
    if (id !== renderId || signal.aborted) return;
    const online = navigator.onLine;
    hadItems ||= items.length > 0;
    panel.hidden = !items.length && online && !hadItems;
    status.className = `queue-connection message message-${online ? "info" : "warning"}`;
    replaceChildren(status, online ? t("offline.status.online") : t("offline.status.offline"));
    const waiting = items.some((i) => i.state === "waiting");
    replaceChildren(
      list,
      items.length
        ? h("ol", { class: "queue-items" }, items.map((item) => itemView(item, () => void refresh())))
        : h("p", { class: "queue-empty" }, t("offline.empty")),
      waiting && online && session()
        ? h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => void flush() }, t("offline.retry")))
        : null,
    );
  };
  panel.append(h("h2", { id: "offline-queue-title" }, t("offline.title")), status, list);
  onQueueChange(() => void refresh(), signal);
  window.addEventListener("online", () => void refresh(), { signal });
  window.addEventListener("offline", () => void refresh(), { signal });
  void refresh();
  return panel;
}
