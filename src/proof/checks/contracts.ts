/**
 * contracts: the PKP lives in the contracts whose source the auditor read. The chain id is the
 * bundle's; at each address the runtime code equals this repository's compiled artifact with only
 * the immutables masked; the contracts are wired to each other (their views, now trustworthy
 * because the code is known, name the bundle's other addresses); and each was created in the
 * block the bundle says (where the log search of the one-transaction check starts).
 */
import { Contract, getAddress, type Provider } from "ethers";
import type { PKPHelper } from "../../../typechain-types";
import { PROOF_CONTRACT_NAMES, type ProofContract, type ProofContractName } from "../bundle";
import { compareRuntimeCode } from "../compiled";
import { CheckRecorder, reasonOf, type CheckContext, type CheckResult } from "./types";

async function deploymentBlockFact(
  provider: Provider,
  name: ProofContractName,
  contract: ProofContract,
): Promise<{ ok: boolean; line: string }> {
  const { address, deployedBlock } = contract;
  try {
    const [before, at] = await Promise.all([
      deployedBlock === 0 ? Promise.resolve("0x") : provider.getCode(address, deployedBlock - 1),
      provider.getCode(address, deployedBlock),
    ]);
    const ok = before === "0x" && at !== "0x";
    return {
      ok,
      line: ok
        ? `${name} created in block ${deployedBlock} (no code at ${deployedBlock - 1}, code at ${deployedBlock})`
        : `${name} was not created in block ${deployedBlock} as the bundle says ` +
          `(code ${before === "0x" ? "absent" : "present"} at ${deployedBlock - 1}, ` +
          `${at === "0x" ? "absent" : "present"} at ${deployedBlock})`,
    };
  } catch (error) {
    // Nodes without historical state cannot answer; the log search then starts where the bundle
    // says. Not a failure: the receipt analysis alone proves the mint/grant/burn (PROOFS.md).
    return {
      ok: true,
      line:
        `${name} creation block ${deployedBlock} not confirmed (the node has no state for it: ` +
        `${reasonOf(error)}); the log search trusts it`,
    };
  }
}

export async function checkContracts(ctx: CheckContext): Promise<CheckResult> {
  const check = new CheckRecorder("contracts");
  const { bundle, provider } = ctx;
  const chainId = (await provider.getNetwork()).chainId;
  check.expect(
    chainId === BigInt(bundle.chainId),
    `connected to chain ${chainId}${chainId === BigInt(bundle.chainId) ? "" : `, but the bundle is for chain ${bundle.chainId}`}`,
  );

  let allCodeMatches = true;
  for (const name of PROOF_CONTRACT_NAMES) {
    const contract = bundle.contracts[name];
    if (contract === undefined) continue;
    const compiled = ctx.compiled[name];
    const code = await provider.getCode(contract.address, ctx.latestBlock);
    if (code === "0x") {
      allCodeMatches = false;
      check.fail(`${name} ${contract.address}: no code at block ${ctx.latestBlock}`);
      continue;
    }
    const comparison = compareRuntimeCode(code, compiled);
    allCodeMatches &&= comparison.equal;
    check.expect(
      comparison.equal,
      comparison.equal
        ? `${name} ${contract.address}: runtime code = ${compiled.fullyQualifiedName} ` +
            `(${comparison.length} bytes, ${comparison.maskedRanges} immutable ranges masked, ` +
            `masked keccak256 ${comparison.maskedHash})`
        : `${name} ${contract.address}: runtime code is not ${compiled.fullyQualifiedName} ` +
            `(${comparison.difference}; on-chain masked keccak256 ${comparison.maskedHash})`,
    );
    const created = await deploymentBlockFact(provider, name, contract);
    check.expect(created.ok, created.line);
  }

  if (allCodeMatches) {
    await checkWiring(ctx, check);
  } else {
    check.fact("wiring not read: the views of unknown code prove nothing");
  }
  return check.result(
    `chain ${chainId}; ${PROOF_CONTRACT_NAMES.filter((n) => bundle.contracts[n]).length} contracts ` +
      "hold this repository's compiled code and are wired to each other",
  );
}

async function checkWiring(ctx: CheckContext, check: CheckRecorder): Promise<void> {
  const { bundle, pkpNft, pkpPermissions, pubkeyRouter } = ctx;
  const at = { blockTag: ctx.latestBlock };
  const expectAddress = (label: string, actual: string, expected: string) =>
    check.expect(
      getAddress(actual) === expected,
      `${label} → ${getAddress(actual)}${getAddress(actual) === expected ? "" : ` (expected ${expected})`}`,
    );
  const { PKPNFT, PKPPermissions, PubkeyRouter, PKPNFTMetadata, PKPHelper } = bundle.contracts;
  const links: Array<[string, () => Promise<string>, string]> = [
    ["PKPNFT.getRouterAddress", () => pkpNft.getRouterAddress(at), PubkeyRouter.address],
    [
      "PKPNFT.getPkpPermissionsAddress",
      () => pkpNft.getPkpPermissionsAddress(at),
      PKPPermissions.address,
    ],
    ["PKPPermissions.getPkpNftAddress", () => pkpPermissions.getPkpNftAddress(at), PKPNFT.address],
    [
      "PKPPermissions.getRouterAddress",
      () => pkpPermissions.getRouterAddress(at),
      PubkeyRouter.address,
    ],
    ["PubkeyRouter.getPkpNftAddress", () => pubkeyRouter.getPkpNftAddress(at), PKPNFT.address],
  ];
  if (PKPNFTMetadata !== undefined) {
    links.push([
      "PKPNFT.getPkpNftMetadataAddress",
      () => pkpNft.getPkpNftMetadataAddress(at),
      PKPNFTMetadata.address,
    ]);
  }
  if (PKPHelper !== undefined) {
    const helper = new Contract(
      PKPHelper.address,
      ctx.compiled.PKPHelper.abi,
      ctx.provider,
    ) as unknown as PKPHelper;
    links.push(
      ["PKPHelper.getPkpNftAddress", () => helper.getPkpNftAddress(at), PKPNFT.address],
      [
        "PKPHelper.getPkpPermissionsAddress",
        () => helper.getPkpPermissionsAddress(at),
        PKPPermissions.address,
      ],
    );
  }
  for (const [label, read, expected] of links) {
    try {
      expectAddress(label, await read(), expected);
    } catch (error) {
      check.fail(`${label} could not be read: ${reasonOf(error)}`);
    }
  }
}
