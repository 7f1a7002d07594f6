/**
 * Where QuickJS's WebAssembly module keeps what a run can change (sandboxImage.ts restores only
 * that): emscripten lays linear memory out as static data, then the data stack (growing down
 * from `stackTop`), then the heap (from `stackTop` up to the allocator's break, which only
 * grows). A run writes the static data (the allocator's state among it), the top of the stack,
 * and the heap below the break; nothing else.
 *
 * - `stackTop` is the stack pointer's initial value: global 0 of the module, read from its file.
 * - The break lives in one word of static data. It is found by watching the words of static
 *   data while QuickJS allocates a few MiB: the one word that moves up by that much, and stays
 *   between the heap's start and the memory's end, is it. Anything else (no such word, or two)
 *   means the module is not laid out as expected: the image then restores all of its memory.
 *   The probe runs in a module instance of its own (`probe`, the same build): the break never
 *   moves down, so in the worker's module its freed megabytes would lie below the image's break
 *   and be copied back by every restore (4.1 MiB instead of 0.6 MiB of heap).
 */
import { readFileSync } from "node:fs";
import type { QuickJSWASMModule } from "quickjs-emscripten";

export interface WasmHeapLayout {
  /** Where the data stack starts (it grows down from here) and the heap begins. */
  stackTop: number;
  /** Byte address of the allocator's break word (a little-endian u32 in static data). */
  breakAddress: number;
  /** End of the static data the break word was found in (restored in full). */
  staticEnd: number;
}

/** Static data is searched (and restored) up to here: QuickJS's is about 88 KiB. */
const STATIC_LIMIT = 256 * 1024;
const PROBE_BYTES = 4 * 1024 * 1024;

/** A QuickJS module's linear memory: `buffer` is replaced each time the memory grows. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/**
 * The linear memory of `quickjs` (quickjs-emscripten types it `unknown`: a WebAssembly.Memory,
 * of which only `buffer` is read here).
 */
export function wasmMemoryOf(quickjs: QuickJSWASMModule): WasmMemory {
  return quickjs.getWasmMemory() as WasmMemory;
}

/**
 * The layout of `wasmFile`'s modules, found in `probe` (an instance of that build nothing else
 * uses: it keeps the probe's garbage), or undefined if it is not laid out as expected.
 */
export function locateHeap(probe: QuickJSWASMModule, wasmFile: string): WasmHeapLayout | undefined {
  try {
    const stackTop = initialStackPointer(readFileSync(wasmFile));
    if (stackTop === undefined || stackTop <= STATIC_LIMIT) return undefined;
    const memory = wasmMemoryOf(probe);
    const before = new Uint32Array(memory.buffer.slice(0, STATIC_LIMIT));
    const runtime = probe.newRuntime();
    const context = runtime.newContext();
    try {
      const probe = context.evalCode(`new Uint8Array(${PROBE_BYTES}).fill(1).length`);
      if (probe.error) {
        probe.error.dispose();
        return undefined;
      }
      probe.value.dispose();
      const after = new Uint32Array(memory.buffer, 0, STATIC_LIMIT / 4);
      const end = memory.buffer.byteLength;
      const candidates: number[] = [];
      for (let i = 0; i < before.length; i++) {
        const grew = after[i] - before[i];
        if (
          before[i] >= stackTop &&
          after[i] <= end &&
          grew >= PROBE_BYTES &&
          grew < 2 * PROBE_BYTES
        ) {
          candidates.push(i * 4);
        }
      }
      if (candidates.length !== 1) return undefined;
      return { stackTop, breakAddress: candidates[0], staticEnd: STATIC_LIMIT };
    } finally {
      context.dispose();
      runtime.dispose();
    }
  } catch {
    return undefined;
  }
}

/** The i32.const initial value of global 0 (emscripten's __stack_pointer), if the file has it. */
export function initialStackPointer(wasm: Uint8Array): number | undefined {
  let offset = 8; // magic + version
  /** One LEB128 number at `offset` (advanced past it); sign-extended when `signed`. */
  const leb128 = (signed: boolean) => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = wasm[offset++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return signed && byte & 0x40 ? result - 2 ** shift : result;
  };
  while (offset < wasm.length) {
    const id = wasm[offset++];
    const size = leb128(false);
    const end = offset + size;
    if (id === 6) {
      if (leb128(false) === 0) return undefined; // no globals
      const type = wasm[offset++];
      offset++; // mutability
      const opcode = wasm[offset++];
      if (type !== 0x7f || opcode !== 0x41) return undefined; // not i32, not i32.const
      return leb128(true);
    }
    offset = end;
  }
  return undefined;
}

/** The allocator's break as recorded in `bytes` (a module's memory, or a copy of it). */
export function readBreak(bytes: Uint8Array, layout: WasmHeapLayout): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(layout.breakAddress, true);
}
