/**
 * Measures every row of the gas table on a fresh in-process Hardhat network: deploys the stack
 * through the Ignition module (as deployments do), prepares the state each row describes, and
 * reads gasUsed from the receipts.
 *
 * Deterministic: Hardhat's fixed accounts, keys from test/helpers/keys.ts (a label and an index
 * always give the same key), fixed CIDs. Gas does not depend on timestamps or block numbers here.
 *
 * Each measured transaction runs in a "steady state": the contracts have been used before (a PKP
 * minted, an auth method stored), so no row pays a once-per-deployment first write — a row says
 * "CID never seen", not "first transaction ever". Each precondition is checked before measuring,
 * so a change in the stack's behaviour cannot silently change what a row means.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse } from "ethers";
import { fakeCid, testKey, testKeys } from "../../test/helpers/keys";
import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  deployStack,
  KEY_TYPE_ECDSA,
  mintGrantAndBurn,
  mintNextAs,
  registerKeys,
  SCOPE_SIGN_ANYTHING,
  Stack,
} from "../../test/helpers/stack";
import { CONTRACT_NAMES, ContractName, OPERATION_ROWS, OperationKey } from "./rows";
import type { DeploymentFigure, GasEnvironment, GasSnapshot, OperationFigure } from "./snapshot";

const REGISTER_BATCH = 20;

/** A benchmark step's state was not what its row says: the row would measure something else. */
export class BenchPreconditionError extends Error {
  constructor(row: OperationKey, expectation: string) {
    super(`gas row ${row}: expected ${expectation} before measuring; the setup needs updating`);
    this.name = "BenchPreconditionError";
  }
}

function expectState(condition: boolean, row: OperationKey, expectation: string): void {
  if (!condition) throw new BenchPreconditionError(row, expectation);
}

/** Hash of each measured transaction, by row: what `--breakdown` traces. */
export type MeasuredTransactions = Record<OperationKey, string>;

async function receiptOf(tx: Promise<ContractTransactionResponse>) {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("a measured transaction produced no receipt");
  return receipt;
}

/** Deployment gas (from the deployment receipts) and runtime code size of each contract. */
async function measureDeployments(
  hre: HardhatRuntimeEnvironment,
  stack: Omit<Stack, "poolKeys">,
): Promise<Record<ContractName, DeploymentFigure>> {
  const provider = hre.ethers.provider;
  const addresses: Record<ContractName, string> = {
    PubkeyRouter: await stack.router.getAddress(),
    PKPNFTMetadata: await stack.metadata.getAddress(),
    PKPNFT: await stack.pkpNft.getAddress(),
    PKPPermissions: await stack.permissions.getAddress(),
    PKPHelper: await stack.helper.getAddress(),
  };
  const deployGas = new Map<string, number>();
  const latest = await provider.getBlockNumber();
  for (let n = 0; n <= latest; ++n) {
    const block = await provider.getBlock(n);
    for (const hash of block?.transactions ?? []) {
      const receipt = await provider.getTransactionReceipt(hash);
      if (receipt?.contractAddress) deployGas.set(receipt.contractAddress, Number(receipt.gasUsed));
    }
  }
  const figures = {} as Record<ContractName, DeploymentFigure>;
  for (const name of CONTRACT_NAMES) {
    const gas = deployGas.get(addresses[name]);
    if (gas === undefined) throw new Error(`no deployment transaction found for ${name}`);
    const code = await provider.getCode(addresses[name]);
    figures[name] = { deployGas: gas, runtimeBytes: (code.length - 2) / 2 };
  }
  return figures;
}

async function measureOperations(
  hre: HardhatRuntimeEnvironment,
  deployed: Omit<Stack, "poolKeys">,
): Promise<{ figures: Record<OperationKey, number>; transactions: MeasuredTransactions }> {
  const signers = await hre.ethers.getSigners();
  const [dave, erin, frank] = signers.slice(5, 8);
  const { deployer, alice, bob, carol, stranger, router, pkpNft, permissions } = deployed;
  const poolKeys = testKeys(16, "bench-pool");
  const stack: Stack = { ...deployed, poolKeys };
  const figures = {} as Record<OperationKey, number>;
  const transactions = {} as MeasuredTransactions;
  const record = (
    row: OperationKey,
    receipt: { gasUsed: bigint; hash: string },
    divisor = 1,
  ): void => {
    figures[row] = Math.ceil(Number(receipt.gasUsed) / divisor);
    transactions[row] = receipt.hash;
  };
  const holders = (type: bigint, id: string) => permissions.getTokenIdsForAuthMethod(type, id);
  const grantsOf = async (tokenId: bigint) =>
    (await permissions.getPermittedAuthMethods(tokenId)).length;

  // Warm-up: the key pool and the token lists exist, so no row
  // below pays for a contract's first-ever write.
  await registerKeys(router, poolKeys);
  await mintNextAs(pkpNft, deployer);
  await mintGrantAndBurn(stack, deployer, fakeCid("bench: warm-up action"));

  // register: one batch of 20 fresh keys into the (existing) ECDSA pool, per key rounded up.
  const batch = testKeys(REGISTER_BATCH, "bench-batch");
  record(
    "register.perKeyInBatchOf20",
    await receiptOf(
      router.setRoutingDataBatch(
        batch.map((k) => k.tokenId),
        batch.map((k) => k.publicKey),
        KEY_TYPE_ECDSA,
      ),
    ),
    REGISTER_BATCH,
  );

  // mintNext: Alice's second PKP.
  await mintNextAs(pkpNft, alice);
  expectState(
    (await pkpNft.balanceOf(alice)) === 1n,
    "mintNext.secondMint",
    "Alice to own one PKP",
  );
  const cost = await pkpNft.mintCost();
  record(
    "mintNext.secondMint",
    await receiptOf(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: cost })),
  );

  // mintGrantAndBurnNext: a CID no PKP has ever permitted, then the same CID again.
  const cid = fakeCid("bench: isPrime action");
  expectState(
    (await holders(AUTH_METHOD_ACTION, cid)).length === 0,
    "mintGrantAndBurnNext.newCid",
    "a CID never seen",
  );
  record("mintGrantAndBurnNext.newCid", (await mintGrantAndBurn(stack, bob, cid)).receipt);
  expectState(
    (await holders(AUTH_METHOD_ACTION, cid)).length === 1,
    "mintGrantAndBurnNext.seenCid",
    "a CID seen once",
  );
  record("mintGrantAndBurnNext.seenCid", (await mintGrantAndBurn(stack, carol, cid)).receipt);

  // addPermittedAction(new CID, [1]) on Dave's fresh PKP, then its removal (Dave the only holder).
  const daveToken = await mintNextAs(pkpNft, dave);
  const daveCid = fakeCid("bench: Dave's action");
  expectState(
    (await grantsOf(daveToken)) === 0 && (await holders(AUTH_METHOD_ACTION, daveCid)).length === 0,
    "addPermittedAction.newCid",
    "a PKP with no grants and a CID never seen",
  );
  record(
    "addPermittedAction.newCid",
    await receiptOf(
      permissions.connect(dave).addPermittedAction(daveToken, daveCid, [SCOPE_SIGN_ANYTHING]),
    ),
  );
  const daveHolders = await holders(AUTH_METHOD_ACTION, daveCid);
  expectState(
    daveHolders.length === 1 && daveHolders[0] === daveToken,
    "removePermittedAction.onlyHolder",
    "Dave's PKP to be the CID's only holder",
  );
  record(
    "removePermittedAction.onlyHolder",
    await receiptOf(permissions.connect(dave).removePermittedAction(daveToken, daveCid)),
  );

  // addPermittedAction(known CID, []) on Erin's fresh PKP: the CID the burned PKPs permit.
  const erinToken = await mintNextAs(pkpNft, erin);
  expectState(
    (await grantsOf(erinToken)) === 0 && (await holders(AUTH_METHOD_ACTION, cid)).length > 0,
    "addPermittedAction.knownCid",
    "a PKP with no grants and a CID other PKPs permit",
  );
  record(
    "addPermittedAction.knownCid",
    await receiptOf(permissions.connect(erin).addPermittedAction(erinToken, cid, [])),
  );

  // addPermittedAddress(new address, [1]) on Frank's fresh PKP.
  const frankToken = await mintNextAs(pkpNft, frank);
  const user = testKey(0, "bench-user").ethAddress;
  expectState(
    (await grantsOf(frankToken)) === 0 && (await holders(AUTH_METHOD_ADDRESS, user)).length === 0,
    "addPermittedAddress.newAddress",
    "a PKP with no grants and an address never permitted",
  );
  record(
    "addPermittedAddress.newAddress",
    await receiptOf(
      permissions.connect(frank).addPermittedAddress(frankToken, user, [SCOPE_SIGN_ANYTHING]),
    ),
  );

  // burn: the stranger's only PKP, not the newest token (the general case: the last token of
  // the global list moves into its place).
  const strangerToken = await mintNextAs(pkpNft, stranger);
  await mintNextAs(pkpNft, deployer);
  const supply = await pkpNft.totalSupply();
  expectState(
    (await pkpNft.balanceOf(stranger)) === 1n &&
      (await pkpNft.tokenByIndex(supply - 1n)) !== strangerToken,
    "burn.onlyToken",
    "the owner's only token, not the last of the global list",
  );
  record("burn.onlyToken", await receiptOf(pkpNft.connect(stranger).burn(strangerToken)));
  return { figures, transactions };
}

function environmentOf(hre: HardhatRuntimeEnvironment): GasEnvironment {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON file, read once
  const hardhatVersion = (require("hardhat/package.json") as { version: string }).version;
  const compiler = hre.config.solidity.compilers[0];
  // Hardhat types the settings as `any`; these are the fields of solc's settings read here.
  const settings = compiler.settings as
    { optimizer?: { runs?: number }; viaIR?: boolean; evmVersion?: string } | undefined;
  return {
    hardhat: hardhatVersion,
    hardfork: hre.config.networks.hardhat.hardfork,
    solc: compiler.version,
    optimizerRuns: Number(settings?.optimizer?.runs ?? 0),
    viaIR: settings?.viaIR === true,
    evmVersion: String(settings?.evmVersion ?? ""),
  };
}

/** Deploys a fresh stack on the in-process network and measures every figure of the snapshot. */
export async function measureGas(
  hre: HardhatRuntimeEnvironment,
): Promise<{ snapshot: GasSnapshot; transactions: MeasuredTransactions }> {
  if (hre.network.name !== "hardhat") {
    throw new Error(
      `the gas benchmark runs on Hardhat's in-process network, not "${hre.network.name}"`,
    );
  }
  const deployed = await deployStack();
  const deployments = await measureDeployments(hre, deployed);
  const { figures, transactions } = await measureOperations(hre, deployed);
  const operations: Record<string, OperationFigure> = {};
  for (const row of OPERATION_ROWS) {
    operations[row.key] = {
      label: row.label,
      ours: figures[row.key],
      lit: row.lit,
      goal: row.goal,
    };
  }
  return { snapshot: { environment: environmentOf(hre), operations, deployments }, transactions };
}
