import { expect } from "chai";
import { keccak256 } from "ethers";
import {
  InvalidArgumentError,
  isSigningRequest,
  parseSandboxRequest,
  pubkeyToTokenId,
} from "../../../src/oracle/runtime/hostRequest";
import { DEFAULT_LIMITS, resolveLimits } from "../../../src/oracle/runtime/limits";
import { ActionFailure } from "../../../src/oracle/runtime";
import { IPFS_ID, PUBLIC_KEY } from "./fakeHost";

const DIGEST = Array.from({ length: 32 }, (_, i) => i);

describe("parseSandboxRequest (validation of calls leaving the sandbox)", function () {
  it("normalises signEcdsa args to lowercase 0x-hex", function () {
    const request = parseSandboxRequest("signEcdsa", {
      toSign: DIGEST,
      publicKey: PUBLIC_KEY.slice(2).toUpperCase(),
      sigName: "a",
    });
    expect(request).to.deep.equal({
      method: "signEcdsa",
      toSign: "0x" + Buffer.from(DIGEST).toString("hex"),
      publicKey: PUBLIC_KEY,
      sigName: "a",
    });
    expect(isSigningRequest(request as never)).to.equal(true);
  });

  it("accepts a 0x-hex toSign and a compressed public key", function () {
    const request = parseSandboxRequest("signAndCombineEcdsa", {
      toSign: "0x" + "AB".repeat(32),
      publicKey: "0x02" + "11".repeat(32),
      sigName: "c",
    });
    expect(request).to.include({
      toSign: "0x" + "ab".repeat(32),
      publicKey: "0x02" + "11".repeat(32),
    });
  });

  it("rejects toSign of the wrong length, with out-of-range bytes or of the wrong type", function () {
    const base = { publicKey: PUBLIC_KEY, sigName: "a" };
    const cases: Array<[unknown, RegExp]> = [
      [DIGEST.slice(1), /exactly 32 bytes, got 31/],
      ["0x" + "00".repeat(33), /exactly 32 bytes, got 33/],
      [[...DIGEST.slice(1), 256], /integers 0\.\.255/],
      [[...DIGEST.slice(1), 1.5], /integers 0\.\.255/],
      ["abc", /Uint8Array, an array of bytes or 0x-hex/],
      [{ 0: 1 }, /Uint8Array, an array of bytes or 0x-hex/],
      [undefined, /Uint8Array, an array of bytes or 0x-hex/],
    ];
    for (const [toSign, message] of cases) {
      expect(() => parseSandboxRequest("signEcdsa", { ...base, toSign }), String(toSign))
        .to.throw(InvalidArgumentError, message)
        .with.property("code", "INVALID_ARGUMENT");
    }
  });

  it("encodes a string message for ethPersonalSignMessageEcdsa as UTF-8 and bytes as-is", function () {
    const base = { publicKey: PUBLIC_KEY, sigName: "m" };
    expect(
      parseSandboxRequest("ethPersonalSignMessageEcdsa", { ...base, message: "0x12" }),
    ).to.include({
      message: "0x30783132",
    });
    expect(
      parseSandboxRequest("ethPersonalSignMessageEcdsa", { ...base, message: [1, 2] }),
    ).to.include({
      message: "0x0102",
    });
  });

  it("parses tokenId from decimal, hex and integers, and rejects the rest", function () {
    const parse = (tokenId: unknown) => parseSandboxRequest("getPermittedActions", { tokenId });
    expect(parse("123")).to.deep.equal({ method: "getPermittedActions", tokenId: 123n });
    expect(parse("0xff")).to.deep.equal({ method: "getPermittedActions", tokenId: 255n });
    expect(parse(7)).to.deep.equal({ method: "getPermittedActions", tokenId: 7n });
    expect(parse("0x" + "f".repeat(64))).to.have.property("tokenId", (1n << 256n) - 1n);
    for (const bad of [-1, 1.5, "0x" + "1" + "0".repeat(64), "12a", "", null, 2 ** 60]) {
      expect(() => parse(bad), String(bad)).to.throw(
        InvalidArgumentError,
        /tokenId must be a uint256/,
      );
    }
  });

  it("checksums addresses and requires CIDv0 ipfsIds", function () {
    expect(
      parseSandboxRequest("isPermittedAddress", {
        tokenId: 1,
        address: "0x000000000000000000000000000000000000dead",
      }),
    ).to.include({ address: "0x000000000000000000000000000000000000dEaD" });
    expect(parseSandboxRequest("isPermittedAction", { tokenId: 1, ipfsId: IPFS_ID })).to.include({
      ipfsId: IPFS_ID,
    });
    expect(() =>
      parseSandboxRequest("isPermittedAction", { tokenId: 1, ipfsId: IPFS_ID.toLowerCase() }),
    ).to.throw(InvalidArgumentError, /CIDv0/);
  });

  it("defaults maxScopeId to 100 and bounds it", function () {
    const base = { tokenId: 1, authMethodType: 1, userId: "0x01" };
    expect(parseSandboxRequest("getPermittedAuthMethodScopes", base)).to.include({
      maxScopeId: 100,
    });
    expect(
      parseSandboxRequest("getPermittedAuthMethodScopes", { ...base, maxScopeId: 3 }),
    ).to.include({ maxScopeId: 3 });
    expect(() =>
      parseSandboxRequest("getPermittedAuthMethodScopes", { ...base, maxScopeId: 10_000 }),
    ).to.throw(InvalidArgumentError, /maxScopeId/);
  });

  it("rejects unknown methods and non-object arguments", function () {
    expect(() => parseSandboxRequest("sendAllFunds", {})).to.throw(InvalidArgumentError, /unknown/);
    expect(() => parseSandboxRequest("getPermittedActions", [1])).to.throw(
      InvalidArgumentError,
      /one object argument/,
    );
    expect(() => parseSandboxRequest("getPermittedActions", "1")).to.throw(InvalidArgumentError);
  });

  it("computes pubkeyToTokenId as keccak256 of the key bytes", function () {
    expect(pubkeyToTokenId(PUBLIC_KEY as `0x${string}`)).to.equal(keccak256(PUBLIC_KEY));
  });
});

describe("resolveLimits", function () {
  it("applies overrides in order over the defaults", function () {
    const limits = resolveLimits(DEFAULT_LIMITS, { timeoutMs: 10 }, { timeoutMs: 20, logBytes: 5 });
    expect(limits).to.deep.equal({ ...DEFAULT_LIMITS, timeoutMs: 20, logBytes: 5 });
  });

  it("ignores undefined fields and rejects out-of-range ones", function () {
    expect(resolveLimits(DEFAULT_LIMITS, { timeoutMs: undefined })).to.deep.equal(DEFAULT_LIMITS);
    expect(() => resolveLimits(DEFAULT_LIMITS, { stackBytes: 1024 }))
      .to.throw(ActionFailure, /stackBytes/)
      .with.property("code", "INVALID_LIMITS");
    expect(() => resolveLimits(DEFAULT_LIMITS, { maxSignatures: Number.NaN })).to.throw(
      ActionFailure,
      /maxSignatures/,
    );
  });
});
