import { expect } from "chai";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { makeTempDir } from "../helpers/tempDir";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * A process that loads the worker hooks as a mocha worker does, with V8 coverage on, and waits;
 * resolves with its exit code and signal after it was sent SIGTERM, and the coverage files it wrote.
 */
async function terminatedWorker(): Promise<{
  code: number | null;
  signal: NodeJS.Signals | null;
  written: string[];
}> {
  const temp = await makeTempDir("pkp-worker-coverage-");
  try {
    const child = spawn(
      process.execPath,
      [
        "--require",
        "ts-node/register",
        "--eval",
        'require("./test/support/parallelHooks.ts"); console.log("ready"); setInterval(() => {}, 1000);',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, NODE_V8_COVERAGE: temp.path },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("ready")) resolve();
      });
      child.once("exit", () => reject(new Error("the worker exited before it was ready")));
    });
    child.kill("SIGTERM");
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    return { code, signal, written: readdirSync(temp.path) };
  } finally {
    await temp.remove();
  }
}

describe("test/support/parallelHooks: mocha's parallel workers under c8", function () {
  it("writes a worker's V8 coverage when mocha ends it by SIGTERM (exit code 143, not death by the signal)", async function () {
    const { code, signal, written } = await terminatedWorker();
    expect({ code, signal }).to.deep.equal({ code: 143, signal: null });
    expect(written.filter((name) => /^coverage-\d+-\d+-\d+\.json$/.test(name))).to.have.lengthOf(1);
  });
});
