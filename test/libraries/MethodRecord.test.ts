import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { PackedWordsHarness } from "../../typechain-types";
import {
  PACKED_WORD_RUNS,
  WORD_MASK,
  packedWordsFixture,
  shouldPackWordInLayout,
  uint,
  type FieldValues,
  type WordLayout,
} from "../helpers/packedWord.behaviour";

// MethodRecord: what PKPPermissions keeps about an auth method other than an address, in one
// word: [pkp 2:56 | pkp 1:56 | pkp 0:56 | has user pubkey:1 | pkp count:31 | reference:56].
// The layout below is the documented one, written independently of the library.

type Field = "ref" | "pkpCount" | "hasUserPubkey" | "pkps";

const LAYOUT: WordLayout<Field> = {
  fields: {
    ref: { shift: 0n, bits: 56n },
    pkpCount: { shift: 56n, bits: 31n },
    hasUserPubkey: { shift: 87n, bits: 1n },
    pkps: { shift: 88n, bits: 168n },
  },
  constantBits: 0n,
};

async function pack(harness: PackedWordsHarness, v: FieldValues<Field>): Promise<bigint> {
  return harness.methodPack(v.ref, v.pkpCount, v.hasUserPubkey === 1n, v.pkps);
}

async function read(harness: PackedWordsHarness, word: bigint): Promise<FieldValues<Field>> {
  const f = await harness.methodFields(word);
  return {
    ref: f.ref,
    pkpCount: f.pkpCount,
    hasUserPubkey: f.hasUserPubkey ? 1n : 0n,
    pkps: f.pkps,
  };
}

describe("MethodRecord (library)", function () {
  shouldPackWordInLayout({ layout: LAYOUT, pack, read });

  it("holds INLINE_PKPS = 3 key references as 56-bit lanes (entry i at bit 56·i) up to the word's top bit", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    expect(await harness.methodInlinePkps()).to.equal(3n);
    await fc.assert(
      fc.asyncProperty(fc.array(uint(56n), { minLength: 3, maxLength: 3 }), async (refs) => {
        const lanes = refs.reduce((word, ref, i) => word | (ref << (56n * BigInt(i))), 0n);
        const { pkps } = await read(harness, await harness.methodPack(0n, 0n, false, lanes));
        for (let i = 0; i < refs.length; ++i) {
          // PKPPermissions reads the lanes with PackedRefs, as it reads the overflow words.
          expect(await harness.refsRead(pkps, 56n * BigInt(i), 56n)).to.equal(refs[i]);
        }
      }),
      { numRuns: PACKED_WORD_RUNS / 2 },
    );
    const full = await harness.methodPack(
      (1n << 56n) - 1n,
      (1n << 31n) - 1n,
      true,
      (1n << 168n) - 1n,
    );
    expect(full).to.equal(WORD_MASK);
  });

  it("answers an all-zero word as a method with no reference yet, no PKPs and no user pubkey", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    expect(await read(harness, 0n)).to.deep.equal({
      ref: 0n,
      pkpCount: 0n,
      hasUserPubkey: 0n,
      pkps: 0n,
    });
  });
});
