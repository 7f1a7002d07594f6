import { promises as fs } from "node:fs";
import * as http from "node:http";
import { once } from "node:events";
import * as path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { JsonRpcProvider, Wallet, keccak256 } from "ethers";
import {
  CONTRACT_NAMES,
  DeploymentError,
  loadDeployment,
  readDeploymentRecord,
  writeDeployment,
  type DeploymentRecord,
} from "../../src/deployments";
import { expectRejection } from "../helpers/expectRejection";
import {
  HARDHAT_ACCOUNT_0,
  runHardhat,
  startHardhatNode,
  type CliResult,
  type HardhatNode,
} from "../helpers/hardhatNode";
import { testKeys } from "../helpers/keys";
import { deployStack } from "../helpers/stack";
import { makeTempDir } from "../helpers/tempDir";

/** Hardhat's account #5: a key provider that is not the deployer. */
const KEY_PROVIDER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const MINT_COST = 12_345n;

function deployArgs(network: string, dir: string, extra: string[] = []): string[] {
  return ["pkp:deploy", "--network", network, "--no-compile", "--deployments-dir", dir, ...extra];
}

function expectNoStackTrace(result: CliResult): void {
  expect(`${result.stdout}${result.stderr}`).not.to.match(/^\s+at /m);
}

describe("pkp:deploy against a hardhat node", function () {
  let node: HardhatNode;
  let dir: { path: string; remove(): Promise<void> };
  let provider: JsonRpcProvider;
  let first: CliResult;
  let record: DeploymentRecord;

  const deploy = (extra: string[] = []) =>
    runHardhat(deployArgs("localhost", dir.path, extra), {
      env: { HARDHAT_VAR_LOCALHOST_RPC_URL: node.url },
    });

  before(async function () {
    dir = await makeTempDir("pkp-deploy-");
    node = await startHardhatNode();
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    first = await deploy(["--key-provider", KEY_PROVIDER, "--mint-cost", MINT_COST.toString()]);
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    record = await readDeploymentRecord("localhost", dir.path);
  });

  after(async function () {
    provider?.destroy();
    await node?.stop();
    await dir?.remove();
  });

  it("records the network, chain id, deployer and compiler of the deployment", async function () {
    expect(record.network).to.equal("localhost");
    expect(record.chainId).to.equal(Number((await provider.getNetwork()).chainId));
    expect(record.deployer).to.equal(HARDHAT_ACCOUNT_0.address);
    expect(Number.isNaN(Date.parse(record.deployedAt))).to.equal(false);
    const buildInfo = await hre.artifacts.getBuildInfo("contracts/PKPNFT.sol:PKPNFT");
    expect(record.compiler.version).to.equal(buildInfo?.solcLongVersion);
    expect(record.compiler.version).to.match(/^0\.8\.28\+commit\.[0-9a-f]{8}$/);
    expect(record.compiler.settings).to.deep.equal({
      optimizer: { enabled: true, runs: 10_000 },
      viaIR: true,
      evmVersion: "cancun",
    });
  });

  it("records each contract's creation transaction, block and runtime code hash as on chain", async function () {
    for (const name of CONTRACT_NAMES) {
      const entry = record.contracts[name];
      const receipt = await provider.getTransactionReceipt(entry.transactionHash);
      expect(receipt, name).not.to.equal(null);
      expect(receipt?.contractAddress, name).to.equal(entry.address);
      expect(receipt?.blockNumber, name).to.equal(entry.blockNumber);
      expect(receipt?.from, name).to.equal(record.deployer);
      expect(keccak256(await provider.getCode(entry.address)), name).to.equal(
        entry.runtimeBytecodeHash,
      );
    }
  });

  it("prints each deployed contract and a table of addresses", async function () {
    for (const name of CONTRACT_NAMES) {
      expect(first.stdout).to.include(`✓ ${name} ${record.contracts[name].address}`);
      expect(first.stdout).to.match(
        new RegExp(`^\\s+${name}\\s+${record.contracts[name].address}`, "m"),
      );
    }
  });

  it("wires the contracts to each other", async function () {
    const { contracts: c } = await loadDeployment({
      network: "localhost",
      runner: provider,
      dir: dir.path,
    });
    const at = (name: (typeof CONTRACT_NAMES)[number]) => record.contracts[name].address;
    expect(await c.pubkeyRouter.getPkpNftAddress()).to.equal(at("PKPNFT"));
    expect(await c.pkpNft.getRouterAddress()).to.equal(at("PubkeyRouter"));
    expect(await c.pkpNft.getPkpPermissionsAddress()).to.equal(at("PKPPermissions"));
    expect(await c.pkpNft.getPkpNftMetadataAddress()).to.equal(at("PKPNFTMetadata"));
    expect(await c.pkpPermissions.getPkpNftAddress()).to.equal(at("PKPNFT"));
    expect(await c.pkpPermissions.getRouterAddress()).to.equal(at("PubkeyRouter"));
    expect(await c.pkpHelper.getPkpNftAddress()).to.equal(at("PKPNFT"));
    expect(await c.pkpHelper.getPkpPermissionsAddress()).to.equal(at("PKPPermissions"));
    expect(await c.pkpNft.owner()).to.equal(record.deployer);
  });

  it("grants the key-provider role given by --key-provider and sets the --mint-cost", async function () {
    const { contracts: c } = await loadDeployment({
      network: "localhost",
      runner: provider,
      dir: dir.path,
    });
    expect(await c.pubkeyRouter.isKeyProvider(KEY_PROVIDER)).to.equal(true);
    expect(await c.pkpNft.mintCost()).to.equal(MINT_COST);
  });

  it("changes nothing when run again against the same chain, and says so", async function () {
    const file = path.join(dir.path, "localhost.json");
    const before = await fs.readFile(file);
    const blockBefore = await provider.getBlockNumber();
    const again = await deploy();
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(again.stdout).to.include("already deployed");
    expect(again.stdout).to.include(record.contracts.PKPNFT.address);
    expect((await fs.readFile(file)).equals(before)).to.equal(true);
    expect(await provider.getBlockNumber()).to.equal(blockBefore);
  });

  it("deploys anew when the node was restarted and the recorded contracts are gone", async function () {
    const port = node.port;
    await node.stop();
    node = await startHardhatNode({ port });
    expect(await provider.getCode(record.contracts.PKPNFT.address)).to.equal("0x");

    const anew = await deploy();
    expect(anew.code, anew.stdout + anew.stderr).to.equal(0);
    expect(anew.stdout).to.include("gone");
    expect(anew.stdout).to.include("deploying anew");
    const fresh = await readDeploymentRecord("localhost", dir.path);
    expect(fresh.deployedAt).not.to.equal(record.deployedAt);
    // The defaults apply again: the deployer is the only key provider, the mint cost is 1 wei.
    const { contracts: c } = await loadDeployment({
      network: "localhost",
      runner: provider,
      dir: dir.path,
    });
    expect(await c.pubkeyRouter.isKeyProvider(KEY_PROVIDER)).to.equal(false);
    expect(await c.pkpNft.mintCost()).to.equal(1n);
  });
});

describe("pkp:deploy input and configuration checks", function () {
  let dir: { path: string; remove(): Promise<void> };
  /** An RPC endpoint that counts requests: it must see none when the task refuses early. */
  let server: http.Server;
  let requests = 0;
  let rpcUrl: string;

  before(async function () {
    dir = await makeTempDir("pkp-deploy-checks-");
    server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    rpcUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  after(async function () {
    server?.close();
    await dir?.remove();
  });

  beforeEach(function () {
    requests = 0;
  });

  /** An environment without any HARDHAT_VAR_* and with an empty Hardhat vars store. */
  function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith("HARDHAT_VAR_")) env[k] = v;
    }
    return {
      ...env,
      XDG_CONFIG_HOME: path.join(dir.path, "config"),
      HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
      ...extra,
    };
  }

  const run = (network: string, extra: string[], env: Record<string, string> = {}) =>
    runHardhat(deployArgs(network, dir.path, extra), {
      env: bareEnv(env),
      replaceEnv: true,
      timeoutMs: 30_000,
    });

  it("refuses a --key-provider that is not an address in one line, exit code 1", async function () {
    const result = await run("localhost", ["--key-provider", "0x1234"], {
      HARDHAT_VAR_LOCALHOST_RPC_URL: rpcUrl,
    });
    expect(result.code).to.equal(1);
    expect(result.stderr.trim()).to.equal(
      'pkp:deploy: --key-provider "0x1234" is not an address (0x + 40 hex digits)',
    );
    expectNoStackTrace(result);
    expect(requests).to.equal(0);
  });

  it("refuses a negative or fractional --mint-cost in one line, exit code 1", async function () {
    const [negative, fractional] = await Promise.all([
      run("localhost", ["--mint-cost", "-1"], { HARDHAT_VAR_LOCALHOST_RPC_URL: rpcUrl }),
      run("localhost", ["--mint-cost", "1.5"], { HARDHAT_VAR_LOCALHOST_RPC_URL: rpcUrl }),
    ]);
    for (const result of [negative, fractional]) {
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(/^pkp:deploy: --mint-cost "[^"]+" is not a whole/);
      expect(result.stderr.trim().split("\n")).to.have.length(1);
      expectNoStackTrace(result);
    }
    expect(requests).to.equal(0);
  });

  it("names SEPOLIA_RPC_URL and DEPLOYER_PRIVATE_KEY and how to set them when both are missing", async function () {
    const result = await run("sepolia", []);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("npx hardhat vars set SEPOLIA_RPC_URL");
    expect(result.stderr).to.include("HARDHAT_VAR_SEPOLIA_RPC_URL=");
    expect(result.stderr).to.include("npx hardhat vars set DEPLOYER_PRIVATE_KEY");
    expect(result.stderr).to.include("HARDHAT_VAR_DEPLOYER_PRIVATE_KEY=");
    expectNoStackTrace(result);
  });

  it("refuses a missing deployer key for sepolia before sending anything to its RPC URL", async function () {
    const result = await run("sepolia", [], { HARDHAT_VAR_SEPOLIA_RPC_URL: rpcUrl });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("DEPLOYER_PRIVATE_KEY");
    expect(result.stderr).not.to.include("SEPOLIA_RPC_URL");
    expectNoStackTrace(result);
    expect(requests).to.equal(0);
  });

  it("refuses a malformed deployer key without printing it", async function () {
    const secret = "0xdeadbeef-not-a-key-but-secret";
    const result = await run("yellowstone", [], { HARDHAT_VAR_DEPLOYER_PRIVATE_KEY: secret });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("DEPLOYER_PRIVATE_KEY is not a private key");
    expect(result.stdout + result.stderr).not.to.include("deadbeef");
    expectNoStackTrace(result);
  });

  it("deploys to the in-process hardhat network and records it as hardhat.json", async function () {
    const result = await run("hardhat", []);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const written = await readDeploymentRecord("hardhat", dir.path);
    expect(written.network).to.equal("hardhat");
    expect(written.chainId).to.equal(31337);
    expect(written.deployer).to.equal(HARDHAT_ACCOUNT_0.address);
  });
});

describe("loadDeployment", function () {
  let dir: { path: string; remove(): Promise<void> };
  let good: DeploymentRecord;

  async function writeRaw(network: string, content: string): Promise<void> {
    await fs.writeFile(path.join(dir.path, `${network}.json`), content);
  }

  async function writeRecord(network: string, record: DeploymentRecord): Promise<void> {
    await writeRaw(network, JSON.stringify({ ...record, network }));
  }

  before(async function () {
    dir = await makeTempDir("pkp-load-");
    const stack = await deployStack();
    const entry = async (contract: { getAddress(): Promise<string> }) => {
      const address = await contract.getAddress();
      return {
        address,
        // loadDeployment does not look at transactions; the task test covers them.
        transactionHash: keccak256(address),
        blockNumber: 1,
        runtimeBytecodeHash: keccak256(await hre.ethers.provider.getCode(address)),
      };
    };
    good = {
      network: "inproc",
      chainId: 31337,
      deployer: stack.deployer.address,
      deployedAt: new Date(0).toISOString(),
      compiler: { version: "0.8.28+commit.7893614a", settings: { viaIR: true } },
      contracts: {
        PubkeyRouter: await entry(stack.router),
        PKPNFTMetadata: await entry(stack.metadata),
        PKPNFT: await entry(stack.pkpNft),
        PKPPermissions: await entry(stack.permissions),
        PKPHelper: await entry(stack.helper),
      },
    };
    await writeDeployment({ record: good, dir: dir.path });
  });

  after(async function () {
    await dir?.remove();
  });

  it("returns the record and typed handles that read and write through the given signer", async function () {
    const [deployer, alice] = await hre.ethers.getSigners();
    const { record, contracts } = await loadDeployment({
      network: "inproc",
      runner: deployer,
      dir: dir.path,
    });
    expect(record).to.deep.equal(good);
    expect(await contracts.pkpNft.getPkpPermissionsAddress()).to.equal(
      good.contracts.PKPPermissions.address,
    );
    const [key] = testKeys(1, "load-deployment");
    await (
      await contracts.pubkeyRouter.setRoutingDataBatch([key.tokenId], [key.publicKey], 2n)
    ).wait();
    const nft = contracts.pkpNft.connect(alice);
    await (await nft.mintNext(2n, { value: await nft.mintCost() })).wait();
    expect(await contracts.pkpNft.ownerOf(key.tokenId)).to.equal(alice.address);
    expect(await contracts.pkpPermissions.getPubkey(key.tokenId)).to.equal(key.publicKey);
  });

  it("reads through a plain provider too", async function () {
    const { contracts } = await loadDeployment({
      network: "inproc",
      runner: hre.ethers.provider,
      dir: dir.path,
    });
    expect(await contracts.pkpHelper.getPkpNftAddress()).to.equal(good.contracts.PKPNFT.address);
  });

  it("says to run pkp:deploy when the record is missing", async function () {
    const error = await expectRejection(
      loadDeployment({ network: "nowhere", runner: hre.ethers.provider, dir: dir.path }),
      DeploymentError,
      "DEPLOYMENT_NOT_FOUND",
    );
    expect(error.message).to.include("npx hardhat pkp:deploy --network nowhere");
  });

  it("refuses a file that is not JSON", async function () {
    await writeRaw("broken", "{ not json");
    const error = await expectRejection(
      loadDeployment({ network: "broken", runner: hre.ethers.provider, dir: dir.path }),
      DeploymentError,
      "DEPLOYMENT_MALFORMED",
    );
    expect(error.message).to.include("not valid JSON");
  });

  it("refuses a record that lacks a field, naming the field", async function () {
    const { PKPHelper: _helper, ...rest } = good.contracts;
    await writeRaw("partial", JSON.stringify({ ...good, network: "partial", contracts: rest }));
    const error = await expectRejection(
      loadDeployment({ network: "partial", runner: hre.ethers.provider, dir: dir.path }),
      DeploymentError,
      "DEPLOYMENT_MALFORMED",
    );
    expect(error.message).to.include("contracts.PKPHelper");
  });

  it("refuses a record of another chain, naming both chain ids", async function () {
    await writeRecord("otherchain", { ...good, chainId: 175188 });
    const error = await expectRejection(
      loadDeployment({ network: "otherchain", runner: hre.ethers.provider, dir: dir.path }),
      DeploymentError,
      "CHAIN_ID_MISMATCH",
    );
    expect(error.message).to.include("175188").and.to.include("31337");
  });

  it("names the contract whose address holds no code and suggests a restarted chain", async function () {
    const empty = Wallet.createRandom().address;
    await writeRecord("restarted", {
      ...good,
      contracts: {
        ...good.contracts,
        PKPPermissions: { ...good.contracts.PKPPermissions, address: empty },
      },
    });
    const error = await expectRejection(
      loadDeployment({ network: "restarted", runner: hre.ethers.provider, dir: dir.path }),
      DeploymentError,
      "CONTRACT_CODE_MISSING",
    );
    expect(error.message).to.include(`PKPPermissions ${empty}`).and.to.include("restarted");
  });

  it("refuses an address that holds other code than the recorded one", async function () {
    await writeRecord("swapped", {
      ...good,
      contracts: {
        ...good.contracts,
        PKPNFT: { ...good.contracts.PKPNFT, address: good.contracts.PKPHelper.address },
      },
    });
    await expectRejection(
      loadDeployment({ network: "swapped", runner: hre.ethers.provider, dir: dir.path }),
      DeploymentError,
      "CONTRACT_CODE_MISMATCH",
    );
  });
});
