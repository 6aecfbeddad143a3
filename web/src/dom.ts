// A tiny element builder: text goes in as text nodes, never as HTML, so nothing from the API can inject markup.

export type Child = Node | string | number | null | undefined | false | Child[];
type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let idCounter = 0;
/** Unique ids tie labels to their inputs. */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled form field: the label's `for` points at the control, as screen readers expect. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || uid("field");
  control.id = id;
  const hintElement = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintElement) control.setAttribute("aria-describedby", hintElement.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), hintElement, control);
}

/** A live region that screen readers announce when its text changes. */
export function statusMessage(kind: "info" | "success" | "warning" | "error" = "info"): HTMLElement {
  return h("div", { class: `message message-${kind}`, role: kind === "error" ? "alert" : "status", "aria-live": "polite" });
}

export function setMessage(element: HTMLElement, kind: "info" | "success" | "warning" | "error", ...children: Child[]): void {
  element.className = `message message-${kind}`;
  element.setAttribute("role", kind === "error" ? "alert" : "status");
  replaceChildren(element, ...children);
}

/** The page's heading; focusable from script so navigation can move focus to it. */
export function pageHeading(text: string): HTMLHeadingElement {
  return h("h1", { tabindex: -1 }, text);
}
