/**
 * Where this code runs from: the TypeScript sources of a checkout of this repository (under
 * ts-node), or the compiled package (`dist/`, installed in someone else's project).
 *
 * The package's `dist/` mirrors the repository (dist/src, dist/tasks, dist/plugin, dist/explorer,
 * dist/actions, dist/artifacts, …), so a path relative to `__dirname` that stays inside those
 * trees means the same file in both. Only two things differ, and they are decided here:
 * - compiling: a checkout compiles its contracts before using them; the package never compiles
 *   (it ships the artifacts it was built with, and must not compile the user's project);
 * - the contracts' artifacts: a checkout reads Hardhat's `artifacts/`; the package reads the
 *   copy in `dist/artifacts/` (the five contracts only, same layout).
 *
 * No file is read here: this module is loaded with hardhat.config.ts.
 */
import * as path from "node:path";

/** True under ts-node in a checkout (this file is .ts), false in the built package (.js). */
export const RUNS_FROM_SOURCE = path.extname(__filename) === ".ts";

/** The package's root: the directory of its package.json (the checkout, or node_modules/<pkg>). */
export const PACKAGE_ROOT = RUNS_FROM_SOURCE
  ? path.resolve(__dirname, "..")
  : path.resolve(__dirname, "..", "..");

/**
 * The root of the runtime tree: the checkout itself, or `dist/` in the package. `src/`, `tasks/`,
 * `explorer/`, `actions/` and `artifacts/` are found under it in both cases.
 */
export const RUNTIME_ROOT = RUNS_FROM_SOURCE ? PACKAGE_ROOT : path.join(PACKAGE_ROOT, "dist");

/** The artifacts the stack is deployed and verified from (see above). */
export const PACKAGE_ARTIFACTS_DIR = path.join(RUNTIME_ROOT, "artifacts");

/** The example Lit Actions (`isPrime.js`, `payoutVoucher.js`). */
export const EXAMPLE_ACTIONS_DIR = path.join(RUNTIME_ROOT, "actions");
