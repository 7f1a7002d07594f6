/**
 * Oracle attack suite, part 1: sandbox escapes, at the oracle level. Every hostile action runs
 * through SigningOracle.execute against a real chain; each case asserts the refusal code, that no
 * key signed anything the chain does not permit, and that the oracle still serves the victim PKP's
 * one permitted action afterwards. (Runtime-level isolation is covered by
 * test/oracle/runtime/isolation.test.ts; these cases aim at a signature, not just a host object.)
 */
import { expect } from "chai";
import {
  type Arena,
  DIGEST_BYTES,
  arena,
  attackRuntime,
  expectContained,
  expectRefused,
} from "./attackFixture";

describe("Oracle attacks: sandbox escapes", function () {
  const runtime = attackRuntime();
  after(() => runtime.close());

  /** Runs hostile code with the victim's key, mallory's key and a digest as jsParams. */
  function attack(a: Arena, code: string, withMallorySig = false) {
    return a.oracle.execute({
      code,
      jsParams: {
        toSign: DIGEST_BYTES,
        victim: a.victim.publicKey,
        own: a.own.publicKey,
        tokenId: a.victim.tokenId.toString(),
      },
      authSig: withMallorySig ? a.mallorySig : undefined,
    });
  }

  it("S1: a constructor chain from a chain answer finds no process, so no shell and no key", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => {
        const actions = await Lit.Actions.getPermittedActions({ tokenId: jsParams.tokenId });
        const F = actions.constructor.constructor;
        const proc = F("return typeof process === 'undefined' ? undefined : process")();
        if (!proc) throw new Error("no process; require is " + typeof F("return this")().require);
        proc.mainModule.require("child_process").execSync("touch /tmp/pwned");
      })();`,
    );
    expectRefused(result, "ACTION_ERROR", /no process; require is undefined/);
    await expectContained(a);
  });

  it("S2: errors from the real host carry a code and a message, no host stack or file path", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => {
        const seen = [];
        for (const call of [
          () => Lit.Actions.signEcdsa({ toSign: [1], publicKey: jsParams.victim, sigName: "x" }),
          () => Lit.Actions.isPermittedAction({ tokenId: "nope", ipfsId: "x" }),
          () => Lit.Actions.getPermittedAuthMethodScopes({ tokenId: 1, authMethodType: 1, userId: "zz" }),
        ]) {
          try { await call(); } catch (e) {
            const realm = e.constructor.constructor("return typeof process + typeof require")();
            seen.push({ code: e.code, keys: Object.getOwnPropertyNames(e).sort().join(), realm, stack: String(e.stack) });
          }
        }
        throw new Error(JSON.stringify(seen));
      })();`,
    );
    const message = expectRefused(result, "ACTION_ERROR");
    const seen = JSON.parse(message.replace(/^Uncaught \(in promise\) Error: /, "")) as Array<{
      code: string;
      keys: string;
      realm: string;
      stack: string;
    }>;
    expect(seen.map((s) => s.code)).to.deep.equal(Array(3).fill("INVALID_ARGUMENT"));
    for (const entry of seen) {
      expect(entry.realm).to.equal("undefinedundefined");
      expect(entry.keys).to.equal("code,message,stack");
      expect(entry.stack).not.to.match(/node_modules|\/src\/|\.ts\b|worker_threads/);
    }
    await expectContained(a);
  });

  it("S3: Object.prototype properties (publicKey, toSign getter) never reach the host's arguments", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => {
        Object.prototype.publicKey = jsParams.victim;
        Object.defineProperty(Object.prototype, "toSign", { get() { return jsParams.toSign; } });
        Array.prototype.toJSON = function () { return "hijacked"; };
        await Lit.Actions.signEcdsa({ sigName: "inherited" });
      })();`,
    );
    expectRefused(result, "ACTION_ERROR", /INVALID_ARGUMENT|toSign must be/);
    expect(({} as Record<string, unknown>).publicKey, "host Object.prototype").to.equal(undefined);
    await expectContained(a);
  });

  it("S4: Lit.Actions cannot be poisoned: the API is frozen (neutralised; a strict-mode attempt throws)", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => {
        const real = Lit.Actions.signEcdsa;
        Lit.Actions.signEcdsa = (args) => real({ ...args, publicKey: jsParams.victim });
        LitActions.setResponse = () => { throw new Error("never"); };
        Object.freeze(Object.prototype);
        await LitActions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.own, sigName: "redirected" });
        Lit.Actions.setResponse({ response: String(Lit.Actions.signEcdsa === real) });
      })();`,
      true,
    );
    if (!result.success) throw new Error(JSON.stringify(result.error));
    expect(result.response).to.equal("true");
    expect(result.signatures.redirected.publicKey).to.equal(a.own.publicKey.toLowerCase());
    const strict = await attack(a, `"use strict"; Lit.Actions.signEcdsa = () => "poisoned";`, true);
    expectRefused(strict, "ACTION_ERROR", /read-only|not writable|frozen/i);
    await expectContained(a);
  });

  it("S5: jsParams with __proto__ and constructor keys pollute neither the host nor the chain's answer", async function () {
    const a = await arena(runtime);
    // Parsed from JSON text, as an HTTP body is: "__proto__" is then an own property.
    const jsParams = JSON.parse(
      JSON.stringify({
        victim: a.victim.publicKey,
        toSign: DIGEST_BYTES,
        constructor: { prototype: { polluted: true } },
      }).replace(/^\{/, `{"__proto__":{"polluted":true,"publicKey":"${a.victim.publicKey}"},`),
    ) as Record<string, unknown>;
    const result = await a.oracle.execute({
      code: `(async () => {
        const key = ({}).publicKey || globalThis.publicKey || jsParams.victim;
        await Lit.Actions.signEcdsa({ toSign, publicKey: key, sigName: "proto" });
      })();`,
      jsParams,
    });
    expectRefused(result, "NOT_PERMITTED");
    expect(({} as Record<string, unknown>).polluted, "host Object.prototype").to.equal(undefined);
    await expectContained(a);
  });

  it("S6: a signing call left un-awaited after setResponse still fails the whole execution", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `Lit.Actions.setResponse({ response: "all good, nothing to see" });
       Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.victim, sigName: "late" });`,
    );
    expectRefused(result, "NOT_PERMITTED");
    await expectContained(a);
  });

  it("S7: a refused signature from a timer, caught, behind a lying thenable completion, is still fatal", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `setTimeout(() => {
         Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.victim, sigName: "timer" })
           .catch(() => Lit.Actions.setResponse({ response: "swallowed" }));
       }, 5);
       ({ then(resolve) { resolve("done"); } });`,
    );
    expectRefused(result, "NOT_PERMITTED");
    await expectContained(a);
  });

  it("S8: code built at run time with eval and Function signs as the outer action, which is not permitted", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => {
        const sign = eval("Lit.Actions.sign" + "Ecdsa");
        const run = new Function("sign", "key", "digest", "return sign({ toSign: digest, publicKey: key, sigName: 'dyn' })");
        await run(sign, jsParams.victim, jsParams.toSign);
      })();`,
    );
    expectRefused(result, "NOT_PERMITTED");
    await expectContained(a);
  });

  it("S9: getters that change publicKey between reads are read once: only the attacker's own key signs", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => {
        let reads = 0;
        const args = {
          get publicKey() { return reads++ === 0 ? jsParams.own : jsParams.victim; },
          get toSign() { return reads > 5 ? [1, 2, 3] : jsParams.toSign; },
          sigName: "switch",
        };
        await Lit.Actions.signEcdsa(args);
        Lit.Actions.setResponse({ response: String(reads) });
      })();`,
      true,
    );
    if (!result.success) throw new Error(JSON.stringify(result.error));
    expect(Object.keys(result.signatures)).to.deep.equal(["switch"]);
    expect(result.signatures.switch.publicKey).to.equal(a.own.publicKey.toLowerCase());
    expect(a.keystore.signed.map((s) => s.tokenId)).to.deep.equal([a.own.tokenId]);
    await expectContained(a);
  });

  it("S10: toJSON, Symbol.toPrimitive and String objects are refused by setResponse; a getter is read once", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `const refused = [];
       const tricks = [
         { toString() { return "x"; }, toJSON() { return "y"; }, [Symbol.toPrimitive]() { return "z"; } },
         new String("boxed"),
         Symbol("s"),
       ];
       for (const response of tricks) {
         try { Lit.Actions.setResponse({ response }); } catch (e) { refused.push(e.name); }
       }
       let reads = 0;
       Lit.Actions.setResponse({ get response() { return reads++ === 0 ? "first:" + refused.join() : "x".repeat(1 << 22); } });`,
    );
    if (!result.success) throw new Error(JSON.stringify(result.error));
    expect(result.response).to.equal("first:TypeError,TypeError,TypeError");
    await expectContained(a);
  });

  it("S11: a thrown object whose getters sign and spin while the oracle describes it gets no signature", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `const sign = () => Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.victim, sigName: "g" });
       throw {
         get name() { sign(); return "Evil"; },
         get message() { sign(); for (;;) {} },
         toJSON() { sign(); for (;;) {} },
       };`,
    );
    // The signing call made from a getter while the oracle describes the error is still refused
    // (and wins over the timeout the spinning getter runs into).
    expectRefused(result, "NOT_PERMITTED");
    await expectContained(a);
  });
});
