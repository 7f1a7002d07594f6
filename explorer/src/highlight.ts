/**
 * A small JavaScript highlighter for Lit Actions: comments, strings and template literals,
 * numbers, keywords, and the Lit/LitActions globals. Its output is text nodes in spans (never
 * markup), so code from the oracle cannot inject anything into the page.
 */
const KEYWORDS = new Set(
  (
    "async await break case catch class const continue debugger default delete do else export " +
    "extends false finally for function if import in instanceof let new null of return static " +
    "super switch this throw true try typeof undefined var void while yield"
  ).split(" "),
);
const GLOBALS = new Set(["Lit", "LitActions", "jsParams", "ethers", "console"]);

const TOKEN =
  /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|("(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`(?:[^`\\]|\\[\s\S])*`?)|(\b(?:0[xX][0-9a-fA-F_]+n?|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?n?)\b)|([A-Za-z_$][\w$]*)/g;

/** The code as a `<code>` element with highlighted spans. */
export function highlight(code: string): HTMLElement {
  const element = document.createElement("code");
  let last = 0;
  const text = (value: string) => element.appendChild(document.createTextNode(value));
  const span = (kind: string, value: string) => {
    const s = document.createElement("span");
    s.className = `tok-${kind}`;
    s.textContent = value;
    element.appendChild(s);
  };
  for (const match of code.matchAll(TOKEN)) {
    const start = match.index ?? 0;
    if (start > last) text(code.slice(last, start));
    const [whole, comment, string, number, word] = match;
    if (comment !== undefined) span("comment", whole);
    else if (string !== undefined) span("string", whole);
    else if (number !== undefined) span("number", whole);
    else if (word !== undefined && KEYWORDS.has(word)) span("keyword", whole);
    else if (word !== undefined && GLOBALS.has(word)) span("global", whole);
    else text(whole);
    last = start + whole.length;
  }
  if (last < code.length) text(code.slice(last));
  return element;
}
