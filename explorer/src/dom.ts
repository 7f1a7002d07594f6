/**
 * Building the page with DOM calls only: every value from the chain, the oracle or a pasted
 * bundle becomes a text node, never markup, so nothing it contains can run or restyle the page.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** `h("a", { href: "#/" }, "PKPs")`: an element with attributes (on* are listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") {
      element.addEventListener(name.replace(/^on/, ""), value);
    } else if (name === "value" && "value" in element) {
      (element as HTMLInputElement).value = String(value);
    } else if (name === "checked" && "checked" in element) {
      (element as HTMLInputElement).checked = Boolean(value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Array<Child | Child[]>): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Element, ...children: Array<Child | Child[]>): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Says `message` to screen readers (the page's polite live region). */
export function announce(message: string): void {
  const region = document.getElementById("announcer");
  if (region === null) return;
  region.textContent = "";
  // A separate task, so that the same message twice is announced twice.
  setTimeout(() => (region.textContent = message), 50);
}

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard !== undefined) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Permission refused (e.g. headless): fall back to a selection.
    }
  }
  const area = h("textarea", { class: "visually-hidden", readonly: true }, text);
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

/** A button that copies `value`; `label` names it for screen readers ("Copy public key"). */
export function copyButton(value: string, label: string): HTMLButtonElement {
  const button = h("button", {
    type: "button",
    class: "copy",
    "aria-label": `Copy ${label}`,
    title: `Copy ${label}`,
    "data-copy": value,
  });
  button.textContent = "Copy";
  button.addEventListener("click", () => {
    void copyText(value).then(() => {
      button.textContent = "Copied";
      announce(`${label} copied`);
      setTimeout(() => (button.textContent = "Copy"), 1500);
    });
  });
  return button;
}

/**
 * A long hex value: shortened on screen (`0x1234…abcd`) unless `full`, the whole value in the
 * title and the copy button, and a link when `href` is given.
 */
export function hexValue(
  value: string,
  label: string,
  opts: { full?: boolean; href?: string } = {},
): HTMLElement {
  const shown = opts.full ? value : shortHex(value);
  const text = h("code", { class: opts.full ? "hex full" : "hex", title: value }, shown);
  const body = opts.href === undefined ? text : h("a", { href: opts.href }, text);
  return h("span", { class: "value" }, body, copyButton(value, label));
}

/** `0x12345678…9abcdef0` for values longer than 22 characters. */
export function shortHex(value: string, keep = 8): string {
  if (value.length <= 2 * keep + 6) return value;
  const head = value.startsWith("0x") ? keep + 2 : keep;
  return `${value.slice(0, head)}…${value.slice(-keep)}`;
}

/** A labelled fact: `<dt>label</dt><dd>value</dd>`. */
export function fact(label: string, ...value: Array<Child | Child[]>): HTMLElement[] {
  return [h("dt", {}, label), h("dd", {}, ...value)];
}

/** An empty or error state: what happened, and what to do. */
export function notice(
  kind: "empty" | "error" | "info",
  title: string,
  ...body: Array<Child | Child[]>
): HTMLElement {
  return h(
    "section",
    { class: `notice ${kind}`, role: kind === "error" ? "alert" : undefined },
    h("h2", {}, title),
    ...body,
  );
}

/** A shell command the user can copy. */
export function command(text: string): HTMLElement {
  return h("p", { class: "command" }, h("code", {}, text), copyButton(text, "command"));
}

/** A status mark with its meaning for screen readers: ✓ passed, ✗ failed, – not run. */
export function mark(status: "pass" | "fail" | "skip"): HTMLElement {
  const symbol = { pass: "✓", fail: "✗", skip: "–" }[status];
  const words = { pass: "passed", fail: "failed", skip: "not run" }[status];
  return h(
    "span",
    { class: `mark ${status}` },
    h("span", { "aria-hidden": "true" }, symbol),
    h("span", { class: "visually-hidden" }, words),
  );
}
