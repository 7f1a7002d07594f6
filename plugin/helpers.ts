/**
 * `hre.pkp` as the plugin installs it: a facade that loads nothing until a method is called, so a
 * project that imports the plugin and never uses it pays nothing (no deployment, no worker thread,
 * no file read). The first call loads the implementation (stack.ts) — in a checkout of this
 * repository after compiling, as the tasks do (tasks/compileFirst.ts).
 */
import * as path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { EXAMPLE_ACTIONS_DIR } from "../src/packageLayout";
import { compileContracts, loadCompiled } from "../tasks/compileFirst";
import type { PkpStack } from "./stack";
import type {
  LitExecuteResponse,
  MintedPkp,
  PkpDeployOptions,
  PkpDeployment,
  PkpHardhatHelpers,
  PkpMintOptions,
  PkpOracleClient,
  PkpOracleOptions,
  PkpVerifyOptions,
} from "./types";
import type { ProofBundle, VerificationReport } from "../src/proof";

export class PkpHelpers implements PkpHardhatHelpers {
  readonly #hre: HardhatRuntimeEnvironment;
  #stack: Promise<PkpStack> | undefined;

  constructor(hre: HardhatRuntimeEnvironment) {
    this.#hre = hre;
  }

  async deploy(options?: PkpDeployOptions): Promise<PkpDeployment> {
    return (await this.#load()).deploy(options);
  }

  async fixture(): Promise<PkpDeployment> {
    return (await this.#load()).fixture();
  }

  async startOracle(options?: PkpOracleOptions): Promise<PkpOracleClient> {
    return (await this.#load()).startOracle(options);
  }

  async mintGrantAndBurn(codeOrPath: string, options?: PkpMintOptions): Promise<MintedPkp> {
    return (await this.#load()).mintGrantAndBurn(codeOrPath, options);
  }

  async proofBundle(
    pkp: MintedPkp,
    execution: { jsParams: Record<string, unknown>; result: LitExecuteResponse },
  ): Promise<ProofBundle> {
    return (await this.#load()).proofBundle(pkp, execution);
  }

  async verifyProof(
    bundle: ProofBundle | string,
    options?: PkpVerifyOptions,
  ): Promise<VerificationReport> {
    return (await this.#load()).verifyProof(bundle, options);
  }

  exampleAction(name: string): string {
    return path.join(EXAMPLE_ACTIONS_DIR, name.endsWith(".js") ? name : `${name}.js`);
  }

  #load(): Promise<PkpStack> {
    this.#stack ??= (async () => {
      await compileContracts(this.#hre);
      const { PkpStack } = await loadCompiled(() => import("./stack"));
      return new PkpStack(this.#hre);
    })().catch((error: unknown) => {
      this.#stack = undefined; // a later call tries again (e.g. after fixing a compile error)
      throw error;
    });
    return this.#stack;
  }
}
