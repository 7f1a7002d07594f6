/**
 * The Web Worker that runs Lit Actions for the reproduction check in the browser: the oracle's
 * own sandbox (SandboxExecution: a fresh QuickJS runtime and context per run, the same prelude and
 * Lit.Actions API, the same limits) on the same QuickJS WebAssembly build, speaking the same
 * messages as the oracle's worker threads (src/oracle/runtime/protocol.ts). It holds no key and
 * reaches nothing: host calls go to the page as messages. The sandbox's `ethers` (the bundle the
 * oracle's workers use, served by the explorer as ethers-sandbox.json) is loaded from the page's
 * server the first time an action touches `ethers`.
 */
import { RELEASE_SYNC, newQuickJSWASMModule, newVariant } from "quickjs-emscripten";
import type { EthersSandboxBundle } from "../../../src/oracle/runtime/ethers/types";
import type { FromWorkerMessage, ToWorkerMessage } from "../../../src/oracle/runtime/protocol";
import { EthersModules } from "../../../src/oracle/runtime/worker/ethersModules";
import type { SandboxNatives } from "../../../src/oracle/runtime/worker/pureNatives";
import { SandboxExecution } from "../../../src/oracle/runtime/worker/sandboxExecution";

interface WorkerScope {
  postMessage(message: FromWorkerMessage): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToWorkerMessage>) => void): void;
  close(): void;
  location: { href: string };
}
const scope = self as unknown as WorkerScope;

/**
 * The sandbox's natives are synchronous, so the bundle is read with a synchronous request (which
 * a Web Worker may make), once, when an action first uses `ethers`.
 */
function loadEthersBundle(): EthersSandboxBundle {
  const request = new XMLHttpRequest();
  request.open("GET", new URL("ethers-sandbox.json", scope.location.href).href, false);
  request.send();
  if (request.status !== 200) {
    throw new Error(`the explorer's server has no ethers bundle (HTTP ${request.status})`);
  }
  return JSON.parse(request.responseText) as EthersSandboxBundle;
}

async function main(): Promise<void> {
  const post = (message: FromWorkerMessage) => scope.postMessage(message);
  const quickjs = await newQuickJSWASMModule(
    newVariant(RELEASE_SYNC, { wasmLocation: new URL("quickjs.wasm", scope.location.href).href }),
  );
  const natives: SandboxNatives = { ethers: new EthersModules(loadEthersBundle) };
  let current: { runId: number; execution: SandboxExecution } | undefined;
  scope.addEventListener("message", (event) => {
    const message = event.data;
    switch (message.type) {
      case "run": {
        if (current) throw new Error(`run ${message.runId} sent while ${current.runId} is running`);
        const execution = new SandboxExecution(quickjs, post, natives);
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
