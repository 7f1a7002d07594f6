/**
 * Starts and stops a `hardhat node` on 127.0.0.1 for tests, and runs Hardhat CLI commands as child
 * processes.
 *
 *   let node: HardhatNode;
 *   before(async () => { node = await startHardhatNode(); });
 *   after(async () => { await node?.stop(); });
 *
 * The node is spawned as `node_modules/.bin/hardhat node` (no npx, so the child's PID is the
 * server's) in its own process group; `stop()` ends that group by its id. A node that is still
 * running when the test process exits is killed on exit, so none is ever left behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import * as net from "node:net";
import * as path from "node:path";

/** The project root (where hardhat.config.ts lives). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
/** The Hardhat CLI of the project at `root` (its own process, so its PID is the command's). */
export function hardhatBin(root: string = PROJECT_ROOT): string {
  return path.join(root, "node_modules", ".bin", "hardhat");
}

/** Hardhat's well-known account #0 (the deployer on a hardhat node). Test-only: public key. */
export const HARDHAT_ACCOUNT_0 = {
  address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  privateKey: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
} as const;

export interface HardhatNode {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Everything the node printed so far (for diagnostics). */
  output(): string;
  /** Stops the node and waits until it has exited. Safe to call more than once. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole process group (detached: pgid == pid)
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

process.once("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

/** The chain id answered at `url`, or undefined when nothing answers. */
export async function rpcChainId(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await response.json()) as { result?: string };
    return body.result === undefined ? undefined : Number(body.result);
  } catch {
    return undefined;
  }
}

/** Environment for Hardhat child processes: no telemetry prompt, no colours. */
export function hardhatChildEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
    FORCE_COLOR: "0",
    NO_COLOR: "1",
    ...extra,
  };
}

/**
 * Starts `hardhat node --hostname 127.0.0.1 --port <port>` (a free port unless given) and resolves
 * once it answers eth_chainId. Rejects (after killing it) if it exits or does not answer within
 * `timeoutMs`.
 */
export async function startHardhatNode(
  opts: { port?: number; timeoutMs?: number; cwd?: string } = {},
): Promise<HardhatNode> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const cwd = opts.cwd ?? PROJECT_ROOT;
  const child = spawn(
    hardhatBin(cwd),
    ["node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd,
      // Without V8's coverage under c8: the node is stopped by a signal, so it never writes its
      // coverage, and collecting it would only slow every request it serves.
      env: hardhatChildEnv({ NODE_V8_COVERAGE: undefined }),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.add(child);
  let log = "";
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      running.delete(child);
      resolve();
    });
    child.once("error", (error) => {
      append(Buffer.from(`spawn error: ${error.message}\n`));
      running.delete(child);
      resolve();
    });
  });
  const hasExited = () => !running.has(child);

  const stop = async (): Promise<void> => {
    if (hasExited()) return;
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (hasExited()) {
      throw new Error(`hardhat node on port ${port} exited before it answered:\n${log}`);
    }
    if ((await rpcChainId(url)) !== undefined) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`hardhat node on port ${port} did not answer in time:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (child.pid === undefined) throw new Error("hardhat node has no pid");
  return { url, port, pid: child.pid, output: () => log, stop };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `hardhat <args>` in the project root (or `cwd`) and collects its output. `env` replaces the
 * environment entirely when `replaceEnv` is set (to test missing variables), else extends it.
 */
export async function runHardhat(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; replaceEnv?: boolean; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  return runCommand(hardhatBin(opts.cwd), args, opts);
}

/** Runs any command (in the project root or `cwd`) as runHardhat does, and collects its output. */
export async function runCommand(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; replaceEnv?: boolean; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  const env = opts.replaceEnv ? (opts.env ?? {}) : hardhatChildEnv(opts.env);
  const child = spawn(command, [...args], {
    cwd: opts.cwd ?? PROJECT_ROOT,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), opts.timeoutMs ?? 120_000);
  try {
    const [code] = (await once(child, "close")) as [number | null];
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    running.delete(child);
  }
}
