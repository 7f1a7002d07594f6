import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { PackedWordsHarness } from "../../typechain-types";
import {
  packedWordsFixture,
  shouldPackWordInLayout,
  type FieldValues,
  type WordLayout,
} from "../helpers/packedWord.behaviour";

// KeyPool: the pool of one key type in PubkeyRouter, in one word:
// [unused:64 | derived:64 | tail:64 | head:64]. Positions [head, tail) hold unminted keys;
// `derived` counts the type's keys routed for claims. The layout below is the documented one,
// written independently of the library.

type Field = "head" | "tail" | "derived";

const LAYOUT: WordLayout<Field> = {
  fields: {
    head: { shift: 0n, bits: 64n },
    tail: { shift: 64n, bits: 64n },
    derived: { shift: 128n, bits: 64n },
  },
  constantBits: 0n,
};

async function pack(harness: PackedWordsHarness, v: FieldValues<Field>): Promise<bigint> {
  return harness.poolPack(v.head, v.tail, v.derived);
}

async function read(harness: PackedWordsHarness, word: bigint): Promise<FieldValues<Field>> {
  const f = await harness.poolFields(word);
  return { head: f.head, tail: f.tail, derived: f.derived };
}

describe("KeyPool (library)", function () {
  shouldPackWordInLayout({ layout: LAYOUT, pack, read });

  it("answers an all-zero word as an empty pool that has routed no derived key", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    expect(await read(harness, 0n)).to.deep.equal({ head: 0n, tail: 0n, derived: 0n });
  });
});
