/**
 * The explorer re-executes actions in the oracle's sandbox compiled for a browser (a Web Worker,
 * explorer/src/verify/sandboxWorker.ts). An action using `ethers`, the web APIs and `jwt` must
 * answer there exactly as on the oracle's worker threads, or a proof that reproduces in
 * `pkp:verify-proof` would fail in the page. This runs one such action in both and compares.
 */
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { basicAuthContext } from "../../src/oracle/auth/authContext";
import { buildExplorerAssets, type ExplorerAssets } from "../../src/explorer/assets";
import { ActionRuntime, DEFAULT_LIMITS, type ActionHost } from "../../src/oracle/runtime";
import type { RunResult } from "../../src/oracle/runtime/protocol";
import { CHROMIUM, chromiumAvailable, launchBrowser, type Browser } from "./browser";

/** Deterministic: no randomness reaches the response (getRandomValues is only measured). */
const ACTION = String.raw`
const u = ethers.utils;
const wallet = new ethers.Wallet("0x" + "11".repeat(32));
const tx = u.serializeTransaction({
  type: 2, chainId: 1, nonce: 7, to: "0x000000000000000000000000000000000000dEaD",
  value: u.parseEther("1.5"), gasLimit: 21000,
  maxFeePerGas: u.parseUnits("30", "gwei"), maxPriorityFeePerGas: u.parseUnits("2", "gwei"),
});
const signature = await wallet.signMessage("hello");
const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc"));
const token = jwt.sign({ sub: "alice", iat: 1 }, "secret", { algorithm: "HS256" });
const url = new URL("../b?x=1#h", "https://example.com/a/c");
const headers = new Headers({ "X-One": "1" });
headers.append("x-one", "2");
let rs256;
try {
  jwt.verify(token.replace(/^[^.]+/, btoa(JSON.stringify({ alg: "RS256", typ: "JWT" })).replace(/=+$/, "")), "-----BEGIN PUBLIC KEY-----\nMA==\n-----END PUBLIC KEY-----");
  rs256 = "verified";
} catch (e) {
  rs256 = e.name;
}
Lit.Actions.setResponse({ response: JSON.stringify({
  keccak: u.keccak256(u.toUtf8Bytes("lit")),
  joined: u.joinSignature({ r: "0x" + "01".repeat(32), s: "0x" + "02".repeat(32), v: 27 }),
  wei: u.formatEther(u.parseEther("1.5").mul(3)),
  tx, txHash: u.keccak256(tx),
  address: wallet.address,
  signature, recovered: u.verifyMessage("hello", signature),
  sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""),
  token, decoded: jwt.verify(token, "secret"),
  b64: btoa("hi"), atob: atob("aGk="),
  url: [url.href, url.searchParams.get("x")], headers: headers.get("x-one"),
  text: new TextDecoder().decode(new Uint8Array([0xe2, 0x82, 0xac])),
  random: crypto.getRandomValues(new Uint8Array(16)).length,
  clone: structuredClone({ a: [1, { b: 2 }] }),
  rs256Fails: rs256 !== "verified",
}) });
`;

/** page.evaluate's function runs in the page; this program has no DOM types, so: */
declare class Worker {
  constructor(url: string);
  onerror: ((event: { message: string }) => void) | null;
  onmessage: ((event: { data: { type: string } & Record<string, unknown> }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
}

const IPFS_ID = "QmParityParityParityParityParityParityParityPar";

const refuseHost: ActionHost = {
  call: () => Promise.reject(new Error("this action makes no host calls")),
};

describe("the explorer's browser sandbox answers as the oracle's (ethers, web APIs, jwt)", function () {
  this.timeout(120_000);
  let assets: ExplorerAssets;
  let server: Server;
  let origin: string;
  let browser: Browser;
  let page: Page;

  before(async function () {
    if (!chromiumAvailable()) {
      if (process.env.CI === "true") throw new Error(`no Chromium at ${CHROMIUM}`);
      this.skip();
    }
    assets = await buildExplorerAssets({ compiled: {} as never });
    server = createServer((request, response) => {
      const path = (request.url ?? "/").split("?")[0];
      if (path === "/blank.html") {
        response
          .writeHead(200, { "content-type": "text/html" })
          .end('<!doctype html><link rel="icon" href="data:,"><title>x</title>');
        return;
      }
      const asset = assets.files.get(path);
      if (!asset) return void response.writeHead(404).end();
      response.writeHead(200, { "content-type": asset.contentType }).end(asset.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${origin}/blank.html`);
  });

  after(async function () {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function runInBrowser(code: string): Promise<RunResult> {
    const message = {
      type: "run",
      runId: 1,
      code,
      ipfsId: IPFS_ID,
      paramsJson: "{}",
      contextJson: JSON.stringify({ auth: basicAuthContext(IPFS_ID, undefined), headers: [] }),
      limits: DEFAULT_LIMITS,
    };
    return page.evaluate(
      (run) =>
        new Promise<RunResult>((resolve, reject) => {
          const worker = new Worker("/app/sandbox-worker.js");
          worker.onerror = (event) => reject(new Error(event.message));
          worker.onmessage = (event) => {
            if (event.data.type === "ready") worker.postMessage(run);
            else if (event.data.type === "done") {
              worker.terminate();
              resolve(event.data.result as RunResult);
            } else if (event.data.type === "host-call") {
              reject(new Error("unexpected host call"));
            }
          };
        }),
      message,
    );
  }

  it("runs an action using ethers, the web APIs and jwt to the same response in both", async function () {
    const runtime = new ActionRuntime({ poolSize: 1 });
    let node: string;
    try {
      node = (await runtime.run({ code: ACTION, ipfsId: IPFS_ID, host: refuseHost })).response;
    } finally {
      await runtime.close();
    }
    const inBrowser = await runInBrowser(ACTION);
    expect(inBrowser, JSON.stringify(inBrowser)).to.deep.include({ ok: true, response: node });
    const parsed = JSON.parse(node) as Record<string, unknown>;
    expect(parsed.recovered).to.equal(parsed.address);
    expect(parsed.sha256).to.equal(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(parsed.rs256Fails).to.equal(true);
    expect(
      browser.requests.filter((url) => url.endsWith("/app/ethers-sandbox.json")),
      "the worker loaded the sandbox's ethers from its server",
    ).to.have.length(1);
    expect(browser.errors).to.deep.equal([]);
  });
});
