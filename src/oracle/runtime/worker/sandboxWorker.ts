/**
 * Worker-thread entry point. Loads the QuickJS WASM module once (reused for every run this worker
 * performs) and executes one action at a time, each in a fresh runtime + context. It holds no keys
 * and no chain access: host calls are forwarded to the main thread as messages.
 */
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
import { SandboxExecution } from "./sandboxExecution";

/** What the pool passes to every worker (workerPool.ts). */
export interface SandboxWorkerData {
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

async function main(): Promise<void> {
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
  let current: { runId: number; execution: SandboxExecution } | undefined;
  /** The next run's sandbox, built while this worker is idle (fresh; it serves one run). */
  let next: SandboxExecution | undefined;
  const prepareNext = () => {
    if (next !== undefined) return;
    const execution = new SandboxExecution(quickjs, post, natives);
    if (execution.prepare()) {
      next = execution;
    } else if (!execution.discard()) {
      // QuickJS may be damaged and no run is here to report it: end this thread; the pool
      // notices the dead idle worker and starts another.
      process.exit(1);
    }
  };

  port.on("message", (message: ToWorkerMessage) => {
    switch (message.type) {
      case "run": {
        if (current) throw new Error(`run ${message.runId} sent while ${current.runId} is running`);
        const execution = next ?? new SandboxExecution(quickjs, post, natives);
        next = undefined;
        current = { runId: message.runId, execution };
        void execution.execute(message).then((report) => {
          current = undefined;
          const done: DoneMessage = { type: "done", runId: message.runId, ...report };
          post(done);
          // After the answer, off the run's path; a worker about to be replaced skips it.
          if (!report.recycle) setImmediate(prepareNext);
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
  prepareNext();
  post({ type: "ready" });
}

main().catch((error: unknown) => {
  // Surfaces as the Worker's "error" event; the pool replaces the worker.
  setImmediate(() => {
    throw error;
  });
});
