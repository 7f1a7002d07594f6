import { expect } from "chai";
import { ethers } from "ethers";
import {
  KECCAK_BACKEND,
  NATIVE_KECCAK256,
  NOBLE_KECCAK256,
  keccak256Bytes,
  keccak256Hex,
} from "../src/keccak";

/** Lengths around keccak256's 136-byte rate, where padding and block handling change. */
const LENGTHS = [0, 1, 31, 32, 55, 56, 135, 136, 137, 271, 272, 273, 1000, 70_000];

const input = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, i) => (i * 131 + seed * 17 + (i >> 7)) & 255);

describe("keccak256: the native binding when it loads, @noble otherwise, same digests", function () {
  it("loads the native binding on linux-x64 (its prebuild ships in the package)", function () {
    expect(KECCAK_BACKEND).to.equal("native");
    expect(NATIVE_KECCAK256).to.be.a("function");
  });

  it("gives ethers' digests for every length around the rate, from either implementation", function () {
    const native = NATIVE_KECCAK256 as (data: Uint8Array) => Uint8Array;
    for (const length of LENGTHS) {
      for (let seed = 0; seed < 3; seed++) {
        const data = input(length, seed);
        const expected = ethers.keccak256(data);
        expect(ethers.hexlify(native(data)), `native, ${length} bytes`).to.equal(expected);
        expect(ethers.hexlify(NOBLE_KECCAK256(data)), `noble, ${length} bytes`).to.equal(expected);
        expect(keccak256Hex(data)).to.equal(expected);
      }
    }
  });

  it("hashes a view into a larger buffer by its own bytes only, and leaves no state between hashes", function () {
    const whole = input(300, 9);
    const view = whole.subarray(50, 250);
    expect(keccak256Hex(view)).to.equal(ethers.keccak256(whole.slice(50, 250)));
    // the same input twice (the thread's one state is re-initialized every time)
    expect(keccak256Hex(view)).to.equal(keccak256Hex(view));
    expect(ethers.hexlify(keccak256Bytes(new Uint8Array()))).to.equal(ethers.keccak256("0x"));
  });
});
