/**
 * A long-running `hardhat <task> …` (a server: pkp:explorer, …) started as its own process
 * (node_modules/.bin/hardhat, its own process group) and stopped by its PID. It is ready when its
 * output matches `ready`; a process still running when the test process exits is killed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { PROJECT_ROOT, hardhatBin, hardhatChildEnv } from "./hardhatNode";

const running = new Set<ChildProcess>();

process.once("exit", () => {
  for (const child of running) signalGroup(child, "SIGKILL");
});

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export interface TaskProcess {
  readonly child: ChildProcess;
  /** The first capture group of `ready` (e.g. the URL of a "listening on <url>" line). */
  readonly ready: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Sends `signal` to its process group and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function spawnTask(
  args: readonly string[],
  ready: RegExp,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<TaskProcess> {
  const cwd = opts.cwd ?? PROJECT_ROOT;
  const child = spawn(hardhatBin(cwd), [...args], {
    cwd,
    env: hardhatChildEnv(opts.env),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let log = "";
  child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  const exited = once(child, "exit").then(([code]) => {
    running.delete(child);
    return code as number | null;
  });
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    signalGroup(child, signal);
    const timer = setTimeout(() => signalGroup(child, "SIGKILL"), 10_000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    const match = ready.exec(log);
    if (match) return { child, ready: match[1] ?? match[0], output: () => log, stop };
    if (!running.has(child) || Date.now() > deadline) {
      await stop("SIGKILL");
      throw new Error(`hardhat ${args.join(" ")} did not become ready:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
