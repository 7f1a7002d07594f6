import type { HardhatRuntimeEnvironment } from "hardhat/types";

/**
 * Compiles, then loads a task's implementation.
 *
 * hardhat.config.ts imports the task files before anything is compiled, and the implementations
 * import TypeChain types and artifacts, which a fresh clone does not have until the first
 * compile. So every `pkp:*` task compiles (a no-op when nothing changed) before it imports its
 * implementation — never the other way round.
 *
 * With `noCompile` (the tasks' `--no-compile` flag) nothing is compiled; if the generated files are
 * then missing, the task fails with one line that says so, not with a module-resolution trace.
 * Returns undefined (and sets a non-zero exit code) in that case.
 */
export async function compileThenLoad<T>(
  taskName: string,
  hre: HardhatRuntimeEnvironment,
  load: () => Promise<T>,
  opts: { noCompile?: boolean; compileOutputToStderr?: boolean } = {},
): Promise<T | undefined> {
  if (!opts.noCompile) await compileQuietly(hre, opts.compileOutputToStderr ?? false);
  try {
    return await load();
  } catch (error) {
    if (!isMissingGeneratedFile(error)) throw error;
    console.error(
      `${taskName}: the contracts are not compiled (no typechain-types/ or artifacts/): run it ` +
        "without --no-compile, or `npx hardhat compile` first",
    );
    process.exitCode = 1;
    return undefined;
  }
}

/**
 * Hardhat prints "Compiled N Solidity files" on stdout even when quiet; a task whose stdout is
 * data (pkp:verify-proof --json) sends it to stderr instead.
 */
async function compileQuietly(hre: HardhatRuntimeEnvironment, toStderr: boolean): Promise<void> {
  const log = console.log;
  if (toStderr) console.log = (...args: unknown[]) => console.error(...args);
  try {
    await hre.run("compile", { quiet: true });
  } finally {
    console.log = log;
  }
}

function isMissingGeneratedFile(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") return false;
  return /typechain-types|artifacts/.test(error.message);
}
