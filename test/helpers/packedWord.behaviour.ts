/**
 * Round trips of a packed storage word (a user-defined value type over uint256 with a small
 * library, as in contracts/libraries/), v4-core's Slot0 tests in shape: each library's test file
 * in test/libraries/ describes the word's documented layout once, independently of the library,
 * and this behaviour checks the library's getters and its `pack` against it — every field at
 * random values and at its bounds (0 and its maximum), and one field changed leaving every other
 * bit of the word as it was. Calls go through contracts/test/PackedWordsHarness.sol (pure
 * functions: eth_call only, no transactions).
 */
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { PackedWordsHarness } from "../../typechain-types";

/** Seeded runs per property: the calls are pure, so a run costs one or two eth_calls. */
export const PACKED_WORD_RUNS = 100;

export const WORD_MASK = (1n << 256n) - 1n;

/** Any unsigned integer of `bits` bits. */
export const uint = (bits: bigint): fc.Arbitrary<bigint> =>
  fc.bigInt({ min: 0n, max: (1n << bits) - 1n });

/** Any 256-bit word. */
export const anyWord: fc.Arbitrary<bigint> = uint(256n);

/** A field of a packed word: `bits` bits from bit `shift` (a flag is a 1-bit field). */
export interface FieldSpec {
  shift: bigint;
  bits: bigint;
}

/** A word's documented layout: its fields by name, and bits every packed word carries. */
export interface WordLayout<K extends string> {
  fields: Readonly<Record<K, FieldSpec>>;
  /** Bits `pack` sets whatever the fields (AddressRecord's occupied byte); 0 for most words. */
  constantBits: bigint;
}

export type FieldValues<K extends string> = Record<K, bigint>;

export const fieldMask = ({ shift, bits }: FieldSpec): bigint => ((1n << bits) - 1n) << shift;

const keysOf = <K extends string>(layout: WordLayout<K>): K[] => Object.keys(layout.fields) as K[];

/** The word `values` make in `layout`, computed from the documented layout alone. */
export function encodeWord<K extends string>(
  layout: WordLayout<K>,
  values: FieldValues<K>,
): bigint {
  let word = layout.constantBits;
  for (const key of keysOf(layout)) word |= values[key] << layout.fields[key].shift;
  return word;
}

/** Each field of `word`, cut out of its own bits. */
export function decodeWord<K extends string>(layout: WordLayout<K>, word: bigint): FieldValues<K> {
  const values = {} as FieldValues<K>;
  for (const key of keysOf(layout)) {
    const { shift, bits } = layout.fields[key];
    values[key] = (word >> shift) & ((1n << bits) - 1n);
  }
  return values;
}

/** Any in-range value of every field. */
export function fieldValues<K extends string>(layout: WordLayout<K>): fc.Arbitrary<FieldValues<K>> {
  const arbitraries = {} as Record<K, fc.Arbitrary<bigint>>;
  for (const key of keysOf(layout)) arbitraries[key] = uint(layout.fields[key].bits);
  return fc.record(arbitraries) as fc.Arbitrary<FieldValues<K>>;
}

/** All fields at 0, all at their maximum, and each field alone at its maximum or alone at 0. */
function boundaryCases<K extends string>(
  layout: WordLayout<K>,
): { name: string; values: FieldValues<K> }[] {
  const keys = keysOf(layout);
  const max = (key: K) => (1n << layout.fields[key].bits) - 1n;
  const all = (pick: (key: K) => bigint) =>
    Object.fromEntries(keys.map((key) => [key, pick(key)])) as FieldValues<K>;
  return [
    { name: "every field 0", values: all(() => 0n) },
    { name: "every field at its maximum", values: all(max) },
    ...keys.flatMap((field) => [
      {
        name: `${field} at its maximum, the rest 0`,
        values: all((k) => (k === field ? max(k) : 0n)),
      },
      {
        name: `${field} 0, the rest at their maximum`,
        values: all((k) => (k === field ? 0n : max(k))),
      },
    ]),
  ];
}

/** How a test file reaches its library through the harness. */
export interface PackedWordSubject<K extends string> {
  layout: WordLayout<K>;
  /** The library's `pack`, called with `values` (converted to its parameter types). */
  pack: (harness: PackedWordsHarness, values: FieldValues<K>) => Promise<bigint>;
  /** The library's getters of `word`, converted back to bigints (a bool as 0 or 1). */
  read: (harness: PackedWordsHarness, word: bigint) => Promise<FieldValues<K>>;
}

export async function packedWordsFixture(): Promise<{ harness: PackedWordsHarness }> {
  const harness = await (await ethers.getContractFactory("PackedWordsHarness")).deploy();
  return { harness };
}

/** The round trips every packed word must pass; call inside the library's `describe`. */
export function shouldPackWordInLayout<K extends string>(subject: PackedWordSubject<K>): void {
  const { layout, pack, read } = subject;
  const values = fieldValues(layout);

  it("reads each field from its own bits of any word, ignoring every other bit", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    await fc.assert(
      fc.asyncProperty(anyWord, async (word) => {
        expect(await read(harness, word)).to.deep.equal(decodeWord(layout, word));
      }),
      { numRuns: PACKED_WORD_RUNS },
    );
  });

  it("packs random field values into the documented layout and reads them back", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    await fc.assert(
      fc.asyncProperty(values, async (v) => {
        const word = await pack(harness, v);
        expect(word).to.equal(encodeWord(layout, v));
        expect(await read(harness, word)).to.deep.equal(v);
      }),
      { numRuns: PACKED_WORD_RUNS },
    );
  });

  it("packs and reads back every field at 0 and at its maximum, the others at either bound", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    for (const { name, values: v } of boundaryCases(layout)) {
      const word = await pack(harness, v);
      expect(word, name).to.equal(encodeWord(layout, v));
      expect(await read(harness, word), name).to.deep.equal(v);
    }
  });

  it("changes only a field's own bits when that field alone changes", async function () {
    const { harness } = await loadFixture(packedWordsFixture);
    const keys = keysOf(layout);
    await fc.assert(
      fc.asyncProperty(values, values, fc.constantFrom(...keys), async (before, other, field) => {
        const changed = { ...before, [field]: other[field] };
        const difference = (await pack(harness, before)) ^ (await pack(harness, changed));
        expect(difference & ~fieldMask(layout.fields[field]) & WORD_MASK).to.equal(0n);
        expect(difference >> layout.fields[field].shift).to.equal(before[field] ^ other[field]);
      }),
      { numRuns: PACKED_WORD_RUNS },
    );
  });
}
