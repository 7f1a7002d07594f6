/**
 * Oracle attack suite, part 4: abuse of the HTTP service (startOracleServer over a SigningOracle
 * on the in-process chain). Each case sends hostile bytes, asserts the status and code, that no key
 * signed anything the chain does not permit, and that the service still serves the victim PKP's
 * permitted action over HTTP. Functional refusals per route are in test/oracle/http/server.test.ts;
 * these cases are about surviving hostile clients.
 */
import { expect } from "chai";
import * as net from "node:net";
import { ethers } from "hardhat";
import { startOracleServer } from "../../../src/oracle/http/server";
import type { LitSignature } from "../../../src/oracle/signing";
import { postJson, rawRequest, rawSocket, refusalOf, type HttpAnswer } from "../http/client";
import {
  type Arena,
  DIGEST,
  DIGEST_BYTES,
  GOOD_ACTION,
  arena,
  attackRuntime,
  expectOnlyPermittedSignatures,
} from "./attackFixture";

type Server = Awaited<ReturnType<typeof startOracleServer>>;

describe("Oracle attacks: HTTP abuse", function () {
  const runtime = attackRuntime();
  after(() => runtime.close());

  /** A fresh server per case, closed afterwards, with short client timeouts. */
  async function withServer(
    fn: (a: Arena, server: Server) => Promise<void>,
    options: { maxConcurrent?: number; headersTimeoutMs?: number; requestTimeoutMs?: number } = {},
  ): Promise<void> {
    const a = await arena(runtime);
    const server = await startOracleServer({
      oracle: a.oracle,
      port: 0,
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
      ...options,
    });
    try {
      await fn(a, server);
      expectOnlyPermittedSignatures(a, [a.victim.tokenId]);
      await expectServing(a, server);
    } finally {
      await server.close();
    }
  }

  /** The victim PKP's one permitted action still signs over HTTP. */
  async function expectServing(a: Arena, server: Server): Promise<void> {
    const answer = await postJson(server.url, "/execute", {
      code: GOOD_ACTION,
      jsParams: { toSign: DIGEST_BYTES, publicKey: a.victim.publicKey },
    });
    expect(answer.status, answer.text).to.equal(200);
    const { signatures } = answer.json as { signatures: Record<string, LitSignature> };
    expect(ethers.recoverAddress(DIGEST, signatures.good.signature)).to.equal(a.victim.ethAddress);
  }

  function expectAnswer(answer: HttpAnswer, status: number, code: string): void {
    expect(answer.status, answer.text).to.equal(status);
    expect(refusalOf(answer).code).to.equal(code);
  }

  const victimAttack = (a: Arena) => ({
    code: `(async () => { await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.victim, sigName: "x" }); })();`,
    jsParams: { toSign: DIGEST_BYTES, victim: a.victim.publicKey },
  });

  it("H1: malformed JSON bodies are 400 INVALID_REQUEST", async function () {
    await withServer(async (_a, server) => {
      for (const body of [
        '{"code": "1"',
        '{"code": "1"} trailing',
        "{code: 1}",
        "NaN",
        "",
        "\u0000",
      ]) {
        expectAnswer(await postJson(server.url, "/execute", body), 400, "INVALID_REQUEST");
      }
    });
  });

  it("H2: bodies over 2 MiB, declared or chunked, are 413 LIMIT_EXCEEDED", async function () {
    await withServer(async (_a, server) => {
      const big = JSON.stringify({ code: `//${"x".repeat(3 * 1024 * 1024)}` });
      expectAnswer(await postJson(server.url, "/execute", big), 413, "LIMIT_EXCEEDED");
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      const chunked = await rawRequest(server.url, {
        method: "POST",
        path: "/actions",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        chunks: [Buffer.from('{"code":"'), ...Array<Buffer>(12).fill(chunk)],
      });
      expectAnswer(chunked, 413, "LIMIT_EXCEEDED");
    });
  });

  it("H3: wrong or missing content types are refused before the body is parsed", async function () {
    await withServer(async (a, server) => {
      const body = JSON.stringify(victimAttack(a));
      for (const type of [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=utf-16",
        undefined,
      ]) {
        const answer = await rawRequest(server.url, {
          method: "POST",
          path: "/execute",
          headers: type === undefined ? {} : { "content-type": type },
          chunks: [body],
        });
        expect([400, 415], `${type}: ${answer.text}`).to.include(answer.status);
        expect(["INVALID_REQUEST", "UNSUPPORTED_MEDIA_TYPE"]).to.include(refusalOf(answer).code);
      }
    });
  });

  it("H4: a slowloris client trickling headers is dropped, and others are served meanwhile", async function () {
    await withServer(async (a, server) => {
      const { socket, closed } = rawSocket(server.port);
      socket.write("POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      let n = 0;
      const trickle = setInterval(() => {
        if (!socket.destroyed) socket.write(`X-Slow-${n++}: a\r\n`);
      }, 100);
      try {
        await expectServing(a, server); // while the slow client holds its connection
        const received = await closed;
        expect(received === "" || /^HTTP\/1\.1 408/.test(received), received).to.equal(true);
      } finally {
        clearInterval(trickle);
        socket.destroy();
      }
    });
  });

  it("H5: a client trickling its body past the request timeout is dropped (408)", async function () {
    await withServer(async (a, server) => {
      const { socket, closed } = rawSocket(server.port);
      socket.write(
        "POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
          "Content-Length: 100000\r\n\r\n{",
      );
      const trickle = setInterval(() => {
        if (!socket.destroyed) socket.write(" ");
      }, 100);
      try {
        await expectServing(a, server);
        const received = await closed;
        expect(received === "" || /^HTTP\/1\.1 (408|400)/.test(received), received).to.equal(true);
      } finally {
        clearInterval(trickle);
        socket.destroy();
      }
    });
  });

  it("H6: 200 concurrent signing attempts on the victim get only 403 NOT_PERMITTED or 503 BUSY", async function () {
    await withServer(
      async (a, server) => {
        const body = victimAttack(a);
        const answers = await Promise.all(
          Array.from({ length: 200 }, () => postJson(server.url, "/execute", body)),
        );
        const byStatus = new Map<number, number>();
        for (const answer of answers) {
          byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
          const { code } = refusalOf(answer);
          expect(["NOT_PERMITTED", "BUSY"], answer.text).to.include(code);
        }
        expect([...byStatus.keys()].every((s) => s === 403 || s === 503)).to.equal(true);
        expect(byStatus.get(403) ?? 0).to.be.at.least(8);
      },
      { maxConcurrent: 8 },
    );
  });

  it("H7: a JSON body nested a million levels deep is 400, not a stack overflow", async function () {
    await withServer(async (_a, server) => {
      const depth = 1_000_000;
      const deepParams = `{"code":"1","jsParams":{"a":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
      expectAnswer(await postJson(server.url, "/execute", deepParams), 400, "INVALID_REQUEST");
      const deepBody = `${"[".repeat(depth)}${"]".repeat(depth)}`;
      expectAnswer(await postJson(server.url, "/pkp/sign", deepBody), 400, "INVALID_REQUEST");
    });
  });

  it("H8: __proto__ and constructor keys in a body are refused and pollute nothing", async function () {
    await withServer(async (a, server) => {
      const polluting = `{"__proto__":{"polluted":true},"code":${JSON.stringify(victimAttack(a).code)}}`;
      expectAnswer(await postJson(server.url, "/execute", polluting), 400, "INVALID_REQUEST");
      const viaConstructor = `{"code":"1","constructor":{"prototype":{"polluted":true}}}`;
      expectAnswer(await postJson(server.url, "/execute", viaConstructor), 400, "INVALID_REQUEST");
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    });
  });

  it("H9: code with an escaped lone surrogate (\\ud800) cannot borrow a permitted CID over HTTP", async function () {
    await withServer(async (a, server) => {
      // JSON escapes carry lone surrogates that UTF-8 bodies cannot: the JSON text is well formed.
      const code = JSON.stringify(`/*\uFFFD*/ ${GOOD_ACTION}`).replace("\uFFFD", "\\ud800");
      const execute = `{"code":${code},"jsParams":{"toSign":${JSON.stringify(DIGEST_BYTES)},"publicKey":"${a.victim.publicKey}"}}`;
      expectAnswer(await postJson(server.url, "/execute", execute), 400, "INVALID_REQUEST");
      expectAnswer(
        await postJson(server.url, "/actions", `{"code":${code}}`),
        400,
        "INVALID_REQUEST",
      );
    });
  });

  it("H10: oversized headers are 431 and do not reach the oracle", async function () {
    await withServer(async (a, server) => {
      const answer = await rawRequest(server.url, {
        method: "POST",
        path: "/execute",
        headers: { "content-type": "application/json", "x-padding": "p".repeat(64 * 1024) },
        chunks: [JSON.stringify(victimAttack(a))],
      }).catch((error: Error) => ({ status: 0, text: error.message }) as HttpAnswer);
      // Node answers 431, or resets the socket while the client is still writing.
      expect([0, 431], answer.text).to.include(answer.status);
    });
  });

  it("H11: 50 clients that abort mid-body leak no concurrency slot", async function () {
    await withServer(
      async (a, server) => {
        for (let i = 0; i < 50; i++) {
          const socket = net.connect(server.port, "127.0.0.1");
          await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
          socket.write(
            "POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
              'Content-Length: 1000\r\n\r\n{"code":',
          );
          await new Promise((resolve) => setTimeout(resolve, 2));
          socket.destroy();
        }
        // With maxConcurrent 2, a leaked slot would turn these into 503 BUSY.
        const answers = await Promise.all(
          [0, 1].map(() => postJson(server.url, "/execute", victimAttack(a))),
        );
        for (const answer of answers) expectAnswer(answer, 403, "NOT_PERMITTED");
      },
      { maxConcurrent: 2 },
    );
  });
});
