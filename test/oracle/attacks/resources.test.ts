/**
 * Oracle attack suite, part 2: resource abuse through SigningOracle.execute on a real chain. Each
 * case is refused with its code, returns no signature (not even the ones made before the abuse),
 * and leaves the oracle serving. Limits are the suite's small ones (ATTACK_LIMITS), so each case
 * ends quickly; runtime-level limit tests live in test/oracle/runtime/limits.test.ts.
 */
import { expect } from "chai";
import { ActionRuntime } from "../../../src/oracle/runtime";
import {
  type Arena,
  DIGEST_BYTES,
  arena,
  attackRuntime,
  expectContained,
  expectRefused,
} from "./attackFixture";

/** Signs once with the attacker's own PKP (permitted through her authSig), then abuses. */
const SIGN_OWN_FIRST = `await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.own, sigName: "own" });`;

describe("Oracle attacks: resource abuse", function () {
  const runtime = attackRuntime();
  after(() => runtime.close());

  function attack(a: Arena, code: string, jsParams: Record<string, unknown> = {}) {
    return a.oracle.execute({
      code,
      jsParams: { toSign: DIGEST_BYTES, own: a.own.publicKey, ...jsParams },
      authSig: a.mallorySig,
    });
  }

  it("R1: a sync infinite loop after a permitted signature ends in ACTION_TIMEOUT with no signature returned", async function () {
    const a = await arena(runtime);
    const result = await attack(a, `(async () => { ${SIGN_OWN_FIRST} for (;;) {} })();`);
    expectRefused(result, "ACTION_TIMEOUT");
    await expectContained(a);
  });

  it("R2: an endless microtask/async loop ends in ACTION_TIMEOUT", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => { ${SIGN_OWN_FIRST} for (;;) { await Promise.resolve(); } })();`,
    );
    expectRefused(result, "ACTION_TIMEOUT");
    await expectContained(a);
  });

  it("R3: an endless setInterval(0) flood ends in ACTION_TIMEOUT", async function () {
    const a = await arena(runtime);
    const result = await attack(a, `setInterval(() => { [].concat(new Array(100).fill(1)); }, 0);`);
    expectRefused(result, "ACTION_TIMEOUT");
    await expectContained(a);
  });

  it("R4: a memory bomb ends in ACTION_MEMORY_LIMIT", async function () {
    // Its own runtime: filling even 8 MiB on a cold worker can take longer than ATTACK_LIMITS'
    // 1.5 s on this machine, and the case is about memory, not time.
    const memoryRuntime = new ActionRuntime({
      poolSize: 1,
      limits: { timeoutMs: 20_000, memoryBytes: 8 * 1024 * 1024 },
    });
    try {
      const a = await arena(memoryRuntime);
      const result = await attack(
        a,
        `(async () => { ${SIGN_OWN_FIRST} const hoard = []; for (;;) hoard.push({ index: hoard.length }); })();`,
      );
      expectRefused(result, "ACTION_MEMORY_LIMIT");
      await expectContained(a);
    } finally {
      await memoryRuntime.close();
    }
  });

  it("R5: deeply nested or cyclic arguments to a host call are refused in the sandbox (ACTION_ERROR)", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => {
        const refused = [];
        let deep = []; for (let i = 0; i < 10000; i++) deep = [deep];
        const cyclic = { sigName: "c" }; cyclic.self = cyclic;
        for (const args of [{ toSign: deep, publicKey: jsParams.own, sigName: "d" }, cyclic]) {
          try { await Lit.Actions.signEcdsa(args); } catch (e) { refused.push(e.message); }
        }
        throw new Error(refused.join(" | "));
      })();`,
    );
    expectRefused(result, "ACTION_ERROR", /nested too deeply.*\|.*nested too deeply/);
    await expectContained(a);
  });

  it("R6: a 2 MiB response is refused with LIMIT_EXCEEDED, even when the action catches it", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `try { Lit.Actions.setResponse({ response: "x".repeat(2 * 1024 * 1024) }); } catch (e) {}
       Lit.Actions.setResponse({ response: "small" });`,
    );
    expectRefused(result, "LIMIT_EXCEEDED", /response is (at least )?2097152 bytes/);
    await expectContained(a);
  });

  it("R7: a 4-million-element toSign array is refused as an argument, inside the action", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => {
        const huge = new Array(4_000_000).fill(7);
        await Lit.Actions.signEcdsa({ toSign: huge, publicKey: jsParams.own, sigName: "huge" });
      })();`,
    );
    // Either the argument is refused (not 32 bytes) or serialising it exhausts the heap first.
    expect(result.success).to.equal(false);
    expect(["ACTION_ERROR", "ACTION_MEMORY_LIMIT"]).to.include(
      (result as { error: { code: string } }).error.code,
    );
    expect(a.keystore.signed).to.deep.equal([]);
    await expectContained(a);
  });

  it("R8: more than 32 signatures in one execution is LIMIT_EXCEEDED and returns none of them", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => {
        const calls = [];
        for (let i = 0; i < 40; i++) {
          calls.push(Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.own, sigName: "s" + i }).catch(() => {}));
        }
        await Promise.all(calls);
      })();`,
    );
    expectRefused(result, "LIMIT_EXCEEDED", /more than 32 signatures/);
    expect(a.keystore.signed.length).to.be.at.most(32);
    await expectContained(a);
  });

  it("R9: endless logging is refused with LIMIT_EXCEEDED", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `for (;;) console.log("spam".repeat(1000), { nested: [1, 2, 3] });`,
    );
    expectRefused(result, "LIMIT_EXCEEDED", /logs exceed/);
    await expectContained(a);
  });

  it("R10: 1,100 chain reads at once are refused with LIMIT_EXCEEDED (the host-call budget stops them first)", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `for (let i = 0; i < 1100; i++) Lit.Actions.getPermittedActions({ tokenId: i }).catch(() => {});`,
    );
    expectRefused(result, "LIMIT_EXCEEDED", /more than 256 host calls in one execution/);
    await expectContained(a);
  });

  it("R11: code over 1 MiB is refused with LIMIT_EXCEEDED before anything runs", async function () {
    const a = await arena(runtime);
    const code = `Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.own, sigName: "x" }); //${"x".repeat(1024 * 1024)}`;
    expectRefused(await attack(a, code), "LIMIT_EXCEEDED", /action code is \d+ bytes/);
    await expectContained(a);
  });

  it("R12: jsParams over 1 MiB are refused with LIMIT_EXCEEDED", async function () {
    const a = await arena(runtime);
    const result = await attack(a, `1`, { padding: "p".repeat(1024 * 1024) });
    expectRefused(result, "LIMIT_EXCEEDED", /jsParams are \d+ bytes/);
    await expectContained(a);
  });

  it("R13: a builtin that never checks the interrupt handler is stopped by the watchdog (ACTION_TIMEOUT)", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `const s = "x".repeat(1e6); let n = 0; for (let i = 0; i < 1e6; i++) n += s.indexOf("y");`,
    );
    expectRefused(result, "ACTION_TIMEOUT");
    await expectContained(a);
  });

  it("R14: jsParams nested 100,000 levels deep are refused, not a host stack overflow", async function () {
    const a = await arena(runtime);
    const deep = JSON.parse("[".repeat(100_000) + "]".repeat(100_000)) as unknown;
    const result = await attack(a, `Lit.Actions.setResponse({ response: "parsed" });`, { deep });
    expectRefused(result, "INVALID_REQUEST", /jsParams/);
    await expectContained(a);
  });
});
