/**
 * The explorer's page: boots (config, compiled contracts and the chain, in parallel), then routes
 * `#/…` URLs to views. Every view is URL-addressable:
 *   #/  (?owner=0x…&action=Qm…&burned=1&page=2)   PKPs
 *   #/pkp/<tokenId>                                 one PKP (0x-hex or decimal)
 *   #/action  #/action/<cid>                        an action, its code, the PKPs that may use it
 *   #/verify                                        verify a proof bundle in the browser
 *   #/stats                                         counts and top actions
 */
import { ApiError, loadCompiled, loadConfig, type ExplorerConfig } from "./api";
import { createApp, type App } from "./app";
import { ChainError, connectChain, describeError, type ChainState } from "./chain";
import { h, notice, replace } from "./dom";
import { renderPkps } from "./views/pkps";

declare global {
  interface Window {
    /** Milestones of the page load, read by the benchmark and the browser tests. */
    __explorer?: { timings: Record<string, number>; ready: boolean };
  }
}

const timings: Record<string, number> = {};
window.__explorer = { timings, ready: false };

interface Route {
  name: "pkps" | "pkp" | "action" | "verify" | "stats" | "unknown";
  param?: string;
  query: URLSearchParams;
  title: string;
}

function parseRoute(hash: string): Route {
  const [path, queryText = ""] = hash.replace(/^#/, "").split("?");
  const query = new URLSearchParams(queryText);
  const parts = path.split("/").filter((part) => part !== "");
  switch (parts[0]) {
    case undefined:
    case "pkps":
      return { name: "pkps", query, title: "PKPs" };
    case "pkp":
      return { name: "pkp", param: parts[1] ?? "", query, title: "PKP" };
    case "action":
      return { name: "action", param: parts[1], query, title: "Action" };
    case "verify":
      return { name: "verify", query, title: "Verify a proof" };
    case "stats":
      return { name: "stats", query, title: "Stats" };
    default:
      return { name: "unknown", param: path, query, title: "Not found" };
  }
}

function markNavigation(route: Route): void {
  const current = route.name === "pkp" ? "pkps" : route.name;
  for (const link of document.querySelectorAll<HTMLAnchorElement>("nav.views a")) {
    if (link.dataset.view === current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

let generation = 0;

async function show(app: App, focus: boolean): Promise<void> {
  // Only "#/…" is a route; "#main" (the skip link) stays an in-page link.
  if (location.hash !== "" && !location.hash.startsWith("#/")) return;
  const hash = location.hash;
  const route = parseRoute(hash);
  const main = document.getElementById("main")!;
  document.body.dataset.state = "rendering";
  const mine = ++generation;
  const view = h("div", { class: `view view-${route.name}` });
  replace(main, view);
  document.title = `${route.title} · PKP explorer (${app.config.network})`;
  markNavigation(route);
  try {
    switch (route.name) {
      case "pkps":
        await renderPkps(app, view, route.query);
        break;
      // The other views (and the verifier, the CID hashing they use) load when first opened.
      case "pkp":
        await (await import("./views/pkp")).renderPkp(app, view, route.param ?? "");
        break;
      case "action":
        await (await import("./views/action")).renderAction(app, view, route.param);
        break;
      case "verify":
        (await import("./views/verify")).renderVerify(app, view);
        break;
      case "stats":
        await (await import("./views/stats")).renderStats(app, view);
        break;
      case "unknown":
        view.append(
          h("h1", { tabindex: "-1" }, "Not found"),
          notice(
            "empty",
            "No such page",
            h("p", {}, `Nothing lives at #${route.param}. `, h("a", { href: "#/" }, "All PKPs")),
          ),
        );
        break;
    }
  } catch (error) {
    if (mine !== generation) return;
    view.append(
      notice(
        "error",
        "Something went wrong",
        h("p", {}, describeError(error)),
        h("p", {}, h("button", { type: "button", onclick: () => location.reload() }, "Retry")),
      ),
    );
  }
  if (mine !== generation) return;
  if (focus) view.querySelector<HTMLElement>("h1")?.focus();
  document.body.dataset.view = route.name;
  // For tests and the benchmark: which URL the view on screen belongs to.
  document.body.dataset.rendered = hash;
  document.body.dataset.state = "ready";
}

function networkLine(config: ExplorerConfig, chain: ChainState | ChainError): string {
  if (chain instanceof ChainError) return `${config.network}: chain unreachable`;
  return `${config.network} · chain ${chain.chainId} · block ${chain.head}`;
}

async function boot(): Promise<void> {
  const status = document.getElementById("network-status")!;
  const main = document.getElementById("main")!;
  try {
    const chainOrError = connectChain().catch((error: unknown) =>
      error instanceof ChainError
        ? error
        : new ChainError("CHAIN_UNREACHABLE", describeError(error)),
    );
    const [config, compiled, chain] = await Promise.all([
      loadConfig(),
      loadCompiled(),
      chainOrError,
    ]);
    timings.bootMs = performance.now();
    status.textContent = networkLine(config, chain);
    const app = await createApp(config, compiled, chain, timings);
    timings.connectedMs = performance.now();
    window.addEventListener("hashchange", () => void show(app, true));
    await show(app, false);
  } catch (error) {
    status.textContent = "explorer server unreachable";
    replace(
      main,
      h("h1", {}, "PKP explorer"),
      notice(
        "error",
        "The explorer server does not answer",
        h("p", {}, error instanceof ApiError ? error.message : describeError(error)),
        h("p", {}, "Is `npx hardhat pkp:explorer` still running? Start it again and reload."),
      ),
    );
    document.body.dataset.state = "error";
  } finally {
    window.__explorer!.ready = true;
  }
}

void boot();
