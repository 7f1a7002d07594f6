import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { RELEASE_SYNC, newQuickJSWASMModule, type QuickJSWASMModule } from "quickjs-emscripten";
import { ActionRuntime } from "../../../src/oracle/runtime";
import {
  ensureEthersBundle,
  readEthersBundle,
} from "../../../src/oracle/runtime/ethers/bundleFile";
import { DEFAULT_LIMITS, type ActionLimits } from "../../../src/oracle/runtime/limits";
import type { ChildAction, FromWorkerMessage } from "../../../src/oracle/runtime/protocol";
import { EthersModules } from "../../../src/oracle/runtime/worker/ethersModules";
import type { SandboxNatives } from "../../../src/oracle/runtime/worker/pureNatives";
import {
  SandboxExecution,
  type ExecutionReport,
} from "../../../src/oracle/runtime/worker/sandboxExecution";
import {
  IMAGE_MIN_MEMORY_BYTES,
  SandboxImage,
} from "../../../src/oracle/runtime/worker/sandboxImage";
import {
  initialStackPointer,
  locateHeap,
  readBreak,
  type WasmHeapLayout,
} from "../../../src/oracle/runtime/worker/wasmLayout";
import { FakeHost, IPFS_ID } from "./fakeHost";

const WASM_FILE = require.resolve("@jitl/quickjs-wasmfile-release-sync/wasm");
const MiB = 1024 * 1024;

/** One QuickJS module with an image on it, as a sandbox worker holds them (in this thread). */
interface ImagedModule {
  quickjs: QuickJSWASMModule;
  natives: SandboxNatives;
  image: SandboxImage;
  layout: WasmHeapLayout | undefined;
  /** sha256 of the image's bytes (the module's memory right after the build). */
  imageDigest: string;
  imageLength: number;
  /** The allocator's break right after the build (with a layout). */
  imageBreak: number | undefined;
}

async function imagedModule(withLayout: boolean): Promise<ImagedModule> {
  const quickjs = await newQuickJSWASMModule(RELEASE_SYNC);
  // The probe in a module of its own, as a worker does: its garbage stays out of the image.
  const layout = withLayout
    ? locateHeap(await newQuickJSWASMModule(RELEASE_SYNC), WASM_FILE)
    : undefined;
  const file = ensureEthersBundle();
  const natives: SandboxNatives = { ethers: new EthersModules(() => readEthersBundle(file)) };
  const built = SandboxImage.build(
    quickjs,
    new SandboxExecution(quickjs, () => {}, natives),
    layout,
  );
  if (built.image === undefined) throw new Error("the image could not be built");
  const memory = new Uint8Array((quickjs.getWasmMemory() as { buffer: ArrayBuffer }).buffer);
  return {
    quickjs,
    natives,
    image: built.image,
    layout,
    imageDigest: digest(memory),
    imageLength: memory.length,
    imageBreak: layout === undefined ? undefined : readBreak(memory, layout),
  };
}

function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Runs `code` on the image; host calls are answered by `answer` (default: none expected). */
async function runOnImage(
  module: ImagedModule,
  code: string,
  limits: Partial<ActionLimits> = {},
  answer: (message: Extract<FromWorkerMessage, { type: "host-call" }>) => string = () => "null",
): Promise<ExecutionReport> {
  // Host calls arrive while the run executes, after `execution` is set.
  const post = (message: FromWorkerMessage) => {
    if (message.type !== "host-call") return;
    const json = answer(message);
    setImmediate(() => execution.onHostResult(message.callId, true, json));
  };
  const runLimits = { ...DEFAULT_LIMITS, timeoutMs: 2_000, ...limits };
  const execution = module.image.take(runLimits, (template) =>
    SandboxExecution.adopt(
      template,
      module.quickjs,
      post,
      module.natives,
      () => false,
      () => {},
    ),
  );
  return execution.execute({
    type: "run",
    runId: 1,
    code,
    ipfsId: IPFS_ID,
    paramsJson: "{}",
    contextJson: JSON.stringify({ auth: { actionIpfsIdStack: [IPFS_ID] }, headers: [] }),
    limits: runLimits,
  });
}

/** The module's memory: whole, and whether it is the image followed only by zeros. */
function memoryMatchesImage(module: ImagedModule): boolean {
  const memory = new Uint8Array((module.quickjs.getWasmMemory() as { buffer: ArrayBuffer }).buffer);
  if (digest(memory.subarray(0, module.imageLength)) !== module.imageDigest) return false;
  const tail = Buffer.from(memory.buffer, module.imageLength);
  return tail.equals(Buffer.alloc(tail.length));
}

describe("sandbox image: every run starts from the same bytes", function () {
  this.timeout(60_000);
  let partial: ImagedModule;
  let full: ImagedModule;

  before(async function () {
    partial = await imagedModule(true);
    full = await imagedModule(false);
  });

  it("finds the data stack's top and the allocator's break in QuickJS's module, and restores only what runs can change", function () {
    const layout = partial.layout as WasmHeapLayout;
    expect(layout, "layout").to.not.equal(undefined);
    expect(layout.stackTop).to.equal(initialStackPointer(readFileSync(WASM_FILE)));
    expect(layout.breakAddress).to.be.below(layout.staticEnd);
    expect(partial.image.restoresPartially).to.equal(true);
    // What a partial restore copies of the heap: the image's own, under 1 MiB (the layout probe's
    // 4 MiB, had it run in this module, would lie below the break and be copied every run).
    expect((partial.imageBreak as number) - layout.stackTop).to.be.below(1024 * 1024);
    expect(full.image.restoresPartially).to.equal(false);
  });

  it("reads no layout from a file that is not a module with an i32 global (the image then restores all)", function () {
    expect(initialStackPointer(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).to.equal(
      undefined,
    );
    expect(locateHeap(partial.quickjs, `${WASM_FILE}.missing`)).to.equal(undefined);
  });

  it("is built without ethers when the worker has none, and an action touching ethers fails as in a fresh sandbox", async function () {
    const quickjs = await newQuickJSWASMModule(RELEASE_SYNC);
    const natives: SandboxNatives = {
      ethers: new EthersModules(() => {
        throw new Error("no bundle here");
      }),
    };
    const built = SandboxImage.build(quickjs, new SandboxExecution(quickjs, () => {}, natives));
    // (not expect(built.image): chai would describe the whole 16 MiB image to compare it)
    if (built.image === undefined) expect.fail("no image was built");
    const module: ImagedModule = {
      quickjs,
      natives,
      image: built.image,
      layout: undefined,
      imageDigest: "",
      imageLength: 0,
      imageBreak: undefined,
    };
    const report = await runOnImage(module, `fetch; ethers.utils.keccak256("0x")`);
    expect(report.result).to.deep.include({ ok: false, code: "ACTION_ERROR" });
    expect((report.result as { message: string }).message).to.match(
      /ethers is not available.*no bundle here/,
    );
  });

  const RUNS: Array<{ name: string; code: string; limits?: Partial<ActionLimits>; ok: boolean }> = [
    {
      name: "an ordinary run (globals, prototypes, ethers, a part the image lacks)",
      code: `globalThis.leak = 1; Array.prototype.leak = 2; jwt; ethers.utils.id("x");
             Lit.Actions.setResponse({ response: String(new Array(50000).fill(1).length) });`,
      ok: true,
    },
    { name: "a run that throws", code: `throw new Error("no")`, ok: false },
    {
      name: "a run stopped at its deadline",
      code: `let n = 0; while (true) n++;`,
      limits: { timeoutMs: 100 },
      ok: false,
    },
    {
      name: "a run out of heap",
      code: `const parts = []; while (true) parts.push({ n: parts.length });`,
      limits: { memoryBytes: IMAGE_MIN_MEMORY_BYTES },
      ok: false,
    },
    {
      name: "a run that grows the module's memory",
      code: `globalThis.big = new Uint8Array(24 * 1024 * 1024).fill(7); Lit.Actions.setResponse({ response: "grew" });`,
      limits: { memoryBytes: 64 * MiB },
      ok: true,
    },
    {
      name: "a run that recurses to its stack limit",
      code: `const f = (n) => f(n + 1) + 1; f(0);`,
      ok: false,
    },
  ];

  for (const { name, code, limits, ok } of RUNS) {
    it(`after ${name}, the module's whole memory is the image again (restoring only part of it, or all)`, async function () {
      for (const module of [partial, full]) {
        const report = await runOnImage(module, code, limits);
        expect(report.result.ok, JSON.stringify(report.result)).to.equal(ok);
        expect(report.image).to.equal("restore");
        expect(memoryMatchesImage(module), "before restoring").to.equal(false);
        module.image.restore();
        expect(memoryMatchesImage(module), "after restoring").to.equal(true);
      }
    });
  }

  it("is restored after a fresh sandbox's run in the same module (a run with a heap below its limit)", async function () {
    const limits = { ...DEFAULT_LIMITS, memoryBytes: 4 * MiB, timeoutMs: 2_000 };
    partial.image.noteRun(limits);
    const report = await new SandboxExecution(partial.quickjs, () => {}, partial.natives).execute({
      type: "run",
      runId: 2,
      code: `globalThis.x = new Array(1000).fill("y"); Lit.Actions.setResponse({ response: "fresh" });`,
      ipfsId: IPFS_ID,
      paramsJson: "{}",
      contextJson: JSON.stringify({ auth: { actionIpfsIdStack: [IPFS_ID] }, headers: [] }),
      limits,
    });
    expect(report.result).to.deep.include({ ok: true, response: "fresh" });
    expect(memoryMatchesImage(partial), "before restoring").to.equal(false);
    partial.image.restore();
    expect(memoryMatchesImage(partial), "after restoring").to.equal(true);
  });

  it("shows a run nothing of the runs before it: globals, prototypes, Math.random's sequence", async function () {
    const code = `Lit.Actions.setResponse({ response: JSON.stringify([typeof globalThis.leak, typeof [].leak, Math.random(), Math.random()]) });
                  globalThis.leak = 1; Array.prototype.leak = 1;`;
    const first = await runOnImage(partial, code);
    const second = await runOnImage(partial, code);
    const [a, b] = [first, second].map(
      (report) => JSON.parse(report.result.ok ? report.result.response : "null") as unknown[],
    );
    expect(a.slice(0, 2)).to.deep.equal(["undefined", "undefined"]);
    expect(b.slice(0, 2)).to.deep.equal(["undefined", "undefined"]);
    expect(b.slice(2)).to.not.deep.equal(a.slice(2));
    for (const n of [...a.slice(2), ...b.slice(2)]) expect(n).to.be.within(0, 1);
    partial.image.restore();
  });

  it("is given up by a run that starts a child action, whose runtime is torn down as a fresh sandbox's", async function () {
    const child: Omit<ChildAction, "frame"> = {
      ipfsId: IPFS_ID,
      code: `Lit.Actions.setResponse({ response: "child" })`,
      paramsJson: "{}",
      contextJson: JSON.stringify({ auth: { actionIpfsIdStack: [IPFS_ID, IPFS_ID] }, headers: [] }),
    };
    const module = await imagedModule(true);
    const report = await runOnImage(
      module,
      `(async () => Lit.Actions.setResponse({ response: await Lit.Actions.call({ ipfsId: "${IPFS_ID}", params: {} }) }))()`,
      {},
      (message) => JSON.stringify({ ...child, frame: message.frame + 1 }),
    );
    expect(report.result).to.deep.include({ ok: true, response: "child" });
    expect(report.image).to.equal("lost");
    expect(report.recycle).to.equal(false);
  });

  it("serves only runs whose heap limit is at least the one it was built under", function () {
    expect(
      partial.image.serves({ ...DEFAULT_LIMITS, memoryBytes: IMAGE_MIN_MEMORY_BYTES }),
    ).to.equal(true);
    expect(
      partial.image.serves({ ...DEFAULT_LIMITS, memoryBytes: IMAGE_MIN_MEMORY_BYTES - 1 }),
    ).to.equal(false);
  });
});

describe("ActionRuntime on sandbox images (one worker thread)", function () {
  this.timeout(60_000);
  let runtime: ActionRuntime;

  before(function () {
    runtime = new ActionRuntime({ poolSize: 1, maxWorkers: 1, limits: { timeoutMs: 5_000 } });
  });

  after(async function () {
    await runtime.close();
  });

  it("answers image runs, child-action runs (the image rebuilt after) and small-heap runs (a fresh sandbox) in any order", async function () {
    const host = new FakeHost();
    const probe = `Lit.Actions.setResponse({ response: JSON.stringify([typeof globalThis.seen, Math.random()]) }); globalThis.seen = 1;`;
    const parent = `(async () => Lit.Actions.setResponse({ response: await Lit.Actions.call({ ipfsId: "${IPFS_ID}", params: {} }) }))()`;
    const randoms = new Set<unknown>();
    const steps: Array<{ code: string; limits?: Partial<ActionLimits> }> = [
      { code: probe },
      { code: parent },
      { code: probe },
      { code: probe, limits: { memoryBytes: 4 * MiB } },
      { code: parent, limits: { memoryBytes: 4 * MiB } },
      { code: probe },
      { code: parent },
      { code: probe },
    ];
    for (const { code, limits } of steps) {
      const { response } = await runtime.run({ code, ipfsId: IPFS_ID, host, limits });
      if (code === parent) {
        expect(response).to.equal("child of 2");
      } else {
        const [seen, random] = JSON.parse(response) as [string, number];
        expect(seen).to.equal("undefined");
        randoms.add(random);
      }
    }
    expect(randoms.size).to.equal(5);
  });
});
