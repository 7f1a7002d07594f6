/** Stats: PKPs minted, burned, minted/granted/burned in one transaction; top actions by PKPs granted. */
import type { App } from "../app";
import { command, fact, h, hexValue, notice } from "../dom";
import { AUTH_METHOD_ACTION } from "../../../src/protocol";
import { cidOf } from "../format";
import { isMintGrantBurn } from "../indexer";
import { deploymentReady, progressLine } from "./states";

const TOP_ACTIONS = 10;

export async function renderStats(app: App, view: HTMLElement): Promise<void> {
  view.append(h("h1", { tabindex: "-1" }, "Stats"));
  if (!deploymentReady(app, view)) return;
  const progress = progressLine();
  view.append(progress.element);
  const index = await app.index();
  progress.element.remove();
  const all = index.newestFirst();
  if (all.length === 0) {
    view.append(
      notice(
        "empty",
        "No PKPs yet",
        h("p", {}, "Nothing to count: no PKP was minted on this deployment yet."),
        command(
          `npx hardhat pkp:mint-grant-burn --action actions/isPrime.js --network ${app.config.network}`,
        ),
      ),
    );
    return;
  }
  const burned = all.filter((p) => p.burned).length;
  const mgb = all.filter(isMintGrantBurn).length;
  const byAction = new Map<string, number>();
  let grants = 0;
  for (const pkp of all) {
    grants += pkp.grants.size;
    for (const grant of pkp.grants.values()) {
      if (grant.type === AUTH_METHOD_ACTION)
        byAction.set(grant.id, (byAction.get(grant.id) ?? 0) + 1);
    }
  }
  const number = (value: number) => h("span", { class: "number" }, value.toLocaleString("en-US"));
  view.append(
    h(
      "dl",
      { class: "facts stats", "data-test": "stats" },
      fact("PKPs minted", number(all.length)),
      fact("Burned", number(burned)),
      fact("Owned", number(all.length - burned)),
      fact("Minted, granted and burned in one transaction", number(mgb)),
      fact("Grants in force", number(grants)),
      fact("Distinct actions granted", number(byAction.size)),
    ),
    h("p", { class: "muted" }, `From the logs up to block ${index.syncedTo}.`),
  );
  const top = [...byAction.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_ACTIONS);
  view.append(
    h("h2", {}, "Top actions by PKPs granted"),
    top.length === 0
      ? h("p", { class: "muted" }, "No action is granted to any PKP.")
      : h(
          "ol",
          { class: "top-actions", "data-test": "top-actions" },
          top.map(([id, count]) => {
            const cid = cidOf(id);
            return h(
              "li",
              {},
              cid === undefined
                ? hexValue(id, "action id")
                : hexValue(cid, "CID", { full: true, href: `#/action/${cid}` }),
              ` — ${count.toLocaleString("en-US")} PKP${count === 1 ? "" : "s"}`,
            );
          }),
        ),
  );
}
