/**
 * Reads of PKP state at ONE block, pinned when an execution starts, so every permission check of
 * that execution sees the same chain state (a grant removed mid-execution does not half-apply).
 *
 * A reverted read is an answer (the contracts' views used here do not revert for unknown or
 * burned PKPs); only a failure to reach the chain is CHAIN_UNAVAILABLE.
 */
import { ethers } from "ethers";
import type { PKPNFT, PKPPermissions, PubkeyRouter } from "../../typechain-types";
import { OracleError } from "./errors";

export interface OracleContracts {
  pkpNft: PKPNFT;
  pkpPermissions: PKPPermissions;
  pubkeyRouter: PubkeyRouter;
}

export const AUTH_METHOD_ADDRESS = 1n;
export const AUTH_METHOD_ACTION = 2n;

function isRevert(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code === "CALL_EXCEPTION") return true;
  // Hardhat's in-process provider can report a revert as JSON-RPC -32603 with the reason inside.
  return /revert/i.test(error.message);
}

export class PinnedChainView {
  private constructor(
    private readonly contracts: OracleContracts,
    readonly blockNumber: number,
  ) {}

  static async pin(
    contracts: OracleContracts,
    provider: ethers.Provider,
  ): Promise<PinnedChainView> {
    try {
      return new PinnedChainView(contracts, await provider.getBlockNumber());
    } catch (error) {
      throw new OracleError("CHAIN_UNAVAILABLE", `cannot reach the chain: ${describe(error)}`);
    }
  }

  private async read<T>(what: string, call: (blockTag: { blockTag: number }) => Promise<T>) {
    try {
      return await call({ blockTag: this.blockNumber });
    } catch (error) {
      if (isRevert(error)) {
        throw new OracleError("INVALID_REQUEST", `${what} reverted: ${describe(error)}`);
      }
      throw new OracleError("CHAIN_UNAVAILABLE", `cannot read ${what}: ${describe(error)}`);
    }
  }

  isRouted(tokenId: bigint): Promise<boolean> {
    return this.read("isRouted", (o) => this.contracts.pubkeyRouter.isRouted(tokenId, o));
  }

  /** The current owner, or null for a PKP that does not exist (never minted, or burned). */
  async ownerOf(tokenId: bigint): Promise<string | null> {
    const owner = await this.read("ownerOrZero", (o) =>
      this.contracts.pkpNft.ownerOrZero(tokenId, o),
    );
    return owner === ethers.ZeroAddress ? null : owner;
  }

  hasScope(tokenId: bigint, authMethodType: bigint, id: string, scope: bigint): Promise<boolean> {
    return this.read("isPermittedAuthMethodScopePresent", (o) =>
      this.contracts.pkpPermissions.isPermittedAuthMethodScopePresent(
        tokenId,
        authMethodType,
        id,
        scope,
        o,
      ),
    );
  }

  isPermittedAuthMethod(tokenId: bigint, authMethodType: bigint, id: string): Promise<boolean> {
    return this.read("isPermittedAuthMethod", (o) =>
      this.contracts.pkpPermissions.isPermittedAuthMethod(tokenId, authMethodType, id, o),
    );
  }

  isPermittedAddress(tokenId: bigint, address: string): Promise<boolean> {
    return this.read("isPermittedAddress", (o) =>
      this.contracts.pkpPermissions.isPermittedAddress(tokenId, address, o),
    );
  }

  getPermittedActions(tokenId: bigint): Promise<string[]> {
    return this.read("getPermittedActions", (o) =>
      this.contracts.pkpPermissions.getPermittedActions(tokenId, o),
    );
  }

  getPermittedAddresses(tokenId: bigint): Promise<string[]> {
    return this.read("getPermittedAddresses", (o) =>
      this.contracts.pkpPermissions.getPermittedAddresses(tokenId, o),
    );
  }

  async getPermittedAuthMethods(
    tokenId: bigint,
  ): Promise<Array<{ authMethodType: bigint; id: string; userPubkey: string }>> {
    const methods = await this.read("getPermittedAuthMethods", (o) =>
      this.contracts.pkpPermissions.getPermittedAuthMethods(tokenId, o),
    );
    return methods.map((m) => ({ authMethodType: m[0], id: m[1], userPubkey: m[2] }));
  }

  getPermittedAuthMethodScopes(
    tokenId: bigint,
    authMethodType: bigint,
    id: string,
    maxScopeId: number,
  ): Promise<boolean[]> {
    return this.read("getPermittedAuthMethodScopes", (o) =>
      this.contracts.pkpPermissions.getPermittedAuthMethodScopes(
        tokenId,
        authMethodType,
        id,
        maxScopeId,
        o,
      ),
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const short = (error as { shortMessage?: unknown }).shortMessage;
    return typeof short === "string" ? short : error.message;
  }
  return String(error);
}
