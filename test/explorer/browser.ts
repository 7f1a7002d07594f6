/**
 * Debian's Chromium driven by playwright-core (never its own browser download), for the
 * explorer's browser suite: headless, no sandbox, no GPU, no background networking, a fresh
 * user-data dir; every request any page or worker makes is recorded.
 */
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { PROJECT_ROOT } from "../helpers/hardhatNode";
import { makeTempDir } from "../helpers/tempDir";

/**
 * Functions passed to page.waitForFunction run in the page; this test program has no DOM types,
 * so the few page globals they use are declared here (module scope).
 */
declare const document: { body: { dataset: Record<string, string | undefined> } };
declare const window: { location: { hash: string } };

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Screenshots of each view (git-ignored test artifacts). */
export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, "test-artifacts", "explorer");

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  /** Every URL requested so far, by any page or worker. */
  requests: string[];
  /** Uncaught page errors and console errors so far. */
  errors: string[];
  newPage(opts?: { width?: number; height?: number }): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** Whether the suite can run here; in CI (.ci/run installs chromium) a missing browser is a failure. */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchBrowser(): Promise<Browser> {
  const profile = await makeTempDir("pkp-explorer-chromium-");
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1200, height: 900 },
    serviceWorkers: "block",
  });
  const requests: string[] = [];
  const errors: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  const watch = (page: Page) => {
    page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()}`);
    });
    // Requests made by the page's Web Workers (the sandbox) are reported on the worker.
    page.on("worker", (worker) =>
      worker.on("console", (m) => m.type() === "error" && errors.push(`worker: ${m.text()}`)),
    );
  };
  context.on("page", watch);
  await fs.mkdir(ARTIFACTS_DIR, { recursive: true });
  return {
    context,
    requests,
    errors,
    async newPage(opts = {}) {
      const page = await context.newPage();
      await page.setViewportSize({ width: opts.width ?? 1200, height: opts.height ?? 900 });
      return page;
    },
    async screenshot(page, name) {
      const file = path.join(ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      await profile.remove();
    },
  };
}

/** Opens `url` and waits until the page has rendered the view of its `#/…` part. */
export async function openView(page: Page, url: string): Promise<void> {
  // The same URL again would not render again (no hashchange): load the page afresh instead.
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await page.waitForFunction(
    () =>
      document.body.dataset.state === "ready" &&
      document.body.dataset.rendered === window.location.hash,
  );
}
