import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import {
  PROJECT_ROOT,
  freePort,
  hardhatChildEnv,
  runHardhat,
  startHardhatNode,
  type CliResult,
  type HardhatNode,
} from "../helpers/hardhatNode";
import { makeTempDir } from "../helpers/tempDir";
import type { VerificationReport } from "../../src/proof";
import { ALL_CHECKS_PASSED } from "../helpers/proofBundles";

const IS_PRIME = path.join(PROJECT_ROOT, "actions", "isPrime.js");
const HARDHAT_BIN = path.join(PROJECT_ROOT, "node_modules", ".bin", "hardhat");

function expectNoStackTrace(result: CliResult): void {
  expect(`${result.stdout}${result.stderr}`).not.to.match(/^\s+at /m);
}

/** `pkp:oracle` as a child process in its own process group, stopped by its PID. */
interface OracleProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

async function startOracleProcess(args: string[], env: NodeJS.ProcessEnv): Promise<OracleProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(HARDHAT_BIN, ["pkp:oracle", "--port", String(port), ...args], {
    cwd: PROJECT_ROOT,
    env: hardhatChildEnv(env),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const append = (chunk: Buffer) => (log = (log + chunk.toString("utf8")).slice(-20_000));
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = once(child, "exit");
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(-child.pid, "SIGTERM");
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pkp:oracle exited early:\n${log}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      const health = (await response.json()) as { pool?: { unminted?: number } };
      if ((health.pool?.unminted ?? 0) > 0) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`pkp:oracle did not provision keys in time:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return { url, output: () => log, stop };
}

describe("proof tasks against a hardhat node: mint-grant-burn → execute → verify-proof", function () {
  let node: HardhatNode;
  let oracle: OracleProcess | undefined;
  let dir: { path: string; remove(): Promise<void> };
  let env: NodeJS.ProcessEnv;
  let proofFile: string;
  let tokenId: string;

  const local = (task: string, args: string[]) =>
    runHardhat([task, "--network", "localhost", ...args], { env });

  before(async function () {
    dir = await makeTempDir("pkp-proof-tasks-");
    node = await startHardhatNode();
    env = { HARDHAT_VAR_LOCALHOST_RPC_URL: node.url };
    const deployed = await local("pkp:deploy", ["--no-compile", "--deployments-dir", dir.path]);
    expect(deployed.code, deployed.stdout + deployed.stderr).to.equal(0);
    oracle = await startOracleProcess(
      [
        "--network",
        "localhost",
        "--deployments-dir",
        dir.path,
        "--data-dir",
        path.join(dir.path, "oracle"),
        "--pool-target",
        "2",
      ],
      env,
    );
    proofFile = path.join(dir.path, "proofs", "prime-7919.json");
  });

  after(async function () {
    await oracle?.stop();
    await node?.stop();
    await dir?.remove();
  });

  it("pkp:mint-grant-burn stores the action with the oracle and prints tokenId, publicKey, tx", async function () {
    const result = await local("pkp:mint-grant-burn", [
      "--action",
      IS_PRIME,
      "--oracle",
      oracle!.url,
      "--deployments-dir",
      dir.path,
    ]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/→ Qm[1-9A-HJ-NP-Za-km-z]{44} \(stored with the oracle/);
    expect(result.stdout).to.match(/publicKey {2}0x04[0-9a-f]{128}/);
    expect(result.stdout).to.match(/tx {9}0x[0-9a-f]{64}/);
    tokenId = /tokenId {4}([0-9]+)/.exec(result.stdout)?.[1] ?? "";
    expect(tokenId).to.match(/^[0-9]+$/);
  });

  it("pkp:execute runs the action through the oracle and writes the proof bundle", async function () {
    const result = await local("pkp:execute", [
      "--action",
      IS_PRIME,
      "--pkp",
      tokenId,
      "--params",
      '{"number":7919}',
      "--out",
      proofFile,
      "--oracle",
      oracle!.url,
      "--deployments-dir",
      dir.path,
    ]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const bundle = JSON.parse(await fs.readFile(proofFile, "utf8"));
    expect(bundle.pkp.tokenId).to.equal(tokenId);
    expect(bundle.execution.response).to.equal('{"number":"7919","signed":true,"prime":true}');
    expect(Object.keys(bundle.execution.signatures)).to.deep.equal(["prime"]);
  });

  it("pkp:verify-proof passes every check and exits 0", async function () {
    const result = await local("pkp:verify-proof", ["--proof", proofFile, "--no-compile"]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    for (const title of ["contracts", "key", "code", "grants", "one transaction", "signatures"]) {
      expect(result.stdout).to.match(new RegExp(`^✓ ${title} `, "m"));
    }
    expect(result.stdout).to.match(/^– reproduction /m);
    expect(result.stdout).to.include("PROOF VERIFIED");
  });

  it("pkp:verify-proof --json --reexecute prints the report as JSON, reproduction passed", async function () {
    const result = await local("pkp:verify-proof", [
      "--proof",
      proofFile,
      "--no-compile",
      "--json",
      "--reexecute",
    ]);
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout) as VerificationReport;
    expect(report.ok).to.equal(true);
    expect(report.tokenId).to.equal(tokenId);
    expect(report.checks.map((c) => [c.id, c.status])).to.deep.equal(ALL_CHECKS_PASSED);
  });

  it("pkp:verify-proof rejects a tampered bundle with exit code 1 and names the check", async function () {
    const bundle = JSON.parse(await fs.readFile(proofFile, "utf8"));
    const signature = bundle.execution.signatures.prime;
    signature.dataSigned = `0x${"00".repeat(31)}0b`; // 11 is prime too, but this PKP did not sign it
    const tampered = path.join(dir.path, "tampered.json");
    await fs.writeFile(tampered, JSON.stringify(bundle));
    const result = await local("pkp:verify-proof", ["--proof", tampered, "--no-compile"]);
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    expect(result.stdout).to.match(/^✗ signatures /m);
    expect(result.stdout).to.include("PROOF REJECTED: 1 of 6 checks failed: signatures");
    expectNoStackTrace(result);
  });

  it("pkp:verify-proof refuses a malformed bundle with a clear error, exit code 2, no stack trace", async function () {
    const malformed = path.join(dir.path, "malformed.json");
    const bundle = JSON.parse(await fs.readFile(proofFile, "utf8"));
    delete bundle.mintTxHash;
    bundle.pkp.publicKey = "0x04";
    await fs.writeFile(malformed, JSON.stringify(bundle));
    const result = await local("pkp:verify-proof", ["--proof", malformed, "--no-compile"]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include(`pkp:verify-proof: ${malformed} is not a valid proof bundle:`);
    expect(result.stderr).to.include("pkp.publicKey: expected 0x04 + 64 bytes");
    expect(result.stderr).to.include("mintTxHash: expected a transaction hash");
    expectNoStackTrace(result);
  });
});
