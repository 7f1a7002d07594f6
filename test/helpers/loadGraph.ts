/**
 * What loading a module of this repository loads — read from the JavaScript that ts-node runs,
 * not from the TypeScript: each file is transpiled with TypeScript's `transpileModule` and this
 * repository's compiler options (what ts-node does here, transpile-only), so an import used only
 * as a type, which the transpiler drops, is not followed, and every `require` that remains is.
 *
 * Used to check that code Hardhat runs before compiling never reaches a generated file
 * (`typechain-types/`, `artifacts/`): a fresh clone has none until the first compile.
 *
 * Limits: only literal specifiers are seen (`require(variable)` and files read with `fs` are
 * not), and packages are not walked (none of them imports this repository's files). The
 * fresh-clone test (test/tasks/freshClone.test.ts) runs the real commands as the backstop.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { GENERATED_DIRS } from "./freshClone";
import { PROJECT_ROOT } from "./hardhatNode";

/** Which requires to follow: all, or only those run when the module is loaded. */
export type Follow = "all" | "load-time";

export interface Reach {
  /** The generated file's path (relative to the project root). */
  readonly file: string;
  /** The modules from the start to it (relative paths, the start first). */
  readonly chain: readonly string[];
}

const COMPILER_OPTIONS: ts.CompilerOptions = (() => {
  const configFile = path.join(PROJECT_ROOT, "tsconfig.json");
  const { config, error } = ts.readConfigFile(configFile, (file) => ts.sys.readFile(file));
  if (error !== undefined)
    throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  return ts.parseJsonConfigFileContent(config, ts.sys, PROJECT_ROOT).options;
})();

/**
 * `import("x")` in CommonJS output: `Promise.resolve().then(() => __importStar(require("x")))`.
 * Such a require runs when the code around it runs, not when its module is loaded.
 */
const DYNAMIC_REQUIRE =
  /Promise\.resolve\(\)\.then\(\(\) => (?:__importStar\()?require\("([^"]+)"\)/g;
const ANY_REQUIRE = /\brequire\("([^"]+)"\)/g;

/** The specifiers a module requires: all of them, or only those run when it is loaded. */
export function requiresOf(file: string, follow: Follow): string[] {
  const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
    compilerOptions: COMPILER_OPTIONS,
    fileName: file,
  });
  const all = [...outputText.matchAll(ANY_REQUIRE)].map((match) => match[1]);
  if (follow === "all") return all;
  const dynamic = new Set([...outputText.matchAll(DYNAMIC_REQUIRE)].map((match) => match[1]));
  return all.filter((specifier) => !dynamic.has(specifier));
}

function relative(file: string): string {
  return path.relative(PROJECT_ROOT, file).split(path.sep).join("/");
}

function isGenerated(file: string): boolean {
  const [first] = relative(file).split("/");
  return (GENERATED_DIRS as readonly string[]).includes(first);
}

/**
 * Every generated file `start` reaches through the modules of this repository, with the chain of
 * modules that reaches it. A relative import that cannot be resolved is an error (a guard that
 * silently skips a module would pass for the wrong reason), unless it points into a generated
 * folder, which a never-compiled tree does not have: that is a reach like any other.
 */
export function generatedFilesReached(start: string, follow: Follow): Reach[] {
  const reached: Reach[] = [];
  const parent = new Map<string, string | undefined>([[path.resolve(start), undefined]]);
  const queue = [path.resolve(start)];
  const chainTo = (file: string): string[] => {
    const chain: string[] = [];
    for (let at: string | undefined = file; at !== undefined; at = parent.get(at)) {
      chain.unshift(relative(at));
    }
    return chain;
  };
  while (queue.length > 0) {
    const file = queue.shift() as string;
    // A JSON module (resolveJsonModule) requires nothing.
    if (file.endsWith(".json")) continue;
    for (const specifier of requiresOf(file, follow)) {
      if (!specifier.startsWith(".")) continue;
      const target = path.resolve(path.dirname(file), specifier);
      if (isGenerated(target)) {
        reached.push({ file: relative(target), chain: chainTo(file) });
        continue;
      }
      const resolved = ts.resolveModuleName(specifier, file, COMPILER_OPTIONS, ts.sys)
        .resolvedModule?.resolvedFileName;
      if (resolved === undefined) {
        throw new Error(`${relative(file)}: cannot resolve "${specifier}"`);
      }
      // ts resolves to the sources (.ts, or .d.ts next to a .js): the module ts-node would load.
      const next = path.resolve(resolved);
      if (isGenerated(next)) {
        reached.push({ file: relative(next), chain: chainTo(file) });
        continue;
      }
      if (parent.has(next)) continue;
      parent.set(next, file);
      queue.push(next);
    }
  }
  return reached;
}
