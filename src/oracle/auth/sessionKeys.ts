/**
 * The two values an oracle's sessions depend on, derived from its keystore's root secret (so they
 * survive restarts and differ between oracles): the secret of capability tags, and the oracle's
 * `nodeAddress` (what a sessionSig names to be for this oracle; ./sessionFormat.ts).
 */
import { hexlify, toUtf8Bytes } from "ethers";
import type { Keystore } from "../keystore";

export class SessionKeys {
  #tagSecret: Uint8Array | undefined;
  #nodeAddress: string | undefined;

  constructor(
    private readonly keystore: Keystore,
    private readonly chainId: bigint,
  ) {}

  /** HMAC key of capability tags; never leaves the oracle. */
  get tagSecret(): Uint8Array {
    this.#tagSecret ??= this.keystore.deriveSecret("session-capability", toUtf8Bytes("v1"));
    return this.#tagSecret;
  }

  /** `lit-pkp-oracle://<chainId>/<16 hex>`: this oracle (keystore) on this chain. */
  get nodeAddress(): string {
    this.#nodeAddress ??= `lit-pkp-oracle://${this.chainId}/${hexlify(
      this.keystore.deriveSecret("oracle-id", toUtf8Bytes("v1"), 8),
    ).slice(2)}`;
    return this.#nodeAddress;
  }
}
