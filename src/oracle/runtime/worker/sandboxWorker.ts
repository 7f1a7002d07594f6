/**
 * Worker-thread entry point. Loads the QuickJS WASM module once (reused for every run this worker
 * performs) and executes one action at a time, each in a fresh runtime + context. It holds no keys
 * and no chain access: host calls are forwarded to the main thread as messages.
 */
import { parentPort } from "node:worker_threads";
import { RELEASE_SYNC, newQuickJSWASMModule } from "quickjs-emscripten";
import type { DoneMessage, FromWorkerMessage, ToWorkerMessage } from "../protocol";
import { SandboxExecution } from "./sandboxExecution";

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("sandboxWorker must run in a worker thread");
  const post = (message: FromWorkerMessage) => port.postMessage(message);
  const quickjs = await newQuickJSWASMModule(RELEASE_SYNC);
  let current: { runId: number; execution: SandboxExecution } | undefined;

  port.on("message", (message: ToWorkerMessage) => {
    switch (message.type) {
      case "run": {
        if (current) throw new Error(`run ${message.runId} sent while ${current.runId} is running`);
        const execution = new SandboxExecution(quickjs, message, post);
        current = { runId: message.runId, execution };
        void execution.execute().then((report) => {
          current = undefined;
          const done: DoneMessage = { type: "done", runId: message.runId, ...report };
          post(done);
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
  post({ type: "ready" });
}

main().catch((error: unknown) => {
  // Surfaces as the Worker's "error" event; the pool replaces the worker.
  setImmediate(() => {
    throw error;
  });
});
