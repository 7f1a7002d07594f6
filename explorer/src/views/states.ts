/** The page's error and empty states: what happened, and the command that fixes it. */
import type { App } from "../app";
import { command, h, notice } from "../dom";

function retryButton(): HTMLElement {
  return h("button", { type: "button", onclick: () => location.reload() }, "Retry");
}

export function chainUnreachable(app: App): HTMLElement {
  const network = app.config.network;
  return notice(
    "error",
    "Cannot reach the chain",
    h(
      "p",
      {},
      `The explorer could not read network ${network}: `,
      app.chainError?.message ?? `no answer from ${app.config.rpc.origin}`,
    ),
    network === "localhost"
      ? [
          h("p", {}, "Start a local node, deploy, and retry:"),
          command("npx hardhat node --hostname 127.0.0.1"),
        ]
      : h("p", {}, "Check the network's RPC URL and your connection, then retry."),
    h("p", {}, retryButton()),
  );
}

export function noDeployment(app: App): HTMLElement {
  const network = app.config.network;
  return notice(
    "error",
    `No deployment record for ${network}`,
    h("p", {}, app.config.deploymentError?.message ?? "The deployment record could not be read."),
    h("p", {}, "Deploy the contracts (this writes the record), then retry:"),
    command(`npx hardhat pkp:deploy --network ${network}`),
    h(
      "p",
      {},
      "Verifying a proof needs no deployment record: ",
      h("a", { href: "#/verify" }, "verify a proof"),
      ".",
    ),
    h("p", {}, retryButton()),
  );
}

export function staleRecord(app: App): HTMLElement {
  const network = app.config.network;
  return notice(
    "error",
    "The deployment record does not match this chain",
    h("p", {}, app.staleReason ?? ""),
    h("p", {}, "Deploy again (this rewrites the record), then retry:"),
    command(`npx hardhat pkp:deploy --network ${network}`),
    h("p", {}, retryButton()),
  );
}

export function oracleNotConfigured(): HTMLElement {
  return notice(
    "info",
    "No oracle configured",
    h(
      "p",
      {},
      "The explorer was started without --oracle, so it cannot show actions' code. Paste the code " +
        "below to check it against its CID, or restart the explorer with the oracle's URL:",
    ),
    command("npx hardhat pkp:explorer --network <name> --oracle http://127.0.0.1:8787"),
  );
}

/**
 * Renders the state that stops a deployment view (chain unreachable, no record, stale record) and
 * returns false; returns true when the deployment can be read.
 */
export function deploymentReady(app: App, view: HTMLElement): boolean {
  if (app.chainError !== undefined) view.append(chainUnreachable(app));
  else if (app.config.deployment === null) view.append(noDeployment(app));
  else if (app.staleReason !== undefined) view.append(staleRecord(app));
  else return true;
  return false;
}

/** A progress line for long log reads (a polite live region). */
export function progressLine(): { element: HTMLElement; set(text: string): void } {
  const element = h("p", { class: "progress", role: "status" }, "Reading the chain's logs…");
  return { element, set: (text) => (element.textContent = text) };
}
