/**
 * `hre.pkp`'s implementation (loaded on first use by helpers.ts, after compiling in a checkout).
 * It reuses what the tasks run: deployStack (pkp:deploy), the oracle library with an in-memory
 * keystore and the key provisioner (pkp:oracle), the proof collector and verifier
 * (pkp:execute, pkp:verify-proof).
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { ZeroAddress, getAddress, isAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { cidToBytes } from "../src/cid";
import {
  DeploymentError,
  connectContracts,
  loadDeployment,
  type DeploymentRecord,
} from "../src/deployments";
import { messageOf } from "../src/errorText";
import { mintGrantAndBurnNext } from "../src/pkpMint";
import { MemoryKeystore } from "../src/oracle/keystore";
import {
  collectProofBundle,
  loadCompiledContracts,
  parseProofBundle,
  readProofBundle,
  verifyProof,
  type ProofBundle,
  type VerificationReport,
} from "../src/proof";
import { deployStack, ignitionRoot } from "../tasks/deployAction";
import { missingNetworkVarsOf } from "../tasks/networkVars";
import { contractArtifacts, deploymentsDirOf } from "../tasks/project";
import { DeployTaskError } from "../tasks/taskErrors";
import { PkpPluginError } from "./errors";
import { PkpOracle, rawResultOf } from "./oracleClient";
import type {
  LitExecuteResponse,
  MintedPkp,
  PkpDeployOptions,
  PkpDeployment,
  PkpMintOptions,
  PkpOracleClient,
  PkpOracleOptions,
  PkpVerifyOptions,
} from "./types";

/** PKPNFT refuses mint costs above 2^96 - 1. */
const MAX_MINT_COST = 2n ** 96n - 1n;
const DEFAULT_POOL_TARGET = 3;

export class PkpStack {
  readonly #hre: HardhatRuntimeEnvironment;
  /** The last stack deploy() or fixture() returned. */
  #deployment: PkpDeployment | undefined;
  /** One keystore for every oracle of this hre: any key one of them registered, all can use. */
  readonly #keystore = new MemoryKeystore();
  /** Oracles started and not stopped, oldest first. */
  readonly #oracles: PkpOracle[] = [];
  /** loadFixture tells fixtures apart by function identity: one, named, per stack. */
  readonly #fixture: () => Promise<PkpDeployment>;

  constructor(hre: HardhatRuntimeEnvironment) {
    this.#hre = hre;
    // A named function (loadFixture refuses anonymous ones).
    const pkpStackFixture = () => this.deploy();
    this.#fixture = pkpStackFixture;
  }

  async deploy(options: PkpDeployOptions = {}): Promise<PkpDeployment> {
    const hre = this.#hre;
    const keyProvider = checkKeyProvider(options.keyProvider);
    const mintCost = checkMintCost(options.mintCost);
    const missing = missingNetworkVarsOf(hre);
    if (missing.length > 0) throw new DeployTaskError("MISSING_CONFIG", missing.join("\n"));
    const inProcess = hre.network.name === "hardhat";
    const { record, deployedNow } = await deployStack(hre, {
      keyProvider,
      mintCost,
      deploymentsDir:
        options.deploymentsDir === undefined && inProcess
          ? null
          : deploymentsDirOf(hre, options.deploymentsDir),
      known: this.#deployment?.record,
      journalRoot: ignitionRoot(hre),
      artifacts: contractArtifacts(hre),
      log: options.log ?? (() => undefined),
    });
    const [deployer] = await hre.ethers.getSigners();
    this.#deployment = {
      record,
      contracts: connectContracts(record, deployer),
      deployer,
      deployedNow,
    };
    return this.#deployment;
  }

  async fixture(): Promise<PkpDeployment> {
    if (this.#hre.network.name !== "hardhat") {
      throw new PkpPluginError(
        "UNSUITABLE_NETWORK",
        `hre.pkp.fixture() snapshots the in-process chain, not network ${this.#hre.network.name}: ` +
          "run the tests on the hardhat network, or use hre.pkp.deploy()",
      );
    }
    const { loadFixture } = await import("@nomicfoundation/hardhat-network-helpers");
    this.#deployment = await loadFixture(this.#fixture);
    return this.#deployment;
  }

  async startOracle(options: PkpOracleOptions = {}): Promise<PkpOracleClient> {
    const hre = this.#hre;
    const deployment = options.deployment ?? (await this.#currentDeployment());
    const oracle = await PkpOracle.start({
      hre,
      deployment,
      keystore: this.#keystore,
      keyProvider: options.keyProvider ?? deployment.deployer,
      poolTarget: options.poolTarget ?? DEFAULT_POOL_TARGET,
      workers: options.workers ?? 1,
      limits: options.limits,
      onStop: (stopped) => this.#oracles.splice(this.#oracles.indexOf(stopped), 1),
    });
    this.#oracles.push(oracle);
    return oracle;
  }

  async mintGrantAndBurn(codeOrPath: string, options: PkpMintOptions = {}): Promise<MintedPkp> {
    const code = await actionCode(codeOrPath, this.#hre.config.paths.root);
    const oracle = options.oracle ?? this.#oracles.at(-1);
    if (oracle === undefined) {
      throw new PkpPluginError(
        "NO_ORACLE",
        "no oracle is running: start one with `await hre.pkp.startOracle()` — it stores the " +
          "action and holds the keys the PKPs are minted from",
      );
    }
    const ipfsId = await oracle.storeAction(code);
    // The pool may have been emptied by earlier mints or a fixture's snapshot being restored.
    await oracle.provision();
    const pkpNft = oracle.deployment.contracts.pkpNft.connect(
      options.signer ?? oracle.deployment.deployer,
    );
    const { receipt, ...minted } = await mintGrantAndBurnNext(pkpNft, cidToBytes(ipfsId));
    return { ...minted, ipfsId, txHash: receipt.hash, code };
  }

  async proofBundle(
    pkp: MintedPkp,
    execution: { jsParams: Record<string, unknown>; result: LitExecuteResponse },
  ): Promise<ProofBundle> {
    const deployment = await this.#currentDeployment();
    return collectProofBundle({
      record: deployment.record,
      provider: this.#hre.ethers.provider,
      tokenId: pkp.tokenId,
      publicKey: pkp.publicKey,
      code: pkp.code,
      ipfsId: pkp.ipfsId,
      jsParams: execution.jsParams,
      result: rawResultOf(execution.result),
    });
  }

  async verifyProof(
    bundle: ProofBundle | string,
    options: PkpVerifyOptions = {},
  ): Promise<VerificationReport> {
    const parsed =
      typeof bundle === "string"
        ? await readProofBundle(path.resolve(this.#hre.config.paths.root, bundle))
        : parseProofBundle(bundle);
    return verifyProof(parsed, {
      provider: this.#hre.ethers.provider,
      compiled: await loadCompiledContracts(contractArtifacts(this.#hre)),
      reexecute: options.reexecute ?? false,
      logChunkBlocks: options.logChunkBlocks,
    });
  }

  /** The last deploy()/fixture() of this hre, else the network's record in the project. */
  async #currentDeployment(): Promise<PkpDeployment> {
    if (this.#deployment !== undefined) return this.#deployment;
    const hre = this.#hre;
    const [deployer] = await hre.ethers.getSigners();
    let loaded: { record: DeploymentRecord };
    try {
      loaded = await loadDeployment({
        network: hre.network.name,
        runner: deployer,
        dir: deploymentsDirOf(hre),
      });
    } catch (error) {
      if (!(error instanceof DeploymentError)) throw error;
      throw new PkpPluginError(
        "NOT_DEPLOYED",
        `no PKP stack on network ${hre.network.name}: deploy it first with ` +
          `\`await hre.pkp.deploy()\` (or \`hre.pkp.fixture()\` in tests) — ${error.message}`,
        { cause: error },
      );
    }
    this.#deployment = {
      record: loaded.record,
      contracts: connectContracts(loaded.record, deployer),
      deployer,
      deployedNow: false,
    };
    return this.#deployment;
  }
}

function checkKeyProvider(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isAddress(value) || getAddress(value) === ZeroAddress) {
    throw new PkpPluginError("INVALID_OPTION", `keyProvider "${value}" is not a non-zero address`);
  }
  return getAddress(value);
}

function checkMintCost(value: bigint | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "bigint" || value < 0n || value > MAX_MINT_COST) {
    throw new PkpPluginError(
      "INVALID_OPTION",
      `mintCost must be a bigint between 0 and 2^96 - 1 wei, got ${String(value)}`,
    );
  }
  return value;
}

/** A string ending in .js (.cjs, .mjs) on one line is a file; anything else is code. */
export function isActionPath(codeOrPath: string): boolean {
  return !codeOrPath.includes("\n") && /\.[cm]?js$/.test(codeOrPath.trim());
}

async function actionCode(codeOrPath: string, root: string): Promise<string> {
  if (typeof codeOrPath !== "string") {
    throw new PkpPluginError("INVALID_OPTION", "give the action's code or its file as a string");
  }
  let code = codeOrPath;
  if (isActionPath(codeOrPath)) {
    const file = path.resolve(root, codeOrPath.trim());
    try {
      code = await fs.readFile(file, "utf8");
    } catch (error) {
      throw new PkpPluginError(
        "ACTION_UNREADABLE",
        `cannot read the action ${file}: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }
  if (code.trim() === "") {
    throw new PkpPluginError("ACTION_UNREADABLE", "the action's code is empty");
  }
  return code;
}
