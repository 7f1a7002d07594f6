import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { CodedError } from "../src/codedError";
import { messageOf } from "../src/errorText";
import { compileContracts, loadCompiled } from "./compileFirst";

/**
 * The one way every `pkp:*` task runs (loaded with hardhat.config.ts: imports nothing generated).
 *
 * Order: `prepare` (checks that need no compiled code) → compile (unless `noCompile`) → import the
 * implementation (`load`) → `run`. The implementation is imported only after compiling: a fresh
 * clone has no typechain-types/ until then (tasks/compileFirst.ts).
 *
 * Failures:
 * - A `CodedError` (src/codedError.ts) is expected — a refusal whose message says what to do. It
 *   is printed as one `<task>: …` line per line of its message on stderr, and the process exits
 *   with `failureExitCode` (default 1), without a stack trace.
 * - Anything else is a bug: with `--show-stack-traces` it is rethrown for Hardhat to print its
 *   stack; otherwise its message is printed the same way, followed by a line saying it was
 *   unexpected.
 * - With `json`, a failure also prints `{ "ok": false, "error": { code, message, problems? } }`
 *   on stdout, so a program reading stdout always gets JSON.
 * - A compile failure is Hardhat's own error (solc has printed its diagnostics already) and is
 *   left to Hardhat.
 */
export interface TaskRun<Impl, Prepared> {
  /** The task's name, which prefixes every line it prints on failure (`pkp:deploy`). */
  name: string;
  hre: HardhatRuntimeEnvironment;
  /** Checks that need no compiled code (options, configuration variables), done first. */
  prepare?: () => Prepared | Promise<Prepared>;
  /** Imports the implementation; runs after compiling. */
  load: () => Promise<Impl>;
  /** The task's work, given the implementation and what `prepare` returned. */
  run: (impl: Impl, prepared: Prepared) => Promise<void>;
  /** Skip compiling (the task's `--no-compile`). */
  noCompile?: boolean;
  /** Send the compiler's output to stderr (a task whose stdout is data). */
  compileOutputToStderr?: boolean;
  /** The task's `--json`: failures are also printed as JSON on stdout. */
  json?: boolean;
  /** The exit code of a failure (default 1). */
  failureExitCode?: number;
}

/** What the runner prints after the message of an error that is not a CodedError. */
export const UNEXPECTED_NOTE = "(unexpected: run with --show-stack-traces for details)";

export async function runTask<Impl, Prepared = undefined>(
  task: TaskRun<Impl, Prepared>,
): Promise<void> {
  let prepared: Prepared;
  try {
    prepared = (await task.prepare?.()) as Prepared;
  } catch (error) {
    return fail(task, error);
  }
  await compileContracts(task.hre, {
    noCompile: task.noCompile,
    outputToStderr: task.compileOutputToStderr,
  });
  try {
    const impl = await loadCompiled(task.load);
    await task.run(impl, prepared);
  } catch (error) {
    fail(task, error);
  }
}

function fail(
  task: Pick<TaskRun<unknown, unknown>, "name" | "hre" | "json" | "failureExitCode">,
  error: unknown,
): void {
  const expected = error instanceof CodedError;
  if (!expected && task.hre.hardhatArguments.showStackTraces) throw error;
  const message = messageOf(error);
  const lines = message.split("\n");
  if (!expected) lines.push(UNEXPECTED_NOTE);
  for (const line of lines) console.error(`${task.name}: ${line}`);
  if (task.json) {
    // Any error may carry a string code (ethers' do); `problems` lists a bundle's defects.
    const code = (error as { code?: unknown } | null)?.code;
    const problems = (error as { problems?: unknown } | null)?.problems;
    const body = { code: typeof code === "string" ? code : "ERROR", message, problems };
    console.log(JSON.stringify({ ok: false, error: body }, null, 2));
  }
  process.exitCode = task.failureExitCode ?? 1;
}
