import { expect } from "chai";
import fc from "fast-check";
import { getAddress, toBeHex } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { PackedWordsHarness } from "../../typechain-types";
import {
  PACKED_WORD_RUNS,
  anyWord,
  fieldValues,
  packedWordsFixture,
  shouldPackWordInLayout,
  type FieldValues,
  type WordLayout,
} from "../helpers/packedWord.behaviour";

// AddressRecord: what PKPPermissions keeps about an address auth method, in the method's data
// slot, in one word: [occupied:8 | pkp 0:56 | has user pubkey:1 | pkp count:31 | address:160].
// The occupied byte is never zero, so even the zero address's record marks its slot as taken.
// The layout below is the documented one, written independently of the library.

type Field = "user" | "pkpCount" | "hasUserPubkey" | "pkps";

const OCCUPIED = 1n << 248n;

const LAYOUT: WordLayout<Field> = {
  fields: {
    user: { shift: 0n, bits: 160n },
    pkpCount: { shift: 160n, bits: 31n },
    hasUserPubkey: { shift: 191n, bits: 1n },
    pkps: { shift: 192n, bits: 56n },
  },
  constantBits: OCCUPIED,
};

const asAddress = (value: bigint): string => getAddress(toBeHex(value, 20));

async function pack(harness: PackedWordsHarness, v: FieldValues<Field>): Promise<bigint> {
  return harness.addressPack(asAddress(v.user), v.pkpCount, v.hasUserPubkey === 1n, v.pkps);
}

async function read(harness: PackedWordsHarness, word: bigint): Promise<FieldValues<Field>> {
  const f = await harness.addressFields(word);
  return {
    user: BigInt(f.user),
    pkpCount: f.pkpCount,
    hasUserPubkey: f.hasUserPubkey ? 1n : 0n,
    pkps: f.pkps,
  };
}

describe("AddressRecord (library)", function () {
  shouldPackWordInLayout({ layout: LAYOUT, pack, read });

  it("marks every packed record occupied with a top byte of 1, the zero address with no PKPs included", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    const empty = await harness.addressPack(asAddress(0n), 0n, false, 0n);
    expect(empty).to.equal(OCCUPIED);
    expect((await harness.addressFields(empty)).isOccupied).to.equal(true);
    await fc.assert(
      fc.asyncProperty(fieldValues(LAYOUT), async (v) => {
        const word = await pack(harness, v);
        expect(word >> 248n).to.equal(1n);
        expect((await harness.addressFields(word)).isOccupied).to.equal(true);
      }),
      { numRuns: PACKED_WORD_RUNS / 2 },
    );
  });

  it("answers an empty (all-zero) slot as unoccupied and any other word as occupied", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    expect((await harness.addressFields(0n)).isOccupied).to.equal(false);
    expect(await read(harness, 0n)).to.deep.equal({
      user: 0n,
      pkpCount: 0n,
      hasUserPubkey: 0n,
      pkps: 0n,
    });
    expect((await harness.addressFields(1n)).isOccupied).to.equal(true);
    await fc.assert(
      fc.asyncProperty(anyWord, async (word) => {
        expect((await harness.addressFields(word)).isOccupied).to.equal(word !== 0n);
      }),
      { numRuns: PACKED_WORD_RUNS / 2 },
    );
  });

  it("holds INLINE_PKPS = 1 key reference, read as one 56-bit lane without the occupied byte", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    expect(await harness.addressInlinePkps()).to.equal(1n);
    const all = (1n << 256n) - 1n;
    expect((await harness.addressFields(all)).pkps).to.equal((1n << 56n) - 1n);
  });
});
