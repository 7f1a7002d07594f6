// ts-node's transpiler in this repository (tsconfig.json, "ts-node": "transpiler"): TypeScript's
// own transpileModule, with each file's output kept on disk by content.
//
// Why: every `hardhat …` process (the pkp:* tasks, `hardhat node`, the demos, each mocha worker)
// transpiles hardhat.config.ts, the tasks and whatever sources it loads again: about 0.6–1.3 s of
// CPU per command, and most of the test suite's processes are such commands. The output depends
// only on TypeScript's version, the compiler options, the file's name and its text, which together
// name the entry (sha256), so an entry never goes stale: a changed file is a new entry.
//
// The same JavaScript and source map as ts-node's own transpile-only mode (c8 and stack traces
// read the map; test/scripts/tsTranspileCache.test.ts compares them). A file with syntax errors is
// never stored, so its errors are reported every time. Entries are written to a temporary name and
// renamed, so concurrent processes never read half an entry; an entry that cannot be read or
// parsed is transpiled again.
//
// Where: node_modules/.cache/ts-transpile/ (so `rm -rf node_modules` or a fresh `npm ci` empties
// it); PKP_TS_CACHE_DIR elsewhere; PKP_TS_CACHE=0 transpiles without it. Bound: when a process
// first writes and the folder holds more than MAX_ENTRIES entries, the older half goes (about
// 25 MB per 1,000 entries; the repository is about 520 files), and so do temporary files left for
// an hour by writers that died.
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const MAX_ENTRIES = 4000;
/** A temporary file this old is a writer's that died between write and rename. */
const STALE_TEMPORARY_MS = 60 * 60 * 1000;

function cacheDir() {
  return (
    process.env.PKP_TS_CACHE_DIR ||
    path.join(__dirname, "..", "node_modules", ".cache", "ts-transpile")
  );
}

/**
 * Deletes the older half of the entries when there are more than `max`, and the temporary files
 * of writers that died (tasks/solcOutputCache.ts bounds its folder the same way).
 */
function prune(dir, max, now = Date.now()) {
  let all;
  try {
    all = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of all.filter((name) => name.endsWith(".tmp"))) {
    try {
      const file = path.join(dir, name);
      if (now - fs.statSync(file).mtimeMs > STALE_TEMPORARY_MS) fs.rmSync(file, { force: true });
    } catch {
      // renamed or removed by its writer meanwhile
    }
  }
  const names = all.filter((name) => name.endsWith(".json"));
  if (names.length <= max) return;
  const dated = [];
  for (const name of names) {
    try {
      dated.push({ name, mtimeMs: fs.statSync(path.join(dir, name)).mtimeMs });
    } catch {
      // removed by another process meanwhile
    }
  }
  dated.sort((a, b) => a.mtimeMs - b.mtimeMs);
  for (const { name } of dated.slice(0, dated.length - Math.floor(max / 2))) {
    fs.rmSync(path.join(dir, name), { force: true });
  }
}

/**
 * ts-node's transpiler factory. `service.config.options` are the compiler options ts-node uses
 * (tsconfig.json's, with ts-node's own overrides: source maps on, no declarations, …).
 */
function create({ service, nodeModuleEmitKind }) {
  const ts = require(service.projectLocalResolveHelper("typescript", true));
  const compilerOptions = service.config.options;
  const enabled = process.env.PKP_TS_CACHE !== "0";
  const dir = cacheDir();
  const context = JSON.stringify([ts.version, compilerOptions, nodeModuleEmitKind ?? null]);
  let pruned = false;

  const transpile = (input, { fileName }) =>
    ts.transpileModule(input, { fileName, compilerOptions, reportDiagnostics: true });

  return {
    transpile(input, options) {
      if (!enabled) return transpile(input, options);
      const key = crypto
        .createHash("sha256")
        .update(context)
        .update("\0")
        .update(options.fileName)
        .update("\0")
        .update(input)
        .digest("hex");
      const file = path.join(dir, `${key}.json`);
      try {
        const hit = JSON.parse(fs.readFileSync(file, "utf8"));
        if (typeof hit.outputText === "string") return hit;
      } catch {
        // not there (or unreadable): transpile
      }
      const result = transpile(input, options);
      if (result.diagnostics !== undefined && result.diagnostics.length > 0) return result;
      const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
      try {
        fs.mkdirSync(dir, { recursive: true });
        if (!pruned) {
          pruned = true;
          prune(dir, MAX_ENTRIES);
        }
        fs.writeFileSync(
          temporary,
          JSON.stringify({ outputText: result.outputText, sourceMapText: result.sourceMapText }),
        );
        fs.renameSync(temporary, file);
      } catch {
        // A read-only or full disk costs the cache, never the run.
        fs.rmSync(temporary, { force: true });
      }
      return result;
    },
  };
}

module.exports = { create, prune, MAX_ENTRIES };
