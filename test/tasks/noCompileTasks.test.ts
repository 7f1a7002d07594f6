/**
 * Code Hardhat runs before anything is compiled must not need a generated file
 * (`typechain-types/`, `artifacts/`): on a fresh clone they do not exist until the first compile.
 * Two places run before compiling — hardhat.config.ts with everything it imports, and the
 * implementation of a task registered with `noCompile: true` — and this suite walks what each
 * loads (test/helpers/loadGraph.ts). `pkp:dev-issuer` once failed this way on a fresh clone: its
 * implementation shared a module with pkp:mint-for-auth, which reads the deployment through
 * TypeChain. The fresh-clone test runs the commands themselves; this one answers in seconds and
 * names the import chain.
 */
import { expect } from "chai";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { PROJECT_ROOT } from "../helpers/hardhatNode";
import { generatedFilesReached, type Reach } from "../helpers/loadGraph";

/** The folders whose files register tasks (tasks/index.ts, through the plugin entry). */
const TASK_DIRS = ["tasks", "plugin"];

interface NoCompileTask {
  readonly name: string;
  /** The file that registers it (relative to the project root). */
  readonly registeredIn: string;
  /** Its implementation module, which `load` imports (absolute path). */
  readonly implementation: string;
}

/** `() => import("./x")`: the specifier, or undefined when `node` is not that. */
function importedBy(node: ts.Node | undefined): string | undefined {
  if (node === undefined || !ts.isArrowFunction(node)) return undefined;
  const call = node.body;
  if (!ts.isCallExpression(call) || call.expression.kind !== ts.SyntaxKind.ImportKeyword) {
    return undefined;
  }
  const [specifier] = call.arguments;
  return specifier !== undefined && ts.isStringLiteral(specifier) ? specifier.text : undefined;
}

/**
 * Every `runTask({ name: "…", noCompile: true, load: … })` in the task folders, with the module
 * its `load` imports: written in place (`load: () => import("./x")`) or as a constant of the same
 * file. A `noCompile: true` whose name or load this cannot read fails the test rather than being
 * skipped.
 */
function noCompileTasks(): NoCompileTask[] {
  const found: NoCompileTask[] = [];
  for (const dir of TASK_DIRS) {
    for (const entry of readdirSync(path.join(PROJECT_ROOT, dir))) {
      if (!entry.endsWith(".ts")) continue;
      const file = path.join(PROJECT_ROOT, dir, entry);
      const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022);
      const loaders = new Map<string, string>();
      const literals: ts.ObjectLiteralExpression[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
          const specifier = importedBy(node.initializer);
          if (specifier !== undefined) loaders.set(node.name.text, specifier);
        }
        if (ts.isObjectLiteralExpression(node)) literals.push(node);
        ts.forEachChild(node, visit);
      };
      visit(source);
      for (const literal of literals) {
        const property = (key: string) =>
          literal.properties.find(
            (p): p is ts.PropertyAssignment =>
              ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === key,
          )?.initializer;
        if (property("noCompile")?.kind !== ts.SyntaxKind.TrueKeyword) continue;
        const where = `${dir}/${entry}:${source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1}`;
        const name = property("name");
        const load = property("load");
        const specifier =
          load !== undefined && ts.isIdentifier(load) ? loaders.get(load.text) : importedBy(load);
        if (name === undefined || !ts.isStringLiteral(name) || specifier === undefined) {
          throw new Error(
            `${where}: a task with noCompile: true whose name or load this test cannot read ` +
              `(write name: "…" and load: () => import("./…"))`,
          );
        }
        const implementation = ts.resolveModuleName(specifier, file, {}, ts.sys).resolvedModule
          ?.resolvedFileName;
        if (implementation === undefined) throw new Error(`${where}: cannot resolve ${specifier}`);
        found.push({ name: name.text, registeredIn: where, implementation });
      }
    }
  }
  return found;
}

function describeReaches(reaches: readonly Reach[]): string {
  return reaches.map((reach) => `${[...reach.chain, reach.file].join(" → ")}`).join("\n");
}

describe("nothing Hardhat runs before compiling needs a generated file", function () {
  // Transpiles a few hundred modules once each.
  this.timeout(60_000);
  const tasks = noCompileTasks();

  it("finds the tasks registered with noCompile: true (pkp:dev-issuer, pkp:streams)", function () {
    expect(tasks.map((task) => task.name)).to.include.members(["pkp:dev-issuer", "pkp:streams"]);
  });

  it("hardhat.config.ts and what it imports at load time reach no generated file", function () {
    const reaches = generatedFilesReached(
      path.join(PROJECT_ROOT, "hardhat.config.ts"),
      "load-time",
    );
    expect(reaches, describeReaches(reaches)).to.deep.equal([]);
  });

  for (const task of tasks) {
    it(`${task.name} (noCompile) — its implementation reaches no generated file, even through a lazy import`, function () {
      const reaches = generatedFilesReached(task.implementation, "all");
      expect(reaches, `${task.registeredIn}:\n${describeReaches(reaches)}`).to.deep.equal([]);
    });
  }

  it("sees a generated file where one is reached (pkp:mint-for-auth compiles first and reads TypeChain)", function () {
    const reaches = generatedFilesReached(
      path.join(PROJECT_ROOT, "tasks", "mintForAuthAction.ts"),
      "all",
    );
    expect(reaches.map((reach) => reach.file.split("/")[0])).to.include("typechain-types");
    expect(reaches[0].chain[0]).to.equal("tasks/mintForAuthAction.ts");
  });

  it("tells a lazy import from a load-time one", function () {
    // tasks/wallet.ts imports its implementations only inside the tasks' actions.
    const wallet = path.join(PROJECT_ROOT, "tasks", "wallet.ts");
    expect(generatedFilesReached(wallet, "load-time")).to.deep.equal([]);
    expect(generatedFilesReached(wallet, "all")).to.not.deep.equal([]);
  });
});
