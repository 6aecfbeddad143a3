// Errors on the citizens' pages: in the reader's language (never the service's raw text), with a way on.

import { ApiError, NetworkError } from "../api";
import { h } from "../dom";
import { t, type MessageKey } from "../i18n";

function errorKey(error: unknown): MessageKey {
  if (error instanceof NetworkError) return "error.network";
  if (error instanceof ApiError) {
    if (error.notAvailable) return "error.unavailable";
    if (error.status === 404) return "citizen.error.point.notfound";
    if (error.status === 400 || error.status === 409 || error.status === 422) return "citizen.error.invalid";
    if (error.status === 429) return "citizen.error.busy";
    if (error.status >= 500) return "citizen.error.down";
  }
  return "citizen.error.generic";
}

/** One sentence in the chosen language for any failure. */
export function citizenErrorText(error: unknown): string {
  return t(errorKey(error));
}

/** The link every citizen error offers: back to search. */
export function backToSearch(): HTMLElement {
  return h("a", { href: "/", class: "error-way-on" }, t("citizen.error.back"));
}
