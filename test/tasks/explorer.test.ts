/**
 * `npx hardhat pkp:explorer` as a user runs it: refusals in one line (exit 1, no stack trace), a
 * start without a chain or a record (the page then says so), and a clean stop on SIGTERM. The page
 * itself is tested in Chromium (test/explorer/explorer.browser.test.ts).
 */
import { expect } from "chai";
import * as net from "node:net";
import { once } from "node:events";
import { freePort, runHardhat, type CliResult } from "../helpers/hardhatNode";
import { spawnTask } from "../helpers/taskProcess";
import { makeTempDir } from "../helpers/tempDir";

function expectOneLineRefusal(result: CliResult, pattern: RegExp): void {
  expect(result.code, `${result.stdout}${result.stderr}`).to.equal(1);
  expect(result.stderr).to.match(pattern);
  expect(`${result.stdout}${result.stderr}`).not.to.match(/^\s+at /m);
}

describe("pkp:explorer (the task)", function () {
  this.timeout(120_000);

  it("refuses the in-process network, a bad port and an oracle URL that is not http(s), in one line", async function () {
    expectOneLineRefusal(
      await runHardhat(["pkp:explorer", "--network", "hardhat"]),
      /^pkp:explorer: the explorer needs a chain it can reach over HTTP; --network hardhat is/m,
    );
    expectOneLineRefusal(
      await runHardhat(["pkp:explorer", "--network", "localhost", "--port", "70000"]),
      /^pkp:explorer: --port 70000 is not a TCP port \(0-65535\)$/m,
    );
    expectOneLineRefusal(
      await runHardhat(["pkp:explorer", "--network", "localhost", "--oracle", "ftp://127.0.0.1"]),
      /^pkp:explorer: --oracle ftp:\/\/127\.0\.0\.1 is not an http\(s\) URL$/m,
    );
  });

  it("says when its port is in use", async function () {
    const busy = net.createServer().listen(0, "127.0.0.1");
    await once(busy, "listening");
    const port = (busy.address() as net.AddressInfo).port;
    try {
      expectOneLineRefusal(
        await runHardhat(["pkp:explorer", "--network", "localhost", "--port", String(port)]),
        new RegExp(`^pkp:explorer: 127\\.0\\.0\\.1:${port} is in use: pass another --port`, "m"),
      );
    } finally {
      busy.close();
    }
  });

  it("starts with no chain and no record (the page says so) and stops cleanly on SIGTERM", async function () {
    const dir = await makeTempDir("pkp-explorer-task-");
    const chain = `http://127.0.0.1:${await freePort()}`;
    try {
      const explorer = await spawnTask(
        ["pkp:explorer", "--network", "localhost", "--port", "0", "--deployments-dir", dir.path],
        /Explorer listening on (http:\/\/\S+)/,
        { env: { HARDHAT_VAR_LOCALHOST_RPC_URL: chain } },
      );
      expect(explorer.output()).to.match(/no deployment record for network localhost/);
      expect(explorer.output()).to.include("oracle: not configured");
      const config = (await (await fetch(`${explorer.ready}/api/config`)).json()) as {
        deployment: unknown;
        deploymentError: { code: string };
      };
      expect(config.deployment).to.equal(null);
      expect(config.deploymentError.code).to.equal("DEPLOYMENT_NOT_FOUND");
      const rpc = await fetch(`${explorer.ready}/rpc`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      expect(rpc.status).to.equal(502);
      expect(explorer.output()).to.match(/▸ refused POST \/rpc: 502 CHAIN_UNREACHABLE/);
      expect(await explorer.stop("SIGTERM")).to.equal(0);
      expect(explorer.output()).to.include("▸ Explorer stopped");
    } finally {
      await dir.remove();
    }
  });
});
