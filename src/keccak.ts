/**
 * keccak256 for Node: the `keccak` package's native Keccak state (its prebuilt N-API binding,
 * XKCP's reference code) when it loads, @noble/hashes otherwise.
 *
 * Why not @noble alone: a sandboxed action hashes through the worker (ethers' keccak256 in the
 * sandbox is a shim over it), and the social backend's action hashes every commit of a post to
 * check it, the store every commit it accepts: @noble costs ≈ 25 µs for a 230-byte commit on this
 * project's 2-core machines, the native state ≈ 5 µs. Both give the same digests
 * (test/keccak.test.ts). In the explorer's browser bundle there is no Node and no binding: @noble
 * serves, and the page's build leaves the binding's loader out (src/explorer/assets.ts).
 */
import { keccak_256 as nobleKeccak } from "@noble/hashes/sha3";
import { toHex } from "./bytes";

/** The part of the native Keccak state used here (keccak/src/addon.cc). */
interface KeccakState {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  absorbLastFewBits(bits: number): void;
  squeeze(length: number): Buffer;
}

/** keccak256: rate 1088 bits, capacity 512, Keccak's own padding (0x01), 32 bytes out. */
const RATE = 1088;
const CAPACITY = 512;
const KECCAK_PADDING = 0x01;

export const NOBLE_KECCAK256 = (data: Uint8Array): Uint8Array => nobleKeccak(data);

/** The native keccak256, or undefined when its binding cannot load here (PKP_KECCAK=noble: never). */
function loadNative(): ((data: Uint8Array) => Uint8Array) | undefined {
  if (typeof process === "undefined" || process.versions?.node === undefined) return undefined;
  if (process.env.PKP_KECCAK === "noble") return undefined;
  let State: new () => KeccakState;
  try {
    // The package's own entry wraps the state in a stream per hash (≈ 2× the cost); its
    // binding is loaded the way the package loads it.
    /* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, optional */
    const path = require("node:path") as typeof import("node:path");
    const load = require("node-gyp-build") as (directory: string) => unknown;
    /* eslint-enable @typescript-eslint/no-require-imports */
    State = load(path.dirname(require.resolve("keccak/package.json"))) as new () => KeccakState;
    if (typeof State !== "function") return undefined;
  } catch {
    return undefined;
  }
  // One state for the thread: hashing is synchronous, so no two hashes share it at once.
  const state = new State();
  return (data) => {
    state.initialize(RATE, CAPACITY);
    state.absorb(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    state.absorbLastFewBits(KECCAK_PADDING);
    return new Uint8Array(state.squeeze(32));
  };
}

/** The native keccak256 when it loads here, else undefined. */
export const NATIVE_KECCAK256 = loadNative();

/** Which implementation this thread uses (benchmarks and tests print it). */
export const KECCAK_BACKEND: "native" | "noble" = NATIVE_KECCAK256 ? "native" : "noble";

/** keccak256 of `data`, 32 bytes. */
export const keccak256Bytes: (data: Uint8Array) => Uint8Array = NATIVE_KECCAK256 ?? NOBLE_KECCAK256;

/** keccak256 of `data` as 0x-prefixed lowercase hex (ethers' `keccak256`). */
export function keccak256Hex(data: Uint8Array): string {
  return `0x${toHex(keccak256Bytes(data))}`;
}
