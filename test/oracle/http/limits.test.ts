/**
 * The service's availability limits, each pushed past (in process, on the in-process chain):
 * body deadline and minimum rate (408, holding nothing), a 413 a client still writing can read,
 * fair admission (a flooding client's queued request is shed for a newcomer), the wait for a
 * worker (503 BUSY with Retry-After), cancellation when the client goes away, and the action
 * store's quota (507) and per-client rate (429). Attacks against a real `hardhat node` and
 * `pkp:oracle` process are in test/oracle/availability/.
 */
import { expect } from "chai";
import * as http from "node:http";
import { once } from "node:events";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MemoryActionStore } from "../../../src/oracle/actionStore";
import { MemoryKeystore } from "../../../src/oracle/keystore";
import { SigningOracle } from "../../../src/oracle/oracle";
import { ActionRuntime } from "../../../src/oracle/runtime";
import {
  startOracleServer,
  type OracleServer,
  type OracleServerOptions,
  type RequestLogLine,
} from "../../../src/oracle/http/server";
import { deployStack, oracleContracts } from "../../helpers/stack";
import { getPath, postJson, rawSocket, refusalOf, type HttpAnswer } from "./client";

const CHAIN_ID = 31337;
const SPIN_MS = (ms: number) =>
  `const end = Date.now() + ${ms}; while (Date.now() < end) {} LitActions.setResponse({ response: "spun" });`;

function expectStatus(answer: HttpAnswer, status: number, code?: string): void {
  expect(answer.status, answer.text.slice(0, 300)).to.equal(status);
  if (code !== undefined) expect(refusalOf(answer).code).to.equal(code);
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) expect.fail("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("oracle HTTP service: availability limits", function () {
  // One worker kept and at most one more, so that queueing is easy to provoke.
  const runtime = new ActionRuntime({
    poolSize: 1,
    maxWorkers: 1,
    limits: { timeoutMs: 5_000 },
  });
  const servers: OracleServer[] = [];

  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await runtime.close();
  });

  async function stackFixture() {
    const stack = await deployStack();
    return { contracts: oracleContracts(stack) };
  }

  async function serve(
    options: Partial<OracleServerOptions> = {},
    store = new MemoryActionStore(),
  ): Promise<{ server: OracleServer; lines: RequestLogLine[] }> {
    const { contracts } = await loadFixture(stackFixture);
    const oracle = new SigningOracle({
      contracts,
      provider: ethers.provider,
      chainId: CHAIN_ID,
      keystore: new MemoryKeystore(),
      runtime,
      actions: store,
    });
    const lines: RequestLogLine[] = [];
    const server = await startOracleServer({
      oracle,
      port: 0,
      log: (line) => lines.push(line),
      ...options,
    });
    servers.push(server);
    return { server, lines };
  }

  describe("request bodies", () => {
    it("408 REQUEST_TIMEOUT for a body slower than the minimum rate, holding no slot meanwhile", async () => {
      const { server } = await serve({ maxConcurrent: 1, minBodyBytesPerSecond: 100 });
      const { socket, closed } = rawSocket(server.port, "127.0.0.2");
      socket.write(
        "POST /execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
          "Content-Length: 1000\r\n\r\n{",
      );
      const trickle = setInterval(() => socket.writable && socket.write(" "), 300);
      try {
        // The slow sender holds the connection, not the only slot: another client is served.
        expectStatus(await postJson(server.url, "/execute", { code: "1" }), 200);
        const received = await closed;
        expect(received).to.match(/^HTTP\/1\.1 408 /);
        expect(received).to.include('"REQUEST_TIMEOUT"');
        expect(received).to.match(/below the minimum of 100/);
      } finally {
        clearInterval(trickle);
        socket.destroy();
      }
    });

    it("408 REQUEST_TIMEOUT for a body not complete within bodyTimeoutMs, however fast it starts", async () => {
      const { server } = await serve({ bodyTimeoutMs: 400 });
      const { socket, closed } = rawSocket(server.port);
      socket.write(
        "POST /execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
          `Content-Length: 100000\r\n\r\n{"code":"${"x".repeat(50_000)}`,
      );
      const received = await closed;
      expect(received).to.match(/^HTTP\/1\.1 408 /);
      expect(received).to.match(/did not arrive within 400 ms/);
      socket.destroy();
    });

    it("413 that a client still writing a 5 MiB body reads (no EPIPE): answered, then drained", async () => {
      const { server } = await serve({ maxBodyBytes: 256 * 1024 });
      const body = Buffer.alloc(5 * 1024 * 1024, 0x20);
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const request = http.request(
          `${server.url}/execute`,
          {
            method: "POST",
            agent: false,
            headers: { "content-type": "application/json", "content-length": body.length },
          },
          (response) => {
            let text = "";
            response.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
            response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
          },
        );
        request.on("error", reject); // EPIPE / ECONNRESET would fail the test here
        for (let offset = 0; offset < body.length; offset += 64 * 1024) {
          request.write(body.subarray(offset, offset + 64 * 1024));
        }
        request.end();
      });
      expect(answer.status).to.equal(413);
      expect(answer.text).to.include('"LIMIT_EXCEEDED"');
    });
  });

  describe("connections", () => {
    it("503 BUSY and closed for a connection past maxConnectionsPerClient; other clients connect", async () => {
      const { server } = await serve({ maxConnectionsPerClient: 3 });
      const held = [0, 1, 2].map(() => rawSocket(server.port, "127.0.0.2"));
      await Promise.all(held.map(({ socket }) => once(socket, "connect")));
      const extra = rawSocket(server.port, "127.0.0.2");
      const received = await extra.closed;
      expect(received).to.match(/^HTTP\/1\.1 503 /);
      expect(received).to.include('"BUSY"').and.include("Retry-After: 1");
      expectStatus(await getPath(server.url, "/health"), 200); // 127.0.0.1 is another client
      for (const { socket } of held) socket.destroy();
      await Promise.all(held.map(({ closed }) => closed));
      // Once the server has seen them closed, the client may connect again.
      const post = () =>
        postJson(server.url, "/execute", { code: "1" }, { localAddress: "127.0.0.2" });
      let again = await post();
      for (let i = 0; i < 50 && again.status === 503; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        again = await post();
      }
      expectStatus(again, 200);
    });
  });

  describe("fair admission and the worker queue", () => {
    it("sheds a flooding client's queued request (503 BUSY, Retry-After) to admit another client's", async () => {
      const { server } = await serve({ maxConcurrent: 2 });
      const flooder = "127.0.0.2";
      const running = postJson(
        server.url,
        "/execute",
        { code: SPIN_MS(1500) },
        { localAddress: flooder },
      );
      await until(() => runtime.stats().busy === 1);
      const queued = postJson(server.url, "/execute", { code: "1" }, { localAddress: flooder });
      await until(() => runtime.stats().queued === 1);
      // The bound (2) is reached; the newcomer holds nothing, the flooder 2: its queued one goes.
      const newcomer = postJson(server.url, "/execute", { code: "1" });
      const shed = await queued;
      expectStatus(shed, 503, "BUSY");
      expect(shed.headers["retry-after"]).to.equal("1");
      expectStatus(await newcomer, 200);
      expectStatus(await running, 200);
    });

    it("503 BUSY with Retry-After when no worker frees up within maxQueueMs", async () => {
      const { server } = await serve({ maxQueueMs: 200 });
      const running = postJson(server.url, "/execute", { code: SPIN_MS(1500) });
      await until(() => runtime.stats().busy === 1);
      const waited = await postJson(server.url, "/execute", { code: "1" });
      expectStatus(waited, 503, "BUSY");
      expect(refusalOf(waited).message).to.match(/within 200 ms/);
      expect(waited.headers["retry-after"]).to.equal("1");
      expectStatus(await running, 200);
    });

    it("cancels a run when its client goes away: the worker is free at once, the log says CANCELLED", async () => {
      const { server, lines } = await serve();
      const { socket, closed } = rawSocket(server.port);
      const body = JSON.stringify({ code: "while (true) {}" });
      socket.write(
        "POST /execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
          `Content-Length: ${body.length}\r\n\r\n${body}`,
      );
      await until(() => runtime.stats().busy === 1);
      socket.destroy();
      await closed;
      await until(() => runtime.stats().busy === 0, 2_000);
      const cancelled = lines.find((line) => line.code === "CANCELLED");
      expect(cancelled, JSON.stringify(lines)).to.not.equal(undefined);
      expect(cancelled?.outcome).to.equal("refused");
      expectStatus(await postJson(server.url, "/execute", { code: "1" }), 200);
    });
  });

  describe("the action store", () => {
    it("507 STORE_FULL past the store's quota; what is stored stays, storing it again is free", async () => {
      const store = new MemoryActionStore({ maxBytes: 3_000 });
      const { server } = await serve({}, store);
      const action = (i: number) => `// action ${i}\n${"x".repeat(1_000)}`;
      const stored: string[] = [];
      for (let i = 0; i < 2; i++) {
        const answer = await postJson(server.url, "/actions", { code: action(i) });
        expectStatus(answer, 200);
        stored.push((answer.json as { ipfsId: string }).ipfsId);
      }
      const full = await postJson(server.url, "/actions", { code: action(2) + "y".repeat(1_000) });
      expectStatus(full, 507, "STORE_FULL");
      expect(refusalOf(full).message).to.match(/holds 2024 of its 3000 bytes/);
      expectStatus(await postJson(server.url, "/actions", { code: action(0) }), 200);
      for (const [i, ipfsId] of stored.entries()) {
        const answer = await getPath(server.url, `/actions/${ipfsId}`);
        expect(answer.text).to.equal(action(i));
      }
    });

    it("429 RATE_LIMITED (with Retry-After) for a client storing more than its rate, another client unaffected", async () => {
      const { server } = await serve({ storeRateBytesPerMinute: 4_000 });
      const code = (i: number) => `// ${i}\n${"z".repeat(1_500)}`;
      const flooder = "127.0.0.2";
      expectStatus(
        await postJson(server.url, "/actions", { code: code(1) }, { localAddress: flooder }),
        200,
      );
      expectStatus(
        await postJson(server.url, "/actions", { code: code(2) }, { localAddress: flooder }),
        200,
      );
      const limited = await postJson(
        server.url,
        "/actions",
        { code: code(3) },
        { localAddress: flooder },
      );
      expectStatus(limited, 429, "RATE_LIMITED");
      expect(Number(limited.headers["retry-after"])).to.be.within(1, 60);
      expectStatus(await postJson(server.url, "/actions", { code: code(4) }), 200);
    });
  });
});
