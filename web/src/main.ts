import "leaflet/dist/leaflet.css";
import "./fonts.css";
import "./styles.css";

import { session, signOut } from "./auth";
import { loadConfig } from "./config";
import { h, replaceChildren } from "./dom";
import { language, setLanguage, t } from "./i18n";
import { startBackgroundSending } from "./offline/queue";
import { registerServiceWorker } from "./offline/register";
import { complaintPage, trackPage } from "./pages/complaints";
import { pointPage } from "./pages/point";
import { searchPage } from "./pages/search";
import { feedbackPage, pinPage, staffPage, surveyPage } from "./pages/staff";
import { fallback, interceptLinks, navigate, onRendered, render, route, type PageContext } from "./router";

// Officials' charts and the counter's QR code load only on their pages.
const officialPage = async (context: PageContext) => (await import("./pages/official")).officialPage(context);
const counterPage = async (context: PageContext) => (await import("./pages/counter")).counterPage(context);
const inboxPage = async (context: PageContext) => (await import("./pages/inbox")).inboxPage(context);

route(/^\/$/, searchPage);
route(/^\/search$/, searchPage);
route(/^\/points\/([^/]+)$/, pointPage);
route(/^\/points\/([^/]+)\/complain$/, complaintPage);
route(/^\/complaints$/, trackPage);
route(/^\/complaints\/([^/]+)$/, trackPage);
route(/^\/staff$/, staffPage);
route(/^\/staff\/inbox$/, inboxPage);
route(/^\/staff\/points\/([^/]+)\/pin$/, pinPage);
route(/^\/staff\/points\/([^/]+)\/survey$/, surveyPage);
route(/^\/staff\/points\/([^/]+)\/feedback$/, feedbackPage);
route(/^\/staff\/points\/([^/]+)\/counter$/, counterPage);
route(/^\/official$/, officialPage);
route(/^\/official\/ministries\/([^/]+)$/, officialPage);
route(/^\/official\/ministries\/([^/]+)\/departments\/([^/]+)$/, officialPage);
fallback(({ main }) => {
  main.append(
    h("h1", {}, t("notfound.title")),
    h("p", {}, h("a", { href: "/" }, t("notfound.back"))),
  );
});

function renderChrome(): void {
  document.documentElement.lang = language();
  document.title = `${t("site.name")} — ${t("site.tagline")}`;
  const skip = document.querySelector(".skip-link");
  if (skip) skip.textContent = t("skip");
  const here = location.pathname;
  const link = (href: string, label: string, active: boolean) =>
    h("a", { href, "aria-current": active ? "page" : null }, label);
  const signedIn = session();
  const header = document.getElementById("site-header") as HTMLElement;
  replaceChildren(
    header,
    h(
      "div",
      { class: "brand" },
      h("a", { href: "/", class: "brand-name" }, t("site.name")),
      h("span", { class: "brand-tagline" }, t("site.tagline")),
    ),
    h(
      "nav",
      { "aria-label": t("nav.label") },
      h(
        "ul",
        {},
        h("li", {}, link("/", t("nav.search"), here === "/" || here === "/search" || here.startsWith("/points"))),
        h("li", {}, link("/complaints", t("nav.track"), here.startsWith("/complaints"))),
        h("li", {}, link("/staff", t("nav.staff"), here.startsWith("/staff"))),
        h("li", {}, link("/official", t("nav.official"), here.startsWith("/official"))),
      ),
    ),
    h(
      "div",
      { class: "header-tools" },
      signedIn
        ? h(
            "button",
            {
              type: "button",
              class: "link-button",
              onclick: () => {
                signOut();
                navigate("/staff");
              },
            },
            t("signout"),
          )
        : null,
      h(
        "button",
        {
          type: "button",
          class: "lang-switch",
          lang: language() === "th" ? "en" : "th",
          "aria-label": t("lang.switch.label"),
          onclick: () => {
            setLanguage(language() === "th" ? "en" : "th");
            void render();
          },
        },
        t("lang.switch"),
      ),
    ),
  );
  replaceChildren(document.getElementById("site-footer") as HTMLElement, h("p", {}, t("footer")));
}

let firstRender = true;
onRendered(() => {
  renderChrome();
  // After a navigation, move focus to the new page's heading so screen readers announce it.
  if (!firstRender) (document.querySelector("main h1") as HTMLElement | null)?.focus();
  firstRender = false;
});

async function start(): Promise<void> {
  await loadConfig();
  interceptLinks();
  renderChrome();
  await render();
  startBackgroundSending(); // pins and surveys kept offline go out once there is signal (issue 22)
}

registerServiceWorker();
void start();
