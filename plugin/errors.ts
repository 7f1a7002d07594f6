import { CodedError } from "../src/codedError";

export type PkpPluginErrorCode =
  /** An option of an `hre.pkp` method is unusable. */
  | "INVALID_OPTION"
  /** The method needs another network (fixture() needs the in-process one). */
  | "UNSUITABLE_NETWORK"
  /** No stack is deployed on this network (deploy() or fixture() first). */
  | "NOT_DEPLOYED"
  /** No oracle is running (startOracle() first), or the given one was stopped. */
  | "NO_ORACLE"
  /** The action's file is missing, unreadable or empty. */
  | "ACTION_UNREADABLE"
  /** A transaction failed or did not do what it should have. */
  | "TRANSACTION_FAILED";

/** A refusal of `hre.pkp` (the plugin); the oracle's own refusals are OracleErrors. */
export class PkpPluginError extends CodedError<PkpPluginErrorCode> {}
