import { expect } from "chai";
import { ActionRuntime, DEFAULT_LIMITS } from "../../../src/oracle/runtime";
import { FakeHost, IPFS_ID, PUBLIC_KEY, expectFailure, expectHealthy } from "./fakeHost";

const MiB = 1024 * 1024;

describe("ActionRuntime: limits and failures", function () {
  let runtime: ActionRuntime;

  before(function () {
    runtime = new ActionRuntime({
      poolSize: 2,
      limits: { timeoutMs: 500, memoryBytes: 16 * MiB },
      watchdogGraceMs: 500,
    });
  });

  after(async function () {
    await runtime.close();
  });

  // Every failure below must leave the pool usable.
  afterEach(async function () {
    await expectHealthy(runtime);
  });

  function run(code: string, limits = {}, host = new FakeHost()) {
    return runtime.run({ code, ipfsId: IPFS_ID, host, limits });
  }

  describe("errors thrown by the action", function () {
    it("fails with ACTION_ERROR carrying the action's message when it throws", async function () {
      await expectFailure(
        run('throw new Error("bad input")'),
        "ACTION_ERROR",
        /^Error: bad input$/,
      );
    });

    it("fails with ACTION_ERROR for a thrown non-Error value", async function () {
      await expectFailure(run('throw { reason: "x" }'), "ACTION_ERROR", /Uncaught.*"reason":"x"/);
    });

    it("fails with ACTION_ERROR on a syntax error", async function () {
      await expectFailure(run("let = ;"), "ACTION_ERROR", /SyntaxError/);
    });

    it("fails with ACTION_ERROR on an unhandled rejection of the async IIFE", async function () {
      await expectFailure(
        run('(async () => { await null; throw new Error("async boom"); })();'),
        "ACTION_ERROR",
        /Uncaught \(in promise\) Error: async boom/,
      );
    });

    it("fails with ACTION_ERROR when top-level await rejects", async function () {
      await expectFailure(
        run('await Promise.reject(new TypeError("nope"))'),
        "ACTION_ERROR",
        /TypeError: nope/,
      );
    });

    it("fails when the top-level promise can never settle", async function () {
      await expectFailure(run("await new Promise(() => {});"), "ACTION_ERROR", /never settled/);
    });

    it("turns unbounded recursion into a clean ACTION_ERROR 'stack overflow'", async function () {
      await expectFailure(
        run("function down(n) { return down(n + 1) + 1; } down(0);"),
        "ACTION_ERROR",
        /InternalError: stack overflow/,
      );
    });

    it("lets an action catch its own stack overflow and carry on", async function () {
      const outcome = await run(`
        function down(n) { return down(n + 1) + 1; }
        try { down(0); } catch (e) { LitActions.setResponse({ response: String(e) }); }
      `);
      expect(outcome.response).to.equal("InternalError: stack overflow");
    });
  });

  describe("time", function () {
    it("stops an infinite loop with ACTION_TIMEOUT", async function () {
      const started = Date.now();
      await expectFailure(run("while (true) {}"), "ACTION_TIMEOUT", /500 ms/);
      expect(Date.now() - started).to.be.below(1_500);
    });

    it("stops an async infinite loop that keeps awaiting host calls", async function () {
      await expectFailure(
        run(`(async () => { for (;;) await LitActions.getPermittedActions({ tokenId: 1 }); })();`, {
          maxHostCalls: 100_000,
        }),
        "ACTION_TIMEOUT",
      );
    });

    it("stops an action that waits forever on a slow host", async function () {
      const host = new FakeHost(() => new Promise(() => undefined));
      await expectFailure(
        run("await LitActions.getPermittedActions({ tokenId: 1 });", {}, host),
        "ACTION_TIMEOUT",
      );
    });

    it("stops an action whose timer outlives the deadline", async function () {
      await expectFailure(run("setTimeout(() => {}, 60_000);"), "ACTION_TIMEOUT");
    });

    it("kills a worker stuck in a builtin that never checks the interrupt handler", async function () {
      // Each indexOf scans 1 MB in C; thousands of them pass before QuickJS polls the handler.
      const started = Date.now();
      await expectFailure(
        run(
          'const s = "x".repeat(1e6); let n = 0; for (let i = 0; i < 1e5; i++) n += s.indexOf("y");',
        ),
        "ACTION_TIMEOUT",
        /sandbox worker killed/,
      );
      expect(Date.now() - started).to.be.below(2_500);
      expect(runtime.stats().replaced).to.be.at.least(1);
    });

    it("keeps the caller's event loop responsive while an action spins", async function () {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      try {
        await expectFailure(run("while (true) {}", { timeoutMs: 300 }), "ACTION_TIMEOUT");
      } finally {
        clearInterval(ticker);
      }
      expect(ticks).to.be.at.least(10);
    });

    it("runs actions in parallel on the pool", async function () {
      // Each run reports when its spin began and ended (the sandbox's clock is the host's): on
      // the pool the two spans overlap; one after the other they could not. No wall-time bound,
      // so a loaded machine slows both runs without failing the test.
      const spin = `const start = Date.now(); const end = start + 200;
        while (Date.now() < end) {}
        LitActions.setResponse({ response: JSON.stringify([start, Date.now()]) });`;
      await runtime.warmUp(); // both workers started (one may be a fresh replacement)
      const spans = (await Promise.all([run(spin), run(spin)])).map(
        (outcome) => JSON.parse(outcome.response) as [number, number],
      );
      const latestStart = Math.max(spans[0][0], spans[1][0]);
      const earliestEnd = Math.min(spans[0][1], spans[1][1]);
      expect(latestStart, JSON.stringify(spans)).to.be.below(earliestEnd);
    });
  });

  describe("memory", function () {
    // A fresh worker runs QuickJS before V8 has tiered up its WASM code: filling 8 MiB can take
    // a few hundred ms on a loaded 2-core machine, so these runs get more than 500 ms.
    const memoryLimits = { memoryBytes: 8 * MiB, timeoutMs: 5_000 };

    it("stops a growing array with ACTION_MEMORY_LIMIT", async function () {
      await expectFailure(
        run("const hoard = []; for (;;) hoard.push({ index: hoard.length });", memoryLimits),
        "ACTION_MEMORY_LIMIT",
        /8388608-byte heap limit/,
      );
    });

    it("stops one huge allocation with ACTION_MEMORY_LIMIT", async function () {
      await expectFailure(
        run('"x".repeat(64 * 1024 * 1024).length', memoryLimits),
        "ACTION_MEMORY_LIMIT",
      );
    });

    // QuickJS's own limit counts a few bytes per allocation in this build (it cannot size them):
    // large strings and buffers are bounded by the worker's measure of the allocator instead.
    for (const [where, memoryBytes] of [
      ["a fresh sandbox", 8 * MiB],
      ["the sandbox image", 32 * MiB],
    ] as const) {
      it(`stops large buffers and strings past the heap limit with ACTION_MEMORY_LIMIT (${where})`, async function () {
        const limits = { memoryBytes, timeoutMs: 5_000 };
        const pattern = new RegExp(`${memoryBytes}-byte heap limit`);
        await expectFailure(
          run(
            "const a = []; for (let i = 0; i < 64; i++) a.push(new Uint8Array(1 << 20));",
            limits,
          ),
          "ACTION_MEMORY_LIMIT",
          pattern,
        );
        await expectFailure(
          run(
            'const a = []; for (let i = 0; i < 64; i++) a.push("x".repeat(1 << 20) + i);',
            limits,
          ),
          "ACTION_MEMORY_LIMIT",
          pattern,
        );
        // One allocation, then nothing that checks: caught when the run ends.
        await expectFailure(
          run("new Uint8Array(2 * 1024 * 1024 * 64).length", limits),
          "ACTION_MEMORY_LIMIT",
          pattern,
        );
      });
    }

    it("lets a run use large buffers within its heap limit", async function () {
      const outcome = await run(
        "const a = []; for (let i = 0; i < 4; i++) a.push(new Uint8Array(1 << 20).fill(i)); Lit.Actions.setResponse({ response: String(a.length) });",
        memoryLimits,
      );
      expect(outcome.response).to.equal("4");
    });

    it("stops a memory bomb inside an async callback with ACTION_MEMORY_LIMIT", async function () {
      await expectFailure(
        run(
          "await null; const m = new Map(); for (let i = 0; ; i++) m.set(i, { i });",
          memoryLimits,
        ),
        "ACTION_MEMORY_LIMIT",
      );
    });
  });

  describe("sizes and counts", function () {
    it("refuses code larger than codeBytes before starting anything", async function () {
      const host = new FakeHost();
      await expectFailure(
        run(`// ${"x".repeat(200)}`, { codeBytes: 100 }, host),
        "LIMIT_EXCEEDED",
        /code is 203 bytes, more than the limit of 100/,
      );
    });

    it("refuses a response larger than responseBytes, even if the action catches it", async function () {
      await expectFailure(
        run('try { LitActions.setResponse({ response: "é".repeat(6) }) } catch (e) {}', {
          responseBytes: 11,
        }),
        "LIMIT_EXCEEDED",
        /response is 12 bytes/,
      );
    });

    it("refuses more signatures than maxSignatures, even if the action catches it", async function () {
      const host = new FakeHost();
      const failure = await expectFailure(
        run(
          `for (let i = 0; i < 5; i++) {
             try { await Lit.Actions.signEcdsa({ toSign: new Uint8Array(32), publicKey: "${PUBLIC_KEY}", sigName: "s" + i }); }
             catch (e) {}
           }`,
          { maxSignatures: 2 },
          host,
        ),
        "LIMIT_EXCEEDED",
        /more than 2 signatures/,
      );
      expect(host.requests).to.have.length(2);
      expect(failure.logs).to.equal("");
    });

    it("refuses logs larger than logBytes", async function () {
      await expectFailure(
        run('for (;;) console.log("spam spam spam");', { logBytes: 1024 }),
        "LIMIT_EXCEEDED",
        /logs exceed the limit of 1024 bytes/,
      );
    });

    it("refuses host-call arguments over 64 KiB before they leave the worker, even if caught", async function () {
      const host = new FakeHost();
      await expectFailure(
        run(
          `try {
             await Lit.Actions.ethPersonalSignMessageEcdsa({ message: "x".repeat(70000), publicKey: "${PUBLIC_KEY}", sigName: "s" });
           } catch (e) {}`,
          {},
          host,
        ),
        "LIMIT_EXCEEDED",
        /ethPersonalSignMessageEcdsa: its arguments are \d+ characters as JSON, more than the limit of 65536/,
      );
      expect(host.requests).to.have.length(0);
    });

    it("passes host-call arguments just under the cap to the host", async function () {
      const host = new FakeHost();
      await run(
        `await Lit.Actions.ethPersonalSignMessageEcdsa({ message: "x".repeat(60000), publicKey: "${PUBLIC_KEY}", sigName: "s" });`,
        {},
        host,
      );
      expect(host.requests).to.have.length(1);
    });

    it("refuses too many host calls in flight at once", async function () {
      const host = new FakeHost(() => new Promise(() => undefined));
      await expectFailure(
        run(
          "for (let i = 0; i < 5000; i++) LitActions.getPermittedActions({ tokenId: i }).catch(() => {});",
          { maxHostCalls: 100_000 },
          host,
        ),
        "LIMIT_EXCEEDED",
        /in flight/,
      );
    });
  });

  describe("host-call budget and huge strings", function () {
    it("refuses more host calls than maxHostCalls, even if the action catches it", async function () {
      const host = new FakeHost();
      await expectFailure(
        run(
          `for (let i = 0; i < 20; i++) {
             try { await LitActions.isPermittedAction({ tokenId: i, ipfsId: "${IPFS_ID}" }); } catch (e) {}
           }`,
          { maxHostCalls: 10 },
          host,
        ),
        "LIMIT_EXCEEDED",
        /more than 10 host calls in one execution/,
      );
      expect(host.requests).to.have.length(10);
    });

    it("refuses host-call arguments over hostCallBytes in total, even if caught", async function () {
      const host = new FakeHost();
      const userId = "0x" + "ab".repeat(32_000); // 32,000 bytes: 64,002 characters of hex
      await expectFailure(
        run(
          `for (let i = 0; i < 100; i++) {
             try {
               await LitActions.isPermittedAuthMethod({ tokenId: i, authMethodType: 1, userId: "${userId}" });
             } catch (e) {}
           }`,
          { hostCallBytes: 256 * 1024 },
          host,
        ),
        "LIMIT_EXCEEDED",
        /exceed 262144 bytes in total/,
      );
      // ≈ 64,050 bytes of JSON per call: four fit in 256 KiB, the fifth does not.
      expect(host.requests).to.have.length(4);
    });

    it("refuses a 64 Mi-character response or log line (a rope QuickJS never copies out) with LIMIT_EXCEEDED", async function () {
      const rope = `let s = "x"; for (let i = 0; i < 26; i++) s = s + s;`; // 2^26 = 64 Mi characters
      await expectFailure(
        run(`${rope} Lit.Actions.setResponse({ response: s });`),
        "LIMIT_EXCEEDED",
        /response is at least 67108864 bytes/,
      );
      await expectFailure(run(`${rope} console.log(s);`), "LIMIT_EXCEEDED", /logs exceed/);
    });
  });

  describe("configuration and input", function () {
    it("uses Lit-like defaults", function () {
      expect(DEFAULT_LIMITS).to.deep.include({
        timeoutMs: 30_000,
        memoryBytes: 64 * MiB,
        stackBytes: 256 * 1024,
        codeBytes: MiB,
      });
    });

    it("rejects invalid or unknown limits with INVALID_LIMITS", async function () {
      await expectFailure(run("1", { timeoutMs: 0 }), "INVALID_LIMITS", /timeoutMs/);
      await expectFailure(run("1", { stackBytes: 8 * MiB }), "INVALID_LIMITS", /stackBytes/);
      await expectFailure(run("1", { memoryBytes: 1.5 }), "INVALID_LIMITS", /memoryBytes/);
      await expectFailure(run("1", { cpu: 1 }), "INVALID_LIMITS", /unknown action limit "cpu"/);
      expect(() => new ActionRuntime({ limits: { logBytes: -1 } })).to.throw(/logBytes/);
      expect(() => new ActionRuntime({ poolSize: 0 })).to.throw(/poolSize/);
    });

    it("rejects jsParams that are not JSON data with INVALID_INPUT", async function () {
      await expectFailure(
        runtime.run({ code: "1", ipfsId: IPFS_ID, host: new FakeHost(), jsParams: { n: 1n } }),
        "INVALID_INPUT",
        /jsParams must be JSON/,
      );
    });

    it("fails queued and new runs with RUNTIME_CLOSED once closed", async function () {
      const closing = new ActionRuntime({ poolSize: 1 });
      await closing.close();
      await expectFailure(
        closing.run({ code: "1", ipfsId: IPFS_ID, host: new FakeHost() }),
        "RUNTIME_CLOSED",
      );
    });
  });
});
