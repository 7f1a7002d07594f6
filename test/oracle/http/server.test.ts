import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ethers } from "hardhat";
import { JsonRpcProvider } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { cidOfCode, cidToBytes } from "../../../src/cid";
import { createAuthSig } from "../../../src/oracle/authSig";
import { SigningOracle } from "../../../src/oracle/oracle";
import { ActionRuntime } from "../../../src/oracle/runtime";
import { tokenIdFromPublicKey, type LitSignature } from "../../../src/oracle/signing";
import {
  startOracleServer,
  type OracleServer,
  type RequestLogLine,
} from "../../../src/oracle/http/server";
import { freePort } from "../../helpers/hardhatNode";
import { KEY_TYPE_ECDSA, mintTo, oracleContracts } from "../../helpers/stack";
import { getPath, postJson, rawRequest, rawSocket, refusalOf, type HttpAnswer } from "./client";
import { deployOracleStack } from "../../helpers/oracleStack";

const CHAIN_ID = 31337;
const DIGEST = ethers.keccak256(ethers.toUtf8Bytes("sign me over HTTP"));
const MAX_BODY = 256 * 1024;
const CODE_LIMIT = 64 * 1024;

/** Everything the servers of this suite share: one runtime, and the servers closed at the end. */
const runtime = new ActionRuntime({
  poolSize: 2,
  limits: { timeoutMs: 2_000, memoryBytes: 16 * 1024 * 1024, codeBytes: CODE_LIMIT },
});
const servers: OracleServer[] = [];

function expectStatus(answer: HttpAnswer, status: number, code?: string): void {
  expect(answer.status, answer.text.slice(0, 300)).to.equal(status);
  if (code !== undefined) expect(refusalOf(answer).code).to.equal(code);
}

function expectSignedBy(signature: LitSignature, ethAddress: string): void {
  expect(ethers.recoverAddress(signature.dataSigned, signature.signature)).to.equal(ethAddress);
}

describe("oracle HTTP server", () => {
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await runtime.close();
  });

  async function serverFixture() {
    const { stack, keystore, oracle } = await deployOracleStack(runtime, 4, {
      limits: { codeBytes: CODE_LIMIT },
    });
    const contracts = oracleContracts(stack);
    const lines: RequestLogLine[] = [];
    const server = await startOracleServer({
      oracle,
      port: 0,
      maxBodyBytes: MAX_BODY,
      log: (line) => lines.push(line),
    });
    servers.push(server);

    const isPrime = await readFile(path.join(__dirname, "../../../actions/isPrime.js"), "utf8");
    const isPrimeCid = await cidOfCode(isPrime);
    const burnedId = await stack.pkpNft.mintGrantAndBurnNext.staticCall(
      KEY_TYPE_ECDSA,
      cidToBytes(isPrimeCid),
      { value: 1n },
    );
    await stack.pkpNft.mintGrantAndBurnNext(KEY_TYPE_ECDSA, cidToBytes(isPrimeCid), { value: 1n });
    const burned = {
      tokenId: burnedId,
      publicKey: await stack.pkpNft.getPubkey(burnedId),
      ethAddress: await stack.pkpNft.getEthAddress(burnedId),
    };
    const ownedId = await mintTo(stack, stack.alice);
    const owned = {
      tokenId: ownedId,
      publicKey: await stack.pkpNft.getPubkey(ownedId),
      ethAddress: await stack.pkpNft.getEthAddress(ownedId),
    };
    /** The log lines of requests answered so far, newest last. */
    const logs = () => [...lines];
    return {
      stack,
      oracle,
      contracts,
      keystore,
      server,
      url: server.url,
      isPrime,
      isPrimeCid,
      burned,
      owned,
      logs,
    };
  }

  describe("routes", () => {
    it("GET /health reports the chain, the contracts, the pool and the workers' load", async () => {
      const { url, stack } = await loadFixture(serverFixture);
      const answer = await getPath(url, "/health");
      expectStatus(answer, 200);
      const health = answer.json as Record<string, unknown>;
      expect(health).to.include({ ok: true, chainId: String(CHAIN_ID) });
      expect(health.blockNumber).to.be.a("number");
      expect(health.contracts).to.deep.equal({
        PKPNFT: await stack.pkpNft.getAddress(),
        PKPPermissions: await stack.permissions.getAddress(),
        PubkeyRouter: await stack.router.getAddress(),
      });
      expect(health.pool).to.deep.include({ keyType: "2", held: 4 });
      expect(health.runtime).to.have.keys(["workers", "busy", "queued"]);
      expect((health.runtime as { queued: number }).queued).to.equal(0);
      expect(answer.headers["content-type"]).to.equal("application/json; charset=utf-8");
    });

    it("POST /actions stores code under its CID and GET /actions/<ipfsId> returns it", async () => {
      const { url, isPrime, isPrimeCid } = await loadFixture(serverFixture);
      const stored = await postJson(url, "/actions", { code: isPrime });
      expectStatus(stored, 200);
      expect(stored.json).to.deep.equal({ ipfsId: isPrimeCid });
      const fetched = await getPath(url, `/actions/${isPrimeCid}`);
      expectStatus(fetched, 200);
      expect(fetched.text).to.equal(isPrime);
      expect(fetched.headers["content-type"]).to.match(/^text\/javascript/);
    });

    it("GET /actions/<ipfsId> answers 404 ACTION_NOT_FOUND for unknown code and 400 INVALID_CID for a non-CID", async () => {
      const { url } = await loadFixture(serverFixture);
      expectStatus(
        await getPath(url, `/actions/${await cidOfCode("never stored")}`),
        404,
        "ACTION_NOT_FOUND",
      );
      expectStatus(await getPath(url, "/actions/not-a-cid"), 400, "INVALID_CID");
    });

    it("POST /execute runs isPrime on its mint/grant/burn PKP: signs 7919, refuses 7918", async () => {
      const { url, isPrime, isPrimeCid, burned } = await loadFixture(serverFixture);
      const signed = await postJson(url, "/execute", {
        code: isPrime,
        ipfsId: isPrimeCid,
        jsParams: { number: 7919, publicKey: burned.publicKey },
      });
      expectStatus(signed, 200);
      const result = signed.json as { success: true; signatures: Record<string, LitSignature> };
      expect(result.success).to.equal(true);
      expect(result.signatures.prime.dataSigned).to.equal(ethers.toBeHex(7919, 32));
      expectSignedBy(result.signatures.prime, burned.ethAddress);

      const refused = await postJson(url, "/execute", {
        code: isPrime,
        jsParams: { number: 7918, publicKey: burned.publicKey },
      });
      expectStatus(refused, 200);
      const body = refused.json as { signatures: object; response: string };
      expect(body.signatures).to.deep.equal({});
      expect(JSON.parse(body.response)).to.deep.include({ signed: false });
    });

    it("POST /execute runs stored code by its ipfsId alone", async () => {
      const { url, isPrime, burned } = await loadFixture(serverFixture);
      const { ipfsId } = (await postJson(url, "/actions", { code: isPrime })).json as {
        ipfsId: string;
      };
      const answer = await postJson(url, "/execute", {
        ipfsId,
        jsParams: { number: 13, publicKey: burned.publicKey },
      });
      expectStatus(answer, 200);
      const { signatures } = answer.json as { signatures: Record<string, LitSignature> };
      expectSignedBy(signatures.prime, burned.ethAddress);
    });

    it("POST /pkp/sign signs a digest for the PKP's owner", async () => {
      const { url, stack, owned } = await loadFixture(serverFixture);
      const authSig = await createAuthSig(stack.alice, { chainId: CHAIN_ID });
      for (const toSign of [DIGEST, Array.from(ethers.getBytes(DIGEST))]) {
        const answer = await postJson(url, "/pkp/sign", {
          pubKey: owned.publicKey,
          toSign,
          authSig,
        });
        expectStatus(answer, 200);
        const { signature } = answer.json as { success: true; signature: LitSignature };
        expect(signature.dataSigned).to.equal(DIGEST);
        expectSignedBy(signature, owned.ethAddress);
      }
    });
  });

  describe("refusals reach the client with their code and status", () => {
    it("403 NOT_PERMITTED: another address's authSig on /pkp/sign; another action on a burned PKP", async () => {
      const { url, stack, owned, burned } = await loadFixture(serverFixture);
      const authSig = await createAuthSig(stack.stranger, { chainId: CHAIN_ID });
      expectStatus(
        await postJson(url, "/pkp/sign", { pubKey: owned.publicKey, toSign: DIGEST, authSig }),
        403,
        "NOT_PERMITTED",
      );
      const other = `(async () => { await Lit.Actions.signEcdsa({ toSign: ${JSON.stringify(
        Array.from(ethers.getBytes(DIGEST)),
      )}, publicKey, sigName: "x" }); })();`;
      expectStatus(
        await postJson(url, "/execute", { code: other, jsParams: { publicKey: burned.publicKey } }),
        403,
        "NOT_PERMITTED",
      );
    });

    it("401 INVALID_AUTH_SIG: a forged, wrong-chain, malformed or missing authSig", async () => {
      const { url, stack, owned } = await loadFixture(serverFixture);
      const good = await createAuthSig(stack.alice, { chainId: CHAIN_ID });
      const wrongChain = await createAuthSig(stack.alice, { chainId: 1 });
      const forged = { ...good, address: stack.bob.address };
      for (const authSig of [wrongChain, forged, { sig: 1 }, undefined]) {
        expectStatus(
          await postJson(url, "/pkp/sign", { pubKey: owned.publicKey, toSign: DIGEST, authSig }),
          401,
          "INVALID_AUTH_SIG",
        );
      }
      expectStatus(
        await postJson(url, "/execute", { code: "1", authSig: forged }),
        401,
        "INVALID_AUTH_SIG",
      );
    });

    it("404 UNKNOWN_PKP: a key this oracle does not hold", async () => {
      const { url, stack } = await loadFixture(serverFixture);
      const stranger = ethers.Wallet.createRandom();
      const authSig = await createAuthSig(stack.alice, { chainId: CHAIN_ID });
      expectStatus(
        await postJson(url, "/pkp/sign", {
          pubKey: stranger.signingKey.publicKey,
          toSign: DIGEST,
          authSig,
        }),
        404,
        "UNKNOWN_PKP",
      );
    });

    it("400 CODE_CID_MISMATCH, 400 INVALID_CID and 404 ACTION_NOT_FOUND on /execute", async () => {
      const { url, isPrimeCid } = await loadFixture(serverFixture);
      expectStatus(
        await postJson(url, "/execute", { code: "1", ipfsId: isPrimeCid }),
        400,
        "CODE_CID_MISMATCH",
      );
      expectStatus(await postJson(url, "/execute", { ipfsId: "Qmnope" }), 400, "INVALID_CID");
      expectStatus(
        await postJson(url, "/execute", { ipfsId: await cidOfCode("not stored") }),
        404,
        "ACTION_NOT_FOUND",
      );
    });

    it("422 ACTION_ERROR, ACTION_TIMEOUT and ACTION_MEMORY_LIMIT, and the server goes on serving", async () => {
      const { url } = await loadFixture(serverFixture);
      const thrown = await postJson(url, "/execute", { code: 'throw new Error("nope")' });
      expectStatus(thrown, 422, "ACTION_ERROR");
      expect(refusalOf(thrown).message).to.include("nope");
      expectStatus(await postJson(url, "/execute", { code: "for (;;) {}" }), 422, "ACTION_TIMEOUT");
      expectStatus(
        await postJson(url, "/execute", {
          code: '"x".repeat(64 * 1024 * 1024).length',
        }),
        422,
        "ACTION_MEMORY_LIMIT",
      );
      expectStatus(await getPath(url, "/health"), 200);
    });

    it("413 LIMIT_EXCEEDED: code over the oracle's code limit (body under the cap)", async () => {
      const { url } = await loadFixture(serverFixture);
      const code = `// ${"x".repeat(CODE_LIMIT)}`;
      expectStatus(await postJson(url, "/execute", { code }), 413, "LIMIT_EXCEEDED");
      expectStatus(await postJson(url, "/actions", { code }), 413, "LIMIT_EXCEEDED");
    });

    it("503 CHAIN_UNAVAILABLE when the chain cannot be reached, on /execute and /health", async () => {
      const { contracts, keystore } = await loadFixture(serverFixture);
      const deadProvider = new JsonRpcProvider(`http://127.0.0.1:${await freePort()}`, CHAIN_ID, {
        staticNetwork: true,
      });
      const oracle = new SigningOracle({
        contracts,
        provider: deadProvider,
        chainId: CHAIN_ID,
        keystore,
        runtime,
      });
      const server = await startOracleServer({ oracle, port: 0 });
      servers.push(server);
      try {
        expectStatus(
          await postJson(server.url, "/execute", { code: "1" }),
          503,
          "CHAIN_UNAVAILABLE",
        );
        expectStatus(await getPath(server.url, "/health"), 503, "CHAIN_UNAVAILABLE");
      } finally {
        deadProvider.destroy();
      }
    });

    it("500 INTERNAL for an unexpected exception, without leaking its message, and logs it", async () => {
      const lines: RequestLogLine[] = [];
      const broken = {
        execute: async () => {
          throw new Error("secret detail");
        },
      } as unknown as SigningOracle;
      const server = await startOracleServer({
        oracle: broken,
        port: 0,
        log: (line) => lines.push(line),
      });
      servers.push(server);
      const answer = await postJson(server.url, "/execute", { code: "1" });
      expectStatus(answer, 500, "INTERNAL");
      expect(answer.text).not.to.include("secret detail");
      expect(lines.at(-1)).to.deep.include({ status: 500, outcome: "error", code: "INTERNAL" });
      expect(lines.at(-1)?.message).to.include("secret detail");
    });
  });

  describe("malformed requests are refused with 4xx", () => {
    const malformed: Array<[string, string, unknown]> = [
      ["not JSON", "/execute", "{ code: 1"],
      ["an array", "/execute", "[]"],
      ["null", "/execute", "null"],
      ["neither code nor ipfsId", "/execute", {}],
      ["code that is not a string", "/execute", { code: 42 }],
      ["an unknown field", "/execute", { code: "1", ipfsID: "Qm" }],
      ["jsParams that is an array", "/execute", { code: "1", jsParams: [1] }],
      ["authSig that is a string", "/execute", { code: "1", authSig: "0x" }],
      ["/actions without code", "/actions", {}],
      ["/pkp/sign without pubKey", "/pkp/sign", { toSign: DIGEST, authSig: {} }],
      ["/pkp/sign with a bad pubKey", "/pkp/sign", { pubKey: "0x04", toSign: DIGEST, authSig: {} }],
    ];
    for (const [what, route, body] of malformed) {
      it(`400 INVALID_REQUEST for ${what} on ${route}`, async () => {
        const { url } = await loadFixture(serverFixture);
        expectStatus(await postJson(url, route, body), 400, "INVALID_REQUEST");
      });
    }

    it("400 INVALID_REQUEST for a digest that is not 32 bytes on /pkp/sign", async () => {
      const { url, owned, stack } = await loadFixture(serverFixture);
      const authSig = await createAuthSig(stack.alice, { chainId: CHAIN_ID });
      for (const toSign of ["0x1234", [1, 2, 3], [256, ...new Array(31).fill(0)], 7]) {
        expectStatus(
          await postJson(url, "/pkp/sign", { pubKey: owned.publicKey, toSign, authSig }),
          400,
          "INVALID_REQUEST",
        );
      }
    });

    it("400 INVALID_REQUEST for jsParams nested deeper than the limit", async () => {
      const { url } = await loadFixture(serverFixture);
      const deep = `{"code":"1","jsParams":{"a":${"[".repeat(1000)}${"]".repeat(1000)}}}`;
      expectStatus(await postJson(url, "/execute", deep), 400, "INVALID_REQUEST");
    });

    it("400 INVALID_REQUEST for a wrong content type, and for invalid UTF-8", async () => {
      const { url } = await loadFixture(serverFixture);
      for (const type of [undefined, "text/plain", "application/json; charset=latin1"]) {
        const answer = await rawRequest(url, {
          method: "POST",
          path: "/execute",
          headers: type === undefined ? {} : { "content-type": type },
          chunks: ['{"code":"1"}'],
        });
        expectStatus(answer, 400, "INVALID_REQUEST");
      }
      const answer = await rawRequest(url, {
        method: "POST",
        path: "/execute",
        headers: { "content-type": "application/json" },
        chunks: [Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
      });
      expectStatus(answer, 400, "INVALID_REQUEST");
    });

    it("404 NOT_FOUND for an unknown route, 405 METHOD_NOT_ALLOWED (with Allow) for a wrong method", async () => {
      const { url } = await loadFixture(serverFixture);
      expectStatus(await getPath(url, "/nope"), 404, "NOT_FOUND");
      expectStatus(await getPath(url, "/actions/Qm/extra"), 404, "NOT_FOUND");
      const wrong = await getPath(url, "/execute");
      expectStatus(wrong, 405, "METHOD_NOT_ALLOWED");
      expect(wrong.headers.allow).to.equal("POST");
      expectStatus(await postJson(url, "/health", {}), 405, "METHOD_NOT_ALLOWED");
    });

    it("413 LIMIT_EXCEEDED for a declared body over the cap, without reading it", async () => {
      const { url } = await loadFixture(serverFixture);
      const answer = await rawRequest(url, {
        method: "POST",
        path: "/execute",
        headers: { "content-type": "application/json", "content-length": 50 * MAX_BODY },
        chunks: [Buffer.alloc(1024, 0x20)],
      });
      expectStatus(answer, 413, "LIMIT_EXCEEDED");
      expect(answer.headers.connection).to.equal("close");
    });

    it("413 LIMIT_EXCEEDED for a chunked body that grows past the cap", async () => {
      const { url } = await loadFixture(serverFixture);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const answer = await rawRequest(url, {
        method: "POST",
        path: "/actions",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        chunks: Array.from({ length: (2 * MAX_BODY) / chunk.length }, () => chunk),
      });
      expectStatus(answer, 413, "LIMIT_EXCEEDED");
      expectStatus(await getPath(url, "/health"), 200);
    });

    it("answers garbage that is not HTTP with 400 and goes on serving", async () => {
      const { url } = await loadFixture(serverFixture);
      const { port } = new URL(url);
      const { socket, closed } = rawSocket(Number(port));
      socket.write("THIS IS NOT HTTP\r\n\r\n");
      const received = await closed;
      expect(received).to.match(/^HTTP\/1\.1 400 /);
      expect(received).to.include('"INVALID_REQUEST"');
      expectStatus(await getPath(url, "/health"), 200);
    });
  });

  describe("limits on clients", () => {
    it("503 BUSY (with Retry-After) past maxConcurrent, while /health still answers; the slot is freed afterwards", async () => {
      const { oracle } = await loadFixture(serverFixture);
      const server = await startOracleServer({ oracle, port: 0, maxConcurrent: 1 });
      servers.push(server);
      // Holds the only slot with a run in progress (a body still arriving would hold nothing).
      const holding = postJson(server.url, "/execute", {
        code: "const end = Date.now() + 1500; while (Date.now() < end) {} LitActions.setResponse({ response: 'held' });",
      });
      let busy: HttpAnswer | undefined;
      for (let attempt = 0; attempt < 100 && busy?.status !== 503; attempt += 1) {
        busy = await postJson(server.url, "/execute", { code: "1" });
      }
      expectStatus(busy as HttpAnswer, 503, "BUSY");
      expect((busy as HttpAnswer).headers["retry-after"]).to.equal("1");
      expectStatus(await getPath(server.url, "/health"), 200);
      const held = await holding;
      expectStatus(held, 200);
      expect((held.json as { response: string }).response).to.equal("held");
      expectStatus(await postJson(server.url, "/execute", { code: "1" }), 200);
    });

    it("drops a client that does not finish its headers in time", async () => {
      const { oracle } = await loadFixture(serverFixture);
      const server = await startOracleServer({ oracle, port: 0, headersTimeoutMs: 300 });
      servers.push(server);
      const { port } = new URL(server.url);
      const { socket: slow, closed } = rawSocket(Number(port));
      slow.write("POST /execute HTTP/1.1\r\nHost: x\r\n");
      expect(await closed).to.match(/^HTTP\/1\.1 408 /);
    });
  });

  describe("request log", () => {
    it("writes one line per request with id, route, action CID, PKPs, outcome, status and timings", async () => {
      const { url, isPrime, isPrimeCid, burned, logs } = await loadFixture(serverFixture);
      const before = logs().length;
      const answer = await postJson(url, "/execute", {
        code: isPrime,
        jsParams: { number: 7919, publicKey: burned.publicKey },
      });
      await postJson(url, "/execute", { code: "throw 1" });
      await getPath(url, "/health");
      const [ok, failed, health] = logs().slice(before);
      expect(ok.id).to.equal(answer.headers["x-request-id"]);
      expect(ok).to.deep.include({
        method: "POST",
        route: "/execute",
        status: 200,
        outcome: "ok",
        actionCid: isPrimeCid,
        pkps: [ethers.toBeHex(tokenIdFromPublicKey(burned.publicKey), 32)],
      });
      expect(ok.code).to.equal(undefined);
      expect(ok.ms).to.be.a("number").and.to.be.at.least(0);
      expect(Number.isNaN(Date.parse(ok.time))).to.equal(false);
      expect(ok.timings).to.have.all.keys(
        "oracleMs",
        "prepareMs",
        "queueMs",
        "dispatchMs",
        "sandboxCreateMs",
        "evalMs",
        "hostWaitMs",
        "hostCalls",
      );
      expect(ok.timings?.hostCalls).to.be.at.least(1);
      expect(failed).to.deep.include({ status: 422, outcome: "refused", code: "ACTION_ERROR" });
      expect(health).to.deep.include({ method: "GET", route: "/health", status: 200 });
      expect(new Set(logs().map((line) => line.id)).size).to.equal(logs().length);
    });
  });
});
