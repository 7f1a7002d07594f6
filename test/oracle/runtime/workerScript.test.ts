import { expect } from "chai";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { workerExecArgv } from "../../../src/oracle/runtime/workerScript";
import { makeTempDir } from "../../helpers/tempDir";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** The environment without c8's NODE_V8_COVERAGE: the child is not part of the coverage run. */
function withoutCoverage(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_V8_COVERAGE;
  return copy;
}

describe("sandbox threads: started without the parent's preloads", function () {
  it("drops --require/-r/--import/--loader with their values, in both spellings, and keeps the rest", function () {
    expect(
      workerExecArgv([
        "--require",
        "ts-node/register/transpile-only",
        "-r",
        "hardhat/register",
        "--require=x.js",
        "--import",
        "y.mjs",
        "--loader=z.mjs",
        "--experimental-loader",
        "w.mjs",
        "--max-old-space-size=4096",
        "--enable-source-maps",
      ]),
    ).to.deep.equal(["--max-old-space-size=4096", "--enable-source-maps"]);
    expect(workerExecArgv([])).to.deep.equal([]);
  });

  it("a thread of a process started with --require (as `hardhat run` starts scripts) does not load the preload again", async function () {
    this.timeout(120_000);
    const temp = await makeTempDir("pkp-worker-preload-");
    try {
      const dir = temp.path;
      // The preload appends a line each time a thread loads it: the main thread once, and once
      // more per sandbox thread if threads inherited it.
      const marker = path.join(dir, "loads.txt");
      const preload = path.join(dir, "preload.js");
      await fs.writeFile(
        preload,
        `require("node:fs").appendFileSync(${JSON.stringify(marker)}, "loaded\\n");\n`,
      );
      const script = [
        `const { ActionRuntime } = require(${JSON.stringify(path.join(ROOT, "src/oracle/runtime"))});`,
        `const runtime = new ActionRuntime({ poolSize: 1 });`,
        `runtime.run({ code: "Lit.Actions.setResponse({ response: 'ok' });", ipfsId: "QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeXN",`,
        `  host: { call: async () => null }, jsParams: {} })`,
        `  .then((r) => { console.log(JSON.stringify(r.response)); return runtime.close(); })`,
        `  .catch((e) => { console.error(e); process.exitCode = 1; return runtime.close(); });`,
      ].join("\n");
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--require", "ts-node/register/transpile-only", "--require", preload, "-e", script],
        { cwd: ROOT, env: withoutCoverage(process.env) },
      );
      expect(stdout.trim()).to.equal('"ok"');
      expect((await fs.readFile(marker, "utf8")).trim().split("\n")).to.have.length(1);
    } finally {
      await temp.remove();
    }
  });
});
