/**
 * The implementations of the proof tasks (tasks/proof.ts registers them). Each failure a user can
 * cause or fix is a CodedError (ProofTaskError here), which the task runner prints as one line.
 */
import { promises as fs } from "node:fs";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { KEY_TYPE_ECDSA } from "../src/protocol";
import { cidOfCode, cidToBytes } from "../src/cid";
import { loadDeployment, type DeploymentRecord } from "../src/deployments";
import { messageOf, oneLine } from "../src/errorText";
import { mintGrantAndBurnNext } from "../src/pkpMint";
import {
  DEFAULT_ORACLE_URL,
  OracleClient,
  collectProofBundle,
  loadCompiledContracts,
  readProofBundle,
  renderReport,
  reportToJson,
  verifyProof,
  writeProofBundle,
  type LogScanProgress,
  type VerificationReport,
} from "../src/proof";
import type { PubkeyRouter } from "../typechain-types";
import type { ExecuteTaskArgs, MintGrantBurnTaskArgs, VerifyProofTaskArgs } from "./args";
import { contractArtifacts, deploymentsDirOf } from "./project";
import { ProofTaskError } from "./taskErrors";

/** How long pkp:mint-grant-burn waits for the oracle to refill an empty key pool. */
const POOL_WAIT_MS = 15_000;

async function readAction(file: string): Promise<{ code: string; ipfsId: string }> {
  let code: string;
  try {
    code = await fs.readFile(file, "utf8");
  } catch (error) {
    throw new ProofTaskError(
      "ACTION_UNREADABLE",
      `cannot read the action ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : messageOf(error)}`,
    );
  }
  if (code.trim() === "")
    throw new ProofTaskError("ACTION_UNREADABLE", `the action ${file} is empty`);
  return { code, ipfsId: await cidOfCode(code) };
}

/** Refuses an oracle that serves another chain or another deployment than the record's. */
async function connectOracle(
  url: string | undefined,
  record: DeploymentRecord,
): Promise<OracleClient> {
  const client = new OracleClient(url ?? DEFAULT_ORACLE_URL);
  const health = await client.health();
  if (health.chainId !== String(record.chainId)) {
    throw new ProofTaskError(
      "ORACLE_MISMATCH",
      `the oracle at ${client.url} serves chain ${health.chainId}, but network ${record.network} ` +
        `is chain ${record.chainId}: start the oracle with --network ${record.network}`,
    );
  }
  const served = health.contracts.PKPNFT;
  if (
    served !== undefined &&
    served.toLowerCase() !== record.contracts.PKPNFT.address.toLowerCase()
  ) {
    throw new ProofTaskError(
      "ORACLE_MISMATCH",
      `the oracle at ${client.url} serves PKPNFT ${served}, but the deployment record of network ` +
        `${record.network} has PKPNFT ${record.contracts.PKPNFT.address}: restart the oracle ` +
        "after `pkp:deploy`",
    );
  }
  return client;
}

function progressPrinter(): (progress: LogScanProgress) => void {
  return ({ label, fromBlock, toBlock, scannedTo }) => {
    const total = toBlock - fromBlock + 1;
    const percent = Math.floor(((scannedTo - fromBlock + 1) / total) * 100);
    console.error(
      `  searching ${label}: block ${scannedTo} of ${fromBlock}–${toBlock} (${percent}%)`,
    );
  };
}

// ------------------------------------------------------------------ pkp:mint-grant-burn

/**
 * Resolves once the router's pool of unminted ECDSA keys is non-empty, polling for up to `waitMs`
 * (the oracle may be registering keys right now). Throws ProofTaskError if it stays empty: only
 * the oracle fills it, and a mint from an empty pool would revert with NoUnmintedKeys.
 */
export async function waitForKeyPool(
  router: Pick<PubkeyRouter, "unmintedKeyCount">,
  opts: { network: string; oracleUrl: string; waitMs: number; pollMs?: number },
): Promise<bigint> {
  let pool = await router.unmintedKeyCount(KEY_TYPE_ECDSA);
  const deadline = Date.now() + opts.waitMs;
  if (pool === 0n && opts.waitMs > 0) {
    console.log("  the key pool is empty; waiting for the oracle to register keys…");
  }
  while (pool === 0n && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 1_000));
    pool = await router.unmintedKeyCount(KEY_TYPE_ECDSA);
  }
  if (pool === 0n) {
    throw new ProofTaskError(
      "KEY_POOL_EMPTY",
      `the pool of unminted keys on network ${opts.network} is empty: is the oracle running? ` +
        `It provisions keys (oracle at ${opts.oracleUrl})`,
    );
  }
  return pool;
}

export async function mintGrantBurn(
  args: MintGrantBurnTaskArgs,
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  const { code, ipfsId } = await readAction(args.action);
  const network = hre.network.name;
  const signers = await hre.ethers.getSigners().catch((error: unknown) => {
    throw new ProofTaskError(
      "NETWORK_UNREACHABLE",
      `cannot reach network ${network}: ${oneLine(messageOf(error))}`,
    );
  });
  if (signers.length === 0)
    throw new ProofTaskError("NO_ACCOUNT", `network ${network} has no account to send from`);
  const { record, contracts } = await loadDeployment({
    network,
    runner: signers[0],
    dir: deploymentsDirOf(hre, args.deploymentsDir),
  });
  const oracle = await connectOracle(args.oracle, record);
  const stored = await oracle.storeAction(code);
  if (stored !== ipfsId) {
    throw new ProofTaskError(
      "ORACLE_MISMATCH",
      `the oracle stored the action as ${stored}, but its code hashes to ${ipfsId}`,
    );
  }
  console.log(`Action ${args.action} → ${ipfsId} (stored with the oracle at ${oracle.url})`);

  await waitForKeyPool(contracts.pubkeyRouter, {
    network,
    oracleUrl: oracle.url,
    waitMs: POOL_WAIT_MS,
  });

  const cost = await contracts.pkpNft.mintCost();
  console.log(
    `Minting a PKP, granting it ${ipfsId} with scope 1, and burning it — one transaction…`,
  );
  const { tokenId, publicKey, ethAddress, receipt } = await mintGrantAndBurnNext(
    contracts.pkpNft,
    cidToBytes(ipfsId),
    { value: cost },
  );
  console.log(`  tokenId    ${tokenId}`);
  console.log(`  publicKey  ${publicKey}`);
  console.log(`  ethAddress ${ethAddress}`);
  console.log(
    `  tx         ${receipt.hash} (block ${receipt.blockNumber}, gas ${receipt.gasUsed})`,
  );
  console.log(
    `Next: npx hardhat pkp:execute --action ${args.action} --pkp ${tokenId} --params '{…}' ` +
      `--out proofs/<name>.json --network ${network}`,
  );
}

// ------------------------------------------------------------------ pkp:execute

function parseTokenId(value: string): bigint {
  const text = value.trim();
  if (/^[0-9]{1,78}$/.test(text) || /^0x[0-9a-fA-F]{1,64}$/.test(text)) {
    const id = BigInt(text);
    if (id < 2n ** 256n) return id;
  }
  throw new ProofTaskError(
    "INVALID_OPTION",
    `--pkp "${value}" is not a token id (a uint256, decimal or 0x-hex)`,
  );
}

function parseParams(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new ProofTaskError(
      "INVALID_OPTION",
      `--params is not JSON (${messageOf(error)}): e.g. '{"number":7919}'`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ProofTaskError(
      "INVALID_OPTION",
      `--params must be a JSON object, e.g. '{"number":7919}'`,
    );
  }
  return parsed as Record<string, unknown>;
}

export async function executeAndWriteProof(
  args: ExecuteTaskArgs,
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  const { code, ipfsId } = await readAction(args.action);
  const tokenId = parseTokenId(args.pkp);
  const given = parseParams(args.params);
  const network = hre.network.name;
  const provider = hre.ethers.provider;
  const { record, contracts } = await loadDeployment({
    network,
    runner: provider,
    dir: deploymentsDirOf(hre, args.deploymentsDir),
  });
  const publicKey = (await contracts.pubkeyRouter.getPubkey(tokenId)).toLowerCase();
  if (publicKey === "0x") {
    throw new ProofTaskError("UNKNOWN_PKP", `no PKP ${tokenId} is routed on network ${network}`);
  }
  const jsParams = "publicKey" in given ? given : { ...given, publicKey };
  const oracle = await connectOracle(args.oracle, record);

  console.log(`Running ${args.action} (${ipfsId}) with PKP ${tokenId} through ${oracle.url}…`);
  const result = await oracle.execute({ code, ipfsId, jsParams });
  if (!result.success) {
    throw new ProofTaskError(
      "EXECUTION_REFUSED",
      `the oracle refused the execution: ${result.error.code}: ${result.error.message}`,
    );
  }
  console.log(`  response   ${result.response}`);
  const names = Object.keys(result.signatures);
  for (const name of names) {
    console.log(
      `  signature  ${name}: ${result.signatures[name].signature} over ${result.signatures[name].dataSigned}`,
    );
  }
  if (names.length === 0) console.log("  signatures none: the action signed nothing");

  const bundle = await collectProofBundle({
    record,
    provider,
    tokenId,
    publicKey,
    code,
    ipfsId,
    jsParams,
    result,
    onProgress: progressPrinter(),
  });
  const file = await writeProofBundle(args.out, bundle);
  console.log(`  mint tx    ${bundle.mintTxHash}`);
  console.log(`Wrote the proof bundle ${file}`);
  if (names.length === 0) {
    console.log(
      "  (with no signature in it, the verifier will reject it: there is nothing to prove)",
    );
  }
  console.log(`Verify it: npx hardhat pkp:verify-proof --proof ${args.out} --network ${network}`);
}

// ------------------------------------------------------------------ pkp:verify-proof

/** Prints the report; the caller turns a rejected proof into its exit code. */
export async function verifyProofTask(
  args: VerifyProofTaskArgs,
  hre: HardhatRuntimeEnvironment,
): Promise<VerificationReport> {
  const bundle = await readProofBundle(args.proof);
  if (args.logChunkBlocks !== undefined && args.logChunkBlocks < 1) {
    throw new ProofTaskError("INVALID_OPTION", "--log-chunk-blocks must be at least 1");
  }
  const compiled = await loadCompiledContracts(contractArtifacts(hre));
  const provider = hre.ethers.provider;
  try {
    await provider.getBlockNumber();
  } catch (error) {
    const url = "url" in hre.network.config ? ` at ${hre.network.config.url}` : "";
    throw new ProofTaskError(
      "NETWORK_UNREACHABLE",
      `cannot reach network ${hre.network.name}${url}: ${oneLine(messageOf(error))}`,
    );
  }
  if (!args.json) {
    console.error(
      `Checking ${args.proof} against network ${hre.network.name}` +
        (args.reexecute ? " (re-executing the action)" : "") +
        "…",
    );
  }
  const report = await verifyProof(bundle, {
    provider,
    compiled,
    reexecute: args.reexecute,
    logChunkBlocks: args.logChunkBlocks,
    onProgress: progressPrinter(),
  });
  console.log(args.json ? reportToJson(report) : renderReport(report, { source: args.proof }));
  return report;
}
