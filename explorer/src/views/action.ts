/**
 * Action: a CID, its code (from the oracle, or pasted by the user; hashed again here and shown
 * with ✓/✗), and the PKPs of the deployment that may use it.
 */
import { cidOfCode, cidToBytes, isCidV0 } from "../../../src/cid";
import type { App } from "../app";
import { fact, h, hexValue, notice, shortHex } from "../dom";
import { plural, scopeName } from "../format";
import { isMintGrantBurn } from "../indexer";
import { hashVerdict, oracleCode } from "./code";
import { deploymentReady } from "./states";

/** isCidV0 without narrowing (so a refused value can still be quoted as a string). */
const looksLikeCid = (text: string): boolean => isCidV0(text);

/** A textarea (and file input) whose code is hashed as it changes, with the result below. */
function pasteChecker(ipfsId: string | undefined): HTMLElement {
  const area = h("textarea", {
    id: "paste-code",
    rows: "10",
    spellcheck: "false",
    "aria-describedby": "paste-result",
    placeholder: "// paste the action's JavaScript here",
  });
  const file = h("input", { id: "paste-file", type: "file", accept: ".js,text/javascript" });
  const result = h("div", { id: "paste-result", role: "status", "aria-live": "polite" });
  let generation = 0;
  const check = async () => {
    const mine = ++generation;
    const code = area.value;
    if (code === "") {
      result.replaceChildren();
      return;
    }
    let element: HTMLElement;
    if (ipfsId === undefined) {
      const cid = await cidOfCode(code);
      element = h(
        "p",
        { class: "verdict" },
        "This code's CID: ",
        hexValue(cid, "CID", { full: true, href: `#/action/${cid}` }),
      );
    } else {
      element = await hashVerdict(code, ipfsId);
    }
    if (mine === generation) result.replaceChildren(element);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  area.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => void check(), 120);
  });
  file.addEventListener("change", () => {
    const chosen = file.files?.[0];
    if (chosen === undefined) return;
    void chosen.text().then((text) => {
      area.value = text;
      void check();
    });
  });
  return h(
    "section",
    { "aria-labelledby": "paste-title", class: "paste" },
    h(
      "h2",
      { id: "paste-title" },
      ipfsId === undefined ? "Find a code's CID" : "Check code against this CID",
    ),
    h("label", { for: "paste-code" }, "Paste the action's code (exactly its bytes are hashed)"),
    area,
    h("p", {}, h("label", { for: "paste-file" }, "…or choose a file: "), file),
    result,
  );
}

function cidForm(): HTMLElement {
  const input = h("input", {
    id: "cid-input",
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "Qm…",
  });
  const problem = h("p", { class: "problems", role: "alert" });
  const form = h(
    "form",
    { class: "filters", "aria-label": "Open an action" },
    h("div", { class: "field" }, h("label", { for: "cid-input" }, "Action CID"), input),
    h("div", { class: "field buttons" }, h("button", { type: "submit" }, "Open")),
    problem,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const cid: string = input.value.trim();
    if (looksLikeCid(cid)) location.hash = `#/action/${cid}`;
    else problem.textContent = `"${cid}" is not a CIDv0 (Qm…, 46 base58 characters)`;
  });
  return form;
}

async function grantedPkps(app: App, ipfsId: string): Promise<HTMLElement> {
  const view = h(
    "section",
    { "aria-labelledby": "granted-title" },
    h("h2", { id: "granted-title" }, "PKPs that may use it"),
  );
  if (!deploymentReady(app, view)) return view;
  const index = await app.index();
  const key = `2:${cidToBytes(ipfsId)}`;
  const granted = index.newestFirst().filter((pkp) => pkp.grants.has(key));
  if (granted.length === 0) {
    view.append(
      h(
        "p",
        { class: "muted", "data-test": "granted-none" },
        "No PKP of this deployment is granted this action.",
      ),
    );
    return view;
  }
  view.append(
    h(
      "p",
      {},
      `${plural(granted.length, "PKP")} ${granted.length === 1 ? "is" : "are"} granted this action (as the logs show; each PKP's page reads it from the chain).`,
    ),
    h(
      "table",
      { class: "pkps", "data-test": "granted-pkps" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Token ID", "Scopes", "Owner", "Badges"].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        {},
        granted.map((pkp) =>
          h(
            "tr",
            { "data-token": pkp.hex },
            h(
              "td",
              { "data-label": "Token ID" },
              h("a", { href: `#/pkp/${pkp.hex}` }, h("code", {}, shortHex(pkp.hex, 6))),
            ),
            h(
              "td",
              { "data-label": "Scopes" },
              [...(pkp.grants.get(key)?.scopes ?? [])]
                .sort((a, b) => a - b)
                .map(scopeName)
                .join(", ") || "none",
            ),
            h(
              "td",
              { "data-label": "Owner" },
              pkp.owner === null
                ? h("span", { class: "tag burned" }, "burned")
                : hexValue(pkp.owner, "owner"),
            ),
            h(
              "td",
              { "data-label": "Badges" },
              isMintGrantBurn(pkp) ? h("span", { class: "badge mgb" }, "mint/grant/burn") : null,
            ),
          ),
        ),
      ),
    ),
  );
  return view;
}

export async function renderAction(
  app: App,
  view: HTMLElement,
  cidText: string | undefined,
): Promise<void> {
  if (cidText === undefined || cidText === "") {
    view.append(
      h("h1", { tabindex: "-1" }, "Action"),
      h("p", {}, "Open an action by its CID, or paste code to learn its CID."),
      cidForm(),
      pasteChecker(undefined),
    );
    return;
  }
  const ipfsId = decodeURIComponent(cidText);
  view.append(
    h("h1", { tabindex: "-1" }, "Action ", h("code", { class: "hex" }, shortHex(ipfsId, 8))),
  );
  if (!looksLikeCid(ipfsId)) {
    view.append(
      notice(
        "error",
        "Not an action CID",
        h("p", {}, `"${ipfsId}" is not a CIDv0 (Qm…, 46 base58 characters).`),
      ),
      cidForm(),
    );
    return;
  }
  const codeSlot = h("div", {}, h("p", { class: "muted" }, "Asking the oracle for the code…"));
  const grantedSlot = h("div", {}, h("p", { class: "muted" }, "Reading the PKPs…"));
  view.append(
    h(
      "dl",
      { class: "facts" },
      fact("CID", hexValue(ipfsId, "CID", { full: true })),
      fact("On chain (multihash)", hexValue(cidToBytes(ipfsId), "on-chain id", { full: true })),
    ),
    h(
      "section",
      { "aria-labelledby": "code-title" },
      h("h2", { id: "code-title" }, "Code"),
      codeSlot,
    ),
    pasteChecker(ipfsId),
    grantedSlot,
  );
  await Promise.all([
    oracleCode(app, ipfsId).then((element) => codeSlot.replaceChildren(element)),
    grantedPkps(app, ipfsId).then((element) => grantedSlot.replaceChildren(element)),
  ]);
}
