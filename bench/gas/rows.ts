/**
 * The operations of issue 7's gas table: what each row measures, Lit's figure and our goal (the
 * goals are issue 12's "tighter goals").
 *
 * Lit's figures were measured on Hardhat 2.29.1's in-process EVM (hardfork osaka) with Lit's 2023
 * plain contracts and their own compiler settings, gasUsed from receipts (see the issue).
 */

export type OperationKey =
  | "mintGrantAndBurnNext.newCid"
  | "mintGrantAndBurnNext.seenCid"
  | "mintNext.secondMint"
  | "addPermittedAction.newCid"
  | "addPermittedAction.knownCid"
  | "addPermittedAddress.newAddress"
  | "removePermittedAction.onlyHolder"
  | "burn.onlyToken"
  | "register.perKeyInBatchOf20";

export interface OperationRow {
  key: OperationKey;
  label: string;
  lit: number;
  goal: number;
}

/** In the order, which is also the order of bench/gas.json and of the printed table. */
export const OPERATION_ROWS: readonly OperationRow[] = [
  {
    key: "mintGrantAndBurnNext.newCid",
    label: "mintGrantAndBurnNext, CID never seen",
    lit: 351_172,
    goal: 115_000,
  },
  {
    key: "mintGrantAndBurnNext.seenCid",
    label: "mintGrantAndBurnNext, CID seen before",
    lit: 274_059,
    goal: 100_000,
  },
  {
    key: "mintNext.secondMint",
    label: "mintNext (caller's second mint)",
    lit: 181_967,
    goal: 110_000,
  },
  {
    key: "addPermittedAction.newCid",
    label: "addPermittedAction(new CID, [1]), PKP with no other grants",
    lit: 290_276,
    goal: 95_000,
  },
  {
    key: "addPermittedAction.knownCid",
    label: "addPermittedAction(known CID, []), PKP with no other grants",
    lit: 167_550,
    goal: 60_000,
  },
  {
    key: "addPermittedAddress.newAddress",
    label: "addPermittedAddress(new address, [1]), PKP with no other grants",
    lit: 244_733,
    goal: 95_000,
  },
  {
    key: "removePermittedAction.onlyHolder",
    label: "removePermittedAction (only holder)",
    lit: 54_404,
    goal: 35_000,
  },
  {
    key: "burn.onlyToken",
    label: "burn (owner's only token)",
    lit: 51_612,
    goal: 40_000,
  },
  {
    // Lit routes a key with 3 validator signatures (~282,300); ours is one key of a batch of 20.
    key: "register.perKeyInBatchOf20",
    label: "register one key for minting (per key, batch of 20)",
    lit: 282_300,
    goal: 60_000,
  },
];

/** The stack's contracts, in deployment order: the deployment record's list. */
export { CONTRACT_NAMES, type ContractName } from "../../src/deploymentRecord";
