/**
 * Validation of a proof bundle on read. Hand-written rather than a JSON Schema library so that
 * every problem names its field in plain words (`pkp.publicKey: expected 0x04 followed by 64
 * bytes…`) and so that there is no dependency to audit. docs/PROOFS.md documents the same rules.
 *
 * All problems are collected, not just the first, so a malformed file is fixed in one go.
 */
import { CodedError } from "../codedError";
import { getAddress, isHexString } from "ethers";
import { isCidV0 } from "../cid";
import type { LitSignature } from "../oracle/signing";
import {
  PROOF_BUNDLE_VERSION,
  PROOF_CONTRACT_NAMES,
  REQUIRED_PROOF_CONTRACTS,
  type ProofBundle,
  type ProofContract,
  type ProofContractName,
} from "./bundle";
import { callerAt } from "./callerSchema";
import { recordingsAt } from "./recordingsSchema";

export type ProofBundleErrorCode = "PROOF_NOT_FOUND" | "PROOF_NOT_JSON" | "PROOF_MALFORMED";

/** A bundle that cannot be read; `problems` lists each bad field (empty for I/O errors). */
export class ProofBundleError extends CodedError<ProofBundleErrorCode> {
  constructor(
    code: ProofBundleErrorCode,
    message: string,
    readonly problems: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

const UINT256_MAX = 2n ** 256n - 1n;
const MAX_SIGNATURES = 32; // the runtime's maxSignatures: a bundle cannot honestly hold more

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") {
    const shown = value.length > 24 ? `${value.slice(0, 21)}...` : value;
    return `"${shown}" (${value.length} characters)`;
  }
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return `${typeof value} ${String(value)}`;
  }
  return "an object"; // what JSON.parse leaves: an object (functions and symbols cannot occur)
}

class Problems {
  readonly list: string[] = [];
  bad(field: string, expected: string, got: unknown): void {
    this.list.push(`${field}: expected ${expected}, got ${describe(got)}`);
  }
  /** Reports fields of `value` other than `allowed` (a typo would otherwise go unnoticed). */
  unknownFields(field: string, value: Json, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.list.push(`${field === "" ? key : `${field}.${key}`}: unknown field`);
      }
    }
  }
}

const isHex = (value: unknown, bytes: number): value is string =>
  typeof value === "string" && isHexString(value, bytes);
const isBareHex32 = (value: unknown): value is string =>
  typeof value === "string" && /^[0-9a-fA-F]{64}$/.test(value);
const isBlock = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

function checksummed(value: unknown): string | undefined {
  if (!isHex(value, 20)) return undefined;
  return getAddress(value.toLowerCase());
}

function contractAt(p: Problems, field: string, value: unknown): ProofContract | undefined {
  if (!isObject(value)) {
    p.bad(field, "{ address, deployedBlock }", value);
    return undefined;
  }
  p.unknownFields(field, value, ["address", "deployedBlock"]);
  const address = checksummed(value.address);
  if (address === undefined)
    p.bad(`${field}.address`, "an address (0x + 40 hex digits)", value.address);
  if (!isBlock(value.deployedBlock)) {
    p.bad(`${field}.deployedBlock`, "a block number (integer >= 0)", value.deployedBlock);
  }
  if (address === undefined || !isBlock(value.deployedBlock)) return undefined;
  return { address, deployedBlock: value.deployedBlock };
}

function signatureAt(p: Problems, field: string, value: unknown): LitSignature | undefined {
  if (!isObject(value)) {
    p.bad(field, "{ r, s, recid, signature, publicKey, dataSigned }", value);
    return undefined;
  }
  const before = p.list.length;
  p.unknownFields(field, value, ["r", "s", "recid", "signature", "publicKey", "dataSigned"]);
  if (!isBareHex32(value.r)) p.bad(`${field}.r`, "32 bytes as 64 hex digits without 0x", value.r);
  if (!isBareHex32(value.s)) p.bad(`${field}.s`, "32 bytes as 64 hex digits without 0x", value.s);
  if (value.recid !== 0 && value.recid !== 1) p.bad(`${field}.recid`, "0 or 1", value.recid);
  if (!isHex(value.signature, 65)) {
    p.bad(`${field}.signature`, "0x + 65 bytes (r ‖ s ‖ v)", value.signature);
  }
  if (!isHex(value.publicKey, 65) || !value.publicKey.toLowerCase().startsWith("0x04")) {
    p.bad(`${field}.publicKey`, "0x04 + 64 bytes (uncompressed secp256k1 key)", value.publicKey);
  }
  if (!isHex(value.dataSigned, 32)) p.bad(`${field}.dataSigned`, "0x + 32 bytes", value.dataSigned);
  if (p.list.length !== before) return undefined;
  return {
    r: value.r as string,
    s: value.s as string,
    recid: value.recid as 0 | 1,
    signature: value.signature as string,
    publicKey: value.publicKey as string,
    dataSigned: value.dataSigned as string,
  };
}

/**
 * Checks that `value` (parsed JSON) is a proof bundle of this version and returns it typed, with
 * checksummed addresses. Throws ProofBundleError (PROOF_MALFORMED) listing every bad field;
 * `source` (a file name) starts the message.
 */
export function parseProofBundle(value: unknown, source = "the proof bundle"): ProofBundle {
  const p = new Problems();
  if (!isObject(value)) {
    throw new ProofBundleError(
      "PROOF_MALFORMED",
      `${source} is not a proof bundle: expected a JSON object, got ${describe(value)}`,
      [`(root): expected an object, got ${describe(value)}`],
    );
  }
  p.unknownFields("", value, [
    "version",
    "chainId",
    "contracts",
    "pkp",
    "action",
    "mintTxHash",
    "execution",
  ]);
  if (value.version !== PROOF_BUNDLE_VERSION) {
    p.bad("version", `${PROOF_BUNDLE_VERSION} (the version this verifier reads)`, value.version);
  }
  if (!isBlock(value.chainId) || value.chainId === 0) {
    p.bad("chainId", "a chain id (positive integer)", value.chainId);
  }

  const contracts: Partial<Record<ProofContractName, ProofContract>> = {};
  if (!isObject(value.contracts)) {
    p.bad("contracts", `{ ${REQUIRED_PROOF_CONTRACTS.join(", ")}, … }`, value.contracts);
  } else {
    p.unknownFields("contracts", value.contracts, PROOF_CONTRACT_NAMES);
    for (const name of PROOF_CONTRACT_NAMES) {
      const entry = value.contracts[name];
      const required = (REQUIRED_PROOF_CONTRACTS as readonly string[]).includes(name);
      if (entry === undefined && !required) continue;
      const parsed = contractAt(p, `contracts.${name}`, entry);
      if (parsed !== undefined) contracts[name] = parsed;
    }
  }

  let pkp: ProofBundle["pkp"] | undefined;
  if (!isObject(value.pkp)) p.bad("pkp", "{ tokenId, publicKey, ethAddress }", value.pkp);
  else {
    p.unknownFields("pkp", value.pkp, ["tokenId", "publicKey", "ethAddress"]);
    const { tokenId, publicKey } = value.pkp;
    const tokenIdOk =
      typeof tokenId === "string" &&
      /^[0-9]{1,78}$/.test(tokenId) &&
      BigInt(tokenId) <= UINT256_MAX;
    if (!tokenIdOk) p.bad("pkp.tokenId", "a uint256 as a decimal string", tokenId);
    const publicKeyOk = isHex(publicKey, 65) && publicKey.toLowerCase().startsWith("0x04");
    if (!publicKeyOk) {
      p.bad("pkp.publicKey", "0x04 + 64 bytes (uncompressed secp256k1 key)", publicKey);
    }
    const ethAddress = checksummed(value.pkp.ethAddress);
    if (ethAddress === undefined) {
      p.bad("pkp.ethAddress", "an address (0x + 40 hex digits)", value.pkp.ethAddress);
    }
    if (tokenIdOk && publicKeyOk && ethAddress !== undefined) {
      // Keep the decimal canonical (no leading zeros) so that equal ids compare equal as strings.
      pkp = { tokenId: BigInt(tokenId).toString(), publicKey: publicKey.toLowerCase(), ethAddress };
    }
  }

  if (!isObject(value.action)) p.bad("action", "{ ipfsId, code }", value.action);
  else {
    p.unknownFields("action", value.action, ["ipfsId", "code"]);
    if (!isCidV0(value.action.ipfsId)) {
      p.bad(
        "action.ipfsId",
        "a CIDv0 (46 base58 characters starting with Qm)",
        value.action.ipfsId,
      );
    }
    if (typeof value.action.code !== "string" || value.action.code === "") {
      p.bad("action.code", "the action's source code (a non-empty string)", value.action.code);
    }
  }

  if (!isHex(value.mintTxHash, 32))
    p.bad("mintTxHash", "a transaction hash (0x + 32 bytes)", value.mintTxHash);

  const signatures: Record<string, LitSignature> = {};
  let recordings: ReturnType<typeof recordingsAt>;
  let caller: ReturnType<typeof callerAt>;
  const execution = value.execution;
  if (!isObject(execution)) p.bad("execution", "{ jsParams, response, signatures }", execution);
  else {
    p.unknownFields("execution", execution, [
      "jsParams",
      "response",
      "signatures",
      "recordings",
      "caller",
    ]);
    recordings = recordingsAt(p, "execution.recordings", execution.recordings);
    caller = callerAt(p, "execution.caller", execution.caller);
    if (!isObject(execution.jsParams)) {
      p.bad("execution.jsParams", "a JSON object", execution.jsParams);
    }
    if (typeof execution.response !== "string") {
      p.bad("execution.response", "a string", execution.response);
    }
    if (!isObject(execution.signatures)) {
      p.bad("execution.signatures", "an object of sigName → signature", execution.signatures);
    } else {
      const names = Object.keys(execution.signatures);
      if (names.length > MAX_SIGNATURES) {
        p.bad("execution.signatures", `at most ${MAX_SIGNATURES} signatures`, `${names.length}`);
      }
      for (const name of names.slice(0, MAX_SIGNATURES)) {
        const field = `execution.signatures.${name}`;
        const parsed = signatureAt(p, field, execution.signatures[name]);
        if (parsed !== undefined) signatures[name] = parsed;
      }
    }
  }

  if (p.list.length > 0) {
    throw new ProofBundleError(
      "PROOF_MALFORMED",
      `${source} is not a valid proof bundle:\n${p.list.map((line) => `  - ${line}`).join("\n")}`,
      p.list,
    );
  }
  const v = value as unknown as ProofBundle;
  return {
    version: PROOF_BUNDLE_VERSION,
    chainId: v.chainId,
    contracts: contracts as ProofBundle["contracts"],
    pkp: pkp as ProofBundle["pkp"],
    action: { ipfsId: v.action.ipfsId, code: v.action.code },
    mintTxHash: v.mintTxHash.toLowerCase(),
    execution: {
      jsParams: v.execution.jsParams,
      response: v.execution.response,
      signatures,
      ...(recordings === undefined ? {} : { recordings }),
      ...(caller === undefined ? {} : { caller }),
    },
  };
}
