import { expect } from "chai";
import hre from "hardhat";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { DeploymentError } from "../../src/deploymentRecord";
import { buildExplorerAssets, type ExplorerAssets } from "../../src/explorer/assets";
import { startExplorerServer, type ExplorerServer } from "../../src/explorer/server";
import { loadCompiledContracts } from "../../src/proof/compiled";
import { PROJECT_ROOT, freePort } from "../helpers/hardhatNode";
import { CHROMIUM, chromiumAvailable, launchBrowser, openView, type Browser } from "./browser";
import { startExplorerWorld, type ExplorerWorld } from "./explorerStack";

/**
 * Functions passed to page.evaluate and waitForFunction run in the page; this test program has no
 * DOM types, so the page globals they use are declared here (module scope).
 */
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  activeElement: {
    textContent: string | null;
    tagName: string;
    getAttribute(name: string): string | null;
  } | null;
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number };
declare class DataTransfer {
  items: { add(file: File): void };
}
declare class File {
  constructor(parts: string[], name: string, options: { type: string });
}

/** Set UPDATE_DOCS_SCREENSHOTS=1 to refresh the two screenshots docs/EXPLORER.md shows. */
const UPDATE_DOCS = process.env.UPDATE_DOCS_SCREENSHOTS === "1";

describe("explorer in Chromium: pkp:explorer against a hardhat node", function () {
  this.timeout(180_000);
  let world: ExplorerWorld;
  let browser: Browser;
  let page: Page;

  before(async function () {
    if (!chromiumAvailable()) {
      if (process.env.CI === "true")
        throw new Error(`no Chromium at ${CHROMIUM}: .ci/run installs the chromium package`);
      console.log(
        `    (skipped: no Chromium at ${CHROMIUM}; install it with \`apt-get install -y chromium\` ` +
          "or set CHROMIUM_PATH)",
      );
      this.skip();
    }
    [world, browser] = await Promise.all([startExplorerWorld(), launchBrowser()]);
    page = await browser.newPage();
  });

  after(async function () {
    await browser?.close();
    await world?.stop();
  });

  // After every test as well as in the last one, so that a run of a few tests (--grep) keeps the
  // guarantee that nothing left 127.0.0.1.
  afterEach(function () {
    if (browser === undefined) return;
    const elsewhere = browser.requests.filter((url) => new URL(url).hostname !== "127.0.0.1");
    expect(elsewhere, "requests that left 127.0.0.1").to.deep.equal([]);
  });

  const at = (hash: string) => `${world.explorerUrl}/${hash}`;
  const row = (hex: string) => page.locator(`tr[data-token="${hex}"]`);

  async function verifyBundle(
    bundle: unknown,
    name: string,
    reexecute = true,
  ): Promise<Record<string, string>> {
    await openView(page, at("#/verify"));
    await page.setChecked("#reexecute", reexecute);
    // A real drop: a File in a DataTransfer, dispatched on the drop zone.
    const transfer = await page.evaluateHandle(
      ([text, file]) => {
        const data = new DataTransfer();
        data.items.add(new File([text], file, { type: "application/json" }));
        return data;
      },
      [JSON.stringify(bundle, null, 2), `${name}.json`],
    );
    await page.dispatchEvent("[data-test=drop-zone]", "drop", { dataTransfer: transfer });
    await page.waitForSelector(`[data-test=verdict][data-source="${name}.json"]`, {
      timeout: 60_000,
    });
    const statuses = await page.$$eval("[data-check]", (items) =>
      items.map((item) => [item.getAttribute("data-check"), item.getAttribute("data-status")]),
    );
    return Object.fromEntries(statuses) as Record<string, string>;
  }

  describe("views", function () {
    it("lists every PKP, newest first: the count, the mint/grant/burn badge, burned ones", async function () {
      await openView(page, at("#/"));
      expect(await page.textContent("[data-test=pkp-summary]")).to.match(
        /^3 PKPs minted on localhost \(chain 31337\): 2 burned, 1 minted, granted and burned in one transaction/,
      );
      const tokens = await page.$$eval("[data-test=pkp-table] tbody tr", (rows) =>
        rows.map((r) => r.getAttribute("data-token")),
      );
      expect(tokens).to.deep.equal([world.burned.hex, world.owned.hex, world.mgb.hex]);
      expect(await row(world.mgb.hex).locator(".badge.mgb").textContent()).to.equal(
        "mint/grant/burn",
      );
      expect(await page.locator(".badge.mgb").count()).to.equal(1);
      expect(await row(world.mgb.hex).locator(".tag.burned").count()).to.equal(1);
      expect(await row(world.burned.hex).locator(".tag.burned").count()).to.equal(1);
      expect(await row(world.owned.hex).textContent()).to.include(world.owned.owner.slice(0, 10));
      expect(await row(world.owned.hex).locator("[data-label=Grants]").textContent()).to.equal("3");
      await browser.screenshot(page, "pkps");
    });

    it("filters by owner, by action CID and burned only", async function () {
      const tokens = async () =>
        page.$$eval("[data-test=pkp-table] tbody tr", (rows) =>
          rows.map((r) => r.getAttribute("data-token")),
        );
      await openView(page, at(`#/?owner=${world.owned.owner}`));
      expect(await tokens()).to.deep.equal([world.owned.hex]);
      await openView(page, at(`#/?action=${world.isPrime.ipfsId}`));
      expect(await tokens()).to.deep.equal([world.owned.hex, world.mgb.hex]);
      await openView(page, at("#/?burned=1"));
      expect(await tokens()).to.deep.equal([world.burned.hex, world.mgb.hex]);
      await openView(page, at("#/?owner=0x000000000000000000000000000000000000dEaD"));
      expect(await page.textContent("main")).to.include("No PKP matches these filters");
      await openView(page, at("#/?owner=nonsense"));
      expect(await page.textContent(".problems")).to.include('"nonsense" is not an address');
    });

    it("shows a PKP's grants with their scopes, the action's code checked ✓, its owners and transactions", async function () {
      await openView(page, at(`#/pkp/${world.owned.hex}`));
      const facts = await page.textContent("[data-test=pkp-facts]");
      expect(facts).to.include(world.owned.publicKey).and.include(world.owned.owner);
      const action = page.locator("[data-test=grant-action]");
      expect(await action.getAttribute("data-cid")).to.equal(world.isPrime.ipfsId);
      expect(await action.locator(".scopes li").allTextContents()).to.deep.equal([
        "1 SignAnything",
        "2 PersonalSign",
      ]);
      const address = page.locator("[data-test=grant-address]");
      expect(await address.textContent()).to.include(world.owned.permittedAddress);
      expect(await address.locator(".scopes li").allTextContents()).to.deep.equal([
        "2 PersonalSign",
      ]);
      const other = page.locator("[data-test=grant-auth-method]");
      expect(await other.textContent()).to.include("Google JWT (type 6)");
      expect(await other.locator(".scopes li").allTextContents()).to.deep.equal(["1 SignAnything"]);
      await action.locator("summary").click();
      await page.waitForSelector("[data-test=grant-action] [data-test=hash-verdict]");
      expect(await action.locator("[data-test=hash-verdict]").getAttribute("data-ok")).to.equal(
        "true",
      );
      expect(await action.locator(".tok-keyword").count()).to.be.greaterThan(5); // highlighted
      expect(await page.textContent("[data-test=owner-history]")).to.include("minted to");
      await page.waitForSelector("[data-test=transactions] li");
      expect(await page.locator("[data-test=transactions] li").count()).to.equal(4); // mint + 3 grants
      await browser.screenshot(page, "pkp-owned");
    });

    it("shows the mint/grant/burn PKP: one action with scope 1, burned, every event in its mint transaction", async function () {
      await openView(page, at(`#/pkp/${world.mgb.hex}`));
      expect(await page.textContent("h1"))
        .to.include("burned")
        .and.include("mint/grant/burn");
      expect(await page.locator("[data-test=grant-action]").count()).to.equal(1);
      expect(
        await page.locator("[data-test=grant-action] .scopes li").allTextContents(),
      ).to.deep.equal(["1 SignAnything"]);
      expect(await page.locator("[data-test=grant-address]").count()).to.equal(0);
      await page.waitForSelector("[data-test=transactions] li");
      const txs = await page.locator("[data-test=transactions] li").allTextContents();
      expect(txs).to.have.length(1);
      expect(txs[0]).to.include("PKPMinted").and.include("PermittedAuthMethodAdded");
      await page.locator("[data-test=grant-action] summary").click();
      await page.waitForSelector("[data-test=grant-action] [data-test=hash-verdict]");
      const file = await browser.screenshot(page, "pkp-mint-grant-burn");
      if (UPDATE_DOCS) await fs.copyFile(file, path.join(PROJECT_ROOT, "docs", "explorer-pkp.png"));
    });

    it("re-hashes pasted code in the browser: ✓ for isPrime's CID, ✗ after one character changes", async function () {
      await openView(page, at(`#/action/${world.isPrime.ipfsId}`));
      await page.waitForSelector(".oracle-code [data-test=hash-verdict]");
      expect(await page.getAttribute(".oracle-code [data-test=hash-verdict]", "data-ok")).to.equal(
        "true",
      );
      await page.fill("#paste-code", world.isPrime.code);
      await page.waitForSelector("#paste-result [data-test=hash-verdict]");
      expect(await page.getAttribute("#paste-result [data-test=hash-verdict]", "data-ok")).to.equal(
        "true",
      );
      expect(await page.textContent("#paste-result")).to.include(`hash to ${world.isPrime.ipfsId}`);
      await page.fill(
        "#paste-code",
        world.isPrime.code.replace("7919", "7917").replace("isPrime", "isPrimf"),
      );
      await page.waitForSelector('#paste-result [data-test=hash-verdict][data-ok="false"]');
      expect(await page.textContent("#paste-result")).to.include(`not to ${world.isPrime.ipfsId}`);
      const granted = await page.$$eval("[data-test=granted-pkps] tbody tr", (rows) =>
        rows.map((r) => r.getAttribute("data-token")),
      );
      expect(granted).to.deep.equal([world.owned.hex, world.mgb.hex]);
      await browser.screenshot(page, "action");
    });

    it("verifies the demo's proof bundle in the browser: every check ✓, reproduction in QuickJS included", async function () {
      const statuses = await verifyBundle(world.bundle, "demo-prime-7919");
      expect(statuses).to.deep.equal({
        contracts: "pass",
        key: "pass",
        code: "pass",
        grants: "pass",
        "one-transaction": "pass",
        signatures: "pass",
        reproduction: "pass",
      });
      expect(await page.textContent("[data-test=verdict]")).to.include(
        "PROOF VERIFIED: all 7 checks passed",
      );
      // The same words as the CLI's report.
      expect(await page.textContent(".text-report pre")).to.match(
        /^✓ one transaction {2}minted, granted and burned in 0x/m,
      );
      const wasm = browser.requests.filter((url) => url.endsWith("/app/quickjs.wasm"));
      expect(
        wasm,
        "the sandbox worker loaded QuickJS from the explorer",
      ).to.have.length.greaterThan(0);
      const file = await browser.screenshot(page, "verify-demo-proof");
      if (UPDATE_DOCS)
        await fs.copyFile(file, path.join(PROJECT_ROOT, "docs", "explorer-verified-proof.png"));
    });

    it("rejects a bundle with another signature: signatures ✗", async function () {
      const bundle = structuredClone(world.bundle);
      bundle.execution.signatures.prime.dataSigned = `0x${"00".repeat(31)}0b`;
      const statuses = await verifyBundle(bundle, "other-signature", false);
      expect(statuses.signatures).to.equal("fail");
      expect(
        Object.entries(statuses)
          .filter(([, s]) => s === "fail")
          .map(([id]) => id),
      ).to.deep.equal(["signatures"]);
      expect(await page.textContent("[data-test=verdict]")).to.include(
        "PROOF REJECTED: 1 of 6 checks failed: signatures",
      );
      await browser.screenshot(page, "verify-other-signature");
    });

    it("rejects a bundle naming another PKP (an owned one): grants, one transaction and signatures ✗", async function () {
      const bundle = structuredClone(world.bundle);
      bundle.pkp = {
        tokenId: world.owned.tokenId.toString(),
        publicKey: world.owned.publicKey,
        ethAddress: (await import("ethers")).computeAddress(world.owned.publicKey),
      };
      const statuses = await verifyBundle(bundle, "other-pkp", false);
      expect(statuses.key).to.equal("pass");
      expect(statuses.grants).to.equal("fail");
      expect(statuses["one-transaction"]).to.equal("fail");
      expect(statuses.signatures).to.equal("fail");
      expect(await page.getAttribute("[data-test=verdict]", "data-ok")).to.equal("false");
    });

    it("rejects a bundle with altered code: code ✗, and reproduction ✗ (the code is not the CID's)", async function () {
      const bundle = structuredClone(world.bundle);
      bundle.action.code = bundle.action.code.replace("return true;", "return n > 1n;");
      const statuses = await verifyBundle(bundle, "altered-code");
      expect(statuses.code).to.equal("fail");
      expect(statuses.reproduction).to.equal("fail");
      expect(await page.textContent('[data-check="reproduction"]')).to.include("CODE_CID_MISMATCH");
      await browser.screenshot(page, "verify-altered-code");
    });

    it("refuses a write RPC method through the proxy with 403, alone or in a batch; the chain does not move", async function () {
      await openView(page, at("#/"));
      const before = await world.provider.getBlockNumber();
      const answers = await page.evaluate(async (from) => {
        const post = async (body: unknown) => {
          const response = await fetch("/rpc", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
          return {
            status: response.status,
            body: (await response.json()) as { error?: { data?: { code?: string } } },
          };
        };
        const send = {
          jsonrpc: "2.0",
          id: 1,
          method: "eth_sendTransaction",
          params: [{ from, to: from, value: "0x1" }],
        };
        return [
          await post(send),
          await post([{ jsonrpc: "2.0", id: 2, method: "eth_blockNumber", params: [] }, send]),
          await post({ jsonrpc: "2.0", id: 3, method: "hardhat_mine", params: ["0x10"] }),
          await post({ jsonrpc: "2.0", id: 4, method: "eth_blockNumber", params: [] }),
        ];
      }, world.record.deployer);
      for (const answer of answers.slice(0, 3)) {
        expect(answer.status).to.equal(403);
        expect(answer.body.error?.data?.code).to.equal("RPC_METHOD_FORBIDDEN");
      }
      expect(answers[3].status).to.equal(200);
      expect(await world.provider.getBlockNumber()).to.equal(before);
    });

    it("counts PKPs minted, burned and mint/grant/burn, and ranks actions by PKPs granted", async function () {
      await openView(page, at("#/stats"));
      const stats = await page.textContent("[data-test=stats]");
      expect(stats)
        .to.match(/PKPs minted\s*3/)
        .and.match(/Burned\s*2/)
        .and.match(/one transaction\s*1/);
      const top = await page.locator("[data-test=top-actions] li").allTextContents();
      expect(top).to.have.length(1);
      expect(top[0]).to.include(world.isPrime.ipfsId).and.include("2 PKPs");
      await browser.screenshot(page, "stats");
    });

    it("is readable at 360 px: no view scrolls sideways", async function () {
      const narrow = await browser.newPage({ width: 360, height: 740 });
      try {
        for (const [hash, name] of [
          ["#/", "pkps"],
          [`#/pkp/${world.owned.hex}`, "pkp"],
          [`#/action/${world.isPrime.ipfsId}`, "action"],
          ["#/stats", "stats"],
        ]) {
          await openView(narrow, at(hash));
          await narrow.waitForLoadState("networkidle");
          const overflow = await narrow.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflow, `${name} at 360 px`).to.be.at.most(0);
          await browser.screenshot(narrow, `narrow-${name}`);
        }
      } finally {
        await narrow.close();
      }
    });

    it("is keyboard-navigable: Tab reaches the views and the PKPs' links, Enter opens one; copy buttons have names", async function () {
      await page.goto(at("#/"));
      await page.reload(); // a fresh load: focus starts at the top of the page
      await page.waitForFunction(() => document.body.dataset.state === "ready");
      await page.keyboard.press("Tab"); // the skip link
      expect(await page.evaluate(() => document.activeElement?.textContent)).to.equal(
        "Skip to content",
      );
      const reached: string[] = [];
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press("Tab");
        reached.push(await page.evaluate(() => document.activeElement?.getAttribute("href") ?? ""));
        if (reached[reached.length - 1].startsWith("#/pkp/")) break;
      }
      expect(reached).to.include.members(["#/", "#/verify", "#/stats"]);
      const link = reached.at(-1) ?? "";
      expect(link).to.match(/^#\/pkp\/0x/);
      await page.keyboard.press("Enter");
      await page.waitForFunction(
        (hash) =>
          document.body.dataset.rendered === hash && document.body.dataset.state === "ready",
        link,
      );
      expect(await page.evaluate(() => document.activeElement?.tagName)).to.equal("H1");
      const unnamed = await page.$$eval(
        "button",
        (buttons) =>
          buttons.filter((b) => !(b.getAttribute("aria-label") ?? b.textContent)?.trim()).length,
      );
      expect(unnamed).to.equal(0);
      expect(await page.getAttribute("button.copy >> nth=0", "aria-label")).to.match(/^Copy /);
    });
  });

  describe("error states (explorer servers started in process)", function () {
    let assets: ExplorerAssets;
    const servers: ExplorerServer[] = [];

    before(async function () {
      assets = await buildExplorerAssets({ compiled: await loadCompiledContracts(hre.artifacts) });
    });
    after(async function () {
      for (const server of servers) await server.close();
    });

    async function serve(
      options: Partial<Parameters<typeof startExplorerServer>[0]>,
    ): Promise<string> {
      const server = await startExplorerServer({
        assets,
        network: "localhost",
        rpcUrl: world.node.url,
        readDeployment: async () => world.record,
        port: 0,
        ...options,
      });
      servers.push(server);
      return server.url;
    }

    async function showsNotice(url: string, title: string): Promise<string> {
      await page.goto(url);
      await page.waitForFunction(
        () => document.body.dataset.state === "ready" || document.body.dataset.state === "error",
      );
      const notice = page.locator(".notice", { hasText: title });
      expect(await notice.count(), `a notice "${title}"`).to.equal(1);
      return (await notice.textContent()) ?? "";
    }

    it("says the chain is unreachable, and how to start one", async function () {
      const url = await serve({ rpcUrl: `http://127.0.0.1:${await freePort()}` });
      const text = await showsNotice(`${url}/#/`, "Cannot reach the chain");
      expect(text).to.include("ECONNREFUSED").and.include("npx hardhat node --hostname 127.0.0.1");
      expect(await page.textContent("#network-status")).to.equal("localhost: chain unreachable");
      await browser.screenshot(page, "state-chain-unreachable");
    });

    it("says there is no deployment record, and how to deploy; proofs can still be verified", async function () {
      const url = await serve({
        readDeployment: () =>
          Promise.reject(
            new DeploymentError(
              "DEPLOYMENT_NOT_FOUND",
              "no deployment record for network localhost",
            ),
          ),
      });
      const text = await showsNotice(`${url}/#/`, "No deployment record for localhost");
      expect(text).to.include("npx hardhat pkp:deploy --network localhost");
      await browser.screenshot(page, "state-no-deployment");
      await openView(page, `${url}/#/verify`);
      expect(await page.locator("#bundle-text").count()).to.equal(1);
    });

    it("says the oracle is not configured, and still checks pasted code", async function () {
      const url = await serve({ oracleUrl: undefined });
      const text = await showsNotice(
        `${url}/#/action/${world.isPrime.ipfsId}`,
        "No oracle configured",
      );
      expect(text).to.include("--oracle http://127.0.0.1:8787");
      await page.fill("#paste-code", world.isPrime.code);
      await page.waitForSelector('#paste-result [data-test=hash-verdict][data-ok="true"]');
      await browser.screenshot(page, "state-no-oracle");
    });

    it("says the record does not match the chain when PKPNFT has no code (a restarted node)", async function () {
      const stale = structuredClone(world.record);
      stale.contracts.PKPNFT.address = "0x000000000000000000000000000000000000dEaD";
      const url = await serve({ readDeployment: async () => stale });
      const text = await showsNotice(
        `${url}/#/`,
        "The deployment record does not match this chain",
      );
      expect(text).to.include("no contract at PKPNFT");
    });
  });

  describe("the whole session", function () {
    it("made no request to any host but 127.0.0.1, and no page error", function () {
      expect(browser.requests.length).to.be.greaterThan(50);
      const elsewhere = browser.requests.filter((url) => new URL(url).hostname !== "127.0.0.1");
      expect(elsewhere, "requests that left 127.0.0.1").to.deep.equal([]);
      // Expected: the proxy's 403s (the write-method test) and 502s (the unreachable chain).
      const unexpected = browser.errors.filter((e) => !/status of (403|502) /.test(e));
      expect(unexpected).to.deep.equal([]);
    });
  });
});
