/** Adds `hre.pkp` to Hardhat's runtime environment type (imported by the plugin entry). */
import "hardhat/types/runtime";
import type { PkpHardhatHelpers } from "./types";

declare module "hardhat/types/runtime" {
  interface HardhatRuntimeEnvironment {
    /** The PKP stack: deploy, in-process oracle, mint/grant/burn, proofs (plugin/types.ts). */
    pkp: PkpHardhatHelpers;
  }
}
