import { expect } from "chai";
import { keccak256 } from "ethers";
import {
  ActionRuntime,
  FatalHostError,
  UNSUPPORTED_LIT_ACTIONS,
  type HostRequest,
} from "../../../src/oracle/runtime";
import { FakeHost, IPFS_ID, PUBLIC_KEY, defaultResponse, expectFailure } from "./fakeHost";

describe("ActionRuntime: the Lit.Actions API inside the sandbox", function () {
  let runtime: ActionRuntime;

  before(function () {
    runtime = new ActionRuntime({ poolSize: 2, limits: { timeoutMs: 5_000 } });
  });

  after(async function () {
    await runtime.close();
  });

  function run(code: string, host = new FakeHost(), jsParams?: Record<string, unknown>) {
    return runtime.run({ code, ipfsId: IPFS_ID, host, jsParams });
  }

  describe("script forms, response and logs", function () {
    it("exposes jsParams both as globals and as the jsParams object", async function () {
      const outcome = await run(
        "Lit.Actions.setResponse({ response: JSON.stringify([greeting, jsParams.greeting, n + 1, typeof jsParams]) });",
        new FakeHost(),
        { greeting: "hi", n: 41 },
      );
      expect(JSON.parse(outcome.response)).to.deep.equal(["hi", "hi", 42, "object"]);
    });

    it("does not let a jsParam named Lit hide the API", async function () {
      const outcome = await run(
        "LitActions.setResponse({ response: typeof Lit.Actions.signEcdsa + ':' + jsParams.Lit });",
        new FakeHost(),
        { Lit: "shadow" },
      );
      expect(outcome.response).to.equal("function:shadow");
    });

    it("returns the last setResponse value and an empty response when never called", async function () {
      const twice = await run(
        'LitActions.setResponse({ response: "a" }); LitActions.setResponse({ response: "b" });',
      );
      expect(twice.response).to.equal("b");
      expect((await run("1 + 1")).response).to.equal("");
    });

    it("rejects a non-string setResponse inside the action with a clear TypeError", async function () {
      const outcome = await run(
        "try { LitActions.setResponse({ response: { a: 1 } }) } catch (e) { LitActions.setResponse({ response: e.name + ': ' + e.message }) }",
      );
      expect(outcome.response).to.match(/^TypeError: .*must be a string/);
    });

    it("captures console.log/info/warn/error/debug in order, formatting non-strings", async function () {
      const outcome = await run(`
        console.log("log", 1, { a: [1, 2] });
        console.info("info");
        console.warn("warn");
        console.error(new Error("bad"));
        console.debug(undefined, null, 10n);
      `);
      const lines = outcome.logs.split("\n");
      expect(lines[0]).to.equal('log 1 {"a":[1,2]}');
      expect(lines[1]).to.equal("info");
      expect(lines[2]).to.equal("warn");
      expect(lines[3]).to.equal("Error: bad");
      expect(outcome.logs).to.contain("undefined null 10n\n");
    });

    it("waits for an async IIFE (the usual Lit action form) to finish", async function () {
      const host = new FakeHost(async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return true;
      });
      const outcome = await run(
        `(async () => {
           const ok = await Lit.Actions.isPermittedAction({ tokenId: "1", ipfsId: "${IPFS_ID}" });
           Lit.Actions.setResponse({ response: "permitted=" + ok });
         })();`,
        host,
      );
      expect(outcome.response).to.equal("permitted=true");
      expect(outcome.timings.hostCalls).to.equal(1);
      expect(outcome.timings.hostWaitMs).to.be.greaterThan(20);
    });

    it("waits for a named async function called at the end (`go();`)", async function () {
      const outcome = await run(`
        const go = async () => {
          await null;
          LitActions.setResponse({ response: "went" });
        };
        go();
      `);
      expect(outcome.response).to.equal("went");
    });

    it("supports top-level await", async function () {
      const outcome = await run(
        `const permitted = await LitActions.isPermittedAddress({ tokenId: 7, address: "0x000000000000000000000000000000000000dead" });
         LitActions.setResponse({ response: String(permitted) });`,
      );
      expect(outcome.response).to.equal("true");
    });

    it("reports timings of every phase", async function () {
      const { timings } = await run('LitActions.setResponse({ response: "t" })');
      for (const key of [
        "queueMs",
        "dispatchMs",
        "sandboxCreateMs",
        "evalMs",
        "totalMs",
      ] as const) {
        expect(timings[key], key).to.be.a("number").and.at.least(0);
      }
      expect(timings.totalMs).to.be.at.least(timings.evalMs);
    });
  });

  describe("signing", function () {
    it("delegates signEcdsa to the host with validated, normalised args and resolves 'success'", async function () {
      const host = new FakeHost();
      const outcome = await run(
        `(async () => {
           const toSign = new Uint8Array(32).map((_, i) => i);
           const result = await Lit.Actions.signEcdsa({ toSign, publicKey: "${PUBLIC_KEY.slice(2).toUpperCase()}", sigName: "sig1" });
           Lit.Actions.setResponse({ response: result });
         })();`,
        host,
      );
      expect(outcome.response).to.equal("success");
      const expectedDigest = "0x" + Buffer.from([...Array(32).keys()]).toString("hex");
      expect(host.requests).to.deep.equal([
        { method: "signEcdsa", toSign: expectedDigest, publicKey: PUBLIC_KEY, sigName: "sig1" },
      ]);
      expect(outcome.signatures).to.deep.equal({
        sig1: { signature: "sig-of-sig1", publicKey: PUBLIC_KEY },
      });
    });

    it("accepts toSign as a plain array of numbers", async function () {
      const host = new FakeHost();
      await run(
        `await Lit.Actions.signEcdsa({ toSign: Array(32).fill(255), publicKey: "${PUBLIC_KEY}", sigName: "s" });`,
        host,
      );
      expect(host.requests[0]).to.include({ toSign: "0x" + "ff".repeat(32) });
    });

    it("rejects a toSign that is not exactly 32 bytes inside the action, without calling the host", async function () {
      const host = new FakeHost();
      const outcome = await run(
        `(async () => {
           const errors = [];
           for (const toSign of [new Uint8Array(31), [1, 2, 300].concat(Array(29).fill(0)), "nothex"]) {
             try { await Lit.Actions.signEcdsa({ toSign, publicKey: "${PUBLIC_KEY}", sigName: "x" }); }
             catch (e) { errors.push(e.code + ": " + e.message); }
           }
           Lit.Actions.setResponse({ response: JSON.stringify(errors) });
         })();`,
        host,
      );
      const errors = JSON.parse(outcome.response) as string[];
      expect(errors[0]).to.equal(
        "INVALID_ARGUMENT: signEcdsa: toSign must be exactly 32 bytes, got 31",
      );
      expect(errors[1]).to.match(/toSign must contain only integers 0\.\.255/);
      expect(errors[2]).to.match(/toSign must be a Uint8Array/);
      expect(host.requests).to.have.length(0);
    });

    it("rejects a malformed publicKey or missing sigName", async function () {
      const outcome = await run(`
        const results = [];
        for (const args of [{ publicKey: "0x1234", sigName: "a" }, { publicKey: "${PUBLIC_KEY}" }]) {
          try { await LitActions.signEcdsa({ toSign: new Uint8Array(32), ...args }); }
          catch (e) { results.push(e.message); }
        }
        LitActions.setResponse({ response: JSON.stringify(results) });
      `);
      const [badKey, noName] = JSON.parse(outcome.response) as string[];
      expect(badKey).to.match(/publicKey must be a 65-byte/);
      expect(noName).to.match(/sigName must be a non-empty string/);
    });

    it("sends ethPersonalSignMessageEcdsa messages as UTF-8 bytes and records the signature", async function () {
      const host = new FakeHost();
      const outcome = await run(
        `const r = await Lit.Actions.ethPersonalSignMessageEcdsa({ message: "hé", publicKey: "${PUBLIC_KEY}", sigName: "msg" });
         Lit.Actions.setResponse({ response: r });`,
        host,
      );
      expect(outcome.response).to.equal("success");
      expect(host.requests[0]).to.deep.include({ message: "0x68c3a9", sigName: "msg" });
      expect(outcome.signatures).to.have.key("msg");
    });

    it("gives signAndCombineEcdsa's combined signature to the action, not to the outcome", async function () {
      const outcome = await run(
        `const combined = await Lit.Actions.signAndCombineEcdsa({ toSign: new Uint8Array(32), publicKey: "${PUBLIC_KEY}", sigName: "c" });
         Lit.Actions.setResponse({ response: combined });`,
      );
      expect(JSON.parse(outcome.response)).to.deep.equal({ r: "aa", s: "bb", v: 27 });
      expect(outcome.signatures).to.deep.equal({});
    });

    it("lists signatures in call order even when the host finishes them out of order", async function () {
      const delays: Record<string, number> = { first: 60, second: 30, third: 0 };
      const host = new FakeHost(async (request) => {
        if (request.method === "signEcdsa") {
          await new Promise((resolve) => setTimeout(resolve, delays[request.sigName]));
        }
        return defaultResponse(request);
      });
      const outcome = await run(
        `const sign = (sigName) => Lit.Actions.signEcdsa({ toSign: new Uint8Array(32), publicKey: "${PUBLIC_KEY}", sigName });
         await Promise.all([sign("first"), sign("second"), sign("third")]);`,
        host,
      );
      expect(Object.keys(outcome.signatures)).to.deep.equal(["first", "second", "third"]);
    });

    it("refuses to reuse a sigName within one execution", async function () {
      const outcome = await run(
        `const args = { toSign: new Uint8Array(32), publicKey: "${PUBLIC_KEY}", sigName: "dup" };
         await Lit.Actions.signEcdsa(args);
         try { await Lit.Actions.signEcdsa(args); } catch (e) { Lit.Actions.setResponse({ response: e.message }); }`,
      );
      expect(outcome.response).to.match(/sigName "dup" is already used/);
      expect(Object.keys(outcome.signatures)).to.deep.equal(["dup"]);
    });
  });

  describe("host errors", function () {
    it("fails the whole run with a fatal host error's code even if the action catches it", async function () {
      const host = new FakeHost((request) => {
        if (request.method === "signEcdsa") {
          throw new FatalHostError("NOT_PERMITTED", "PKP does not permit this action to sign");
        }
        return defaultResponse(request);
      });
      const failure = await expectFailure(
        run(
          `(async () => {
             console.log("before");
             try {
               await Lit.Actions.signEcdsa({ toSign: new Uint8Array(32), publicKey: "${PUBLIC_KEY}", sigName: "s" });
             } catch (e) {
               Lit.Actions.setResponse({ response: "caught: " + e.message });
             }
           })();`,
          host,
        ),
        "NOT_PERMITTED",
        /does not permit this action/,
      );
      expect(failure.logs).to.equal("before\n");
    });

    it("treats any thrown object with fatal: true and a code as fatal", async function () {
      const host = new FakeHost(() => {
        throw Object.assign(new Error("chain says no"), { fatal: true, code: "CHAIN_DOWN" });
      });
      await expectFailure(
        run(`try { await LitActions.getPermittedActions({ tokenId: 1 }) } catch (e) {}`, host),
        "CHAIN_DOWN",
        /chain says no/,
      );
    });

    it("turns a non-fatal host error into a catchable sandbox Error with message and code", async function () {
      const host = new FakeHost(() => {
        throw Object.assign(new Error("rpc unavailable"), { code: "RPC_ERROR", secret: "x" });
      });
      const outcome = await run(
        `try { await LitActions.getPermittedAddresses({ tokenId: "0x01" }) }
         catch (e) { LitActions.setResponse({ response: JSON.stringify([e instanceof Error, e.message, e.code, e.secret]) }) }`,
        host,
      );
      expect(JSON.parse(outcome.response)).to.deep.equal([
        true,
        "rpc unavailable",
        "RPC_ERROR",
        null,
      ]);
    });

    it("fails with HOST_ERROR when the host returns something that is not JSON", async function () {
      const host = new FakeHost(() => ({ big: 1n }) as never);
      await expectFailure(
        run("await LitActions.getPermittedActions({ tokenId: 1 })", host),
        "HOST_ERROR",
        /not JSON/,
      );
    });
  });

  describe("permission and helper calls", function () {
    it("forwards every permission call with parsed arguments and returns the host's data", async function () {
      const host = new FakeHost();
      const outcome = await run(
        `const t = "0x10";
         const r = [
           await Lit.Actions.isPermittedAction({ tokenId: t, ipfsId: "${IPFS_ID}" }),
           await Lit.Actions.isPermittedAddress({ tokenId: t, address: "0x000000000000000000000000000000000000dead" }),
           await Lit.Actions.isPermittedAuthMethod({ tokenId: t, authMethodType: 1, userId: [1, 2] }),
           await Lit.Actions.getPermittedActions({ tokenId: t }),
           await Lit.Actions.getPermittedAddresses({ tokenId: t }),
           await Lit.Actions.getPermittedAuthMethods({ tokenId: t }),
           await Lit.Actions.getPermittedAuthMethodScopes({ tokenId: t, authMethodType: "2", userId: "0xabcd" }),
         ];
         Lit.Actions.setResponse({ response: JSON.stringify(r) });`,
        host,
      );
      const result = JSON.parse(outcome.response) as unknown[];
      expect(result[0]).to.equal(true);
      expect(result[3]).to.deep.equal([IPFS_ID]);
      expect(result[6]).to.deep.equal([false, true]);
      const expected: HostRequest[] = [
        { method: "isPermittedAction", tokenId: 16n, ipfsId: IPFS_ID },
        {
          method: "isPermittedAddress",
          tokenId: 16n,
          address: "0x000000000000000000000000000000000000dEaD",
        },
        { method: "isPermittedAuthMethod", tokenId: 16n, authMethodType: 1n, userId: "0x0102" },
        { method: "getPermittedActions", tokenId: 16n },
        { method: "getPermittedAddresses", tokenId: 16n },
        { method: "getPermittedAuthMethods", tokenId: 16n },
        {
          method: "getPermittedAuthMethodScopes",
          tokenId: 16n,
          authMethodType: 2n,
          userId: "0xabcd",
          maxScopeId: 100,
        },
      ];
      expect(host.requests).to.deep.equal(expected);
    });

    it("rejects an invalid ipfsId, address or tokenId inside the action", async function () {
      const host = new FakeHost();
      const outcome = await run(
        `const attempts = [
           () => LitActions.isPermittedAction({ tokenId: 1, ipfsId: "bafy-not-v0" }),
           () => LitActions.isPermittedAddress({ tokenId: 1, address: "0x123" }),
           () => LitActions.getPermittedActions({ tokenId: -1 }),
           () => LitActions.getPermittedActions(),
         ];
         const messages = [];
         for (const attempt of attempts) { try { await attempt(); } catch (e) { messages.push(e.message); } }
         LitActions.setResponse({ response: JSON.stringify(messages) });`,
        host,
      );
      const messages = JSON.parse(outcome.response) as string[];
      expect(messages).to.have.length(4);
      expect(messages[0]).to.match(/ipfsId must be a CIDv0/);
      expect(messages[1]).to.match(/not a valid Ethereum address/);
      expect(messages[2]).to.match(/tokenId must be a uint256/);
      expect(messages[3]).to.match(/tokenId must be a uint256/);
      expect(host.requests).to.have.length(0);
    });

    it("computes pubkeyToTokenId synchronously as keccak256 of the key (Lit's 0x-hex form)", async function () {
      const outcome = await run(
        `const id = Lit.Actions.pubkeyToTokenId({ publicKey: "${PUBLIC_KEY}" });
         LitActions.setResponse({ response: id });`,
      );
      expect(outcome.response).to.equal(keccak256(PUBLIC_KEY));
    });

    it("encodes and decodes utf8, base16 and base64 with uint8arrayToString/FromString", async function () {
      const outcome = await run(`
        const A = Lit.Actions;
        const text = "héllo ✓ 🚀";
        const bytes = A.uint8arrayFromString(text, "utf8");
        LitActions.setResponse({ response: JSON.stringify({
          utf8: A.uint8arrayToString(bytes, "utf8"),
          hex: A.uint8arrayToString(bytes, "base16"),
          b64: A.uint8arrayToString(bytes, "base64"),
          b64pad: A.uint8arrayToString(A.uint8arrayFromString("ab"), "base64pad"),
          fromHex: Array.from(A.uint8arrayFromString("00ff10", "base16")),
          fromB64: A.uint8arrayToString(A.uint8arrayFromString(A.uint8arrayToString(bytes, "base64"), "base64")),
          isU8: bytes instanceof Uint8Array,
        })});
      `);
      const text = "héllo ✓ 🚀";
      const result = JSON.parse(outcome.response) as Record<string, unknown>;
      expect(result.utf8).to.equal(text);
      expect(result.hex).to.equal(Buffer.from(text).toString("hex"));
      expect(result.b64).to.equal(Buffer.from(text).toString("base64").replace(/=+$/, ""));
      expect(result.b64pad).to.equal("YWI=");
      expect(result.fromHex).to.deep.equal([0, 255, 16]);
      expect(result.fromB64).to.equal(text);
      expect(result.isU8).to.equal(true);
    });

    it("rejects an unknown encoding", async function () {
      const outcome = await run(
        `try { Lit.Actions.uint8arrayToString(new Uint8Array(1), "ebcdic") } catch (e) { Lit.Actions.setResponse({ response: e.message }) }`,
      );
      expect(outcome.response).to.match(/unsupported encoding "ebcdic"/);
    });

    it("leaves no Lit.Actions function unsupported (claimKey, the last one, is a host call)", async function () {
      expect(UNSUPPORTED_LIT_ACTIONS).to.deep.equal([]);
      const host = new FakeHost();
      const outcome = await run(
        'LitActions.setResponse({ response: await Lit.Actions.claimKey({ keyId: "alice" }) });',
        host,
      );
      expect(outcome.response).to.equal("success");
      expect(host.requests).to.deep.equal([{ method: "claimKey", keyId: "alice" }]);
    });

    it("rejects a blank claimKey keyId inside the action, before the host sees it", async function () {
      const host = new FakeHost();
      const outcome = await run(
        'try { await Lit.Actions.claimKey({ keyId: " " }) } catch (e) { LitActions.setResponse({ response: e.code + ": " + e.message }) }',
        host,
      );
      expect(outcome.response).to.match(/^INVALID_ARGUMENT: .*keyId must be a non-blank string/);
      expect(host.requests).to.deep.equal([]);
    });
  });

  describe("timers", function () {
    it("supports await new Promise(r => setTimeout(r, ms)) inside the run", async function () {
      const started = Date.now();
      const outcome = await run(
        'await new Promise((r) => setTimeout(r, 50)); LitActions.setResponse({ response: "slept" });',
      );
      expect(outcome.response).to.equal("slept");
      expect(Date.now() - started).to.be.at.least(45);
    });

    it("does not call a cleared timeout and stops a cleared interval", async function () {
      const outcome = await run(`
        let ticks = 0;
        const cancelled = setTimeout(() => LitActions.setResponse({ response: "should not run" }), 10);
        clearTimeout(cancelled);
        await new Promise((resolve) => {
          const id = setInterval(() => { if (++ticks === 3) { clearInterval(id); resolve(); } }, 5);
        });
        LitActions.setResponse({ response: "ticks=" + ticks });
      `);
      expect(outcome.response).to.equal("ticks=3");
    });

    it("fails the run when a timer callback throws", async function () {
      await expectFailure(
        run('setTimeout(() => { throw new Error("late boom") }, 1);'),
        "ACTION_ERROR",
        /timer callback.*late boom/,
      );
    });
  });
});
