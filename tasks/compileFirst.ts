import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { RUNS_FROM_SOURCE } from "../src/packageLayout";
import { NotCompiledError } from "./taskErrors";

/**
 * Compiling before loading a task's implementation.
 *
 * hardhat.config.ts imports the task files before anything is compiled, and the implementations
 * import TypeChain types and artifacts, which a fresh clone does not have until the first
 * compile. So every `pkp:*` task compiles (a no-op when nothing changed) before it imports its
 * implementation — never the other way round. The task runner (tasks/runner.ts) calls these two
 * in that order.
 */

/**
 * Compiles unless told not to (the tasks' `--no-compile`), in a checkout only: the package ships
 * its compiled code and artifacts and never compiles the project it is installed in. Hardhat prints "Compiled N Solidity
 * files" on stdout even when quiet; a task whose stdout is data (pkp:verify-proof --json) sends
 * it to stderr instead. A compile failure is thrown as Hardhat's own error.
 */
export async function compileContracts(
  hre: HardhatRuntimeEnvironment,
  opts: { noCompile?: boolean; outputToStderr?: boolean } = {},
): Promise<void> {
  if (opts.noCompile || !RUNS_FROM_SOURCE) return;
  const log = console.log;
  if (opts.outputToStderr) console.log = (...args: unknown[]) => console.error(...args);
  try {
    await hre.run("compile", { quiet: true });
  } finally {
    console.log = log;
  }
}

/**
 * Imports an implementation that needs the generated files. If they are missing (the task was
 * told not to compile on a tree never compiled), throws NotCompiledError, whose one line says
 * so, instead of a module-resolution trace.
 */
export async function loadCompiled<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingGeneratedFile(error)) throw new NotCompiledError({ cause: error });
    throw error;
  }
}

function isMissingGeneratedFile(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") return false;
  return /typechain-types|artifacts/.test(error.message);
}
