/**
 * `hardhat pkp:oracle …` started as its own process (node_modules/.bin/hardhat, its own process
 * group) for the service's tests and the benchmark; stopped by its PID. A service still running
 * when this process exits is killed, so none is left behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { PROJECT_ROOT, hardhatBin, hardhatChildEnv } from "../../helpers/hardhatNode";

const running = new Set<ChildProcess>();

process.once("exit", () => {
  for (const child of running) signalGroup(child, "SIGKILL");
});

export interface OracleProcess {
  readonly child: ChildProcess;
  /** The service's URL, from its "listening" line. */
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Sends `signal` to its process group and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Spawns `hardhat pkp:oracle <args>` and resolves once it prints "Oracle listening on <url>". */
export async function spawnOracle(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<OracleProcess> {
  const cwd = opts.cwd ?? PROJECT_ROOT;
  const child = spawn(hardhatBin(cwd), ["pkp:oracle", ...args], {
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
    const listening = /Oracle listening on (http:\/\/\S+)/.exec(log);
    if (listening) return { child, url: listening[1], output: () => log, stop };
    if (!running.has(child) || Date.now() > deadline) {
      await stop("SIGKILL");
      throw new Error(`pkp:oracle did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
