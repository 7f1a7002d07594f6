/**
 * Oracle attack suite, part 5: the host calls that reach beyond the chain's permission state —
 * fetch, the RPC behind getRpcUrl, ethers' providers, child actions, and decryption under
 * access-control conditions. Each case runs through SigningOracle.execute against the attack
 * stage (attackFixture.ts), with loopback servers standing in for the network: a server that must
 * not be reached asserts it saw no request.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { createAuthSig } from "../../../src/oracle/authSig";
import { SigningOracle } from "../../../src/oracle/oracle";
import { ActionRuntime } from "../../../src/oracle/runtime";
import { json, startTestServer, type TestServer } from "../../helpers/testServer";
import {
  CHAIN_ID,
  DIGEST_BYTES,
  arena,
  attackRuntime,
  expectContained,
  expectRefused,
  type Arena,
} from "./attackFixture";

describe("Oracle attacks: fetch, RPC, ethers, child actions and decryption", function () {
  const runtime = attackRuntime();
  let allowed: TestServer;
  let forbidden: TestServer;

  before(async function () {
    forbidden = await startTestServer({
      "/": json({ leaked: true }),
      "/data": json({ leaked: true }),
    });
    allowed = await startTestServer({
      "/data": json({ ok: true }),
      "/to-forbidden": (_request, response) => {
        response.writeHead(302, { location: `${forbidden.origin}/data` });
        response.end();
      },
      "/huge": (_request, response) => {
        response.writeHead(200, { "content-type": "application/octet-stream" });
        const chunk = Buffer.alloc(64 * 1024, 120);
        let sent = 0;
        const pump = () => {
          while (sent < 8 * 1024 * 1024) {
            sent += chunk.length;
            if (!response.write(chunk)) return void response.once("drain", pump);
          }
          response.end();
        };
        response.on("error", () => undefined);
        pump();
      },
      "/slow": (_request, response) => {
        response.writeHead(200, { "content-type": "text/plain" });
        response.write("partial");
        // never ends: the fetch must time out
      },
    });
  });
  after(async () => {
    await runtime.close();
    await allowed.close();
    await forbidden.close();
  });
  beforeEach(() => {
    allowed.requests.length = 0;
    forbidden.requests.length = 0;
  });

  /** An oracle on the attack stage whose fetch allows only the `allowed` server. */
  function oracleOf(
    a: Arena,
    fetch: ConstructorParameters<typeof SigningOracle>[0]["fetch"] = { allow: [allowed.origin] },
  ): SigningOracle {
    return new SigningOracle({
      contracts: a.contracts,
      provider: ethers.provider,
      chainId: CHAIN_ID,
      keystore: a.keystore,
      runtime,
      fetch,
    });
  }

  /** Runs code that catches the fetch error and answers `name: message (code)`. */
  const caught = (call: string) => `(async () => {
    try { const r = await ${call}; Lit.Actions.setResponse({ response: "reached " + r.status }); }
    catch (e) { Lit.Actions.setResponse({ response: e.name + ": " + e.message + " (" + e.code + ")" }); }
  })();`;

  async function responseOf(
    oracle: SigningOracle,
    code: string,
    jsParams: Record<string, unknown> = {},
  ) {
    const result = await oracle.execute({ code, jsParams });
    if (!result.success) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result;
  }

  it("N1: fetch to an origin not in the allow-list is refused inside the action (TypeError, FETCH_REFUSED)", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a);
    const result = await responseOf(oracle, caught(`fetch("${forbidden.origin}/data")`));
    expect(result.response).to.match(
      /^TypeError: fetch to http:\/\/127\.0\.0\.1:\d+ is not allowed.*\(FETCH_REFUSED\)$/,
    );
    expect(forbidden.requests).to.deep.equal([]);
    // A plain oracle (no --fetch-allow) refuses everything, its own chain's node included.
    const plain = await responseOf(a.oracle, caught(`fetch("${allowed.origin}/data")`));
    expect(plain.response).to.match(/not allowed.*FETCH_REFUSED/);
    expect(allowed.requests).to.deep.equal([]);
    await expectContained(a);
  });

  it("N2: 127.0.0.1, localhost, [::1], file:, data: and other schemes are refused when not allowed", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a);
    const port = forbidden.port;
    for (const url of [
      `http://127.0.0.1:${port}/`,
      `http://localhost:${port}/`,
      `http://[::1]:${port}/`,
      `http://0.0.0.0:${port}/`,
      `http://127.1:${port}/`,
      "file:///etc/passwd",
      "data:text/plain,hello",
      "ftp://127.0.0.1/",
    ]) {
      const result = await responseOf(oracle, caught(`fetch(${JSON.stringify(url)})`));
      expect(result.response, url).to.match(/FETCH_REFUSED/);
    }
    expect(forbidden.requests).to.deep.equal([]);
    await expectContained(a);
  });

  it("N3: a redirect from an allowed origin to a disallowed one is refused; the disallowed server sees nothing", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a);
    const result = await responseOf(oracle, caught(`fetch("${allowed.origin}/to-forbidden")`));
    expect(result.response).to.match(/not allowed.*FETCH_REFUSED/);
    expect(allowed.requests.map((r) => r.path)).to.deep.equal(["/to-forbidden"]);
    expect(forbidden.requests).to.deep.equal([]);
    await expectContained(a);
  });

  it("N4: a huge response is cut at the size limit (FETCH_FAILED, catchable); the oracle keeps serving", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a, {
      allow: [allowed.origin],
      limits: { maxResponseBytes: 256 * 1024 },
    });
    const result = await responseOf(oracle, caught(`fetch("${allowed.origin}/huge")`));
    expect(result.response).to.match(/larger than the limit of 262144 bytes \(FETCH_FAILED\)/);
    await expectContained(a);
  });

  it("N5: a slow response times out (FETCH_FAILED, catchable) within the fetch limit, not the run's", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a, { allow: [allowed.origin], limits: { timeoutMs: 300 } });
    // Caught inside the action, the fetch's own limit answered: had the run's limit (1.5 s)
    // struck first, the run would have failed with ACTION_TIMEOUT and left no response.
    const result = await responseOf(
      oracle,
      caught(`fetch("${allowed.origin}/slow").then((r) => r.text())`),
    );
    expect(result.response).to.match(/timed out or cancelled \(300 ms limit\).*\(FETCH_FAILED\)/);
    await expectContained(a);
  });

  it("N6: allow-listed names that resolve to loopback or private addresses are refused (DNS rebinding)", async function () {
    const a = await arena(runtime);
    const answers: Record<string, string> = {
      "rebind.test": "127.0.0.1",
      "mapped.test": "::ffff:127.0.0.1",
      "lan.test": "192.168.1.10",
      "metadata.test": "169.254.169.254",
      "v6local.test": "::1",
    };
    const port = forbidden.port;
    const oracle = oracleOf(a, {
      allow: Object.keys(answers)
        .map((name) => `http://${name}:${port}`)
        .concat(`http://localhost:${allowed.port}`),
      lookup: async (hostname) => {
        const address = answers[hostname] ?? "127.0.0.1";
        return [{ address, family: address.includes(":") ? 6 : 4 }];
      },
    });
    for (const name of Object.keys(answers)) {
      const result = await responseOf(oracle, caught(`fetch("http://${name}:${port}/data")`));
      expect(result.response, name).to.match(/non-public address.*FETCH_REFUSED/);
    }
    expect(forbidden.requests).to.deep.equal([]);
    // `localhost` allowed as such must be loopback (and is reachable).
    const local = await responseOf(
      oracle,
      caught(`fetch("http://localhost:${allowed.port}/data")`),
    );
    expect(local.response).to.equal("reached 200");
    await expectContained(a);
  });

  it("N7: ethers cannot reach the network: providers go through fetch and its allow-list", async function () {
    const a = await arena(runtime);
    // ethers' providers take more than the attack runtime's 1.5 s to give up (FallbackProvider).
    const slowRuntime = new ActionRuntime({ poolSize: 1, limits: { timeoutMs: 20_000 } });
    after(() => slowRuntime.close());
    const oracle = new SigningOracle({
      contracts: a.contracts,
      provider: ethers.provider,
      chainId: CHAIN_ID,
      keystore: a.keystore,
      runtime: slowRuntime,
      fetch: { allow: [allowed.origin] },
    });
    const result = await responseOf(
      oracle,
      `(async () => {
        const out = [];
        for (const make of [
          () => new ethers.providers.JsonRpcProvider("${forbidden.origin}/"),
          () => new ethers.providers.StaticJsonRpcProvider("http://127.0.0.1:8545", 31337),
          () => new ethers.providers.CloudflareProvider(),
        ]) {
          try { const p = make(); await p.getBlockNumber(); out.push("reached"); }
          catch (e) { out.push("refused"); }
        }
        out.push(typeof WebSocket); // no sockets at all: WebSocketProvider cannot connect
        Lit.Actions.setResponse({ response: JSON.stringify(out) });
      })();`,
    );
    expect(JSON.parse(result.response)).to.deep.equal([
      "refused",
      "refused",
      "refused",
      "undefined",
    ]);
    expect(forbidden.requests).to.deep.equal([]);
    await expectContained(a);
  });

  it("N8: the RPC behind getRpcUrl answers reads only: account, signing and node-control methods are refused", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a);
    const victim = "0x000000000000000000000000000000000000bEEF";
    const before = await ethers.provider.getBalance(victim);
    const blockBefore = await ethers.provider.getBlockNumber();
    const result = await responseOf(
      oracle,
      `(async () => {
        const url = await Lit.Actions.getRpcUrl({ chain: "localhost" });
        const rpc = async (method, params) => {
          const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
          const body = await r.json();
          return body.error ? "refused " + body.error.code : "answered";
        };
        const accounts = ["eth_accounts", []];
        const out = {};
        for (const [method, params] of [
          accounts,
          ["eth_sendTransaction", [{ from: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", to: "${victim}", value: "0x1" }]],
          ["eth_sign", ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x00"]],
          ["personal_sign", ["0x00", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"]],
          ["hardhat_setBalance", ["${victim}", "0x1000"]],
          ["evm_mine", []],
          ["debug_traceTransaction", ["0x" + "00".repeat(32)]],
          ["eth_chainId", []],
        ]) out[method] = await rpc(method, params);
        const provider = new ethers.providers.JsonRpcProvider(url);
        try { await provider.getSigner(0).sendTransaction({ to: "${victim}", value: 1 }); out.signer = "sent"; }
        catch (e) { out.signer = "refused"; }
        Lit.Actions.setResponse({ response: JSON.stringify(out) });
      })();`,
    );
    const out = JSON.parse(result.response) as Record<string, string>;
    expect(out).to.deep.equal({
      eth_accounts: "refused -32601",
      eth_sendTransaction: "refused -32601",
      eth_sign: "refused -32601",
      personal_sign: "refused -32601",
      hardhat_setBalance: "refused -32601",
      evm_mine: "refused -32601",
      debug_traceTransaction: "refused -32601",
      eth_chainId: "answered",
      signer: "refused",
    });
    expect(await ethers.provider.getBalance(victim)).to.equal(before);
    expect(await ethers.provider.getBlockNumber()).to.equal(blockBefore);
    await expectContained(a);
  });

  it("N9: more than 50 fetches in one execution end it with LIMIT_EXCEEDED, even when caught", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a);
    const result = await oracle.execute({
      code: `(async () => {
        for (let i = 0; i < 60; i++) { try { await fetch("${allowed.origin}/data"); } catch (e) {} }
        Lit.Actions.setResponse({ response: "survived" });
      })();`,
    });
    expectRefused(result, "LIMIT_EXCEEDED", /more than 50 HTTP requests/);
    expect(allowed.requests.length).to.equal(50);
    await expectContained(a);
  });

  it("N10: decryption refuses conditions that hold for someone else, and edited conditions or data hashes", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a);
    const aliceOnly = [
      {
        contractAddress: "",
        standardContractType: "",
        chain: "localhost",
        method: "",
        parameters: [":userAddress"],
        returnValueTest: { comparator: "=", value: a.alice.address },
      },
    ];
    const secret = oracle.encrypt({
      accessControlConditions: aliceOnly,
      dataToEncrypt: "alice's secret",
    });
    if (!secret.success) throw new Error(JSON.stringify(secret.error));
    const decrypt = (conditions: unknown, dataToEncryptHash = secret.dataToEncryptHash) =>
      oracle.execute({
        code: `(async () => {
          const plain = await Lit.Actions.decryptAndCombine({ accessControlConditions: conditions,
            ciphertext, dataToEncryptHash, authSig: null, chain: "localhost" });
          Lit.Actions.setResponse({ response: plain });
        })();`,
        jsParams: { conditions, ciphertext: secret.ciphertext, dataToEncryptHash },
        authSig: a.mallorySig,
      });
    // (a) as is: the conditions do not hold for mallory.
    expectRefused(
      await decrypt(aliceOnly),
      "ACTION_ERROR",
      /Access control conditions check failed/,
    );
    // (b) conditions that hold for anyone (a literal address instead of :userAddress).
    const literal = [{ ...aliceOnly[0], parameters: [a.alice.address] }];
    expectRefused(
      await decrypt(literal),
      "ACTION_ERROR",
      /was not encrypted under these conditions/,
    );
    // (c) conditions that hold for mallory.
    const mallorys = [
      { ...aliceOnly[0], returnValueTest: { comparator: "=", value: a.mallory.address } },
    ];
    expectRefused(
      await decrypt(mallorys),
      "ACTION_ERROR",
      /was not encrypted under these conditions/,
    );
    // (d) the data hash of other data.
    expectRefused(
      await decrypt(aliceOnly, "00".repeat(32)),
      "ACTION_ERROR",
      /Access control conditions check failed/,
    );
    // (e) over HTTP's library path, without an authSig: :userAddress cannot be evaluated.
    const anonymous = await oracle.decrypt({
      accessControlConditions: aliceOnly,
      ciphertext: secret.ciphertext,
      dataToEncryptHash: secret.dataToEncryptHash,
      chain: "localhost",
    });
    expectRefused(anonymous, "INVALID_CONDITIONS", /send an authSig/);
    // Alice herself gets it.
    const alice = await oracle.decrypt({
      accessControlConditions: aliceOnly,
      ciphertext: secret.ciphertext,
      dataToEncryptHash: secret.dataToEncryptHash,
      chain: "localhost",
      authSig: await createAuthSig(a.alice, { chainId: CHAIN_ID }),
    });
    expect(alice.success && alice.decryptedString).to.equal("alice's secret");
    await expectContained(a);
  });

  it("N11: a secret bound to one action (:currentActionIpfsId) is refused to any other action, a child included", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a);
    const reader = `(async () => {
      const plain = await Lit.Actions.decryptAndCombine({ accessControlConditions: conditions,
        ciphertext, dataToEncryptHash, chain: "localhost" });
      Lit.Actions.setResponse({ response: plain });
    })();`;
    const { ipfsId: readerCid } = await oracle.storeAction(reader);
    const conditions = [
      {
        contractAddress: "",
        standardContractType: "",
        chain: "localhost",
        method: "",
        parameters: [":currentActionIpfsId"],
        returnValueTest: { comparator: "=", value: readerCid },
      },
    ];
    const secret = oracle.encrypt({
      accessControlConditions: conditions,
      dataToEncrypt: "for the reader only",
    });
    if (!secret.success) throw new Error(JSON.stringify(secret.error));
    const jsParams = {
      conditions,
      ciphertext: secret.ciphertext,
      dataToEncryptHash: secret.dataToEncryptHash,
    };
    const own = await responseOf(oracle, reader, jsParams);
    expect(own.response).to.equal("for the reader only");
    const other = await oracle.execute({ code: `${reader}\n// another action`, jsParams });
    expectRefused(other, "ACTION_ERROR", /Access control conditions check failed/);
    // A parent calling the reader gets the reader's answer (the reader decided), never the key.
    const parent = await responseOf(
      oracle,
      `(async () => { Lit.Actions.setResponse({ response: await Lit.Actions.call({ ipfsId: "${readerCid}", params: { conditions, ciphertext, dataToEncryptHash } }) }); })();`,
      jsParams,
    );
    expect(parent.response).to.equal("for the reader only");
    await expectContained(a);
  });

  it("N12: a child action cannot sign with its parent's permission, nor touch its parent's realm", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a);
    const child = `(async () => {
      globalThis.poisoned = true;
      Object.prototype.polluted = true;
      Array.prototype.map = () => "hijacked";
      await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: "child" });
    })();`;
    const { ipfsId } = await oracle.storeAction(child);
    // GOOD_ACTION is the victim's only permitted action; a parent that calls an unpermitted child.
    const result = await oracle.execute({
      code: `(async () => {
        try { await Lit.Actions.call({ ipfsId: "${ipfsId}", params: { toSign, publicKey: victim } }); }
        catch (e) { Lit.Actions.setResponse({ response: String(typeof poisoned) + ({}).polluted + [1].map((x) => x) }); }
      })();`,
      jsParams: { toSign: DIGEST_BYTES, victim: a.victim.publicKey },
    });
    expectRefused(result, "NOT_PERMITTED");
    const realms = await responseOf(
      oracle,
      `(async () => {
        await Lit.Actions.call({ ipfsId: "${(await oracle.storeAction(`globalThis.poisoned = true; Object.prototype.polluted = 1; Array.prototype.map = () => "hijacked";`)).ipfsId}" });
        Lit.Actions.setResponse({ response: [typeof poisoned, ({}).polluted, [1].map((x) => x + 1)].join(",") });
      })();`,
    );
    expect(realms.response).to.equal("undefined,,2");
    await expectContained(a);
  });

  it("N13: Lit.Actions.call refuses unstored CIDs and nesting deeper than 5, and is bounded per run", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a);
    const missing = await responseOf(
      oracle,
      `(async () => { try { await Lit.Actions.call({ ipfsId: "QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeXN" }); }
        catch (e) { Lit.Actions.setResponse({ response: e.message }); } })();`,
    );
    expect(missing.response).to.match(/no action Qm\w+ is stored with this oracle/);
    // A self-recursive action: depth 1..5 run, the 6th call is refused (catchable), and the
    // refusal travels back up as each level's answer.
    const recursive = `(async () => {
      const depth = (typeof level === "number" ? level : 0);
      try {
        const answer = await Lit.Actions.call({ ipfsId: self, params: { self, level: depth + 1 } });
        Lit.Actions.setResponse({ response: answer });
      } catch (e) { Lit.Actions.setResponse({ response: "stopped at " + depth + ": " + e.message }); }
    })();`;
    const { ipfsId } = await oracle.storeAction(recursive);
    const deep = await responseOf(oracle, recursive, { self: ipfsId });
    expect(deep.response, deep.response).to.match(
      /^stopped at 5: .*more than 5 nested Lit\.Actions\.call levels/,
    );
    await expectContained(a);
  });

  it("N14: the action's own headers cannot reroute or authenticate the host's request", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a);
    await responseOf(
      oracle,
      `(async () => { await fetch("${allowed.origin}/data", { headers: {
        host: "evil.example", "proxy-authorization": "Basic x", connection: "upgrade", "x-mine": "1" } }); })();`,
    );
    const seen = allowed.requests[0];
    expect(seen.headers.host).to.equal(`127.0.0.1:${allowed.port}`);
    expect(seen.headers["proxy-authorization"]).to.equal(undefined);
    expect(seen.headers["x-mine"]).to.equal("1");
    expect(seen.headers.cookie).to.equal(undefined);
    await expectContained(a);
  });

  it("N15: another action's key cannot be used: signatures verify only for the signing CID", async function () {
    const a = await arena(runtime);
    const oracle = oracleOf(a);
    const code = `(async () => {
      const digest = new Uint8Array(32).fill(9);
      const output = await Lit.Actions.signAsAction({ toSign: digest, sigName: "me", signingScheme: "EcdsaK256Sha256" });
      const mine = await Lit.Actions.verifyActionSignature({ signingScheme: "EcdsaK256Sha256", actionIpfsCid: Lit.Auth.actionIpfsIds[0], toSign: digest, signOutput: output });
      const theirs = await Lit.Actions.verifyActionSignature({ signingScheme: "EcdsaK256Sha256", actionIpfsCid: other, toSign: digest, signOutput: output });
      const forged = JSON.parse(output); forged.verifying_key = await Lit.Actions.getActionPublicKey({ signingScheme: "EcdsaK256Sha256", actionIpfsCid: other });
      const impersonated = await Lit.Actions.verifyActionSignature({ signingScheme: "EcdsaK256Sha256", actionIpfsCid: other, toSign: digest, signOutput: JSON.stringify(forged) });
      Lit.Actions.setResponse({ response: JSON.stringify([mine, theirs, impersonated]) });
    })();`;
    const result = await responseOf(oracle, code, {
      other: "QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeXN",
    });
    expect(JSON.parse(result.response)).to.deep.equal([true, false, false]);
    await expectContained(a);
  });

  it("N16: responses do not carry cookies into the action, and a redirect drops the action's credentials cross-origin", async function () {
    const a = await arena(runtime);
    const cookieServer = await startTestServer({
      "/login": (_request, response) => {
        response.writeHead(302, {
          "set-cookie": "session=secret",
          location: `${forbidden.origin}/data`,
        });
        response.end();
      },
      "/echo": (request, response) =>
        json({ cookie: request.headers.cookie ?? null })(request, response),
    });
    try {
      const oracle = oracleOf(a, { allow: [cookieServer.origin, forbidden.origin] });
      const result = await responseOf(
        oracle,
        `(async () => {
          const r = await fetch("${cookieServer.origin}/login", { headers: { authorization: "Bearer mine" } });
          const again = await (await fetch("${cookieServer.origin}/echo")).json();
          Lit.Actions.setResponse({ response: JSON.stringify([r.status, r.headers.get("set-cookie"), again.cookie]) });
        })();`,
      );
      expect(JSON.parse(result.response)).to.deep.equal([200, null, null]);
      expect(forbidden.requests[0].headers.authorization).to.equal(undefined);
    } finally {
      await cookieServer.close();
    }
    await expectContained(a);
  });
});
