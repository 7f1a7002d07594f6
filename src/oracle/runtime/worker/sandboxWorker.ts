/**
 * Worker-thread entry point. Loads the QuickJS WASM module once (reused for every run this worker
 * performs) and executes one action at a time, each in a fresh runtime + context. It holds no keys
 * and no chain access: host calls are forwarded to the main thread as messages.
 */
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import {
  type CustomizeVariantOptions,
  RELEASE_SYNC,
  newQuickJSWASMModule,
  newVariant,
} from "quickjs-emscripten";
import type { DoneMessage, FromWorkerMessage, ToWorkerMessage } from "../protocol";
import { readEthersBundle } from "../ethers/bundleFile";
import { EthersModules, type EthersBundleLocation } from "./ethersModules";
import { nodeJwtCrypto } from "./jwtCrypto";
import type { SandboxNatives } from "./pureNatives";
import { SandboxExecution, type SandboxTemplate } from "./sandboxExecution";
import { SandboxImage } from "./sandboxImage";
import {
  locateHeap,
  readBreak,
  wasmMemoryOf,
  type WasmHeapLayout,
  type WasmMemory,
} from "./wasmLayout";

/** What the pool passes to every worker (workerPool.ts). */
export interface SandboxWorkerData {
  /** The run's cancellation flags (shared with the pool, see cancellationFlag below). */
  cancel?: SharedArrayBuffer;
  ethersBundle?: EthersBundleLocation;
}

/**
 * Emscripten prints "Aborted(...)" when QuickJS hits an internal assertion, e.g. freeing a runtime
 * that a QuickJS out-of-memory path leaked objects in. The abort also surfaces as an exception,
 * which makes the execution recycle this worker, so the message is noise; anything else is kept.
 */
const emscriptenModule: NonNullable<CustomizeVariantOptions["emscriptenModule"]> & {
  printErr(text: string): void;
} = {
  printErr(text: string) {
    if (!text.startsWith("Aborted(")) process.stderr.write(`${text}\n`);
  },
};

/**
 * Past this much WebAssembly memory the worker is replaced after its run: WASM memory only ever
 * grows, so one run that used a large heap would otherwise keep that memory for the process's
 * life (a fresh module starts at 16 MiB).
 */
const RECYCLE_ABOVE_WASM_BYTES = 32 * 1024 * 1024;

/**
 * The cancellation flag shared with the main thread (see PooledWorker): slot 0 holds the run id
 * the main thread wants stopped; this thread writes the run id into slot 1 once the run stopped
 * running action code, which the main thread checks before it would terminate this thread.
 */
function cancellationFlag(): {
  isCancelled: (runId: number) => boolean;
  acknowledge: (runId: number) => void;
} {
  const shared = (workerData as { cancel?: unknown } | undefined)?.cancel;
  if (!(shared instanceof SharedArrayBuffer)) {
    return { isCancelled: () => false, acknowledge: () => undefined };
  }
  const flag = new Int32Array(shared);
  return {
    isCancelled: (runId) => Atomics.load(flag, 0) === runId,
    acknowledge: (runId) => Atomics.store(flag, 1, runId),
  };
}

/**
 * Runs a loop to its interrupt once, before the worker reports ready. The first run of a fresh
 * module otherwise spends its first ~0.1 s in WebAssembly code that V8 compiles on first use,
 * during which a cancellation (or deadline) cannot be noticed.
 */
function warmUpInterrupts(quickjs: Awaited<ReturnType<typeof newQuickJSWASMModule>>): void {
  const runtime = quickjs.newRuntime();
  let checks = 0;
  const started = performance.now();
  runtime.setInterruptHandler(() => ++checks > 20 || performance.now() - started > 50);
  const context = runtime.newContext();
  const result = context.evalCode("for (let i = 0; ; i++) { [i].map((x) => x + 1); }");
  if (result.error) result.error.dispose();
  else result.value.dispose();
  context.dispose();
  runtime.dispose();
}

/**
 * Sandbox threads run below the main thread's priority (Linux: a thread's nice value is its own):
 * when actions keep every core busy, the main thread — HTTP, `/health`, host calls, the next
 * request's admission — and the chain node still get the CPU first. Actions share what is left
 * fairly among themselves.
 */
const WORKER_NICE = 10;

function lowerPriority(): void {
  if (process.platform !== "linux") return; // elsewhere setpriority would renice the process
  try {
    setPriority(WORKER_NICE);
  } catch {
    // not permitted (some containers): run at the process's priority
  }
}

/**
 * What the module's allocator has handed out, in bytes, for the runs' heap limit (see
 * SandboxExecution.overHeapLimit): its break, when the layout is known (wasmLayout.ts); else the
 * memory's size, which grows with it in 64 KiB pages.
 */
function heapMeter(memory: WasmMemory, layout: WasmHeapLayout | undefined): () => number {
  if (layout === undefined) return () => memory.buffer.byteLength;
  let heap = new Uint8Array(memory.buffer);
  return () => {
    if (heap.buffer !== memory.buffer) heap = new Uint8Array(memory.buffer); // grown: a new buffer
    return readBreak(heap, layout);
  };
}

async function main(): Promise<void> {
  lowerPriority();
  const port = parentPort;
  if (!port) throw new Error("sandboxWorker must run in a worker thread");
  const post = (message: FromWorkerMessage) => port.postMessage(message);
  const quickjs = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { emscriptenModule }));
  // Read on the first action that touches `ethers`, then kept for every run of this worker.
  const location = (workerData as SandboxWorkerData | undefined)?.ethersBundle;
  const natives: SandboxNatives = {
    ethers: new EthersModules(() => {
      if (location === undefined) throw new Error("this worker was started without it");
      if ("error" in location) throw new Error(location.error);
      return readEthersBundle(location.file);
    }),
    jwt: nodeJwtCrypto,
  };
  const { isCancelled, acknowledge } = cancellationFlag();
  warmUpInterrupts(quickjs);
  const layout = locateHeap(
    await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { emscriptenModule })),
    require.resolve("@jitl/quickjs-wasmfile-release-sync/wasm"),
  );
  const memory = wasmMemoryOf(quickjs);
  const heapInUse = heapMeter(memory, layout);
  let current: { runId: number; execution: SandboxExecution } | undefined;
  const newExecution = () =>
    new SandboxExecution(quickjs, post, natives, isCancelled, acknowledge, heapInUse);
  const adopt = (template: SandboxTemplate) =>
    SandboxExecution.adopt(template, quickjs, post, natives, isCancelled, acknowledge, heapInUse);
  /** Where runs start (sandboxImage.ts); undefined until built, or after a run lost it. */
  let image: SandboxImage | undefined;
  /** Building an image failed (ethers unavailable, say): every run gets a fresh sandbox. */
  let noImage = false;
  /** A fresh sandbox for a run the image does not serve, built while this worker is idle. */
  let next: SandboxExecution | undefined;
  const prepareNext = () => {
    if (next !== undefined) return;
    const execution = newExecution();
    if (execution.prepare()) {
      next = execution;
    } else if (!execution.discard()) {
      // QuickJS may be damaged and no run is here to report it: end this thread; the pool
      // notices the dead idle worker and starts another.
      process.exit(1);
    }
  };
  /** Off any run's path: the image restored (or built), else a fresh sandbox prepared. */
  const getReady = () => {
    if (current !== undefined) return;
    if (image === undefined && !noImage) {
      const built = SandboxImage.build(quickjs, newExecution(), layout);
      if (built.image === undefined && built.damaged) process.exit(1);
      image = built.image;
      noImage = image === undefined;
    }
    image?.restore();
    if (image === undefined) prepareNext();
  };

  port.on("message", (message: ToWorkerMessage) => {
    switch (message.type) {
      case "run": {
        if (current) throw new Error(`run ${message.runId} sent while ${current.runId} is running`);
        let execution: SandboxExecution;
        if (image !== undefined && image.serves(message.limits)) {
          execution = image.take(message.limits, adopt);
        } else {
          execution = next ?? newExecution();
          next = undefined;
          image?.noteRun(message.limits);
        }
        current = { runId: message.runId, execution };
        void execution.execute(message).then((report) => {
          current = undefined;
          if (report.image === "lost") image = undefined;
          if (memory.buffer.byteLength > RECYCLE_ABOVE_WASM_BYTES) {
            report.recycle = true;
          }
          const done: DoneMessage = { type: "done", runId: message.runId, ...report };
          post(done);
          // After the answer, off the run's path; a worker about to be replaced skips it.
          if (!report.recycle) setImmediate(getReady);
        });
        break;
      }
      case "host-result":
        if (current?.runId === message.runId) {
          current.execution.onHostResult(message.callId, message.ok, message.json);
        }
        break;
      case "abort":
        if (current?.runId === message.runId) current.execution.abort();
        break;
    }
  });
  getReady();
  post({ type: "ready" });
}

main().catch((error: unknown) => {
  // Surfaces as the Worker's "error" event; the pool replaces the worker.
  setImmediate(() => {
    throw error;
  });
});
