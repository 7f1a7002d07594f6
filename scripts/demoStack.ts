/**
 * How the demos (`npm run demo`, `demo:wallet`, `demo:social`) start on the in-process Hardhat
 * network: the stack deployed by `pkp:deploy` into the demo's own record directory and loaded,
 * then the oracle in this process, its keys generated in an in-memory keystore and registered for
 * minting by the oracle's own provisioner (each key is in the keystore before its public key is
 * sent).
 */
import hre, { ethers } from "hardhat";
import type { ContractRunner } from "ethers";
import { loadDeployment, type LoadedDeployment } from "../src/deployments";
import { MemoryKeystore } from "../src/oracle/keystore";
import { KeyProvisioner } from "../src/oracle/provisioning";
import { SigningOracle, type SigningOracleOptions } from "../src/oracle/oracle";
import type { ActionRuntime } from "../src/oracle/runtime";

/** `pkp:deploy` into `recordDir`, then the record loaded (and checked) with `runner`. */
export async function deployForDemo(
  runner: ContractRunner,
  recordDir: string,
): Promise<LoadedDeployment> {
  await hre.run("pkp:deploy", { noCompile: true, deploymentsDir: recordDir });
  return loadDeployment({ network: hre.network.name, runner, dir: recordDir });
}

/** What the demo's oracle is given besides its chain, keys and runtime (fetch, oidc, …). */
export type DemoOracleOptions = Partial<
  Omit<SigningOracleOptions, "contracts" | "provider" | "chainId" | "keystore" | "runtime">
>;

/**
 * The demo's oracle in this process: a fresh in-memory keystore with `keyCount` of its keys
 * registered in the router's pool, and a SigningOracle on the deployment with `runtime`.
 */
export async function startDemoOracle(
  { record, contracts }: LoadedDeployment,
  keyCount: number,
  runtime: ActionRuntime,
  options: DemoOracleOptions = {},
): Promise<{ oracle: SigningOracle; unminted: number }> {
  const keystore = new MemoryKeystore();
  const { unminted } = await new KeyProvisioner({
    router: contracts.pubkeyRouter,
    keystore,
    target: keyCount,
  }).topUp();
  const oracle = new SigningOracle({
    contracts,
    provider: ethers.provider,
    chainId: record.chainId,
    keystore,
    runtime,
    ...options,
  });
  return { oracle, unminted };
}
