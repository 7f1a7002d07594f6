import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { packedWordsFixture } from "../helpers/packedWord.behaviour";

// PackedRefs: entry i of a list packed `perWord` entries of `bits` bits to a word is in word
// i / perWord at bit offset (i % perWord) * bits. PKPPermissions uses it for 56-bit method
// references (4 to a word) and 88-bit key references (2 to a word).

const RUNS = 150;
const LAYOUTS = [
  { name: "56-bit method references, 4 to a word", perWord: 4n, bits: 56n },
  { name: "88-bit key references, 2 to a word", perWord: 2n, bits: 88n },
];
const word = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });

describe("PackedRefs (library)", function () {
  for (const { name, perWord, bits } of LAYOUTS) {
    describe(name, function () {
      const value = fc.bigInt({ min: 0n, max: (1n << bits) - 1n });
      const lane = fc.bigInt({ min: 0n, max: perWord - 1n });
      const mask = (1n << bits) - 1n;

      it("locates entry i in word i / perWord at offset (i % perWord) * bits", async function () {
        const { harness } = await loadFixture(packedWordsFixture);
        await fc.assert(
          fc.asyncProperty(fc.bigInt({ min: 0n, max: 1n << 40n }), async (index) => {
            const [wordIndex, shift] = await harness.refsLocate(index, perWord, bits);
            expect([wordIndex, shift]).to.deep.equal([index / perWord, (index % perWord) * bits]);
          }),
          { numRuns: RUNS },
        );
      });

      it("reads back what it wrote, and leaves the other lanes and the spare bits alone", async function () {
        const { harness } = await loadFixture(packedWordsFixture);
        await fc.assert(
          fc.asyncProperty(word, lane, value, async (before, laneIndex, entry) => {
            const shift = laneIndex * bits;
            const after = await harness.refsWrite(before, shift, bits, entry);
            expect(await harness.refsRead(after, shift, bits)).to.equal(entry);
            const others = ~(mask << shift) & ((1n << 256n) - 1n);
            expect(after & others).to.equal(before & others);
          }),
          { numRuns: RUNS },
        );
      });

      it("reads each lane of a word as its own bits", async function () {
        const { harness } = await loadFixture(packedWordsFixture);
        await fc.assert(
          fc.asyncProperty(word, lane, async (packed, laneIndex) => {
            const shift = laneIndex * bits;
            expect(await harness.refsRead(packed, shift, bits)).to.equal((packed >> shift) & mask);
          }),
          { numRuns: RUNS },
        );
      });

      it("clears a lane by writing 0 (as a removal does)", async function () {
        const { harness } = await loadFixture(packedWordsFixture);
        const full = (1n << 256n) - 1n;
        for (let i = 0n; i < perWord; ++i) {
          const cleared = await harness.refsWrite(full, i * bits, bits, 0n);
          expect(cleared).to.equal(full & ~(mask << (i * bits)));
        }
      });
    });
  }
});
