/**
 * The newcomer's path, the hard way: a fresh clone (no artifacts/, cache/ or typechain-types/),
 * `npm run demo`, then README.md's "Deploying" commands exactly as written, in order, against a
 * `hardhat node` on a free port. Each must exit 0 and the oracle must serve. Before the tasks
 * compiled on demand, `pkp:deploy` died here with "Cannot find module '../typechain-types'".
 */
import { expect } from "chai";
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import { GENERATED_DIRS, freshClone, type FreshClone } from "../helpers/freshClone";
import {
  freePort,
  runCommand,
  runHardhat,
  startHardhatNode,
  type CliResult,
  type HardhatNode,
} from "../helpers/hardhatNode";
import { readmeCommands } from "../helpers/readmeCommands";
import { spawnOracle, type OracleProcess } from "../oracle/http/oracleProcess";
import { spawnTask, type TaskProcess } from "../helpers/taskProcess";

/** The README's local-stack commands, in the order a newcomer runs them. */
const EXPECTED_TASKS = [
  "node",
  "pkp:deploy",
  "pkp:oracle",
  "pkp:mint-grant-burn",
  "pkp:execute",
  "pkp:verify-proof",
  "pkp:explorer",
];

const MINUTE = 60_000;

function output(result: CliResult): string {
  return `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

describe("a fresh clone runs every README command with no earlier compile", function () {
  this.timeout(10 * MINUTE);
  const commands = readmeCommands("local-stack");
  let clone: FreshClone;
  let node: HardhatNode | undefined;
  let oracle: OracleProcess | undefined;
  let explorer: TaskProcess | undefined;
  let devIssuer: TaskProcess | undefined;
  let env: NodeJS.ProcessEnv = {};
  let tokenId: string | undefined;

  before(async function () {
    clone = await freshClone();
  });

  after(async function () {
    await devIssuer?.stop();
    await explorer?.stop();
    await oracle?.stop();
    await node?.stop();
    await clone?.remove();
  });

  it("starts with no generated files", function () {
    for (const dir of GENERATED_DIRS)
      expect(existsSync(path.join(clone.path, dir)), dir).to.equal(false);
  });

  it("npm run demo works right after npm ci", async function () {
    const result = await runCommand("npm", ["run", "--silent", "demo"], {
      cwd: clone.path,
      timeoutMs: 5 * MINUTE,
    });
    expect(result.code, output(result)).to.equal(0);
    expect(result.stdout).to.match(/PROOF VERIFIED: all \d+ checks passed/);
  });

  it("npm run demo:wallet works on an uncompiled tree too", async function () {
    for (const dir of GENERATED_DIRS) {
      await fs.rm(path.join(clone.path, dir), { recursive: true, force: true });
    }
    const result = await runCommand("npm", ["run", "--silent", "demo:wallet"], {
      cwd: clone.path,
      timeoutMs: 5 * MINUTE,
    });
    expect(result.code, output(result)).to.equal(0);
    expect(result.stdout).to.match(/Google session: refused: SESSION_AUTH_METHOD_REVOKED/);
    expect(result.stdout).to.match(/the wallet sends 0.5 ETH to bob: tx 0x[0-9a-f]{64}, status 1/);
  });

  it("npm run demo:social works on the compiled clone", async function () {
    const result = await runCommand("npm", ["run", "--silent", "demo:social"], {
      cwd: clone.path,
      timeoutMs: 5 * MINUTE,
    });
    expect(result.code, output(result)).to.equal(0);
    expect(result.stdout).to.match(/ALREADY_LIKED/);
    expect(result.stdout).to.match(/carol's likes in the stream: 1/);
    expect(result.stdout).to.match(/PROOF VERIFIED: all 7 checks passed/);
  });

  it("a task told not to compile on an uncompiled tree says so in one line", async function () {
    for (const dir of GENERATED_DIRS) {
      await fs.rm(path.join(clone.path, dir), { recursive: true, force: true });
    }
    const result = await runHardhat(["pkp:deploy", "--network", "hardhat", "--no-compile"], {
      cwd: clone.path,
    });
    expect(result.code, output(result)).to.equal(1);
    expect(result.stderr).to.match(/^pkp:deploy: the contracts are not compiled/m);
    expect(`${result.stdout}${result.stderr}`).not.to.match(/^\s+at /m);
  });

  // Registered with noCompile: it must serve without anything generated. It once failed here:
  // its implementation shared a module with pkp:mint-for-auth, which imports TypeChain.
  it("pkp:dev-issuer serves on an uncompiled tree (it needs no contract)", async function () {
    for (const dir of GENERATED_DIRS) {
      await fs.rm(path.join(clone.path, dir), { recursive: true, force: true });
    }
    devIssuer = await spawnTask(["pkp:dev-issuer", "--port", "0"], /issuer\s+(http:\/\/\S+)\n/, {
      cwd: clone.path,
      timeoutMs: 2 * MINUTE,
    });
    const discovery = await fetch(`${devIssuer.ready}/.well-known/openid-configuration`);
    expect(discovery.status, devIssuer.output()).to.equal(200);
    expect(await discovery.json()).to.deep.include({
      issuer: devIssuer.ready,
      jwks_uri: `${devIssuer.ready}/jwks`,
    });
    const stopped = await devIssuer.stop();
    expect(stopped, devIssuer.output()).to.equal(0);
    devIssuer = undefined;
    for (const dir of GENERATED_DIRS)
      expect(existsSync(path.join(clone.path, dir)), dir).to.equal(false);
  });

  it("README.md lists the local-stack commands in the order this test runs them", function () {
    expect(commands.map((c) => c.argv.slice(0, 2).join(" "))).to.deep.equal(
      EXPECTED_TASKS.map(() => "npx hardhat"),
    );
    expect(commands.map((c) => c.argv[2])).to.deep.equal(EXPECTED_TASKS);
  });

  // One test per README command, named by the command itself. Only what a test must change is
  // changed: a free port instead of 8545/8787 (through the same options a user would pass), and
  // the tokenId that pkp:mint-grant-burn printed for the `<tokenId>` placeholder.
  for (const command of commands) {
    const [, , task, ...args] = command.argv;
    it(`${command.text}`, async function () {
      if (task === "node") {
        expect(args).to.deep.equal(["--hostname", "127.0.0.1"]);
        node = await startHardhatNode({ cwd: clone.path });
        env = { HARDHAT_VAR_LOCALHOST_RPC_URL: node.url };
        return;
      }
      expect(node, "the README starts the node first").to.not.equal(undefined);
      if (task === "pkp:oracle") {
        oracle = await spawnOracle([...args, "--port", String(await freePort())], {
          cwd: clone.path,
          env,
          timeoutMs: 5 * MINUTE,
        });
        const health = await fetch(`${oracle.url}/health`);
        expect(health.status).to.equal(200);
        expect(((await health.json()) as { ok: boolean }).ok).to.equal(true);
        return;
      }
      if (task === "pkp:explorer") {
        // The page is built when the task starts: it must build from the fresh clone too.
        const argv = args.map((arg) => (arg === "http://127.0.0.1:8787" ? oracle!.url : arg));
        explorer = await spawnTask(
          [task, ...argv, "--port", String(await freePort())],
          /Explorer listening on (http:\/\/\S+)/,
          { cwd: clone.path, env, timeoutMs: 5 * MINUTE },
        );
        const config = (await (await fetch(`${explorer.ready}/api/config`)).json()) as {
          deployment: unknown;
          oracle: { configured: boolean };
        };
        expect(config.deployment, "the page sees deployments/localhost.json").to.not.equal(null);
        expect(config.oracle.configured).to.equal(true);
        const page = await fetch(`${explorer.ready}/`);
        expect(page.status).to.equal(200);
        expect((await fetch(`${explorer.ready}/app/app.js`)).status).to.equal(200);
        return;
      }
      const argv = args.map((arg) => {
        if (arg !== "<tokenId>") return arg;
        expect(tokenId, "pkp:mint-grant-burn printed a tokenId").to.match(/^[0-9]+$/);
        return tokenId as string;
      });
      if (task === "pkp:mint-grant-burn" || task === "pkp:execute") {
        expect(oracle, "the README starts the oracle before using it").to.not.equal(undefined);
        argv.push("--oracle", oracle!.url);
      }
      const result = await runHardhat([task, ...argv], {
        cwd: clone.path,
        env,
        timeoutMs: 5 * MINUTE,
      });
      expect(result.code, output(result)).to.equal(0);
      if (task === "pkp:mint-grant-burn") tokenId = /tokenId +([0-9]+)/.exec(result.stdout)?.[1];
      if (task === "pkp:verify-proof") expect(result.stdout).to.match(/PROOF VERIFIED/);
    });
  }
});
