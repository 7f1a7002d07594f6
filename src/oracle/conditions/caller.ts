/**
 * Encryption under access-control conditions for one caller, as the HTTP routes (`POST /encrypt`,
 * `POST /decrypt`) and the actions (`Lit.Actions.encrypt`, `decryptAndCombine`,
 * `decryptToSingleNode`, `checkConditions`) use it: the conditions are evaluated for the caller
 * first (at the block the caller's view pins), and only then is a key derived and the ciphertext
 * opened. A failed check is Lit's refusal message, as a catchable error.
 */
import { verifyAuthSig } from "../authSig";
import type { Keystore } from "../keystore";
import type { SiweMessage } from "../siwe";
import {
  ConditionsError,
  dataToEncryptHashOf,
  encryptionIdentity,
  type ConditionKind,
} from "./canonical";
import { decryptForIdentity, encryptForIdentity, DecryptionError } from "./encryption";
import { evaluateConditions, type ChainReads, type ConditionSubject } from "./evaluate";

/** Who the caller proved to be (the request's verified authSig, if any). */
export interface CallerIdentity {
  address?: string;
  siwe?: SiweMessage;
}

/**
 * Who the conditions see as `:userAddress`: the authSig's address (a session's: its PKP's), else
 * the address an EthWallet auth method proved. Other auth methods (an OAuth token) prove no address.
 */
export function conditionCallerOf(
  caller: CallerIdentity | undefined,
  authMethods: ReadonlyArray<{ address?: string }> = [],
): CallerIdentity {
  const address = caller?.address ?? authMethods.find((m) => m.address !== undefined)?.address;
  return {
    ...(address !== undefined ? { address } : {}),
    ...(caller?.siwe !== undefined ? { siwe: caller.siwe } : {}),
  };
}

export interface EncryptedData {
  ciphertext: string;
  dataToEncryptHash: string;
}

/** Lit's refusal when the conditions do not hold (action_client.rs). */
export const CONDITIONS_NOT_MET =
  "Access control conditions check failed.  Check that you are allowed to decrypt this item.";

export class ConditionalEncryption {
  constructor(
    private readonly keystore: Keystore,
    private readonly reads: ChainReads,
    private readonly caller: CallerIdentity,
    private readonly chainId: number | bigint,
  ) {}

  /** Lit's encrypt: `{ ciphertext, dataToEncryptHash }` for these conditions. */
  encrypt(kind: ConditionKind, conditions: unknown, data: Uint8Array): EncryptedData {
    const dataToEncryptHash = dataToEncryptHashOf(data);
    const identity = encryptionIdentity(kind, conditions, dataToEncryptHash);
    return { ciphertext: encryptForIdentity(this.keystore, identity, data), dataToEncryptHash };
  }

  /** Whether the conditions hold for the caller (or for the given authSig's address). */
  check(
    kind: ConditionKind,
    conditions: unknown,
    options: { authSig?: unknown; currentActionIpfsId?: string } = {},
  ): Promise<boolean> {
    return evaluateConditions(kind, conditions, this.subject(options), this.reads);
  }

  /** The plaintext, if the conditions hold for the caller; ConditionsError otherwise. */
  async decrypt(
    kind: ConditionKind,
    conditions: unknown,
    ciphertext: string,
    dataToEncryptHash: string,
    options: { authSig?: unknown; currentActionIpfsId?: string } = {},
  ): Promise<Uint8Array> {
    const identity = encryptionIdentity(kind, conditions, dataToEncryptHash);
    if (!(await this.check(kind, conditions, options)))
      throw new ConditionsError(CONDITIONS_NOT_MET, "CONDITIONS_NOT_MET");
    return decryptForIdentity(this.keystore, identity, ciphertext, dataToEncryptHash);
  }

  private subject(options: { authSig?: unknown; currentActionIpfsId?: string }): ConditionSubject {
    let caller = this.caller;
    if (options.authSig !== undefined) {
      // An authSig given to the call speaks for itself: verified like the request's.
      const verified = verifyAuthSig(options.authSig, { chainId: this.chainId });
      caller = { address: verified.address, siwe: verified.message };
    }
    return {
      userAddress: caller.address,
      siwe: caller.siwe,
      currentActionIpfsId: options.currentActionIpfsId,
    };
  }
}

export { ConditionsError, DecryptionError };
