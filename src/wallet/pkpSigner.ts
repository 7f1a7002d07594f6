/**
 * `PkpSigner`: an ethers v6 signer whose key is a PKP. Every signature is a `/pkp/sign` of the
 * oracle (over HTTP or in process), so the chain decides at each signature whether this caller
 * may sign — with auth methods (an ID token), an authSig, or a session, given once.
 *
 *   const signer = new PkpSigner({
 *     pkpPublicKey, oracle: httpOracle("http://127.0.0.1:8787"),
 *     auth: { authMethods: [{ authMethodType: 6, accessToken: idToken }] }, // or { session } / { authSig }
 *   }, provider);
 *   await signer.sendTransaction({ to: bob, value: parseEther("1") });
 *
 * signMessage (EIP-191), signTypedData (EIP-712) and signTransaction (EIP-1559, EIP-2930, legacy
 * with EIP-155) sign the digest ethers computes; sendTransaction is ethers' own (populate through
 * the provider, sign, broadcast). Each signature is checked to recover to the PKP's address
 * before it is used. A refusal throws WalletError ORACLE_REFUSED with the oracle's code.
 */
import {
  AbstractSigner,
  Signature,
  Transaction,
  TypedDataEncoder,
  computeAddress,
  copyRequest,
  getAddress,
  hashMessage,
  recoverAddress,
  resolveAddress,
  resolveProperties,
  type Provider,
  type TransactionLike,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import type { AuthSig } from "../oracle/authSig";
import type { AuthMethod } from "../oracle/auth/authMethods";
import type { RequestAuth } from "../oracle/oracle";
import { normalizePublicKey } from "../oracle/signing";
import { WalletError, type OracleEndpoint } from "./oracleEndpoint";
import type { PkpSession } from "./session";

/** How the signer proves it may sign (given once, used for every signature). */
export type PkpAuthorization =
  { authMethods: AuthMethod[] } | { authSig: AuthSig } | { session: PkpSession };

export interface PkpSignerOptions {
  /** The PKP's public key (0x04…, 65 bytes; or 33 compressed). */
  pkpPublicKey: string;
  oracle: OracleEndpoint;
  auth: PkpAuthorization;
}

export class PkpSigner extends AbstractSigner {
  readonly pkpPublicKey: string;
  readonly address: string;

  constructor(
    private readonly options: PkpSignerOptions,
    provider: Provider | null = null,
  ) {
    super(provider);
    this.pkpPublicKey = normalizePublicKey(options.pkpPublicKey).toLowerCase();
    this.address = computeAddress(this.pkpPublicKey);
  }

  connect(provider: Provider | null): PkpSigner {
    return new PkpSigner(this.options, provider);
  }

  getAddress(): Promise<string> {
    return Promise.resolve(this.address);
  }

  /** Signs a 32-byte digest through the oracle's /pkp/sign (and checks the answer). */
  async signDigest(digest: string): Promise<Signature> {
    const result = await this.options.oracle.pkpSign({
      pubKey: this.pkpPublicKey,
      toSign: digest,
      ...this.credentials(),
    });
    if (!result.success) {
      throw new WalletError(
        "ORACLE_REFUSED",
        `the oracle refused to sign with PKP ${this.address}: ${result.error.code}: ${result.error.message}`,
        result.error.code,
      );
    }
    const signature = Signature.from(result.signature.signature);
    if (recoverAddress(digest, signature) !== this.address) {
      throw new WalletError(
        "BAD_ORACLE_SIGNATURE",
        `the oracle's signature does not recover to the PKP's address ${this.address}`,
      );
    }
    return signature;
  }

  async signMessage(message: string | Uint8Array): Promise<string> {
    return (await this.signDigest(hashMessage(message))).serialized;
  }

  async signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    const populated = await TypedDataEncoder.resolveNames(domain, types, value, async (name) => {
      const address = await this.requireProvider("resolve ENS names").resolveName(name);
      if (address === null) throw new WalletError("INVALID_ARGUMENT", `cannot resolve ${name}`);
      return address;
    });
    const digest = TypedDataEncoder.hash(
      populated.domain,
      types,
      populated.value as Record<string, unknown>,
    );
    return (await this.signDigest(digest)).serialized;
  }

  async signTransaction(request: TransactionRequest): Promise<string> {
    const tx = copyRequest(request);
    const { to, from } = await resolveProperties({
      to: tx.to != null ? resolveAddress(tx.to, this.provider) : undefined,
      from: tx.from != null ? resolveAddress(tx.from, this.provider) : undefined,
    });
    if (to != null) tx.to = to;
    if (from != null && getAddress(from) !== this.address) {
      throw new WalletError(
        "INVALID_ARGUMENT",
        `the transaction is from ${from}, but this signer is the PKP ${this.address}`,
      );
    }
    delete tx.from;
    const unsigned = Transaction.from(tx as TransactionLike<string>);
    unsigned.signature = await this.signDigest(unsigned.unsignedHash);
    return unsigned.serialized;
  }

  private credentials(): RequestAuth {
    const { auth } = this.options;
    if ("session" in auth) return { sessionSigs: auth.session.sessionSigs() };
    if ("authSig" in auth) return { authSig: auth.authSig };
    return { authMethods: auth.authMethods };
  }

  private requireProvider(what: string): Provider {
    if (this.provider === null) {
      throw new WalletError("NO_PROVIDER", `PkpSigner needs a provider to ${what}: connect one`);
    }
    return this.provider;
  }
}
