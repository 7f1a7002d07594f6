/**
 * The setup most in-process oracle suites share: the stack deployed through Ignition, `keyCount`
 * keys generated in a fresh MemoryKeystore and registered in the router's ECDSA pool, and a
 * SigningOracle on hardhat's chain with the suite's runtime. Call inside a named fixture function
 * (loadFixture); the suite owns (and closes) the runtime.
 */
import { ethers } from "hardhat";
import { MemoryKeystore } from "../../src/oracle/keystore";
import { SigningOracle, type SigningOracleOptions } from "../../src/oracle/oracle";
import type { ActionRuntime } from "../../src/oracle/runtime";
import { deployStack, oracleContracts, registerKeystoreKeys, type Stack } from "./stack";

/** What the oracle is built from here; a suite may add or override the rest. */
type OwnOptions = "contracts" | "provider" | "chainId" | "keystore" | "runtime";
export type ExtraOracleOptions = Partial<Omit<SigningOracleOptions, OwnOptions>>;

export interface OracleStack {
  /** The stack; its pool keys are the keystore's (poolKeys is empty). */
  stack: Stack;
  keystore: MemoryKeystore;
  oracle: SigningOracle;
  chainId: number;
}

export async function deployOracleStack(
  runtime: ActionRuntime,
  keyCount: number,
  options: ExtraOracleOptions | ((stack: Stack) => ExtraOracleOptions) = {},
): Promise<OracleStack> {
  // Keys come from the oracle's keystore, not from the stack's test keys.
  const stack: Stack = { ...(await deployStack()), poolKeys: [] };
  const keystore = new MemoryKeystore();
  await registerKeystoreKeys(stack.router, keystore, keyCount);
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const oracle = new SigningOracle({
    contracts: oracleContracts(stack),
    provider: ethers.provider,
    chainId,
    keystore,
    runtime,
    ...(typeof options === "function" ? options(stack) : options),
  });
  return { stack, keystore, oracle, chainId };
}
