import { expect } from "chai";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { DeploymentError, type DeploymentRecord } from "../../src/deploymentRecord";
import type { ExplorerAssets } from "../../src/explorer/assets";
import { READ_ONLY_RPC_METHODS } from "../../src/explorer/rpcProxy";
import {
  startExplorerServer,
  type ExplorerConfig,
  type ExplorerLogLine,
  type ExplorerServer,
  type ExplorerServerOptions,
} from "../../src/explorer/server";
import { getPath, postJson, rawRequest, type HttpAnswer } from "../oracle/http/client";

/** A stand-in chain or oracle: records requests, answers with `answer` (after `delayMs`). */
interface FakeUpstream {
  url: string;
  requests: Array<{ method: string; path: string; body: string }>;
  answer: (path: string, body: string) => { status?: number; type?: string; body: string };
  delayMs: number;
  close(): Promise<void>;
}

async function fakeUpstream(): Promise<FakeUpstream> {
  const server = http.createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on("data", (chunk: Buffer) => parts.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(parts).toString("utf8");
      fake.requests.push({ method: request.method ?? "", path: request.url ?? "", body });
      setTimeout(() => {
        const answer = fake.answer(request.url ?? "", body);
        response.writeHead(answer.status ?? 200, {
          "content-type": answer.type ?? "application/json",
        });
        response.end(answer.body);
      }, fake.delayMs);
    });
  });
  const fake: FakeUpstream = {
    url: "",
    requests: [],
    delayMs: 0,
    answer: (_path, body) => {
      const request = JSON.parse(body) as { id: number } | Array<{ id: number }>;
      const one = (r: { id: number }) => ({ jsonrpc: "2.0", id: r.id, result: "0x7a69" });
      return { body: JSON.stringify(Array.isArray(request) ? request.map(one) : one(request)) };
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

const ASSETS: ExplorerAssets = {
  files: new Map([
    [
      "/",
      {
        body: Buffer.from("<!doctype html><title>t</title>"),
        contentType: "text/html; charset=utf-8",
      },
    ],
    [
      "/app/app.js",
      { body: Buffer.from("export {};"), contentType: "text/javascript; charset=utf-8" },
    ],
  ]),
  stats: { buildMs: 0, appBytes: 10, entryBytes: 10, workerBytes: 0, wasmBytes: 0 },
};

const RECORD: DeploymentRecord = {
  network: "localhost",
  chainId: 31337,
  deployer: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  deployedAt: "2026-01-01T00:00:00.000Z",
  compiler: { version: "0.8.28", settings: {} },
  contracts: Object.fromEntries(
    ["PubkeyRouter", "PKPNFTMetadata", "PKPNFT", "PKPPermissions", "PKPHelper"].map((name, i) => [
      name,
      {
        address: `0x${String(i + 1).padStart(40, "0")}`,
        transactionHash: `0x${"ab".repeat(32)}`,
        blockNumber: i + 1,
        runtimeBytecodeHash: `0x${"cd".repeat(32)}`,
      },
    ]),
  ) as DeploymentRecord["contracts"],
};

function rpcRefusal(answer: HttpAnswer): { code: number; message: string; data: { code: string } } {
  const body = answer.json as {
    jsonrpc?: string;
    error?: { code: number; message: string; data: { code: string } };
  };
  expect(body?.jsonrpc, answer.text).to.equal("2.0");
  expect(body.error, answer.text).to.be.an("object");
  return body.error!;
}

function apiRefusal(answer: HttpAnswer): { code: string; message: string } {
  const body = answer.json as { error?: { code: string; message: string } };
  expect(body?.error, answer.text).to.be.an("object");
  return body.error!;
}

const call = (method: string, id: number | string = 1, params: unknown[] = []) => ({
  jsonrpc: "2.0",
  id,
  method,
  params,
});

describe("explorer server", function () {
  let chain: FakeUpstream;
  let oracle: FakeUpstream;
  let server: ExplorerServer;
  let logged: ExplorerLogLine[];

  async function start(options: Partial<ExplorerServerOptions> = {}): Promise<ExplorerServer> {
    await server?.close();
    logged = [];
    server = await startExplorerServer({
      assets: ASSETS,
      network: "localhost",
      rpcUrl: `${chain.url}/secret-api-key/v3?token=hidden`,
      oracleUrl: oracle.url,
      readDeployment: async () => RECORD,
      port: 0,
      log: (line) => logged.push(line),
      ...options,
    });
    return server;
  }

  before(async function () {
    chain = await fakeUpstream();
    oracle = await fakeUpstream();
  });
  beforeEach(async function () {
    chain.requests.length = 0;
    chain.delayMs = 0;
    oracle.requests.length = 0;
    await start();
  });
  after(async function () {
    await server?.close();
    await chain.close();
    await oracle.close();
  });

  describe("the read-only JSON-RPC proxy (POST /rpc)", function () {
    it("forwards each of the eight read-only methods and passes the chain's answer back", async function () {
      expect([...READ_ONLY_RPC_METHODS]).to.have.members([
        "eth_call",
        "eth_getLogs",
        "eth_getTransactionReceipt",
        "eth_getTransactionByHash",
        "eth_getCode",
        "eth_blockNumber",
        "eth_chainId",
        "eth_getBlockByNumber",
      ]);
      for (const method of READ_ONLY_RPC_METHODS) {
        const answer = await postJson(server.url, "/rpc", call(method, 7));
        expect(answer.status, answer.text).to.equal(200);
        expect(answer.json).to.deep.equal({ jsonrpc: "2.0", id: 7, result: "0x7a69" });
      }
      expect(chain.requests.map((r) => JSON.parse(r.body).method)).to.deep.equal([
        ...READ_ONLY_RPC_METHODS,
      ]);
      expect(chain.requests[0].path).to.equal("/secret-api-key/v3?token=hidden");
    });

    for (const method of [
      "eth_sendTransaction",
      "eth_sendRawTransaction",
      "eth_sign",
      "hardhat_mine",
      "evm_revert",
      "debug_traceTransaction",
      "eth_accounts",
    ]) {
      it(`refuses ${method} with 403 RPC_METHOD_FORBIDDEN, without asking the chain`, async function () {
        const answer = await postJson(server.url, "/rpc", call(method, "x"));
        expect(answer.status).to.equal(403);
        const error = rpcRefusal(answer);
        expect(error.data.code).to.equal("RPC_METHOD_FORBIDDEN");
        expect(error.code).to.equal(-32601);
        expect(error.message).to.include(`"${method}" is not allowed`);
        expect((answer.json as { id: unknown }).id).to.equal("x");
        expect(chain.requests).to.have.length(0);
        expect(logged.map((l) => l.code)).to.deep.equal(["RPC_METHOD_FORBIDDEN"]);
      });
    }

    it("refuses a whole batch that contains one write, and names the entry", async function () {
      const answer = await postJson(server.url, "/rpc", [
        call("eth_blockNumber", 1),
        call("eth_chainId", 2),
        call("eth_sendRawTransaction", 3, ["0x00"]),
      ]);
      expect(answer.status).to.equal(403);
      const error = rpcRefusal(answer);
      expect(error.data.code).to.equal("RPC_METHOD_FORBIDDEN");
      expect(error.message).to.match(/^batch entry 2: method "eth_sendRawTransaction"/);
      expect(chain.requests).to.have.length(0);
    });

    it("forwards a read-only batch as one request", async function () {
      const answer = await postJson(server.url, "/rpc", [
        call("eth_blockNumber", 1),
        call("eth_chainId", 2),
      ]);
      expect(answer.status).to.equal(200);
      expect(answer.json).to.have.length(2);
      expect(chain.requests).to.have.length(1);
    });

    it("forwards the request it checked, re-serialised, never the client's bytes", async function () {
      // Two "method" keys: JSON.parse keeps the last; a parser keeping the first would send a write.
      const text = '{"jsonrpc":"2.0","id":1,"method":"eth_sendTransaction","method":"eth_chainId"}';
      const answer = await postJson(server.url, "/rpc", text);
      expect(answer.status).to.equal(200);
      expect(chain.requests[0].body).to.equal('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}');
    });

    it("refuses a batch over 50 requests with 413 LIMIT_EXCEEDED, and an empty one with 400", async function () {
      const big = await postJson(
        server.url,
        "/rpc",
        Array.from({ length: 51 }, (_, i) => call("eth_chainId", i)),
      );
      expect(big.status).to.equal(413);
      expect(rpcRefusal(big).data.code).to.equal("LIMIT_EXCEEDED");
      const empty = await postJson(server.url, "/rpc", []);
      expect(empty.status).to.equal(400);
      expect(rpcRefusal(empty).data.code).to.equal("INVALID_REQUEST");
      expect(chain.requests).to.have.length(0);
    });

    it("refuses a body over 256 KiB with 413 before reading it", async function () {
      const huge = JSON.stringify(call("eth_call", 1, [{ data: `0x${"00".repeat(140_000)}` }]));
      const answer = await postJson(server.url, "/rpc", huge);
      expect(answer.status).to.equal(413);
      expect(rpcRefusal(answer).data.code).to.equal("LIMIT_EXCEEDED");
      expect(answer.headers.connection).to.equal("close");
    });

    it("refuses what is not a JSON-RPC request with 400 INVALID_REQUEST", async function () {
      const cases: Array<[string, unknown]> = [
        ["not JSON", "{oops"],
        ["a number", 42],
        ["no jsonrpc", { id: 1, method: "eth_chainId" }],
        ["an unknown field", { ...call("eth_chainId"), extra: true }],
        ["params that are a string", { ...call("eth_chainId"), params: "x" }],
        ["an object id", { ...call("eth_chainId"), id: {} }],
      ];
      for (const [what, body] of cases) {
        const answer = await postJson(server.url, "/rpc", body);
        expect(answer.status, what).to.equal(400);
        expect(rpcRefusal(answer).data.code, what).to.equal("INVALID_REQUEST");
      }
      const wrongType = await rawRequest(server.url, {
        method: "POST",
        path: "/rpc",
        headers: { "content-type": "text/plain" },
        chunks: [JSON.stringify(call("eth_chainId"))],
      });
      expect(wrongType.status).to.equal(400);
      expect(chain.requests).to.have.length(0);
    });

    it("answers GET /rpc with 405 and Allow: POST", async function () {
      const answer = await getPath(server.url, "/rpc");
      expect(answer.status).to.equal(405);
      expect(answer.headers.allow).to.equal("POST");
      expect(rpcRefusal(answer).data.code).to.equal("METHOD_NOT_ALLOWED");
    });

    it("says the chain is unreachable (502) without showing the RPC URL's path or query", async function () {
      await start({ rpcUrl: "http://127.0.0.1:1/secret-api-key" });
      const answer = await postJson(server.url, "/rpc", call("eth_chainId"));
      expect(answer.status).to.equal(502);
      const error = rpcRefusal(answer);
      expect(error.data.code).to.equal("CHAIN_UNREACHABLE");
      expect(error.message).to.include("http://127.0.0.1:1").and.not.include("secret");
    });

    it("gives up on a chain slower than the upstream timeout with 504 UPSTREAM_TIMEOUT", async function () {
      await start({ rpcLimits: { upstreamTimeoutMs: 100 } });
      chain.delayMs = 1_000;
      const answer = await postJson(server.url, "/rpc", call("eth_chainId"));
      expect(answer.status).to.equal(504);
      expect(rpcRefusal(answer).data.code).to.equal("UPSTREAM_TIMEOUT");
    });

    it("stops reading an answer over the response bound: 502 UPSTREAM_TOO_LARGE", async function () {
      await start({ rpcLimits: { maxResponseBytes: 1_000 } });
      const saved = chain.answer;
      chain.answer = () => ({
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, result: "x".repeat(5_000) }),
      });
      try {
        const answer = await postJson(server.url, "/rpc", call("eth_getLogs", 1, [{}]));
        expect(answer.status).to.equal(502);
        expect(rpcRefusal(answer).data.code).to.equal("UPSTREAM_TOO_LARGE");
      } finally {
        chain.answer = saved;
      }
    });

    it("works on at most maxConcurrent requests: the next one gets 503 BUSY at once", async function () {
      await start({ maxConcurrent: 2 });
      chain.delayMs = 400;
      const slow = [
        postJson(server.url, "/rpc", call("eth_chainId")),
        postJson(server.url, "/rpc", call("eth_chainId")),
      ];
      await new Promise((resolve) => setTimeout(resolve, 100));
      const refused = await postJson(server.url, "/rpc", call("eth_chainId"));
      expect(refused.status).to.equal(503);
      expect(rpcRefusal(refused).data.code).to.equal("BUSY");
      for (const answer of await Promise.all(slow)) expect(answer.status).to.equal(200);
      const after = await postJson(server.url, "/rpc", call("eth_chainId"));
      expect(after.status).to.equal(200);
    });
  });

  describe("the read API and the page", function () {
    it("GET /api/config gives the network, the record's contracts and blocks, and no secrets", async function () {
      const answer = await getPath(server.url, "/api/config");
      expect(answer.status).to.equal(200);
      const config = answer.json as ExplorerConfig;
      expect(config.network).to.equal("localhost");
      expect(config.deployment?.chainId).to.equal(31337);
      expect(config.deployment?.contracts.PKPNFT).to.deep.equal({
        address: RECORD.contracts.PKPNFT.address,
        blockNumber: 3,
      });
      expect(config.rpc.origin).to.equal(chain.url);
      expect(config.oracle).to.deep.equal({ configured: true, origin: oracle.url });
      expect(answer.text).not.to.include("secret-api-key");
    });

    it("GET /api/config says DEPLOYMENT_NOT_FOUND when there is no record, and the oracle is not configured", async function () {
      await start({
        oracleUrl: undefined,
        readDeployment: () =>
          Promise.reject(
            new DeploymentError(
              "DEPLOYMENT_NOT_FOUND",
              "no deployment record for network localhost",
            ),
          ),
      });
      const config = (await getPath(server.url, "/api/config")).json as ExplorerConfig;
      expect(config.deployment).to.equal(null);
      expect(config.deploymentError?.code).to.equal("DEPLOYMENT_NOT_FOUND");
      expect(config.oracle).to.deep.equal({ configured: false });
      const action = await getPath(
        server.url,
        "/api/actions/QmbFWqTGtuiiRp5TMvCzTmTPmUYScuuiwp1JGZkjAvSNio",
      );
      expect(action.status).to.equal(404);
      expect(apiRefusal(action).code).to.equal("ORACLE_NOT_CONFIGURED");
    });

    it("GET /api/actions/<cid> asks the oracle for the code; a CID it does not have is ACTION_NOT_FOUND", async function () {
      oracle.answer = (path) =>
        path.endsWith("QmbFWqTGtuiiRp5TMvCzTmTPmUYScuuiwp1JGZkjAvSNio")
          ? {
              type: "text/javascript; charset=utf-8",
              body: "Lit.Actions.setResponse({ response: 'hi' });",
            }
          : {
              status: 404,
              body: '{"success":false,"error":{"code":"ACTION_NOT_FOUND","message":"no"}}',
            };
      const found = await getPath(
        server.url,
        "/api/actions/QmbFWqTGtuiiRp5TMvCzTmTPmUYScuuiwp1JGZkjAvSNio",
      );
      expect(found.status).to.equal(200);
      expect(found.json).to.deep.equal({
        ipfsId: "QmbFWqTGtuiiRp5TMvCzTmTPmUYScuuiwp1JGZkjAvSNio",
        code: "Lit.Actions.setResponse({ response: 'hi' });",
      });
      const missing = await getPath(
        server.url,
        "/api/actions/QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX",
      );
      expect(missing.status).to.equal(404);
      expect(apiRefusal(missing).code).to.equal("ACTION_NOT_FOUND");
      const bad = await getPath(server.url, "/api/actions/..%2F..%2Fetc");
      expect(bad.status).to.equal(400);
      expect(oracle.requests.map((r) => r.path)).to.deep.equal([
        "/actions/QmbFWqTGtuiiRp5TMvCzTmTPmUYScuuiwp1JGZkjAvSNio",
        "/actions/QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX",
      ]);
    });

    it("answers an unexpected failure with 500 INTERNAL, its detail only in the explorer's output", async function () {
      await start({
        readDeployment: () => Promise.reject(new Error("EIO reading /home/secret/x")),
      });
      const answer = await getPath(server.url, "/api/config");
      expect(answer.status).to.equal(500);
      expect(apiRefusal(answer).code).to.equal("INTERNAL");
      expect(answer.text).not.to.include("secret");
      expect(logged.map((l) => l.message)).to.deep.equal(["EIO reading /home/secret/x"]);
    });

    it("says ORACLE_UNREACHABLE (502) when the oracle does not answer", async function () {
      await start({ oracleUrl: "http://127.0.0.1:1" });
      const answer = await getPath(server.url, "/api/oracle/health");
      expect(answer.status).to.equal(502);
      expect(apiRefusal(answer).code).to.equal("ORACLE_UNREACHABLE");
    });

    it("serves the page with a same-origin-only content security policy", async function () {
      const page = await getPath(server.url, "/");
      expect(page.status).to.equal(200);
      expect(page.headers["content-type"]).to.equal("text/html; charset=utf-8");
      const csp = String(page.headers["content-security-policy"]);
      expect(csp)
        .to.include("default-src 'none'")
        .and.include("connect-src 'self'")
        .and.include("script-src 'self' 'wasm-unsafe-eval'");
      expect(page.headers["x-content-type-options"]).to.equal("nosniff");
      const script = await getPath(server.url, "/app/app.js");
      expect(script.headers["content-type"]).to.equal("text/javascript; charset=utf-8");
    });

    it("answers unknown routes with 404 NOT_FOUND and writes to the page's files with 405", async function () {
      const missing = await getPath(server.url, "/etc/passwd");
      expect(missing.status).to.equal(404);
      expect(apiRefusal(missing).code).to.equal("NOT_FOUND");
      const write = await postJson(server.url, "/app/app.js", {});
      expect(write.status).to.equal(405);
    });

    it("refuses a Host header that is not a loopback name (DNS rebinding) with 403 HOST_NOT_ALLOWED", async function () {
      const answer = await rawRequest(server.url, {
        method: "POST",
        path: "/rpc",
        headers: { host: "evil.example:80", "content-type": "application/json" },
        chunks: [JSON.stringify(call("eth_chainId"))],
      });
      expect(answer.status).to.equal(403);
      expect(rpcRefusal(answer).data.code).to.equal("HOST_NOT_ALLOWED");
      for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`]) {
        const ok = await rawRequest(server.url, {
          method: "GET",
          path: "/api/config",
          headers: { host },
        });
        expect(ok.status, host).to.equal(200);
      }
      expect(chain.requests).to.have.length(0);
    });

    it("answers garbage HTTP with a JSON 400 and keeps serving", async function () {
      const net = await import("node:net");
      const reply = await new Promise<string>((resolve) => {
        const socket = net.connect(server.port, "127.0.0.1", () =>
          socket.write("NOT HTTP AT ALL\r\n\r\n"),
        );
        let text = "";
        socket.on("data", (chunk) => (text += chunk.toString("utf8")));
        socket.on("close", () => resolve(text));
      });
      expect(reply)
        .to.match(/^HTTP\/1\.1 400/)
        .and.include('"code":"INVALID_REQUEST"');
      expect((await getPath(server.url, "/api/config")).status).to.equal(200);
    });
  });
});
