/**
 * The mint/grant/burn transaction from a client's side: `PKPNFT.mintGrantAndBurnNext` for one
 * action, then the PKP it minted read back from the receipt's PKPMinted event. The proof task,
 * the plugin, the demos, the bench and the tests all mint this way; they differ only in what
 * they print around it.
 */
import {
  computeAddress,
  type BytesLike,
  type ContractTransactionReceipt,
  type LogDescription,
} from "ethers";
import type { PKPNFT } from "../typechain-types";
import { CodedError } from "./codedError";
import { KEY_TYPE_ECDSA } from "./protocol";

export type PkpMintErrorCode = "TRANSACTION_FAILED" | "NO_PKP_MINTED";

/** The transaction reverted or failed, or its receipt has no PKPMinted event of this PKPNFT. */
export class PkpMintError extends CodedError<PkpMintErrorCode> {}

/** A PKP as the mint transaction's PKPMinted event names it. */
export interface MintedPkpEvent {
  tokenId: bigint;
  /** 0x04… uncompressed, lowercase. */
  publicKey: string;
  /** Checksummed. */
  ethAddress: string;
}

/** What `mintGrantAndBurnNext` returns: the PKP and the receipt of its one transaction. */
export interface MintGrantAndBurnResult extends MintedPkpEvent {
  receipt: ContractTransactionReceipt;
}

/**
 * The PKP that `receipt` minted (the first PKPMinted event logged by `pkpNft`). Logs of other
 * contracts are skipped, whatever they look like. Throws PkpMintError NO_PKP_MINTED when there is
 * none.
 */
export async function mintedPkpOf(
  pkpNft: PKPNFT,
  receipt: ContractTransactionReceipt,
): Promise<MintedPkpEvent> {
  const address = (await pkpNft.getAddress()).toLowerCase();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    let parsed: LogDescription | null;
    try {
      parsed = pkpNft.interface.parseLog({ topics: [...log.topics], data: log.data });
    } catch {
      continue;
    }
    if (parsed?.name !== "PKPMinted") continue;
    const publicKey = (parsed.args[1] as string).toLowerCase();
    return {
      tokenId: parsed.args[0] as bigint,
      publicKey,
      ethAddress: computeAddress(publicKey),
    };
  }
  throw new PkpMintError(
    "NO_PKP_MINTED",
    `transaction ${receipt.hash} has no PKPMinted event of PKPNFT at ${address}: it minted no PKP`,
  );
}

/**
 * Mints the next PKP of the pool, grants it the action `cid` (its CID's bytes, e.g. from
 * `cidToBytes(ipfsId)`) with scope 1 and burns it, in one transaction sent by `pkpNft`'s runner,
 * paying `mintCost()` unless `value` is given. Throws PkpMintError TRANSACTION_FAILED when the
 * transaction does not succeed (ethers' own error, e.g. a revert with NoUnmintedKeys, is thrown
 * as it is).
 */
export async function mintGrantAndBurnNext(
  pkpNft: PKPNFT,
  cid: BytesLike,
  options: { value?: bigint; keyType?: bigint } = {},
): Promise<MintGrantAndBurnResult> {
  const value = options.value ?? (await pkpNft.mintCost());
  const tx = await pkpNft.mintGrantAndBurnNext(options.keyType ?? KEY_TYPE_ECDSA, cid, { value });
  const receipt = await tx.wait();
  if (receipt === null || receipt.status !== 1) {
    throw new PkpMintError("TRANSACTION_FAILED", `the transaction ${tx.hash} failed`);
  }
  return { ...(await mintedPkpOf(pkpNft, receipt)), receipt };
}
