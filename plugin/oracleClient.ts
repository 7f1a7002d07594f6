/**
 * The in-process signing oracle of `hre.pkp.startOracle()`: the oracle library (SigningOracle)
 * over hre's provider, with the stack's in-memory keystore and a key provisioner that keeps the
 * router's pool filled, behind Lit's request and response shapes.
 */
import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { connectContracts } from "../src/deployments";
import { createAuthSig } from "../src/oracle/authSig";
import { OracleError } from "../src/oracle/errors";
import type { Keystore } from "../src/oracle/keystore";
import { SigningOracle, type ExecuteSuccess, type OracleFailure } from "../src/oracle/oracle";
import { KeyProvisioner } from "../src/oracle/provisioning";
import type { ActionLimits } from "../src/oracle/runtime";
import type { LitSignature } from "../src/oracle/signing";
import { PkpPluginError } from "./errors";
import type {
  LitExecuteRequest,
  LitExecuteResponse,
  PkpDeployment,
  PkpOracleClient,
  PkpSignRequest,
} from "./types";

/** The oracle's own result behind each response handed out (proofBundle needs its exact text). */
const RAW_RESULTS = new WeakMap<LitExecuteResponse, ExecuteSuccess>();

/** The oracle's result behind `response` (rebuilt if `response` is a copy). */
export function rawResultOf(response: LitExecuteResponse): ExecuteSuccess {
  const raw = RAW_RESULTS.get(response);
  if (raw !== undefined) return raw;
  return {
    success: true,
    signatures: response.signatures,
    response:
      typeof response.response === "string" ? response.response : JSON.stringify(response.response),
    logs: response.logs,
  };
}

/** Lit's SDK hands the response back JSON-parsed when it is JSON, as a string otherwise. */
function parsedResponse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function refusal(result: OracleFailure): OracleError {
  return new OracleError(result.error.code, result.error.message);
}

export interface PkpOracleStart {
  hre: HardhatRuntimeEnvironment;
  deployment: PkpDeployment;
  keystore: Keystore;
  keyProvider: Signer;
  poolTarget: number;
  workers: number;
  limits?: Partial<ActionLimits>;
  onStop: (oracle: PkpOracle) => void;
}

export class PkpOracle implements PkpOracleClient {
  readonly oracle: SigningOracle;
  readonly keystore: Keystore;
  readonly deployment: PkpDeployment;
  readonly #provisioner: KeyProvisioner;
  readonly #onStop: (oracle: PkpOracle) => void;
  #stopped = false;

  private constructor(start: PkpOracleStart) {
    const provider = start.hre.ethers.provider;
    this.deployment = start.deployment;
    this.keystore = start.keystore;
    this.#onStop = start.onStop;
    const { record } = start.deployment;
    this.oracle = new SigningOracle({
      contracts: connectContracts(record, provider),
      provider,
      chainId: record.chainId,
      keystore: start.keystore,
      poolSize: start.workers,
      limits: start.limits,
    });
    this.#provisioner = new KeyProvisioner({
      router: start.deployment.contracts.pubkeyRouter.connect(start.keyProvider),
      keystore: start.keystore,
      target: start.poolTarget,
    });
  }

  /** Creates the oracle and fills the key pool; stops the workers again if that fails. */
  static async start(start: PkpOracleStart): Promise<PkpOracle> {
    for (const [name, value] of [
      ["poolTarget", start.poolTarget],
      ["workers", start.workers],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < (name === "workers" ? 1 : 0)) {
        throw new PkpPluginError("INVALID_OPTION", `${name} must be a whole number, got ${value}`);
      }
    }
    const oracle = new PkpOracle(start);
    try {
      await oracle.provision();
    } catch (error) {
      await oracle.oracle.close();
      throw error;
    }
    return oracle;
  }

  async execute(request: LitExecuteRequest): Promise<LitExecuteResponse> {
    this.#checkRunning();
    const result = await this.oracle.execute(request);
    if (!result.success) throw refusal(result);
    const response: LitExecuteResponse = {
      success: true,
      signatures: result.signatures,
      response: parsedResponse(result.response),
      logs: result.logs,
    };
    RAW_RESULTS.set(response, result);
    return response;
  }

  async sign(request: PkpSignRequest): Promise<LitSignature> {
    this.#checkRunning();
    const authSig =
      request.authSig ??
      (await createAuthSig(request.signer ?? this.deployment.deployer, {
        chainId: this.deployment.record.chainId,
      }));
    const result = await this.oracle.pkpSign({
      pubKey: request.pubKey,
      toSign: request.toSign,
      authSig,
    });
    if (!result.success) throw refusal(result);
    return result.signature;
  }

  async storeAction(code: string): Promise<string> {
    this.#checkRunning();
    try {
      return (await this.oracle.storeAction(code)).ipfsId;
    } catch (error) {
      if (error instanceof OracleError) throw error;
      throw new OracleError("INVALID_REQUEST", (error as Error).message);
    }
  }

  async provision(): Promise<number> {
    this.#checkRunning();
    return (await this.#provisioner.topUp()).unminted;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#onStop(this);
    await this.#provisioner.stop();
    await this.oracle.close();
  }

  #checkRunning(): void {
    if (this.#stopped) {
      throw new PkpPluginError(
        "NO_ORACLE",
        "this oracle was stopped: start another with `await hre.pkp.startOracle()`",
      );
    }
  }
}
