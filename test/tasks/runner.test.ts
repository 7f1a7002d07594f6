/**
 * The one task runner (tasks/runner.ts), in process with a stand-in for Hardhat's runtime: what a
 * task prints and exits with for a refusal, for a bug, with --json and with --show-stack-traces,
 * and that it compiles before it loads the implementation.
 */
import { expect } from "chai";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { DeploymentError } from "../../src/deploymentRecord";
import { runTask, UNEXPECTED_NOTE, type TaskRun } from "../../tasks/runner";
import { NotCompiledError, ProofTaskError } from "../../tasks/taskErrors";
import { expectRejection } from "../helpers/expectRejection";

interface Captured {
  stdout: string[];
  stderr: string[];
  exitCode: number | undefined;
  steps: string[];
}

function fakeHre(steps: string[], showStackTraces = false): HardhatRuntimeEnvironment {
  return {
    hardhatArguments: { showStackTraces },
    run: (name: string) => {
      steps.push(name);
      return Promise.resolve();
    },
  } as unknown as HardhatRuntimeEnvironment;
}

/** Runs a task with console and process.exitCode captured (and restored). */
async function capture(
  task: (steps: string[]) => TaskRun<unknown, unknown>,
  opts: { rethrows?: boolean } = {},
): Promise<Captured> {
  const out: Captured = { stdout: [], stderr: [], exitCode: undefined, steps: [] };
  const { log, error } = console;
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  console.log = (...args: unknown[]) => void out.stdout.push(args.join(" "));
  console.error = (...args: unknown[]) => void out.stderr.push(args.join(" "));
  try {
    if (opts.rethrows) await expectRejection(runTask(task(out.steps)), Error);
    else await runTask(task(out.steps));
    out.exitCode = process.exitCode;
  } finally {
    console.log = log;
    console.error = error;
    process.exitCode = exitCode;
  }
  return out;
}

/** A task that loads nothing and succeeds; tests override what they exercise. */
const base = (steps: string[]): TaskRun<unknown, unknown> => ({
  name: "pkp:test",
  hre: fakeHre(steps),
  load: () => Promise.resolve({}),
  run: () => Promise.resolve(),
});

const failingWith =
  (error: Error, extra: Partial<TaskRun<unknown, unknown>> = {}) =>
  (steps: string[]): TaskRun<unknown, unknown> => ({
    ...base(steps),
    run: () => Promise.reject(error),
    ...extra,
  });

describe("tasks/runner: one way to run every pkp:* task", function () {
  it("runs prepare, compiles, loads, then runs, and hands prepare's result to run", async function () {
    const result = await capture((steps) => ({
      name: "pkp:test",
      hre: fakeHre(steps),
      prepare: () => {
        steps.push("prepare");
        return "passphrase";
      },
      load: () => {
        steps.push("load");
        return Promise.resolve({ impl: true });
      },
      run: (impl, prepared) => {
        steps.push(`run ${JSON.stringify(impl)} ${String(prepared)}`);
        return Promise.resolve();
      },
    }));
    expect(result.steps).to.deep.equal([
      "prepare",
      "compile",
      "load",
      'run {"impl":true} passphrase',
    ]);
    expect(result.exitCode).to.equal(undefined);
    expect(result.stderr).to.deep.equal([]);
  });

  it("does not compile with noCompile", async function () {
    const result = await capture((steps) => ({
      ...base(steps),
      noCompile: true,
    }));
    expect(result.steps).to.deep.equal([]);
  });

  it("prints a CodedError as one prefixed line per message line, exit code 1, no note", async function () {
    const error = new DeploymentError("DEPLOYMENT_NOT_FOUND", "no record\nrun pkp:deploy");
    const result = await capture(failingWith(error));
    expect(result.stderr).to.deep.equal(["pkp:test: no record", "pkp:test: run pkp:deploy"]);
    expect(result.exitCode).to.equal(1);
    expect(result.stdout).to.deep.equal([]);
  });

  it("uses the task's failure exit code", async function () {
    const error = new ProofTaskError("INVALID_OPTION", "--pkp is not a token id");
    const result = await capture(failingWith(error, { failureExitCode: 2 }));
    expect(result.exitCode).to.equal(2);
  });

  it("reports a refusal from prepare before compiling anything", async function () {
    const error = new ProofTaskError("MISSING_CONFIG", "set ORACLE_PASSPHRASE");
    const result = await capture((steps) => ({
      ...base(steps),
      prepare: () => Promise.reject(error),
    }));
    expect(result.steps).to.deep.equal([]);
    expect(result.stderr).to.deep.equal(["pkp:test: set ORACLE_PASSPHRASE"]);
    expect(result.exitCode).to.equal(1);
  });

  it("calls anything else unexpected, in one more line", async function () {
    const result = await capture(failingWith(new TypeError("x is undefined")));
    expect(result.stderr).to.deep.equal([
      "pkp:test: x is undefined",
      `pkp:test: ${UNEXPECTED_NOTE}`,
    ]);
    expect(result.exitCode).to.equal(1);
  });

  it("rethrows a bug for Hardhat's stack trace with --show-stack-traces, but not a refusal", async function () {
    const bug = await capture(
      (steps) => ({ ...failingWith(new TypeError("bug"))(steps), hre: fakeHre(steps, true) }),
      { rethrows: true },
    );
    expect(bug.stderr).to.deep.equal([]);
    const refusal = await capture((steps) => ({
      ...failingWith(new ProofTaskError("INVALID_OPTION", "bad"))(steps),
      hre: fakeHre(steps, true),
    }));
    expect(refusal.stderr).to.deep.equal(["pkp:test: bad"]);
  });

  it("with json, also prints { ok: false, error: { code, message } } on stdout", async function () {
    const coded = await capture(
      failingWith(new ProofTaskError("NETWORK_UNREACHABLE", "cannot reach"), { json: true }),
    );
    expect(JSON.parse(coded.stdout.join("\n"))).to.deep.equal({
      ok: false,
      error: { code: "NETWORK_UNREACHABLE", message: "cannot reach" },
    });
    const bug = await capture(failingWith(new Error("odd"), { json: true }));
    expect(JSON.parse(bug.stdout.join("\n"))).to.deep.equal({
      ok: false,
      error: { code: "ERROR", message: "odd" },
    });
  });

  it("turns an implementation that cannot load for lack of generated files into NOT_COMPILED", async function () {
    const missing = Object.assign(new Error("Cannot find module '../typechain-types'"), {
      code: "MODULE_NOT_FOUND",
    });
    const result = await capture((steps) => ({
      ...base(steps),
      noCompile: true,
      load: () => Promise.reject(missing),
      json: true,
    }));
    expect(result.stderr).to.deep.equal([`pkp:test: ${new NotCompiledError().message}`]);
    expect(JSON.parse(result.stdout.join("\n")).error.code).to.equal("NOT_COMPILED");
    expect(result.exitCode).to.equal(1);
  });

  it("leaves a compile failure to Hardhat", async function () {
    const compileError = new Error("HH600: Compilation failed");
    const result = await capture(
      (steps) => ({
        ...base(steps),
        hre: {
          hardhatArguments: { showStackTraces: false },
          run: () => Promise.reject(compileError),
        } as unknown as HardhatRuntimeEnvironment,
      }),
      { rethrows: true },
    );
    expect(result.stderr).to.deep.equal([]);
  });
});
