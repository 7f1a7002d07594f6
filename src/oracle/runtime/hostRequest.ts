/**
 * The calls a Lit Action makes that only the host (main thread: keys, chain access) can answer,
 * as a discriminated union with validated, normalised arguments; plus the parser that turns the
 * untrusted JSON coming out of the sandbox into that union.
 *
 * Normalisation (so hosts never re-validate):
 * - byte values (`toSign`, `message`, `userId`) arrive as arrays of numbers or 0x-hex and leave
 *   as lowercase 0x-hex (`Hex`). A string `message` is taken as its UTF-8 bytes, as Lit does.
 * - `publicKey` is 33 or 65 bytes, with or without 0x; it leaves as lowercase 0x-hex.
 * - `tokenId`/`authMethodType` accept a decimal or 0x-hex string or a safe integer and leave as
 *   bigint (uint256).
 * - `address` leaves EIP-55 checksummed; `ipfsId` must be a CIDv0.
 * - access-control conditions, `params` of `call` and authSigs stay plain JSON: their own
 *   modules check them (src/oracle/conditions/, the authSig verifier).
 *
 * A bad argument rejects the action's promise with code INVALID_ARGUMENT (catchable inside the
 * action); it is never forwarded to the host.
 */
import { cbc } from "@noble/ciphers/aes";
import { getAddress, hexlify, isHexString, keccak256, toUtf8Bytes } from "ethers";
import { fromBase64, fromHex, toHex } from "../../bytes";
import { isCidV0 } from "../../cid";
import { CodedError } from "../../codedError";

export type Hex = `0x${string}`;

/** Plain JSON data: the only thing that crosses the sandbox boundary. */
export type HostValue =
  null | boolean | number | string | HostValue[] | { [key: string]: HostValue };

interface SigningTarget {
  publicKey: Hex;
  /** Key under which the result is returned in ActionOutcome.signatures. */
  sigName: string;
}

/** Lit's signing schemes (naga's `sign`, `signAsAction`, …): all names Lit accepts. */
export const LIT_SIGNING_SCHEMES = [
  "EcdsaK256Sha256",
  "EcdsaP256Sha256",
  "EcdsaP384Sha384",
  "SchnorrEd25519Sha512",
  "SchnorrK256Sha256",
  "SchnorrP256Sha256",
  "SchnorrP384Sha384",
  "SchnorrRistretto25519Sha512",
  "SchnorrEd448Shake256",
  "SchnorrRedJubjubBlake2b512",
  "SchnorrK256Taproot",
  "SchnorrRedDecaf377Blake2b512",
  "SchnorrkelSubstrate",
  "Bls12381G1ProofOfPossession",
] as const;

/** The schemes this oracle signs with: Lit's ECDSA ones (the message is the digest). */
export const ECDSA_SIGNING_SCHEMES = [
  "EcdsaK256Sha256",
  "EcdsaP256Sha256",
  "EcdsaP384Sha384",
] as const;
export type EcdsaSigningScheme = (typeof ECDSA_SIGNING_SCHEMES)[number];

/** Digest length (bytes) each ECDSA scheme signs: its curve's field size. */
export const ECDSA_DIGEST_BYTES: Readonly<Record<EcdsaSigningScheme, number>> = {
  EcdsaK256Sha256: 32,
  EcdsaP256Sha256: 32,
  EcdsaP384Sha384: 48,
};

/** Lit's access-control condition lists: one of these keys names the kind. */
export const CONDITION_KINDS = [
  "accessControlConditions",
  "evmContractConditions",
  "unifiedAccessControlConditions",
  "solRpcConditions",
] as const;

/** Redirect modes of fetch (WHATWG). */
export type RedirectMode = "follow" | "error" | "manual";

/** Where a host call comes from: the running action (a child of Lit.Actions.call has its own). */
export interface HostCallContext {
  /** CID of the action that made the call. */
  ipfsId: string;
  /** Parent → child CIDs of nested calls; the last one is `ipfsId`. */
  actionIpfsIdStack: string[];
}

export interface DecryptRequest {
  /** The conditions as given (a list of conditions, operators and groups). */
  accessControlConditions: HostValue[];
  /** base64, as `encrypt` returned it. */
  ciphertext: string;
  /** sha256 hex of the plaintext (no 0x), as `encrypt` returned it. */
  dataToEncryptHash: string;
  /** An authSig to evaluate `:userAddress` with (else the request's). */
  authSig?: HostValue;
  chain: string;
}

export type HostRequest =
  /** Sign a 32-byte digest as-is. The sandbox gets "success"; the host's value goes to the outcome. */
  | ({ method: "signEcdsa"; toSign: Hex } & SigningTarget)
  /** EIP-191 `personal_sign` of `message` (raw bytes); host hashes with the prefix. */
  | ({ method: "ethPersonalSignMessageEcdsa"; message: Hex } & SigningTarget)
  /** Sign a digest and hand the combined signature (a JSON string) back to the action. */
  | ({ method: "signAndCombineEcdsa"; toSign: Hex } & SigningTarget)
  | { method: "isPermittedAction"; tokenId: bigint; ipfsId: string }
  | { method: "isPermittedAddress"; tokenId: bigint; address: string }
  | { method: "isPermittedAuthMethod"; tokenId: bigint; authMethodType: bigint; userId: Hex }
  | { method: "getPermittedActions"; tokenId: bigint }
  | { method: "getPermittedAddresses"; tokenId: bigint }
  | { method: "getPermittedAuthMethods"; tokenId: bigint }
  /** Lit's claimKey: the host claims the key of keccak256("<cid>_<keyId>") (docs/WALLET.md). */
  | { method: "claimKey"; keyId: string }
  | {
      method: "getPermittedAuthMethodScopes";
      tokenId: bigint;
      authMethodType: bigint;
      userId: Hex;
      maxScopeId: number;
    }
  /** naga's `sign`: a PKP signature under one of Lit's schemes; the outcome gets it. */
  | ({ method: "sign"; toSign: Hex; signingScheme: EcdsaSigningScheme } & SigningTarget)
  /** naga's `signAndCombine`: as `sign`, the combined signature to the action. */
  | ({ method: "signAndCombine"; toSign: Hex; signingScheme: EcdsaSigningScheme } & SigningTarget)
  /** naga's `signAsAction`: signs with the running action's own key (no PKP). */
  | { method: "signAsAction"; toSign: Hex; sigName: string; signingScheme: EcdsaSigningScheme }
  | { method: "getActionPublicKey"; signingScheme: EcdsaSigningScheme; actionIpfsCid: string }
  | {
      method: "verifyActionSignature";
      signingScheme: EcdsaSigningScheme;
      actionIpfsCid: string;
      toSign: Hex;
      signOutput: string;
    }
  | { method: "getLatestNonce"; address: string; chain: string }
  /** eth_call of an unsigned RLP transaction (a read). */
  | { method: "callContract"; chain: string; txn: Hex }
  | { method: "getRpcUrl"; chain: string }
  /** Runs another stored action in the same sandbox (the session answers with its code). */
  | { method: "call"; ipfsId: string; params: { [key: string]: HostValue } }
  | { method: "checkConditions"; conditions: HostValue[]; authSig?: HostValue; chain: string }
  | { method: "encrypt"; accessControlConditions: HostValue[]; toEncrypt: Hex }
  | ({ method: "decryptAndCombine" } & DecryptRequest)
  | ({ method: "decryptToSingleNode" } & DecryptRequest)
  /** WHATWG fetch, performed by the host under its allow-list. */
  | {
      method: "fetch";
      url: string;
      httpMethod: string;
      headers: Array<[string, string]>;
      body?: Hex;
      redirect: RedirectMode;
    };

export type HostMethod = HostRequest["method"];

/** Every call that makes a signature (they count against maxSignatures). */
export type SigningRequest = Extract<
  HostRequest,
  {
    method:
      | "signEcdsa"
      | "ethPersonalSignMessageEcdsa"
      | "signAndCombineEcdsa"
      | "sign"
      | "signAndCombine"
      | "signAsAction";
  }
>;

const SIGNING_METHODS: ReadonlySet<string> = new Set([
  "signEcdsa",
  "ethPersonalSignMessageEcdsa",
  "signAndCombineEcdsa",
  "sign",
  "signAndCombine",
  "signAsAction",
]);

export function isSigningRequest(request: HostRequest): request is SigningRequest {
  return SIGNING_METHODS.has(request.method);
}

/** Signing calls whose signature goes to the outcome under `sigName` (the others return it). */
export function signsIntoOutcome(
  request: HostRequest,
): request is Extract<
  SigningRequest,
  { method: "signEcdsa" | "ethPersonalSignMessageEcdsa" | "sign" | "signAsAction" }
> {
  return (
    request.method === "signEcdsa" ||
    request.method === "ethPersonalSignMessageEcdsa" ||
    request.method === "sign" ||
    request.method === "signAsAction"
  );
}

/** A sandbox call's argument was unusable; becomes a catchable rejection inside the action. */
export class InvalidArgumentError extends CodedError<"INVALID_ARGUMENT"> {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
  }
}

/** A call the runtime answers itself, without the host. */
export type LocalRequest =
  | { method: "pubkeyToTokenId"; publicKey: Hex }
  /** Lit's aesDecrypt: AES-256-CBC, IV = the first 16 bytes of `ciphertext`. */
  | { method: "aesDecrypt"; symmetricKey: Hex; ciphertext: Hex };

export type SandboxRequest = HostRequest | LocalRequest;

/** Lit's default for getPermittedAuthMethodScopes. */
const DEFAULT_MAX_SCOPE_ID = 100;
const MAX_SCOPE_ID_BOUND = 256;
const MAX_SIG_NAME_LENGTH = 256;
const MAX_KEY_ID_LENGTH = 256;
const UINT256_MAX = (1n << 256n) - 1n;
/** Chain names are short identifiers ("ethereum", "localhost", …). */
const MAX_CHAIN_NAME = 64;
const FETCH_METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32}$/;

/** Parses one call coming out of the sandbox. Throws InvalidArgumentError. */
export function parseSandboxRequest(method: string, rawArgs: unknown): SandboxRequest {
  const args = new ArgReader(method, rawArgs);
  switch (method) {
    case "signEcdsa":
    case "signAndCombineEcdsa":
      return {
        method,
        toSign: args.bytes("toSign", 32),
        publicKey: args.publicKey(),
        sigName: args.sigName(),
      };
    case "ethPersonalSignMessageEcdsa":
      return {
        method,
        message: args.message("message"),
        publicKey: args.publicKey(),
        sigName: args.sigName(),
      };
    case "isPermittedAction":
      return { method, tokenId: args.uint256("tokenId"), ipfsId: args.cid("ipfsId") };
    case "isPermittedAddress":
      return { method, tokenId: args.uint256("tokenId"), address: args.address("address") };
    case "isPermittedAuthMethod":
      return {
        method,
        tokenId: args.uint256("tokenId"),
        authMethodType: args.uint256("authMethodType"),
        userId: args.bytes("userId"),
      };
    case "getPermittedActions":
    case "getPermittedAddresses":
    case "getPermittedAuthMethods":
      return { method, tokenId: args.uint256("tokenId") };
    case "getPermittedAuthMethodScopes":
      return {
        method,
        tokenId: args.uint256("tokenId"),
        authMethodType: args.uint256("authMethodType"),
        userId: args.bytes("userId"),
        maxScopeId: args.optionalInteger("maxScopeId", DEFAULT_MAX_SCOPE_ID, MAX_SCOPE_ID_BOUND),
      };
    case "pubkeyToTokenId":
      return { method, publicKey: args.publicKey() };
    case "aesDecrypt":
      return {
        method,
        symmetricKey: args.bytes("symmetricKey", 32),
        ciphertext: args.bytes("ciphertext"),
      };
    case "sign":
    case "signAndCombine": {
      const signingScheme = args.signingScheme();
      return {
        method,
        toSign: args.bytes("toSign", ECDSA_DIGEST_BYTES[signingScheme]),
        publicKey: args.publicKey(),
        sigName: args.sigName(),
        signingScheme,
      };
    }
    case "signAsAction": {
      const signingScheme = args.signingScheme();
      return {
        method,
        toSign: args.bytes("toSign", ECDSA_DIGEST_BYTES[signingScheme]),
        sigName: args.sigName(),
        signingScheme,
      };
    }
    case "getActionPublicKey":
      return {
        method,
        signingScheme: args.signingScheme(),
        actionIpfsCid: args.cid("actionIpfsCid"),
      };
    case "verifyActionSignature":
      return {
        method,
        signingScheme: args.signingScheme(),
        actionIpfsCid: args.cid("actionIpfsCid"),
        toSign: args.bytes("toSign"),
        signOutput: args.string("signOutput", 4096),
      };
    case "getLatestNonce":
      return { method, address: args.address("address"), chain: args.chain() };
    case "callContract":
      return { method, chain: args.chain(), txn: args.bytes("txn") };
    case "getRpcUrl":
      // Lit answers a bad chain with an error string, not a throw: the host does the same.
      return { method, chain: args.lenientString("chain") };
    case "call":
      return { method, ipfsId: args.cid("ipfsId"), params: args.optionalObject("params") };
    case "checkConditions":
      return {
        method,
        conditions: args.array("conditions"),
        authSig: args.optionalJson("authSig"),
        chain: args.chain(),
      };
    case "encrypt":
      return {
        method,
        accessControlConditions: args.array("accessControlConditions"),
        toEncrypt: args.message("to_encrypt"),
      };
    case "decryptAndCombine":
    case "decryptToSingleNode":
      return {
        method,
        accessControlConditions: args.array("accessControlConditions"),
        ciphertext: args.string("ciphertext", 16 * 1024 * 1024),
        dataToEncryptHash: args.string("dataToEncryptHash", 64),
        authSig: args.optionalJson("authSig"),
        chain: args.chain(),
      };
    case "fetch": {
      const body = args.optionalBase64("bodyBase64");
      return {
        method,
        url: args.string("url", 8192),
        httpMethod: args.fetchMethod(),
        headers: args.headerPairs(),
        ...(body === undefined ? {} : { body }),
        redirect: args.redirectMode(),
      };
    }
    case "claimKey":
      return { method, keyId: args.keyId() };
    default:
      throw new InvalidArgumentError(`unknown Lit.Actions method "${method}"`);
  }
}

/** Lit's pubkeyToTokenId: keccak256 of the public key bytes, as 0x-hex (as Lit's node returns it). */
export function pubkeyToTokenId(publicKey: Hex): Hex {
  return keccak256(publicKey) as Hex;
}

/**
 * Lit's aesDecrypt (datil functions/aes.rs): AES-256-CBC with PKCS#7 padding, the IV being the
 * first 16 bytes of the ciphertext; the plaintext comes back as lowercase hex without 0x.
 */
export function aesDecrypt(request: Extract<LocalRequest, { method: "aesDecrypt" }>): string {
  const data = fromHex(request.ciphertext);
  if (data.length < 16) throw new InvalidArgumentError("aesDecrypt: ciphertext is too short");
  try {
    return toHex(
      cbc(fromHex(request.symmetricKey), data.subarray(0, 16)).decrypt(data.subarray(16)),
    );
  } catch {
    throw new InvalidArgumentError(
      "aesDecrypt: decryption failed (wrong key, or the ciphertext is not IV ‖ AES-256-CBC data)",
    );
  }
}

/** Reads and validates fields of one call's argument object, naming the call in every error. */
class ArgReader {
  private readonly fields: Record<string, unknown>;

  constructor(
    private readonly method: string,
    raw: unknown,
  ) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw this.error("expects one object argument, e.g. { tokenId, ... }");
    }
    this.fields = raw as Record<string, unknown>;
  }

  bytes(name: string, exactLength?: number): Hex {
    const value = this.fields[name];
    let hex: Hex;
    if (Array.isArray(value)) {
      if (!value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
        throw this.error(`${name} must contain only integers 0..255`);
      }
      hex = hexlify(Uint8Array.from(value as number[])) as Hex;
    } else if (typeof value === "string" && isHexString(value, true)) {
      hex = value.toLowerCase() as Hex;
    } else {
      throw this.error(`${name} must be a Uint8Array, an array of bytes or 0x-hex`);
    }
    const length = (hex.length - 2) / 2;
    if (exactLength !== undefined && length !== exactLength) {
      throw this.error(`${name} must be exactly ${exactLength} bytes, got ${length}`);
    }
    return hex;
  }

  /** Bytes, or a string taken as its UTF-8 encoding (Lit signs strings as UTF-8). */
  message(name: string): Hex {
    const value = this.fields[name];
    if (typeof value === "string") return hexlify(toUtf8Bytes(value)) as Hex;
    return this.bytes(name);
  }

  publicKey(): Hex {
    const value = this.fields.publicKey;
    if (typeof value !== "string") throw this.error("publicKey must be a hex string");
    const hex = (value.startsWith("0x") ? value : `0x${value}`).toLowerCase();
    if (!isHexString(hex, 65) && !isHexString(hex, 33)) {
      throw this.error("publicKey must be a 65-byte uncompressed or 33-byte compressed key (hex)");
    }
    return hex;
  }

  sigName(): string {
    const value = this.fields.sigName;
    if (typeof value !== "string" || value.length === 0 || value.length > MAX_SIG_NAME_LENGTH) {
      throw this.error(
        `sigName must be a non-empty string of at most ${MAX_SIG_NAME_LENGTH} chars`,
      );
    }
    return value;
  }

  /** Lit: a non-blank string. Bounded, since it is hashed and echoed in the result. */
  keyId(): string {
    const value = this.fields.keyId;
    if (typeof value !== "string" || value.trim() === "" || value.length > MAX_KEY_ID_LENGTH) {
      throw this.error(`keyId must be a non-blank string of at most ${MAX_KEY_ID_LENGTH} chars`);
    }
    return value;
  }

  uint256(name: string): bigint {
    const value = this.fields[name];
    let parsed: bigint | undefined;
    if (typeof value === "number" && Number.isSafeInteger(value)) parsed = BigInt(value);
    if (typeof value === "string" && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) {
      parsed = BigInt(value);
    }
    if (parsed === undefined || parsed < 0n || parsed > UINT256_MAX) {
      throw this.error(`${name} must be a uint256 (decimal or 0x-hex string, or integer)`);
    }
    return parsed;
  }

  cid(name: string): string {
    const value = this.fields[name];
    if (!isCidV0(value)) throw this.error(`${name} must be a CIDv0 ("Qm…")`);
    return value;
  }

  address(name: string): string {
    const value = this.fields[name];
    if (typeof value !== "string") throw this.error(`${name} must be an address string`);
    try {
      return getAddress(value);
    } catch {
      throw this.error(`${name} is not a valid Ethereum address`);
    }
  }

  optionalInteger(name: string, fallback: number, max: number): number {
    const value = this.fields[name];
    if (value === undefined || value === null) return fallback;
    const number = typeof value === "string" ? Number(value) : value;
    if (typeof number !== "number" || !Number.isInteger(number) || number < 0 || number > max) {
      throw this.error(`${name} must be an integer in [0, ${max}]`);
    }
    return number;
  }

  string(name: string, maxLength: number): string {
    const value = this.fields[name];
    if (typeof value !== "string") throw this.error(`${name} must be a string`);
    if (value.length > maxLength)
      throw this.error(`${name} is longer than ${maxLength} characters`);
    return value;
  }

  /** Any value, as a string ("" when absent): for calls that answer bad input with a message. */
  lenientString(name: string): string {
    const value = this.fields[name];
    if (typeof value === "string") return value.slice(0, MAX_CHAIN_NAME * 4);
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return value === undefined || value === null
      ? ""
      : JSON.stringify(value).slice(0, MAX_CHAIN_NAME * 4);
  }

  chain(): string {
    const value = this.fields.chain;
    if (typeof value !== "string" || value.length === 0 || value.length > MAX_CHAIN_NAME) {
      throw this.error(
        `chain must be a chain name (a non-empty string of at most ${MAX_CHAIN_NAME} characters)`,
      );
    }
    return value;
  }

  signingScheme(): EcdsaSigningScheme {
    const value = this.fields.signingScheme;
    if ((ECDSA_SIGNING_SCHEMES as readonly unknown[]).includes(value)) {
      return value as EcdsaSigningScheme;
    }
    if ((LIT_SIGNING_SCHEMES as readonly unknown[]).includes(value)) {
      throw this.error(
        `signingScheme ${String(value)} is not supported by this oracle: it signs with ECDSA ` +
          `(${ECDSA_SIGNING_SCHEMES.join(", ")}); Lit's Schnorr and BLS schemes need its network's keys`,
      );
    }
    throw this.error(
      `signingScheme must be one of Lit's schemes (${ECDSA_SIGNING_SCHEMES.join(", ")}, …)`,
    );
  }

  array(name: string): HostValue[] {
    const value = this.fields[name];
    if (!Array.isArray(value)) throw this.error(`${name} must be an array`);
    return value as HostValue[];
  }

  optionalObject(name: string): { [key: string]: HostValue } {
    const value = this.fields[name];
    if (value === undefined || value === null) return {};
    if (typeof value !== "object" || Array.isArray(value))
      throw this.error(`${name} must be an object`);
    return value as { [key: string]: HostValue };
  }

  optionalJson(name: string): HostValue | undefined {
    const value = this.fields[name];
    return value === undefined || value === null ? undefined : (value as HostValue);
  }

  optionalBase64(name: string): Hex | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      throw this.error(`${name} must be base64`);
    }
    const bytes = fromBase64(value);
    if (bytes === undefined) throw this.error(`${name} must be base64`);
    return `0x${toHex(bytes)}`;
  }

  fetchMethod(): string {
    const value = this.fields.method;
    if (typeof value !== "string" || !FETCH_METHOD.test(value)) {
      throw this.error("method must be an HTTP method token");
    }
    return value;
  }

  headerPairs(): Array<[string, string]> {
    const value = this.fields.headers;
    if (value === undefined) return [];
    if (
      !Array.isArray(value) ||
      value.length > 256 ||
      !value.every(
        (pair) =>
          Array.isArray(pair) &&
          pair.length === 2 &&
          typeof pair[0] === "string" &&
          typeof pair[1] === "string",
      )
    ) {
      throw this.error("headers must be at most 256 [name, value] pairs of strings");
    }
    return value as Array<[string, string]>;
  }

  redirectMode(): RedirectMode {
    const value = this.fields.redirect ?? "follow";
    if (value !== "follow" && value !== "error" && value !== "manual") {
      throw this.error("redirect must be follow, error or manual");
    }
    return value;
  }

  private error(message: string): InvalidArgumentError {
    return new InvalidArgumentError(`${this.method}: ${message}`);
  }
}
