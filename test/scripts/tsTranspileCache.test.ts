import { expect } from "chai";
import { promises as fs, readdirSync } from "node:fs";
import * as path from "node:path";
import type * as ts from "typescript";
import { makeTempDir } from "../helpers/tempDir";

type TempDir = Awaited<ReturnType<typeof makeTempDir>>;

const ROOT = path.resolve(__dirname, "..", "..");

interface TranspileOutput {
  outputText: string;
  sourceMapText?: string;
  diagnostics?: readonly ts.Diagnostic[];
}
interface TranspilerModule {
  create(options: {
    service: {
      config: { options: ts.CompilerOptions };
      projectLocalResolveHelper: (name: string, useProject: boolean) => string;
    };
    nodeModuleEmitKind?: string;
  }): { transpile(input: string, options: { fileName: string }): TranspileOutput };
  prune(dir: string, max: number, now?: number): void;
}
/** The ts-node instance this process registered (Hardhat does, before loading the tests). */
interface RegisteredTsNode {
  ts: typeof ts;
  config: { options: ts.CompilerOptions };
  options: { transpiler?: string | [string, object]; transpileOnly?: boolean };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS tool, no types
const cache = require("../../scripts/ts-transpile-cache.cjs") as TranspilerModule;
const registered = (process as unknown as Record<symbol, RegisteredTsNode | undefined>)[
  Symbol.for("ts-node.register.instance")
];

/** A transpiler as ts-node creates it, with this process's compiler options, writing to `dir`. */
function transpilerIn(dir: string, env: Record<string, string> = {}) {
  const saved = { ...process.env };
  Object.assign(process.env, { PKP_TS_CACHE_DIR: dir }, env);
  try {
    return cache.create({
      service: {
        config: { options: registered!.config.options },
        projectLocalResolveHelper: (name) => require.resolve(name, { paths: [ROOT] }),
      },
      nodeModuleEmitKind: "nodecjs",
    });
  } finally {
    process.env = saved;
  }
}

describe("scripts/ts-transpile-cache: ts-node's transpiler, its output kept on disk by content", function () {
  let temp: TempDir;
  beforeEach(async () => {
    temp = await makeTempDir("pkp-ts-cache-");
  });
  afterEach(async () => {
    await temp.remove();
  });
  const entries = () => readdirSync(temp.path).filter((name) => name.endsWith(".json"));

  it("is the transpiler of this process's ts-node, transpile-only", function () {
    expect(registered, "ts-node registered").to.not.equal(undefined);
    expect(registered!.options.transpileOnly).to.equal(true);
    const transpiler = registered!.options.transpiler;
    expect(typeof transpiler === "string" ? transpiler : transpiler?.[0]).to.match(
      /ts-transpile-cache\.cjs$/,
    );
  });

  it("gives the JavaScript and source map of ts-node's own transpile-only mode, stored or not", async function () {
    const tsTranspileModule =
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- ts-node's internal module
      require(path.join(ROOT, "node_modules/ts-node/dist/ts-transpile-module.js")) as {
        createTsTranspileModule(
          typescript: typeof ts,
          options: { compilerOptions: ts.CompilerOptions; reportDiagnostics: boolean },
        ): (code: string, options: { fileName: string }, kind: "commonjs") => TranspileOutput;
      };
    const own = tsTranspileModule.createTsTranspileModule(registered!.ts, {
      compilerOptions: registered!.config.options,
      reportDiagnostics: true,
    });
    const transpiler = transpilerIn(temp.path);
    for (const relative of ["hardhat.config.ts", "tasks/deploy.ts", "src/oracle/oracle.ts"]) {
      const fileName = path.join(ROOT, relative);
      const input = await fs.readFile(fileName, "utf8");
      const expected = own(input, { fileName }, "commonjs");
      const missed = transpiler.transpile(input, { fileName });
      const hit = transpiler.transpile(input, { fileName });
      for (const result of [missed, hit]) {
        expect(result.outputText, relative).to.equal(expected.outputText);
        expect(result.sourceMapText, relative).to.equal(expected.sourceMapText);
      }
    }
    expect(entries()).to.have.lengthOf(3);
  });

  it("keeps one entry per file name and text: a changed text is a new entry, never a stale one", function () {
    const transpiler = transpilerIn(temp.path);
    const fileName = path.join(ROOT, "src", "example.ts");
    expect(transpiler.transpile("export const a: number = 1;", { fileName }).outputText).to.include(
      "exports.a = 1",
    );
    expect(transpiler.transpile("export const a: number = 2;", { fileName }).outputText).to.include(
      "exports.a = 2",
    );
    transpiler.transpile("export const a: number = 2;", { fileName });
    transpiler.transpile("export const a: number = 2;", { fileName: `${fileName}x` });
    expect(entries()).to.have.lengthOf(3);
  });

  it("stores nothing for a file with syntax errors, so they are reported every time", function () {
    const transpiler = transpilerIn(temp.path);
    const result = transpiler.transpile("export const = ;", {
      fileName: path.join(ROOT, "bad.ts"),
    });
    expect(result.diagnostics).to.not.have.lengthOf(0);
    expect(entries()).to.deep.equal([]);
  });

  it("transpiles again an entry that cannot be parsed", async function () {
    const transpiler = transpilerIn(temp.path);
    const fileName = path.join(ROOT, "src", "example.ts");
    transpiler.transpile("export const b = 1;", { fileName });
    const [entry] = entries();
    await fs.writeFile(path.join(temp.path, entry), "{ half an ent");
    expect(transpiler.transpile("export const b = 1;", { fileName }).outputText).to.include(
      "exports.b = 1",
    );
  });

  it("writes nothing with PKP_TS_CACHE=0", function () {
    const transpiler = transpilerIn(temp.path, { PKP_TS_CACHE: "0" });
    transpiler.transpile("export const c = 1;", { fileName: path.join(ROOT, "c.ts") });
    expect(entries()).to.deep.equal([]);
  });

  it("keeps at most its bound: past it, the older half of the entries goes", async function () {
    for (let i = 0; i < 9; i++) {
      const file = path.join(temp.path, `${i}.json`);
      await fs.writeFile(file, "{}");
      await fs.utimes(file, 1_000 + i, 1_000 + i);
    }
    cache.prune(temp.path, 10);
    expect(entries()).to.have.lengthOf(9);
    await fs.writeFile(path.join(temp.path, "9.json"), "{}");
    await fs.writeFile(path.join(temp.path, "10.json"), "{}");
    cache.prune(temp.path, 10);
    // 11 entries, bound 10: the 6 oldest go, the newest 5 stay.
    expect(entries().sort()).to.deep.equal(["10.json", "6.json", "7.json", "8.json", "9.json"]);
  });

  it("removes the temporary files of writers that died, after an hour, and no sooner", async function () {
    const now = Date.now();
    const dead = path.join(temp.path, "a.json.1.dead.tmp");
    const writing = path.join(temp.path, "b.json.2.live.tmp");
    await fs.writeFile(dead, "{");
    await fs.writeFile(writing, "{");
    await fs.utimes(dead, (now - 61 * 60_000) / 1000, (now - 61 * 60_000) / 1000);
    await fs.utimes(writing, (now - 59 * 60_000) / 1000, (now - 59 * 60_000) / 1000);
    cache.prune(temp.path, 10, now);
    expect(readdirSync(temp.path)).to.deep.equal(["b.json.2.live.tmp"]);
  });
});
