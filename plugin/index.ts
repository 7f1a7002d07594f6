/**
 * The Hardhat 2 plugin: `import "<package>/hardhat";` (or `require(...)`) in hardhat.config.
 *
 * - registers every `pkp:*` task (tasks/index.ts: the same list and flags as this repository);
 * - adds `hre.pkp` (plugin/types.ts), which loads nothing until one of its methods is called;
 * - loads `@nomicfoundation/hardhat-ethers` (a peer dependency): `hre.ethers` is what it uses.
 *
 * This repository's own hardhat.config.ts loads this file too.
 */
import { extendEnvironment } from "hardhat/config";
import "@nomicfoundation/hardhat-ethers";
import "./typeExtensions";
import "../tasks";
import { PkpHelpers } from "./helpers";

extendEnvironment((hre) => {
  hre.pkp = new PkpHelpers(hre);
});

export type * from "./types";
