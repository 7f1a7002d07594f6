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
 *
 * A bad argument rejects the action's promise with code INVALID_ARGUMENT (catchable inside the
 * action); it is never forwarded to the host.
 */
import { getAddress, hexlify, isHexString, keccak256, toUtf8Bytes } from "ethers";
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
    };

export type HostMethod = HostRequest["method"];

export type SigningRequest = Extract<
  HostRequest,
  { method: "signEcdsa" | "ethPersonalSignMessageEcdsa" | "signAndCombineEcdsa" }
>;

export function isSigningRequest(request: HostRequest): request is SigningRequest {
  return (
    request.method === "signEcdsa" ||
    request.method === "ethPersonalSignMessageEcdsa" ||
    request.method === "signAndCombineEcdsa"
  );
}

/** A sandbox call's argument was unusable; becomes a catchable rejection inside the action. */
export class InvalidArgumentError extends CodedError<"INVALID_ARGUMENT"> {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
  }
}

/** A call the runtime answers itself, without the host. */
export type LocalRequest = { method: "pubkeyToTokenId"; publicKey: Hex };

export type SandboxRequest = HostRequest | LocalRequest;

/** Lit's default for getPermittedAuthMethodScopes. */
const DEFAULT_MAX_SCOPE_ID = 100;
const MAX_SCOPE_ID_BOUND = 256;
const MAX_SIG_NAME_LENGTH = 256;
const MAX_KEY_ID_LENGTH = 256;
const UINT256_MAX = (1n << 256n) - 1n;

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

  private error(message: string): InvalidArgumentError {
    return new InvalidArgumentError(`${this.method}: ${message}`);
  }
}
