/**
 * The Web Worker that runs Lit Actions for the reproduction check in the browser: the oracle's
 * own sandbox (SandboxExecution: a fresh QuickJS runtime and context per run, the same prelude and
 * Lit.Actions API, the same limits) on the same QuickJS WebAssembly build, speaking the same
 * messages as the oracle's worker threads (src/oracle/runtime/protocol.ts). It holds no key and
 * reaches nothing: host calls go to the page as messages.
 */
import { RELEASE_SYNC, newQuickJSWASMModule, newVariant } from "quickjs-emscripten";
import type { FromWorkerMessage, ToWorkerMessage } from "../../../src/oracle/runtime/protocol";
import { SandboxExecution } from "../../../src/oracle/runtime/worker/sandboxExecution";

interface WorkerScope {
  postMessage(message: FromWorkerMessage): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToWorkerMessage>) => void): void;
  close(): void;
  location: { href: string };
}
const scope = self as unknown as WorkerScope;

async function main(): Promise<void> {
  const post = (message: FromWorkerMessage) => scope.postMessage(message);
  const quickjs = await newQuickJSWASMModule(
    newVariant(RELEASE_SYNC, { wasmLocation: new URL("quickjs.wasm", scope.location.href).href }),
  );
  let current: { runId: number; execution: SandboxExecution } | undefined;
  scope.addEventListener("message", (event) => {
    const message = event.data;
    switch (message.type) {
      case "run": {
        if (current) throw new Error(`run ${message.runId} sent while ${current.runId} is running`);
        const execution = new SandboxExecution(quickjs, post);
        current = { runId: message.runId, execution };
        void execution.execute(message).then((report) => {
          current = undefined;
          post({ type: "done", runId: message.runId, ...report });
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
  // Surfaces as the Worker's "error" event in the page: the runner fails the run with it.
  setTimeout(() => {
    throw error;
  });
});
