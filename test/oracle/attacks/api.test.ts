/**
 * Oracle attack suite, part 3: abuse of the oracle's API and of Lit.Actions — other PKPs' keys,
 * malformed and mistyped arguments, sigName tricks, forged authSigs, and code that pretends to be
 * a permitted action. Every case goes through SigningOracle (execute / pkpSign / storeAction) on a
 * real chain and ends with the containment checks of attackFixture.ts.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { cidOfCode, cidToBytes } from "../../../src/cid";
import { createAuthSig } from "../../../src/oracle/authSig";
import type { ExecuteRequest, PkpSignRequest } from "../../../src/oracle/oracle";
import {
  CHAIN_ID,
  DIGEST,
  DIGEST_BYTES,
  GOOD_ACTION,
  type Arena,
  arena,
  attackRuntime,
  expectContained,
  expectRefused,
  expectStillServing,
} from "./attackFixture";

describe("Oracle attacks: API abuse", function () {
  const runtime = attackRuntime();
  after(() => runtime.close());

  function attack(a: Arena, code: string, jsParams: Record<string, unknown> = {}) {
    return a.oracle.execute({
      code,
      jsParams: {
        toSign: DIGEST_BYTES,
        victim: a.victim.publicKey,
        own: a.own.publicKey,
        alice: a.alicePkp.publicKey,
        ...jsParams,
      },
      authSig: a.mallorySig,
    });
  }

  const signWith = (key: string, method = "signEcdsa") =>
    `(async () => { await Lit.Actions.${method}({ toSign: jsParams.toSign, publicKey: ${key}, sigName: "k" }); })();`;

  it("A1: signing with alice's PKP through mallory's authSig is NOT_PERMITTED (execute and /pkp/sign)", async function () {
    const a = await arena(runtime);
    expectRefused(await attack(a, signWith("jsParams.alice")), "NOT_PERMITTED");
    expectRefused(
      await a.oracle.pkpSign({
        pubKey: a.alicePkp.publicKey,
        toSign: DIGEST,
        authSig: a.mallorySig,
      }),
      "NOT_PERMITTED",
    );
    await expectContained(a);
  });

  it("A2: signing with the burned victim's key in its compressed form is NOT_PERMITTED", async function () {
    const a = await arena(runtime);
    const compressed = ethers.SigningKey.computePublicKey(a.victim.publicKey, true);
    expectRefused(await attack(a, signWith(JSON.stringify(compressed))), "NOT_PERMITTED");
    await expectContained(a);
  });

  it("A3: signAndCombineEcdsa and ethPersonalSignMessageEcdsa with the victim's key are NOT_PERMITTED", async function () {
    const a = await arena(runtime);
    expectRefused(
      await attack(a, signWith("jsParams.victim", "signAndCombineEcdsa")),
      "NOT_PERMITTED",
    );
    expectRefused(
      await attack(
        a,
        `(async () => { await Lit.Actions.ethPersonalSignMessageEcdsa({ message: "hi", publicKey: jsParams.victim, sigName: "p" }); })();`,
      ),
      "NOT_PERMITTED",
    );
    await expectContained(a);
  });

  it("A4: an unminted pool key (routed and held, no owner yet) signs for nobody", async function () {
    const a = await arena(runtime);
    const key = a.unmintedKey.publicKey;
    expectRefused(await attack(a, signWith(JSON.stringify(key))), "NOT_PERMITTED");
    const deployerSig = await createAuthSig((await ethers.getSigners())[0], { chainId: CHAIN_ID });
    expectRefused(
      await a.oracle.pkpSign({ pubKey: key, toSign: DIGEST, authSig: deployerSig }),
      "NOT_PERMITTED",
    );
    await expectContained(a);
  });

  it("A5: a key the oracle holds but the chain never routed is UNKNOWN_PKP", async function () {
    const a = await arena(runtime);
    expectRefused(
      await attack(a, signWith(JSON.stringify(a.unroutedKey.publicKey))),
      "UNKNOWN_PKP",
    );
    await expectContained(a);
  });

  it("A6: toSign of the wrong length, non-hex, or an array-like object with a length getter is INVALID_ARGUMENT", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => {
        const bad = [
          new Uint8Array(31), new Uint8Array(33), "0x" + "ab".repeat(31), "ab".repeat(32),
          "0x" + "zz".repeat(32), "0x" + "ab".repeat(32) + "0", [256].concat(new Array(31).fill(0)),
          new Array(32).fill(0.5), new Array(32).fill(-1), new Array(32).fill("1"),
          { length: 32, 0: 1, 1: 2 }, { get length() { return 32; } },
          { length: 32, [Symbol.iterator]: function* () { for (let i = 0; i < 32; i++) yield i; } },
          42, null, true,
        ];
        const codes = [];
        for (const toSign of bad) {
          try {
            await Lit.Actions.signEcdsa({ toSign, publicKey: jsParams.own, sigName: "bad" + codes.length });
            codes.push("SIGNED");
          } catch (e) { codes.push(e.code || e.name); }
        }
        Lit.Actions.setResponse({ response: JSON.stringify(codes) });
      })();`,
    );
    if (!result.success) throw new Error(JSON.stringify(result.error));
    const codes = JSON.parse(result.response) as string[];
    expect(codes).to.have.length(16);
    expect(new Set(codes)).to.deep.equal(new Set(["INVALID_ARGUMENT"]));
    expect(result.signatures).to.deep.equal({});
    expect(a.keystore.signed).to.deep.equal([]);
    await expectContained(a);
  });

  it("A7: wrong types for every Lit.Actions call are rejected inside the action, never by the host", async function () {
    const a = await arena(runtime);
    const result = await attack(
      a,
      `(async () => {
        const methods = ["signEcdsa", "ethPersonalSignMessageEcdsa", "signAndCombineEcdsa", "isPermittedAction",
          "isPermittedAddress", "isPermittedAuthMethod", "getPermittedActions", "getPermittedAddresses",
          "getPermittedAuthMethods", "getPermittedAuthMethodScopes", "pubkeyToTokenId"];
        const junk = [undefined, null, 1, "s", [], [1, 2], { tokenId: {} }, { tokenId: -1 }, { tokenId: "1e3" },
          { tokenId: 2 ** 60 }, { publicKey: 7, toSign: {}, sigName: "" }, { sigName: "x".repeat(300) },
          { tokenId: "0x" + "f".repeat(65) }, { address: "0x1234" }, { ipfsId: "Qm" }, { maxScopeId: 1e9 }];
        const outcomes = {};
        for (const m of methods) for (const args of junk) {
          let code;
          try { await Lit.Actions[m](args); code = "ACCEPTED"; } catch (e) { code = e.code || e.name; }
          outcomes[code] = (outcomes[code] || 0) + 1;
        }
        Lit.Actions.setResponse({ response: JSON.stringify(outcomes) });
      })();`,
    );
    if (!result.success) throw new Error(JSON.stringify(result.error));
    expect(JSON.parse(result.response)).to.deep.equal({ INVALID_ARGUMENT: 11 * 16 });
    expect(a.keystore.signed).to.deep.equal([]);
    await expectContained(a);
  });

  it("A8: reusing a sigName is refused and cannot replace the first signature", async function () {
    const a = await arena(runtime);
    const other = ethers.keccak256("0x01");
    const result = await attack(
      a,
      `(async () => {
        await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.own, sigName: "same" });
        let second;
        try {
          await Lit.Actions.signEcdsa({ toSign: jsParams.other, publicKey: jsParams.own, sigName: "same" });
          second = "signed";
        } catch (e) { second = e.code; }
        Lit.Actions.setResponse({ response: second });
      })();`,
      { other },
    );
    if (!result.success) throw new Error(JSON.stringify(result.error));
    expect(result.response).to.equal("INVALID_ARGUMENT");
    expect(Object.keys(result.signatures)).to.deep.equal(["same"]);
    expect(result.signatures.same.dataSigned).to.equal(DIGEST);
    expect(a.keystore.signed.map((s) => s.digest)).to.deep.equal([DIGEST]);
    await expectContained(a);
  });

  it("A9: __proto__, constructor and toJSON as sigNames are plain keys of the result, not its prototype", async function () {
    const a = await arena(runtime);
    const names = ["__proto__", "constructor", "toJSON", "hasOwnProperty"];
    const result = await attack(
      a,
      `(async () => {
        for (const sigName of ${JSON.stringify(names)}) {
          await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.own, sigName });
        }
      })();`,
    );
    if (!result.success) throw new Error(JSON.stringify(result.error));
    expect(Object.getPrototypeOf(result.signatures)).to.equal(Object.prototype);
    expect(Object.keys(result.signatures)).to.deep.equal(names);
    // What a client receives over HTTP: every signature survives JSON.
    expect(Object.keys(JSON.parse(JSON.stringify(result.signatures)) as object)).to.have.members(
      names,
    );
    await expectContained(a);
  });

  it("A10: a forged authSig (alice's address, mallory's signature) is INVALID_AUTH_SIG", async function () {
    const a = await arena(runtime);
    const aliceSig = await createAuthSig(a.alice, { chainId: CHAIN_ID });
    const forged = { ...aliceSig, sig: await a.mallory.signMessage(aliceSig.signedMessage) };
    expectRefused(
      await a.oracle.execute({
        code: signWith("jsParams.alice"),
        jsParams: { toSign: DIGEST_BYTES, alice: a.alicePkp.publicKey },
        authSig: forged,
      }),
      "INVALID_AUTH_SIG",
    );
    expectRefused(
      await a.oracle.pkpSign({ pubKey: a.alicePkp.publicKey, toSign: DIGEST, authSig: forged }),
      "INVALID_AUTH_SIG",
    );
    await expectContained(a);
  });

  it("A11: /pkp/sign with a malformed toSign or pubKey is INVALID_REQUEST, not an internal error", async function () {
    const a = await arena(runtime);
    const requests: Array<Partial<Record<keyof PkpSignRequest, unknown>>> = [
      { toSign: "0x" + "ab".repeat(31) },
      { toSign: "not hex" },
      { toSign: [1, 2, 3] },
      { toSign: new Array(32).fill(256) },
      { toSign: { length: 32 } },
      { toSign: undefined },
      { pubKey: "0x04" + "00".repeat(64) },
      { pubKey: 42 },
    ];
    for (const overrides of requests) {
      const request = {
        pubKey: a.own.publicKey,
        toSign: DIGEST,
        authSig: a.mallorySig,
        ...overrides,
      } as unknown as PkpSignRequest;
      expectRefused(await a.oracle.pkpSign(request), "INVALID_REQUEST");
    }
    expect(a.keystore.signed).to.deep.equal([]);
    await expectContained(a);
  });

  it("A12: execute with wrong types (code, jsParams, the request itself) is INVALID_REQUEST", async function () {
    const a = await arena(runtime);
    const requests: unknown[] = [
      { code: 42 },
      { code: ["1"] },
      { code: "1", jsParams: "x" },
      { code: "1", jsParams: [1, 2] },
      { code: "1", jsParams: null },
      { code: "1", authSig: "x" },
      null,
      "code",
    ];
    for (const request of requests) {
      const result = await a.oracle.execute(request as ExecuteRequest);
      const code = (result as { error?: { code: string } }).error?.code;
      expect(
        ["INVALID_REQUEST", "INVALID_AUTH_SIG"],
        `${JSON.stringify(request)} → ${JSON.stringify(result)}`,
      ).to.include(code);
    }
    await expectContained(a);
  });

  it("A13: code that differs from a granted action only by a lone surrogate does not borrow its grant", async function () {
    const a = await arena(runtime);
    // Alice grants an action that can never sign: its marker always equals U+FFFD. The impostor
    // holds a lone surrogate there instead. TextEncoder turns both into EF BF BD, so both strings
    // hash to the same CID, while the sandbox runs the impostor's other branch: it would sign.
    const granted = `(async () => {
      const marker = "\uFFFD";
      if (marker === "\uFFFD") { Lit.Actions.setResponse({ response: "never signs" }); return; }
      await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.alice, sigName: "x" });
    })();`;
    const impostor = granted.replace('"\uFFFD";', '"\uD800";');
    expect(impostor).not.to.equal(granted);
    expect(await cidOfCode(impostor)).to.equal(await cidOfCode(granted)); // the collision itself
    await a.contracts.pkpPermissions
      .connect(a.alice)
      .addPermittedAction(a.alicePkp.tokenId, cidToBytes(await cidOfCode(granted)), [1n]);
    expectRefused(
      await a.oracle.execute({
        code: impostor,
        jsParams: { toSign: DIGEST_BYTES, alice: a.alicePkp.publicKey },
      }),
      "INVALID_REQUEST",
      /UTF-16|surrogate/,
    );
    expect(a.keystore.signed).to.deep.equal([]);
    const honest = await a.oracle.execute({
      code: granted,
      jsParams: { toSign: DIGEST_BYTES, alice: a.alicePkp.publicKey },
    });
    expect(honest).to.deep.include({ success: true, response: "never signs", signatures: {} });
    await expectContained(a);
  });

  it("A14: storing a same-CID variant cannot replace stored action code", async function () {
    const a = await arena(runtime);
    const stored = `/*\uFFFD*/ ${GOOD_ACTION}`;
    const variant = stored.replace("\uFFFD", "\uD800");
    const { ipfsId } = await a.oracle.storeAction(stored);
    expect(await cidOfCode(variant)).to.equal(ipfsId);
    let refusal: unknown;
    try {
      await a.oracle.storeAction(variant);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).to.be.instanceOf(Error);
    expect((refusal as { code?: string }).code).to.equal("INVALID_REQUEST");
    expect(await a.oracle.actions.get(ipfsId)).to.equal(stored);
    await expectStillServing(a);
  });

  it("A15: code with the victim action's ipfsId but other code is CODE_CID_MISMATCH", async function () {
    const a = await arena(runtime);
    const ipfsId = await cidOfCode(GOOD_ACTION);
    expectRefused(
      await a.oracle.execute({
        code: signWith("jsParams.victim"),
        ipfsId,
        jsParams: { toSign: DIGEST_BYTES, victim: a.victim.publicKey },
      }),
      "CODE_CID_MISMATCH",
    );
    await expectContained(a);
  });
});
