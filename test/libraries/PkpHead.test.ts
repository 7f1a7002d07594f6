import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { PackedWordsHarness } from "../../typechain-types";
import { packedWordsFixture } from "../helpers/packedWord.behaviour";

// PkpHead packs a PKP's method count, first reference and first grant into one word:
// [count:32 | scopes:128 | extra-scopes flag:8 | pkp position:32 | first reference:56].
// These round trips check each getter and setter through the harness, and the documented bit
// layout against an independent TypeScript encoding.

const RUNS = 150;
const u = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });

interface Fields {
  count: bigint;
  firstRef: bigint;
  pkpPosition: bigint;
  hasExtraScopes: boolean;
  scopes: bigint;
}

const fieldsArb: fc.Arbitrary<Fields> = fc.record({
  count: u(32),
  firstRef: u(56),
  pkpPosition: u(32),
  hasExtraScopes: fc.boolean(),
  scopes: u(128),
});

/** The documented layout, written independently of the library. */
function encode(f: Fields): bigint {
  return (
    (f.count << 224n) |
    (f.scopes << 96n) |
    ((f.hasExtraScopes ? 1n : 0n) << 88n) |
    (f.pkpPosition << 56n) |
    f.firstRef
  );
}

async function fieldsOf(harness: PackedWordsHarness, word: bigint): Promise<Fields> {
  const f = await harness.headFields(word);
  return {
    count: f.count,
    firstRef: f.firstRef,
    pkpPosition: f.pkpPosition,
    hasExtraScopes: f.hasExtraScopes,
    scopes: f.scopes,
  };
}

describe("PkpHead (library)", function () {
  it("reads back every field of a word in the documented layout", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    await fc.assert(
      fc.asyncProperty(fieldsArb, async (f) => {
        expect(await fieldsOf(harness, encode(f))).to.deep.equal(f);
      }),
      { numRuns: RUNS },
    );
  });

  it("builds the grant, the count and the position with setters that touch only their field", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    await fc.assert(
      fc.asyncProperty(fieldsArb, fieldsArb, async (before, after) => {
        const word = encode(before);
        const withGrant = await harness.headWithGrant(
          word,
          after.pkpPosition,
          after.hasExtraScopes,
          after.scopes,
        );
        expect(withGrant).to.equal(
          encode({
            ...before,
            pkpPosition: after.pkpPosition,
            hasExtraScopes: after.hasExtraScopes,
            scopes: after.scopes,
          }),
        );
        expect(await harness.headWithCount(word, after.count)).to.equal(
          encode({ ...before, count: after.count }),
        );
        expect(await harness.headWithPkpPosition(word, after.pkpPosition)).to.equal(
          encode({ ...before, pkpPosition: after.pkpPosition }),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("starts a list with one reference, count 1 and an empty grant", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    await fc.assert(
      fc.asyncProperty(u(56), async (ref) => {
        const head = await harness.headStartingWith(ref);
        expect(await fieldsOf(harness, head)).to.deep.equal({
          count: 1n,
          firstRef: ref,
          pkpPosition: 0n,
          hasExtraScopes: false,
          scopes: 0n,
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("answers an all-zero word as a PKP with no methods", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    expect(await fieldsOf(harness, 0n)).to.deep.equal({
      count: 0n,
      firstRef: 0n,
      pkpPosition: 0n,
      hasExtraScopes: false,
      scopes: 0n,
    });
  });

  it("reads any non-zero flag byte as extra scopes, and writes the flag as exactly 1", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    const flagByte = (word: bigint) => (word >> 88n) & 0xffn;
    expect((await harness.headFields(0x80n << 88n)).hasExtraScopes).to.equal(true);
    expect(flagByte(await harness.headWithGrant(0n, 0n, true, 0n))).to.equal(1n);
    expect(flagByte(await harness.headWithGrant(0xffn << 88n, 0n, false, 0n))).to.equal(0n);
  });
});
