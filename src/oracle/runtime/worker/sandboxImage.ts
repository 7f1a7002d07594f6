/**
 * A sandbox image (worker side): one sandbox built and warmed ahead of every run — runtime, root
 * context, natives, prelude, and the parts and ethers modules actions use most, compiled — whose
 * WebAssembly memory is copied once. Each run then starts on that sandbox with the memory put
 * back to the copied bytes, so every run starts from the same bytes: nothing of an earlier run
 * is left (its objects, its garbage, its Math.random state: the prelude reseeds that per run),
 * and nothing is compiled twice. Restoring copies only what a run can change (wasmLayout.ts):
 * ≈ 1.5 MiB for a typical run, a fraction of a millisecond; building a fresh sandbox and
 * compiling what a typical action touches (fetch, ethers.utils) was several milliseconds of
 * QuickJS per run (docs/PERFORMANCE.md, Social backend).
 *
 * Why copying the memory is enough: QuickJS keeps all of its state — runtime, contexts, heap,
 * allocator, the WebAssembly data stack — in the module's linear memory, and between two calls
 * from JavaScript the stack pointer is back at its base. The JavaScript side of
 * quickjs-emscripten keeps no pointers of its own beyond the handles this image holds (taken
 * before the copy, never disposed while it lives). Heap the run added past the image is zeroed,
 * so the memory is again the image's bytes followed by zeros, as when the image was taken.
 *
 * A run the image cannot serve as it is gets a fresh sandbox instead (sandboxWorker.ts): one with
 * a heap limit below IMAGE_MIN_MEMORY_BYTES (the image's own heap counts against the run's). A
 * run that starts child actions (Lit.Actions.call: new contexts, new natives) tears the image's
 * runtime down as a fresh sandbox's would be ("lost"); the worker builds a new image while idle.
 */
import type { QuickJSWASMModule } from "quickjs-emscripten";
import { LIMIT_BOUNDS, type ActionLimits } from "../limits";
import type { SandboxExecution, SandboxTemplate, WarmSpec } from "./sandboxExecution";
import { readBreak, wasmMemoryOf, type WasmHeapLayout, type WasmMemory } from "./wasmLayout";

const MiB = 1024 * 1024;

/**
 * Compiled into the image: the web APIs and fetch, and the ethers v5 utils actions call most
 * (hashing, bytes, addresses, keys, signatures) with the packages they load.
 * More would make the image (copied every run) larger for modules few actions use; any other
 * part or module still compiles on first use, as in a fresh sandbox.
 */
export const IMAGE_WARM: WarmSpec = {
  parts: ["codecs", "timers", "text", "url", "http", "fetch", "ethers"],
  ethersUtils: [
    "arrayify",
    "computeAddress",
    "computePublicKey",
    "getAddress",
    "hexDataSlice",
    "hexlify",
    "joinSignature",
    "keccak256",
    "recoverAddress",
    "splitSignature",
    "toUtf8Bytes",
  ],
};

/** The smallest heap limit a run on the image may have: the image is built under it. */
export const IMAGE_MIN_MEMORY_BYTES = 16 * MiB;

/**
 * How much of the data stack below its top a run may have written, past its own stack limit:
 * QuickJS checks the limit in every function that recurses; C frames between two checks are
 * small. (If one ever went deeper, what it left there is only ever overwritten, never read: C
 * code does not read stack it has not written.)
 */
const STACK_SLACK_BYTES = 256 * 1024;

export class SandboxImage {
  /** A run has used the sandbox since the memory was last restored. */
  private dirty = false;
  /** The largest stack limit of the runs since the last restore. */
  private dirtyStackBytes = 0;
  /** The allocator's break in the image (where the image's heap ends). */
  private readonly imageBreak: number | undefined;

  private constructor(
    private readonly memory: WasmMemory,
    private readonly bytes: Uint8Array,
    private readonly template: SandboxTemplate,
    private readonly layout: WasmHeapLayout | undefined,
  ) {
    this.imageBreak = layout === undefined ? undefined : readBreak(bytes, layout);
  }

  /**
   * Builds an image with `builder` (a fresh execution that will never run). Undefined if the
   * sandbox could not be built and warmed; `damaged` then says whether QuickJS may be unusable.
   * With `layout` (wasmLayout.ts), restoring copies only what a run can have changed; without
   * it, or if the image does not fit it, the whole memory.
   */
  static build(
    quickjs: QuickJSWASMModule,
    builder: SandboxExecution,
    layout?: WasmHeapLayout,
  ): { image: SandboxImage } | { image: undefined; damaged: boolean } {
    const template = builder.buildTemplate(IMAGE_WARM, IMAGE_MIN_MEMORY_BYTES);
    if (template === undefined) return { image: undefined, damaged: !builder.discard() };
    const memory = wasmMemoryOf(quickjs);
    const bytes = new Uint8Array(memory.buffer).slice();
    const fits = layout !== undefined && imageFits(bytes, layout);
    return { image: new SandboxImage(memory, bytes, template, fits ? layout : undefined) };
  }

  /** Bytes of the image (what a full restore copies). */
  get size(): number {
    return this.bytes.length;
  }

  /** Whether restoring copies only what a run can have changed (see wasmLayout.ts). */
  get restoresPartially(): boolean {
    return this.layout !== undefined;
  }

  /** Whether a run with these limits may run on the image (see the top of the file). */
  serves(limits: ActionLimits): boolean {
    return limits.memoryBytes >= IMAGE_MIN_MEMORY_BYTES;
  }

  /**
   * The execution of the next run, on the image (restored first if the last run has not been
   * cleaned up yet). `adopt` is SandboxExecution.adopt with the worker's arguments.
   */
  take(
    limits: ActionLimits,
    adopt: (template: SandboxTemplate) => SandboxExecution,
  ): SandboxExecution {
    this.restore();
    this.noteRun(limits);
    return adopt(this.template);
  }

  /**
   * A run is about to use this module's memory: its own (take), or a fresh sandbox's, whose
   * runtime is gone when it ends. The image is restored before the next run on it.
   */
  noteRun(limits: ActionLimits): void {
    this.dirty = true;
    this.dirtyStackBytes = Math.max(this.dirtyStackBytes, limits.stackBytes);
  }

  /** Puts the memory back to the image's bytes; nothing to do if no run used it since. */
  restore(): void {
    if (!this.dirty) return;
    const heap = new Uint8Array(this.memory.buffer);
    const layout = this.layout;
    const imageBreak = this.imageBreak as number;
    const runBreak = layout === undefined ? undefined : readBreak(heap, layout);
    if (
      layout === undefined ||
      runBreak === undefined ||
      runBreak < imageBreak ||
      runBreak > heap.length
    ) {
      heap.set(this.bytes);
      if (heap.length > this.bytes.length) heap.fill(0, this.bytes.length);
    } else {
      const { staticEnd, stackTop } = layout;
      const stackLow = Math.max(staticEnd, stackTop - this.dirtyStackBytes - STACK_SLACK_BYTES);
      heap.set(this.bytes.subarray(0, staticEnd));
      heap.set(this.bytes.subarray(stackLow, imageBreak), stackLow);
      heap.fill(0, imageBreak, runBreak);
    }
    this.dirty = false;
    this.dirtyStackBytes = 0;
  }
}

/**
 * Whether the image has nothing outside what a partial restore copies: its break within its
 * memory and above the stack, and only zeros between static data and the stack window of the
 * smallest stack limit (every run's is at least that).
 */
function imageFits(bytes: Uint8Array, layout: WasmHeapLayout): boolean {
  const imageBreak = readBreak(bytes, layout);
  if (imageBreak < layout.stackTop || imageBreak > bytes.length) return false;
  const low = layout.stackTop - LIMIT_BOUNDS.stackBytes[0] - STACK_SLACK_BYTES;
  for (let i = layout.staticEnd; i < low; i++) if (bytes[i] !== 0) return false;
  return true;
}
