/**
 * A sandbox image (worker side): one sandbox built and warmed ahead of every run — runtime, root
 * context, natives, prelude, and the parts and ethers modules actions use most, compiled — whose
 * WebAssembly memory is copied once. Each run then starts on that sandbox with the memory put
 * back to the copied bytes, so every run starts from the same bytes: nothing of an earlier run
 * is left (its objects, its garbage, its Math.random state: the prelude reseeds that per run),
 * and nothing is compiled twice. Restoring ≈ 16 MiB is a copy of well under a millisecond;
 * building a fresh sandbox and compiling what a typical action touches (fetch, ethers.utils)
 * was several milliseconds of QuickJS per run (docs/PERFORMANCE.md).
 *
 * Why copying the memory is enough: QuickJS keeps all of its state — runtime, contexts, heap,
 * allocator, the WebAssembly data stack — in the module's linear memory, and between two calls
 * from JavaScript the stack pointer is back at its base. The JavaScript side of
 * quickjs-emscripten keeps no pointers of its own beyond the handles this image holds (taken
 * before the copy, never disposed while it lives). Memory the run grew past the image is zeroed:
 * the allocator takes memory it has not handed out yet to be zero.
 *
 * A run the image cannot serve as it is gets a fresh sandbox instead (sandboxWorker.ts): one with
 * a heap limit below IMAGE_MIN_MEMORY_BYTES (the image's own heap counts against the run's). A
 * run that starts child actions (Lit.Actions.call: new contexts, new natives) tears the image's
 * runtime down as a fresh sandbox's would be ("lost"); the worker builds a new image while idle.
 */
import type { QuickJSWASMModule } from "quickjs-emscripten";
import type { ActionLimits } from "../limits";
import type { SandboxExecution, SandboxTemplate, WarmSpec } from "./sandboxExecution";

const MiB = 1024 * 1024;

/**
 * Compiled into the image: the web APIs and fetch, and the ethers v5 utils actions call most
 * (hashing, bytes, addresses, keys, signatures, transactions, ABI) with the packages they load.
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

interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export class SandboxImage {
  /** A run has used the sandbox since the memory was last restored. */
  private dirty = false;

  private constructor(
    private readonly memory: WasmMemory,
    private readonly bytes: Uint8Array,
    private readonly template: SandboxTemplate,
  ) {}

  /**
   * Builds an image with `builder` (a fresh execution that will never run). Undefined if the
   * sandbox could not be built and warmed; `damaged` then says whether QuickJS may be unusable.
   */
  static build(
    quickjs: QuickJSWASMModule,
    builder: SandboxExecution,
  ): { image: SandboxImage } | { image: undefined; damaged: boolean } {
    const template = builder.buildTemplate(IMAGE_WARM, IMAGE_MIN_MEMORY_BYTES);
    if (template === undefined) return { image: undefined, damaged: !builder.discard() };
    const memory = quickjs.getWasmMemory() as WasmMemory;
    return { image: new SandboxImage(memory, new Uint8Array(memory.buffer).slice(), template) };
  }

  /** Bytes copied back before every run. */
  get size(): number {
    return this.bytes.length;
  }

  /** Whether a run with these limits may run on the image (see the top of the file). */
  serves(limits: ActionLimits): boolean {
    return limits.memoryBytes >= IMAGE_MIN_MEMORY_BYTES;
  }

  /**
   * The execution of the next run, on the image (restored first if the last run has not been
   * cleaned up yet). `adopt` is SandboxExecution.adopt with the worker's arguments.
   */
  take(adopt: (template: SandboxTemplate) => SandboxExecution): SandboxExecution {
    this.restore();
    this.dirty = true;
    return adopt(this.template);
  }

  /** Puts the memory back to the image's bytes; nothing to do if no run used it since. */
  restore(): void {
    if (!this.dirty) return;
    const heap = new Uint8Array(this.memory.buffer);
    heap.set(this.bytes);
    if (heap.length > this.bytes.length) heap.fill(0, this.bytes.length);
    this.dirty = false;
  }
}
