import { vars } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { isThisRepository } from "./project";

/**
 * The configuration variables each network needs. Hardhat reads `hardhat.config.ts` for every
 * command, so nothing here may fail at load time: a missing variable only matters when its network
 * is used, and `pkp:deploy` checks it (missingNetworkVars) before it touches the network.
 *
 * A variable comes from `npx hardhat vars set NAME` or from the environment as HARDHAT_VAR_NAME
 * (the environment wins).
 */
export const DEPLOYER_PRIVATE_KEY = "DEPLOYER_PRIVATE_KEY";

interface RpcSetting {
  /** The configuration variable that holds the URL. */
  variable: string;
  /** Used when the variable is not set; without a default the variable is required. */
  defaultUrl?: string;
}

const RPC: Record<string, RpcSetting> = {
  localhost: { variable: "LOCALHOST_RPC_URL", defaultUrl: "http://127.0.0.1:8545" },
  sepolia: { variable: "SEPOLIA_RPC_URL" },
  yellowstone: {
    variable: "YELLOWSTONE_RPC_URL",
    defaultUrl: "https://yellowstone-rpc.litprotocol.com",
  },
};

/** Networks whose transactions are signed with DEPLOYER_PRIVATE_KEY (the others use node accounts). */
const NEEDS_DEPLOYER_KEY = new Set(["sepolia", "yellowstone"]);

const PRIVATE_KEY_PATTERN = /^(0x)?[0-9a-fA-F]{64}$/;

/** A URL that can never resolve (RFC 2606 `.invalid`), standing in for an unset variable. */
function unsetUrl(variable: string): string {
  return `http://${variable.toLowerCase().replace(/_/g, "-")}-is-not-set.invalid`;
}

/** The RPC URL of `network` for the config: the variable, its default, or an unresolvable stand-in. */
export function rpcUrl(network: string): string {
  const setting = RPC[network];
  if (setting === undefined) throw new Error(`no RPC setting for network "${network}"`);
  if (vars.has(setting.variable)) return vars.get(setting.variable);
  return setting.defaultUrl ?? unsetUrl(setting.variable);
}

/**
 * The deployer account for the config. A malformed key is left out here (Hardhat would otherwise
 * reject the whole config, for every command) and reported by missingNetworkVars instead.
 */
export function deployerAccounts(): string[] {
  if (!vars.has(DEPLOYER_PRIVATE_KEY)) return [];
  const key = vars.get(DEPLOYER_PRIVATE_KEY).trim();
  if (!PRIVATE_KEY_PATTERN.test(key)) return [];
  return [key.startsWith("0x") ? key : `0x${key}`];
}

function howToSet(variable: string, example: string): string {
  return `run \`npx hardhat vars set ${variable}\` or set the environment variable HARDHAT_VAR_${variable}=${example}`;
}

/**
 * What is missing for `network`, as one actionable message per problem (empty: nothing missing).
 * Never includes a variable's value.
 */
export function missingNetworkVars(network: string): string[] {
  const problems: string[] = [];
  const setting = RPC[network];
  if (setting !== undefined && setting.defaultUrl === undefined && !vars.has(setting.variable)) {
    problems.push(
      `network ${network} needs its RPC URL in the configuration variable ${setting.variable}: ` +
        howToSet(setting.variable, "https://…"),
    );
  }
  if (NEEDS_DEPLOYER_KEY.has(network)) {
    if (!vars.has(DEPLOYER_PRIVATE_KEY)) {
      problems.push(
        `network ${network} needs the deployer's private key in the configuration variable ` +
          `${DEPLOYER_PRIVATE_KEY}: ${howToSet(DEPLOYER_PRIVATE_KEY, "0x…")}`,
      );
    } else if (!PRIVATE_KEY_PATTERN.test(vars.get(DEPLOYER_PRIVATE_KEY).trim())) {
      problems.push(
        `the configuration variable ${DEPLOYER_PRIVATE_KEY} is not a private key (expected 32 bytes ` +
          `as 64 hex digits, optionally 0x-prefixed): ${howToSet(DEPLOYER_PRIVATE_KEY, "0x…")}`,
      );
    }
  }
  return problems;
}

/**
 * missingNetworkVars for the network `hre` runs on, in this repository only: a project that
 * installed the package configures its networks itself, whatever their names.
 */
export function missingNetworkVarsOf(hre: HardhatRuntimeEnvironment): string[] {
  return isThisRepository(hre) ? missingNetworkVars(hre.network.name) : [];
}
