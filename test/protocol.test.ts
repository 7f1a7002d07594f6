import { expect } from "chai";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { sourceFiles } from "./helpers/sourceFiles";

// src/protocol.ts declares Lit's protocol numbers once; every other module imports them. Two
// guards: nobody declares them again, and the module imports nothing, so that the explorer's
// browser bundle (explorer/src/, built by esbuild for platform "browser") may import it too.

const ROOT = path.resolve(__dirname, "..");
const PROTOCOL = path.join("src", "protocol.ts");
/**
 * The trees that may import src/protocol.ts. actions/ is left out: Lit Actions run in the
 * sandbox as single files and cannot import (actions/social/backend.js keeps its own numbers).
 */
const TREES = ["src", "tasks", "plugin", "scripts", "bench", "explorer", "ignition", "test"];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
/** A declaration of a protocol number: a const/let/var of one of those names, given a number. */
const DECLARATION =
  /\b(?:const|let|var)\s+((?:AUTH_METHOD|KEY_TYPE|SCOPE)_[A-Z0-9_]+)\s*(?::[^=]+)?=\s*\d/g;

describe("src/protocol.ts: Lit's protocol numbers, declared once", function () {
  it("is the only module that declares an AUTH_METHOD_*, KEY_TYPE_* or SCOPE_* number", async function () {
    const declared: string[] = [];
    for (const tree of TREES) {
      for (const file of await sourceFiles(path.join(ROOT, tree), SOURCE)) {
        const relative = path.relative(ROOT, file);
        if (relative === PROTOCOL) continue;
        const text = await fs.readFile(file, "utf8");
        for (const match of text.matchAll(DECLARATION)) declared.push(`${relative}: ${match[1]}`);
      }
    }
    expect(declared).to.deep.equal([]);
  });

  it("imports nothing, so that the browser bundle can import it", async function () {
    const text = await fs.readFile(path.join(ROOT, PROTOCOL), "utf8");
    expect(text).not.to.match(/^\s*import\b|\brequire\(/m);
    expect(text).to.match(new RegExp(DECLARATION.source));
  });
});
