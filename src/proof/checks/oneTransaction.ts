/**
 * one transaction: the mint, the grant and the burn happened in one transaction, so nobody ever
 * held the PKP with the power to grant anything else.
 *
 * - The bundle's transaction called PKPNFT.mintGrantAndBurnNext with the action's CID, succeeded,
 *   and its receipt holds exactly: PKPMinted(tokenId, publicKey), Transfer(0 → PKPNFT),
 *   PermittedAuthMethodScopeAdded(tokenId, 2, cid, 1), PermittedAuthMethodAdded(tokenId, 2, cid),
 *   Transfer(PKPNFT → 0) — in that order, each from the expected contract.
 * - In the whole log history of PKPPermissions and PKPNFT from their creation blocks, no event of
 *   any other transaction names the tokenId (a PKP minted, granted and burned in separate
 *   transactions fails here, as does any later change).
 */
import { ZeroAddress, getAddress, hexlify, toBeHex, type Log } from "ethers";
import { AUTH_METHOD_ACTION, SCOPE_SIGN_ANYTHING } from "../../protocol";
import { scanLogs } from "../chainLogs";
import { CheckRecorder, reasonOf, type CheckContext, type CheckResult } from "./types";

interface ExpectedLog {
  contract: "PKPNFT" | "PKPPermissions";
  event: string;
  /** Whether the parsed arguments are the expected ones. */
  argsOk(args: readonly unknown[]): boolean;
  describe: string;
}

export async function checkOneTransaction(ctx: CheckContext): Promise<CheckResult> {
  const check = new CheckRecorder("one-transaction");
  await checkReceipt(ctx, check);
  await checkHistory(ctx, check);
  return check.result(
    `minted, granted and burned in ${ctx.bundle.mintTxHash}; no other transaction names the PKP`,
  );
}

async function checkReceipt(ctx: CheckContext, check: CheckRecorder): Promise<void> {
  const { bundle, provider, pkpNft, pkpPermissions, tokenId, cidBytes } = ctx;
  const nftAddress = bundle.contracts.PKPNFT.address;
  const permissionsAddress = bundle.contracts.PKPPermissions.address;
  const [tx, receipt] = await Promise.all([
    provider.getTransaction(bundle.mintTxHash),
    provider.getTransactionReceipt(bundle.mintTxHash),
  ]);
  if (tx === null || receipt === null) {
    check.fail(`no transaction ${bundle.mintTxHash} on chain ${bundle.chainId}`);
    return;
  }
  check.fact(`tx ${receipt.hash} in block ${receipt.blockNumber}, from ${receipt.from}`);
  check.expect(receipt.status === 1, `status ${receipt.status === 1 ? "success" : "reverted"}`);
  const to = tx.to === null ? null : getAddress(tx.to);
  check.expect(
    to === nftAddress,
    to === nftAddress
      ? `to PKPNFT ${nftAddress}`
      : `to ${to ?? "(contract creation)"}, not PKPNFT ${nftAddress}`,
  );
  const call = pkpNft.interface.parseTransaction({ data: tx.data, value: tx.value });
  const calledRight =
    call?.name === "mintGrantAndBurnNext" && hexlify(call.args[1] as string) === cidBytes;
  check.expect(
    calledRight,
    calledRight
      ? `calls mintGrantAndBurnNext(keyType ${call?.args[0]}, ipfsCID ${cidBytes})`
      : `calls ${call === null ? `selector ${tx.data.slice(0, 10)}` : `${call.name}(${call.args.join(", ")})`}, ` +
          `not mintGrantAndBurnNext(…, ${cidBytes})`,
  );

  const expected: ExpectedLog[] = [
    {
      contract: "PKPNFT",
      event: "PKPMinted",
      argsOk: ([id, pubkey]) =>
        id === tokenId && hexlify(pubkey as string) === bundle.pkp.publicKey,
      describe: "PKPMinted(tokenId, publicKey)",
    },
    {
      contract: "PKPNFT",
      event: "Transfer",
      argsOk: ([from, to, id]) => from === ZeroAddress && to === nftAddress && id === tokenId,
      describe: "Transfer(0 → PKPNFT, tokenId)",
    },
    {
      contract: "PKPPermissions",
      event: "PermittedAuthMethodScopeAdded",
      argsOk: ([id, type, authId, scope]) =>
        id === tokenId &&
        type === AUTH_METHOD_ACTION &&
        hexlify(authId as string) === cidBytes &&
        scope === SCOPE_SIGN_ANYTHING,
      describe: "PermittedAuthMethodScopeAdded(tokenId, 2, cid, scope 1)",
    },
    {
      contract: "PKPPermissions",
      event: "PermittedAuthMethodAdded",
      argsOk: ([id, type, authId, userPubkey]) =>
        id === tokenId &&
        type === AUTH_METHOD_ACTION &&
        hexlify(authId as string) === cidBytes &&
        hexlify(userPubkey as string) === "0x",
      describe: "PermittedAuthMethodAdded(tokenId, 2, cid)",
    },
    {
      contract: "PKPNFT",
      event: "Transfer",
      argsOk: ([from, to, id]) => from === nftAddress && to === ZeroAddress && id === tokenId,
      describe: "Transfer(PKPNFT → 0, tokenId), the burn,",
    },
  ];
  const logs = receipt.logs;
  if (logs.length !== expected.length) {
    check.fail(
      `the receipt has ${logs.length} logs; a mint/grant/burn has exactly ${expected.length}`,
    );
  }
  for (let i = 0; i < Math.min(logs.length, expected.length); i++) {
    const log = logs[i];
    const want = expected[i];
    const wantAddress = want.contract === "PKPNFT" ? nftAddress : permissionsAddress;
    const iface = want.contract === "PKPNFT" ? pkpNft.interface : pkpPermissions.interface;
    const from = getAddress(log.address);
    let parsed: ReturnType<typeof iface.parseLog> = null;
    try {
      parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
    } catch {
      parsed = null;
    }
    const ok =
      from === wantAddress && parsed?.name === want.event && want.argsOk(parsed.args.toArray());
    check.expect(
      ok,
      ok
        ? `log ${log.index}: ${want.describe} from ${want.contract} ${from}`
        : `log ${log.index}: expected ${want.describe} from ${want.contract} ${wantAddress}, ` +
            `found ${parsed?.name ?? `topic ${log.topics[0]}`} from ${from}`,
    );
  }
}

async function checkHistory(ctx: CheckContext, check: CheckRecorder): Promise<void> {
  const { bundle, provider, tokenId } = ctx;
  const nft = bundle.contracts.PKPNFT;
  const permissions = bundle.contracts.PKPPermissions;
  const fromBlock = Math.min(nft.deployedBlock, permissions.deployedBlock);
  const toBlock = ctx.latestBlock;
  const tokenTopic = toBeHex(tokenId, 32);
  let logs: Log[];
  try {
    const common = {
      provider,
      fromBlock,
      toBlock,
      chunkBlocks: ctx.logChunkBlocks,
      onProgress: ctx.onProgress,
    };
    // Every PKPPermissions event has the tokenId as topic 1, as does PKPMinted; Transfer and
    // Approval carry it as topic 3.
    const [byTopic1, byTopic3] = await Promise.all([
      scanLogs({
        ...common,
        label: "PKPPermissions and PKPNFT events naming the PKP (topic 1)",
        address: [permissions.address, nft.address],
        topics: [null, tokenTopic],
      }),
      scanLogs({
        ...common,
        label: "PKPNFT transfers and approvals of the PKP (topic 3)",
        address: nft.address,
        topics: [null, null, null, tokenTopic],
      }),
    ]);
    logs = [...byTopic1, ...byTopic3];
  } catch (error) {
    check.fail(`could not search the logs of blocks ${fromBlock}–${toBlock}: ${reasonOf(error)}`);
    return;
  }
  const others = logs.filter((log) => log.transactionHash.toLowerCase() !== bundle.mintTxHash);
  const permissionLogs = logs.filter((log) => getAddress(log.address) === permissions.address);
  check.fact(
    `log history of blocks ${fromBlock}–${toBlock}: ${logs.length} events name the PKP ` +
      `(${permissionLogs.length} from PKPPermissions)`,
  );
  if (others.length === 0) {
    check.fact("all of them in the mint transaction");
    return;
  }
  for (const log of others) {
    const iface =
      getAddress(log.address) === nft.address ? ctx.pkpNft.interface : ctx.pkpPermissions.interface;
    let name: string = log.topics[0];
    try {
      name = iface.parseLog({ topics: [...log.topics], data: log.data })?.name ?? name;
    } catch {
      // keep the topic
    }
    check.fail(
      `${name} in another transaction ${log.transactionHash} (block ${log.blockNumber}, log ${log.index}) names the PKP`,
    );
  }
}
