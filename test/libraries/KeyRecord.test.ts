import { expect } from "chai";
import fc from "fast-check";
import { getAddress, toBeHex } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { PackedWordsHarness } from "../../typechain-types";
import {
  PACKED_WORD_RUNS,
  anyWord,
  encodeWord,
  fieldValues,
  packedWordsFixture,
  shouldPackWordInLayout,
  uint,
  type FieldValues,
  type WordLayout,
} from "../helpers/packedWord.behaviour";

// KeyRecord: what PubkeyRouter keeps about a routed key, in one word:
// [position:56 | key type:32 | flags:8 | eth address:160]. A routed key's address is never zero,
// so an all-zero record is an unrouted key. The layout below is the documented one, written
// independently of the library.

type Field = "ethAddress" | "flags" | "keyType" | "position";

const LAYOUT: WordLayout<Field> = {
  fields: {
    ethAddress: { shift: 0n, bits: 160n },
    flags: { shift: 160n, bits: 8n },
    keyType: { shift: 168n, bits: 32n },
    position: { shift: 200n, bits: 56n },
  },
  constantBits: 0n,
};

/** FLAG_Y_ODD, FLAG_WITHDRAWN, FLAG_DERIVED, FLAG_CLAIMED, as documented. */
const FLAGS = [1n, 2n, 4n, 8n];

const asAddress = (value: bigint): string => getAddress(toBeHex(value, 20));

async function pack(harness: PackedWordsHarness, v: FieldValues<Field>): Promise<bigint> {
  return harness.keyPack(asAddress(v.ethAddress), v.flags, v.keyType, v.position);
}

async function read(harness: PackedWordsHarness, word: bigint): Promise<FieldValues<Field>> {
  const f = await harness.keyFields(word);
  return {
    ethAddress: BigInt(f.ethAddress),
    flags: f.flags,
    keyType: f.keyType,
    position: f.position,
  };
}

describe("KeyRecord (library)", function () {
  shouldPackWordInLayout({ layout: LAYOUT, pack, read });

  it("declares its four flags as distinct single bits", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    expect([...(await harness.keyFlags())]).to.deep.equal(FLAGS);
  });

  it("sets one flag with withFlag, keeping the other flags and every other field, idempotently", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    await fc.assert(
      fc.asyncProperty(fieldValues(LAYOUT), fc.constantFrom(...FLAGS), async (v, flag) => {
        const once = await harness.keyWithFlag(encodeWord(LAYOUT, v), flag);
        expect(once).to.equal(encodeWord(LAYOUT, { ...v, flags: v.flags | flag }));
        expect(await harness.keyWithFlag(once, flag)).to.equal(once);
      }),
      { numRuns: PACKED_WORD_RUNS },
    );
  });

  it("answers has(flag) from that flag's bit alone", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    await fc.assert(
      fc.asyncProperty(anyWord, fc.constantFrom(...FLAGS), async (word, flag) => {
        const flags = (word >> 160n) & 0xffn;
        expect(await harness.keyHas(word, flag)).to.equal((flags & flag) !== 0n);
      }),
      { numRuns: PACKED_WORD_RUNS },
    );
    for (const flag of FLAGS) {
      const only = await harness.keyWithFlag(0n, flag);
      for (const other of FLAGS) expect(await harness.keyHas(only, other)).to.equal(other === flag);
    }
  });

  it("moves a key with withPosition, touching no other field", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    await fc.assert(
      fc.asyncProperty(fieldValues(LAYOUT), uint(56n), async (v, position) => {
        const moved = await harness.keyWithPosition(encodeWord(LAYOUT, v), position);
        expect(moved).to.equal(encodeWord(LAYOUT, { ...v, position }));
      }),
      { numRuns: PACKED_WORD_RUNS },
    );
    const max = (1n << 56n) - 1n;
    const full = encodeWord(LAYOUT, {
      ethAddress: (1n << 160n) - 1n,
      flags: 0xffn,
      keyType: 0xffffffffn,
      position: max,
    });
    expect(await harness.keyWithPosition(full, 0n)).to.equal(full & ~(max << 200n));
    expect(await harness.keyWithPosition(0n, max)).to.equal(max << 200n);
  });

  it("answers an all-zero record as unrouted and any record of a non-zero address as routed", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    expect((await harness.keyFields(0n)).isRouted).to.equal(false);
    expect(await read(harness, 0n)).to.deep.equal({
      ethAddress: 0n,
      flags: 0n,
      keyType: 0n,
      position: 0n,
    });
    await fc.assert(
      fc.asyncProperty(fieldValues(LAYOUT), async (v) => {
        const routed = { ...v, ethAddress: v.ethAddress === 0n ? 1n : v.ethAddress };
        expect((await harness.keyFields(await pack(harness, routed))).isRouted).to.equal(true);
      }),
      { numRuns: PACKED_WORD_RUNS / 2 },
    );
    const lowest = await harness.keyPack(asAddress(1n), 0, 0, 0);
    expect((await harness.keyFields(lowest)).isRouted).to.equal(true);
  });
});
