/**
 * Deploys an Ignition module with artifacts we choose (tasks/project.ts: contractArtifacts) —
 * what `hre.ignition.deploy` does, minus its artifact lookup in the user's `hre.artifacts`, which
 * in another project would not find our contracts (or would find the user's compilation of them).
 * It needs no Ignition plugin in the project: only `@nomicfoundation/ignition-core`.
 */
import * as path from "node:path";
import {
  DeploymentResultType,
  deploy,
  type ArtifactResolver,
  type DeployConfig,
  type DeploymentResult,
  type ExecutionEventListener,
  type IgnitionModule,
  type IgnitionModuleResult,
  type SuccessfulDeploymentResult,
} from "@nomicfoundation/ignition-core";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { fullyQualifiedName, type ContractArtifacts } from "../src/contractArtifacts";
import { DeployTaskError } from "./taskErrors";

export interface IgnitionDeployOptions {
  artifacts: ContractArtifacts;
  /** The module's parameters, e.g. `{ PKP: { mintCost: 1n } }`. */
  parameters: Record<string, Record<string, string | bigint>>;
  /** The journal's id; none on the in-process network, where Ignition keeps no journal. */
  deploymentId?: string;
  /** The journals' root (`<root>/deployments/<id>`). */
  journalRoot: string;
  /** Ignition's live progress display (a terminal only), when the Ignition plugin is installed. */
  displayUi?: boolean;
}

/** Resolves to the address of each of the module's results (by result name). */
export async function deployIgnitionModule<
  ModuleIdT extends string,
  ContractNameT extends string,
  ResultsT extends IgnitionModuleResult<ContractNameT>,
>(
  hre: HardhatRuntimeEnvironment,
  ignitionModule: IgnitionModule<ModuleIdT, ContractNameT, ResultsT>,
  options: IgnitionDeployOptions,
): Promise<Record<keyof ResultsT, string>> {
  const { artifacts } = options;
  const artifactResolver: ArtifactResolver = {
    loadArtifact: (name) => artifacts.readArtifact(fullyQualifiedName(name)),
    getBuildInfo: (name) => artifacts.getBuildInfo(fullyQualifiedName(name)),
  };
  const accounts = (await hre.network.provider.request({ method: "eth_accounts" })) as string[];
  // Set by the Ignition plugin when the project has it (hardhat-toolbox does); optional here.
  const ignitionConfig = (hre.config as { ignition?: Partial<DeployConfig> }).ignition ?? {};
  const networkConfig = hre.network.config as {
    ignition?: { maxFeePerGasLimit?: bigint; maxPriorityFeePerGas?: bigint };
  };
  const result = await deploy({
    config: ignitionConfig,
    artifactResolver,
    provider: hre.network.provider,
    deploymentDir:
      options.deploymentId === undefined
        ? undefined
        : path.join(options.journalRoot, "deployments", options.deploymentId),
    executionEventListener: options.displayUi ? liveDisplay() : undefined,
    ignitionModule,
    deploymentParameters: options.parameters,
    accounts,
    maxFeePerGasLimit: networkConfig.ignition?.maxFeePerGasLimit,
    maxPriorityFeePerGas: networkConfig.ignition?.maxPriorityFeePerGas,
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new DeployTaskError("DEPLOYMENT_FAILED", failureText(result));
  }
  const addresses: Partial<Record<keyof ResultsT, string>> = {};
  for (const [name, future] of Object.entries(ignitionModule.results)) {
    addresses[name as keyof ResultsT] = result.contracts[future.id].address;
  }
  return addresses as Record<keyof ResultsT, string>;
}

/** Ignition's own progress display, if its Hardhat plugin is installed (an optional peer). */
function liveDisplay(): ExecutionEventListener | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: absent without the Ignition plugin
    const helpers = require("@nomicfoundation/hardhat-ignition/helpers") as {
      PrettyEventHandler: new () => ExecutionEventListener;
    };
    return new helpers.PrettyEventHandler();
  } catch {
    return undefined;
  }
}

/** One line per problem Ignition reported. */
function failureText(result: Exclude<DeploymentResult, SuccessfulDeploymentResult>): string {
  const lines: string[] = [];
  if (result.type === DeploymentResultType.EXECUTION_ERROR) {
    for (const f of result.failed) lines.push(`${f.futureId}: ${f.error}`);
    for (const t of result.timedOut) lines.push(`${t.futureId}: timed out`);
    for (const h of result.held) lines.push(`${h.futureId}: held (${h.reason})`);
  } else {
    for (const [futureId, errors] of Object.entries(result.errors)) {
      for (const error of errors) lines.push(`${futureId}: ${error}`);
    }
  }
  const what = result.type.toLowerCase().replace(/_/g, " ");
  return `the deployment failed (Ignition: ${what})\n${lines.join("\n")}`;
}
