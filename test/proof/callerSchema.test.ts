import { expect } from "chai";
import { ethers } from "ethers";
import { ProofBundleError, parseProofBundle } from "../../src/proof";
import { MAX_CALLER_AUTH_METHODS } from "../../src/proof/callerSchema";
import { authContextFor, recordedCallerOf } from "../../src/oracle/auth/callerRecord";
import { basicAuthContext } from "../../src/oracle/auth/authContext";
import { expectThrow } from "../helpers/expectRejection";
import { BUNDLE_CID, wellFormedBundle } from "../helpers/proofBundles";

const CID = BUNDLE_CID;
const BOB = "0x554A32cF467585B6342B82E17A6AbdEA583a9B90";

/** A well-formed bundle whose execution records `caller` (the schema checks shapes, not truth). */
function bundleWith(caller: unknown): unknown {
  const bundle = wellFormedBundle({
    seed: "caller-schema",
    digest: ethers.toBeHex(1, 32),
    jsParams: {},
    signatureName: "commit",
  });
  return { ...bundle, execution: { ...bundle.execution, caller } };
}

const jwtCaller = {
  authSigAddress: null,
  authMethodContexts: [
    {
      userId: "alice-1042",
      appId: "demo.apps.example",
      authMethodType: 6,
      usedForSignSessionKeyRequest: false,
      authMethodId: ethers.keccak256(ethers.toUtf8Bytes("alice-1042:demo.apps.example")),
      claims: { iss: "http://dev-issuer.localhost", sub: "alice-1042", aud: "demo", exp: 1 },
    },
  ],
  resources: [],
  customAuthResource: null,
};

describe("proof bundles: the recorded caller (execution.caller)", function () {
  it("records the caller part of Lit.Auth, or nothing for a request that names nobody", function () {
    expect(recordedCallerOf(basicAuthContext(CID, undefined))).to.equal(undefined);
    const caller = recordedCallerOf(basicAuthContext(CID, BOB));
    expect(caller).to.deep.equal({
      authSigAddress: BOB,
      authMethodContexts: [],
      resources: [],
      customAuthResource: null,
    });
    // The replay's Lit.Auth: the recorded caller, the running CID.
    expect(authContextFor(CID, caller)).to.deep.equal(basicAuthContext(CID, BOB));
    expect(authContextFor(CID, undefined)).to.deep.equal(basicAuthContext(CID, undefined));
  });

  it("accepts a bundle with an authSig caller, an ID-token caller, or none", function () {
    for (const caller of [
      undefined,
      { authSigAddress: BOB, authMethodContexts: [], resources: [], customAuthResource: null },
      jwtCaller,
    ]) {
      expect(parseProofBundle(bundleWith(caller)).execution.caller).to.deep.equal(caller);
    }
  });

  it("refuses a malformed caller, naming each bad field", function () {
    const problemsOf = (caller: unknown) =>
      expectThrow(() => parseProofBundle(bundleWith(caller)), ProofBundleError, "PROOF_MALFORMED")
        .problems;
    expect(problemsOf("bob")).to.deep.equal([
      'execution.caller: expected { authSigAddress, authMethodContexts, resources, customAuthResource }, got "bob" (3 characters)',
    ]);
    const problems = problemsOf({
      authSigAddress: "bob",
      authMethodContexts: [{ ...jwtCaller.authMethodContexts[0], authMethodType: "6", extra: 1 }],
      resources: [7],
      customAuthResource: 1,
      authSig: { sig: "0x" },
    });
    expect(problems.join("\n")).to.include("execution.caller.authSig: unknown field");
    expect(problems.join("\n")).to.include("execution.caller.authSigAddress: expected an address");
    expect(problems.join("\n")).to.include(
      "execution.caller.authMethodContexts[0].authMethodType: expected an integer",
    );
    expect(problems.join("\n")).to.include(
      "execution.caller.authMethodContexts[0].extra: unknown field",
    );
    expect(problems.join("\n")).to.include("execution.caller.resources: expected an array");
    expect(problems.join("\n")).to.include("execution.caller.customAuthResource: expected");
  });

  it(`refuses more than ${MAX_CALLER_AUTH_METHODS} auth methods`, function () {
    const many = {
      ...jwtCaller,
      authMethodContexts: Array(17).fill(jwtCaller.authMethodContexts[0]),
    };
    const error = expectThrow(
      () => parseProofBundle(bundleWith(many)),
      ProofBundleError,
      "PROOF_MALFORMED",
    );
    expect(error.problems.join("\n")).to.include(
      `execution.caller.authMethodContexts: expected an array of at most ${MAX_CALLER_AUTH_METHODS}`,
    );
  });
});
