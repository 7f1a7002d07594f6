/**
 * What the `pkp:*` tasks and `hre.pkp` need to know about the Hardhat project they run in, which
 * is this repository or any project that installed the package (see src/packageLayout.ts).
 *
 * Loaded with hardhat.config.ts: reads no file.
 */
import * as path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { ArtifactsDirectory, type ContractArtifacts } from "../src/contractArtifacts";
import { PACKAGE_ARTIFACTS_DIR, PACKAGE_ROOT, RUNS_FROM_SOURCE } from "../src/packageLayout";

/** The deployment records' directory: `given`, or `deployments/` at the project's root. */
export function deploymentsDirOf(hre: HardhatRuntimeEnvironment, given?: string): string {
  return path.resolve(given ?? path.join(hre.config.paths.root, "deployments"));
}

/**
 * The artifacts the stack is deployed from and proofs are checked against: this checkout's own
 * compilation (Hardhat's artifacts folder), or the package's copy when running from the package —
 * never the user's compilation, whose compiler settings may differ from ours.
 */
export function contractArtifacts(hre: HardhatRuntimeEnvironment): ContractArtifacts {
  return RUNS_FROM_SOURCE
    ? new ArtifactsDirectory(
        hre.config.paths.artifacts,
        "compile the contracts (`npx hardhat compile`), or run the task without --no-compile",
      )
    : new ArtifactsDirectory(PACKAGE_ARTIFACTS_DIR);
}

/**
 * Whether the Hardhat project is this repository, whose hardhat.config.ts takes the networks'
 * RPC URLs and deployer key from configuration variables (tasks/networkVars.ts). Another project
 * configures its networks itself.
 */
export function isThisRepository(hre: HardhatRuntimeEnvironment): boolean {
  return path.resolve(hre.config.paths.root) === PACKAGE_ROOT;
}
