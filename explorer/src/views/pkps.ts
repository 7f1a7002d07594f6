/**
 * PKPs: every PKP of the deployment, newest first, paged; filter by owner, by action CID, burned
 * only. The first page is rendered as soon as the index is read: with 1,000 PKPs that is the
 * budget measured by `npm run bench:explorer` (docs/PERFORMANCE.md).
 */
import { getAddress, isAddress } from "ethers";
import { cidToBytes, isCidV0 } from "../../../src/cid";
import type { App } from "../app";
import { command, h, hexValue, notice, shortHex } from "../dom";
import { plural } from "../format";
import { ethAddressOf, isMintGrantBurn, type PkpRecord } from "../indexer";
import { deploymentReady, progressLine } from "./states";

export const PAGE_SIZE = 50;

interface Filters {
  owner?: string;
  action?: string;
  burned: boolean;
  page: number;
}

// The type guards without narrowing, so that a refused value can still be quoted as a string.
const looksLikeAddress = (text: string): boolean => isAddress(text);
const looksLikeCid = (text: string): boolean => isCidV0(text);

function readFilters(query: URLSearchParams): { filters: Filters; problems: string[] } {
  const problems: string[] = [];
  const filters: Filters = { burned: query.get("burned") === "1", page: 1 };
  const owner = query.get("owner")?.trim();
  if (owner) {
    if (looksLikeAddress(owner)) filters.owner = getAddress(owner.toLowerCase());
    else problems.push(`"${owner}" is not an address (0x and 40 hex digits)`);
  }
  const action = query.get("action")?.trim();
  if (action) {
    if (looksLikeCid(action)) filters.action = action;
    else problems.push(`"${action}" is not an action CID (Qm… , 46 characters)`);
  }
  const page = Number(query.get("page") ?? "1");
  if (Number.isSafeInteger(page) && page >= 1) filters.page = page;
  return { filters, problems };
}

function hashFor(filters: Filters): string {
  const query = new URLSearchParams();
  if (filters.owner) query.set("owner", filters.owner);
  if (filters.action) query.set("action", filters.action);
  if (filters.burned) query.set("burned", "1");
  if (filters.page > 1) query.set("page", String(filters.page));
  const text = query.toString();
  return text === "" ? "#/" : `#/?${text}`;
}

function matches(pkp: PkpRecord, filters: Filters, actionKey: string | undefined): boolean {
  if (filters.burned && !pkp.burned) return false;
  if (filters.owner !== undefined && pkp.owner !== filters.owner) return false;
  if (actionKey !== undefined && !pkp.grants.has(actionKey)) return false;
  return true;
}

function filterForm(filters: Filters, problems: string[]): HTMLElement {
  const owner = h("input", {
    id: "filter-owner",
    name: "owner",
    type: "text",
    inputmode: "text",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "0x…",
    value: filters.owner ?? "",
  });
  const action = h("input", {
    id: "filter-action",
    name: "action",
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "Qm…",
    value: filters.action ?? "",
  });
  const burned = h("input", {
    id: "filter-burned",
    name: "burned",
    type: "checkbox",
    checked: filters.burned,
  });
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter PKPs" },
    h("div", { class: "field" }, h("label", { for: "filter-owner" }, "Owner address"), owner),
    h("div", { class: "field" }, h("label", { for: "filter-action" }, "Action CID"), action),
    h("div", { class: "field check" }, burned, h("label", { for: "filter-burned" }, "Burned only")),
    h(
      "div",
      { class: "field buttons" },
      h("button", { type: "submit" }, "Filter"),
      h("a", { href: "#/", class: "button secondary" }, "Clear"),
    ),
    problems.length > 0
      ? h(
          "ul",
          { class: "problems", role: "alert" },
          problems.map((p) => h("li", {}, p)),
        )
      : null,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    if (owner.value.trim()) query.set("owner", owner.value.trim());
    if (action.value.trim()) query.set("action", action.value.trim());
    if (burned.checked) query.set("burned", "1");
    const text = query.toString();
    location.hash = text === "" ? "#/" : `#/?${text}`;
  });
  return form;
}

function row(pkp: PkpRecord): HTMLElement {
  const grants = pkp.grants.size;
  return h(
    "tr",
    { "data-token": pkp.hex },
    h(
      "td",
      { "data-label": "Token ID" },
      h("a", { href: `#/pkp/${pkp.hex}`, title: pkp.hex }, h("code", {}, shortHex(pkp.hex, 6))),
    ),
    h("td", { "data-label": "ETH address" }, hexValue(ethAddressOf(pkp), "ETH address")),
    h(
      "td",
      { "data-label": "Owner" },
      pkp.owner === null
        ? h("span", { class: "tag burned" }, "burned")
        : hexValue(pkp.owner, "owner address", { href: `#/?owner=${pkp.owner}` }),
    ),
    h("td", { "data-label": "Grants", class: "number" }, String(grants)),
    h(
      "td",
      { "data-label": "Badges", class: isMintGrantBurn(pkp) ? undefined : "empty" },
      isMintGrantBurn(pkp)
        ? h(
            "span",
            {
              class: "badge mgb",
              title: "minted, granted and burned in one transaction (verify a proof to be sure)",
            },
            "mint/grant/burn",
          )
        : null,
    ),
  );
}

export async function renderPkps(
  app: App,
  view: HTMLElement,
  query: URLSearchParams,
): Promise<void> {
  view.append(h("h1", { tabindex: "-1" }, "PKPs"));
  if (!deploymentReady(app, view)) return;
  const progress = progressLine();
  view.append(progress.element);
  const index = await app.index((p) =>
    progress.set(`Reading ${p.label}: block ${p.scannedTo} of ${p.toBlock}…`),
  );
  progress.element.remove();

  const all = index.newestFirst();
  const { filters, problems } = readFilters(query);
  const burned = all.filter((p) => p.burned).length;
  const mgb = all.filter(isMintGrantBurn).length;
  view.append(
    h(
      "p",
      { class: "summary", "data-test": "pkp-summary" },
      `${plural(all.length, "PKP")} minted on ${app.config.network} (chain ${app.chain?.chainId}): `,
      `${burned.toLocaleString("en-US")} burned, ${mgb.toLocaleString("en-US")} minted, granted and burned in one transaction. `,
      h("span", { class: "muted" }, `Read up to block ${index.syncedTo}.`),
    ),
  );
  if (all.length === 0) {
    view.append(
      notice(
        "empty",
        "No PKPs yet",
        h("p", {}, `Nothing was minted on this deployment of ${app.config.network} yet. Mint one:`),
        command(
          `npx hardhat pkp:mint-grant-burn --action actions/isPrime.js --network ${app.config.network}`,
        ),
      ),
    );
    return;
  }
  view.append(filterForm(filters, problems));

  const actionKey = filters.action === undefined ? undefined : `2:${cidToBytes(filters.action)}`;
  const filtered = all.filter((pkp) => matches(pkp, filters, actionKey));
  if (filtered.length === 0) {
    view.append(
      notice(
        "empty",
        "No PKP matches these filters",
        h("p", {}, h("a", { href: "#/" }, "Show every PKP"), "."),
      ),
    );
    return;
  }
  const pages = Math.max(1, Math.ceil(filtered.length / PAGE_SIZE));
  const page = Math.min(filters.page, pages);
  const shown = filtered.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const filtering = filters.owner !== undefined || actionKey !== undefined || filters.burned;
  view.append(
    h(
      "table",
      { class: "pkps", "data-test": "pkp-table" },
      h(
        "caption",
        {},
        filtering ? `${plural(filtered.length, "PKP")} match, ` : "",
        `newest first — page ${page} of ${pages}`,
      ),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Token ID", "ETH address", "Owner", "Grants", "Badges"].map((title) =>
            h("th", { scope: "col" }, title),
          ),
        ),
      ),
      h("tbody", {}, shown.map(row)),
    ),
  );
  const pagerNav = pager(filters, page, pages);
  if (pagerNav !== null) view.append(pagerNav);
  app.timings.listRenderedMs ??= performance.now();
  performance.mark("explorer:list-rendered");
  // The frame after the one that contains the list: it has been painted by then.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => (app.timings.listPaintedMs ??= performance.now())),
  );
}

function pager(filters: Filters, page: number, pages: number): HTMLElement | null {
  if (pages === 1) return null;
  const link = (target: number, text: string, rel: string) =>
    h("a", { href: hashFor({ ...filters, page: target }), rel, class: "button secondary" }, text);
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    page > 1 ? link(page - 1, "← Newer", "prev") : null,
    h("span", { "aria-current": "page" }, `Page ${page} of ${pages}`),
    page < pages ? link(page + 1, "Older →", "next") : null,
  );
}
