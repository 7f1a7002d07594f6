/**
 * Lit's access-control conditions as data: their canonical form, the hash of that form, and the
 * identity a ciphertext is bound to (LIT-AUTH.md E). Pure (no node-only import), so a browser
 * can compute an identity too.
 *
 * - The canonical form keeps Lit's fixed keys in Lit's order: an evmBasic condition is
 *   `{contractAddress, chain, standardContractType, method, parameters, returnValueTest{comparator,
 *   value}}`; an evmContract condition is `{contractAddress, functionName, functionParams,
 *   functionAbi{name, inputs[{name, type}], outputs[{name, type}], constant, stateMutability},
 *   chain, returnValueTest{key, comparator, value}}`; an operator is `{operator}`; a group is an
 *   array. Absent fields stay absent (JSON.stringify drops them), as in Lit's SDK.
 * - `hashOfConditions = sha256(JSON.stringify(canonical list))`, and the identity is
 *   `"lit-accesscontrolcondition://" + hex(hashOfConditions) + "/" + dataToEncryptHash`.
 * - Unified conditions carry `conditionType`; Lit's SDK formats an evmBasic unified item exactly as
 *   a plain one, so the same conditions hash the same whichever list they come in. Inside actions
 *   Lit parses conditions as unified ones; an item without `conditionType` is taken here as
 *   evmContract when it has a `functionAbi`, else as evmBasic (Lit's naga refuses it).
 */
import { sha256 } from "@noble/hashes/sha256";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import { CodedError } from "../../codedError";

export const CONDITION_KIND_NAMES = [
  "accessControlConditions",
  "evmContractConditions",
  "unifiedAccessControlConditions",
  "solRpcConditions",
] as const;
export type ConditionKind = (typeof CONDITION_KIND_NAMES)[number];

/** Malformed or unevaluable conditions, or (CONDITIONS_NOT_MET) conditions that do not hold. */
export class ConditionsError extends CodedError<"INVALID_CONDITIONS" | "CONDITIONS_NOT_MET"> {
  constructor(
    message: string,
    code: "INVALID_CONDITIONS" | "CONDITIONS_NOT_MET" = "INVALID_CONDITIONS",
  ) {
    super(code, message);
  }
}

/** Bounds on what one request may ask the oracle to evaluate. */
export const MAX_CONDITIONS = 64;
export const MAX_CONDITION_DEPTH = 8;

export const IDENTITY_PREFIX = "lit-accesscontrolcondition://";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** One condition of a list, its kind resolved (groups and operators aside). */
export type ConditionType = "evmBasic" | "evmContract" | "solRpc" | "cosmos";

export type CanonicalItem =
  { operator: string } | CanonicalItem[] | (JsonObject & { __type?: never });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object with the given keys in order; undefined values dropped (as JSON.stringify would). */
function pick(source: Record<string, unknown>, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const key of keys) {
    if (source[key] !== undefined) out[key] = source[key] as Json;
  }
  return out;
}

function abiParams(value: unknown): Json {
  if (!Array.isArray(value)) return value as Json;
  return value.map((param) => (isObject(param) ? pick(param, ["name", "type"]) : (param as Json)));
}

function canonicalBasic(cond: Record<string, unknown>): JsonObject {
  const test = isObject(cond.returnValueTest) ? cond.returnValueTest : {};
  return {
    ...pick(cond, ["contractAddress", "chain", "standardContractType", "method", "parameters"]),
    returnValueTest: pick(test, ["comparator", "value"]),
  };
}

function canonicalContract(cond: Record<string, unknown>): JsonObject {
  const abi = isObject(cond.functionAbi) ? cond.functionAbi : {};
  const test = isObject(cond.returnValueTest) ? cond.returnValueTest : {};
  const functionAbi: JsonObject = {
    ...pick(abi, ["name"]),
    inputs: abiParams(abi.inputs),
    outputs: abiParams(abi.outputs),
    constant: abi.constant === undefined ? false : (abi.constant as Json),
    ...pick(abi, ["stateMutability"]),
  };
  if (functionAbi.inputs === undefined) delete functionAbi.inputs;
  if (functionAbi.outputs === undefined) delete functionAbi.outputs;
  return {
    ...pick(cond, ["contractAddress", "functionName", "functionParams"]),
    functionAbi,
    ...pick(cond, ["chain"]),
    returnValueTest: pick(test, ["key", "comparator", "value"]),
  };
}

function canonicalSolRpc(cond: Record<string, unknown>): JsonObject {
  const test = isObject(cond.returnValueTest) ? cond.returnValueTest : {};
  const returnValueTest = pick(test, ["key", "comparator", "value"]);
  const pda = isObject(cond.pdaInterface) ? cond.pdaInterface : {};
  return {
    ...pick(cond, ["method", "params", "pdaParams"]),
    pdaInterface: pick(pda, ["offset", "fields"]),
    ...pick(cond, ["pdaKey", "chain"]),
    returnValueTest,
  };
}

function canonicalCosmos(cond: Record<string, unknown>): JsonObject {
  const test = isObject(cond.returnValueTest) ? cond.returnValueTest : {};
  return {
    ...pick(cond, ["path", "chain", "method", "parameters"]),
    returnValueTest: pick(test, ["key", "comparator", "value"]),
  };
}

/** The type of one condition object of a list of `kind`. */
export function conditionTypeOf(kind: ConditionKind, cond: Record<string, unknown>): ConditionType {
  switch (kind) {
    case "accessControlConditions":
      return "evmBasic";
    case "evmContractConditions":
      return "evmContract";
    case "solRpcConditions":
      return "solRpc";
    case "unifiedAccessControlConditions": {
      const type = cond.conditionType;
      if (type === "evmBasic" || type === "evmContract" || type === "solRpc" || type === "cosmos") {
        return type;
      }
      if (type === undefined) return isObject(cond.functionAbi) ? "evmContract" : "evmBasic";
      throw new ConditionsError(
        `conditionType ${JSON.stringify(type)} is not one of evmBasic, evmContract, solRpc, cosmos`,
      );
    }
  }
}

function canonicalItem(
  kind: ConditionKind,
  item: unknown,
  depth: number,
  count: { n: number },
): Json {
  if (Array.isArray(item)) {
    if (depth >= MAX_CONDITION_DEPTH) {
      throw new ConditionsError(`conditions are nested deeper than ${MAX_CONDITION_DEPTH} groups`);
    }
    return item.map((child) => canonicalItem(kind, child, depth + 1, count));
  }
  if (!isObject(item))
    throw new ConditionsError(
      `a condition must be an object, got ${JSON.stringify(item) ?? String(item)}`,
    );
  if ("operator" in item) return { operator: item.operator as Json };
  if (!("returnValueTest" in item)) {
    throw new ConditionsError(
      `a condition needs a returnValueTest (or is an {operator}): ${JSON.stringify(item).slice(0, 200)}`,
    );
  }
  count.n += 1;
  if (count.n > MAX_CONDITIONS) throw new ConditionsError(`more than ${MAX_CONDITIONS} conditions`);
  switch (conditionTypeOf(kind, item)) {
    case "evmBasic":
      return canonicalBasic(item);
    case "evmContract":
      return canonicalContract(item);
    case "solRpc":
      return canonicalSolRpc(item);
    case "cosmos":
      return canonicalCosmos(item);
  }
}

/** Lit's canonical form of a condition list; throws ConditionsError on a malformed one. */
export function canonicalConditions(kind: ConditionKind, conditions: unknown): Json[] {
  if (!Array.isArray(conditions) || conditions.length === 0) {
    throw new ConditionsError(`${kind} must be a non-empty array`);
  }
  const count = { n: 0 };
  return conditions.map((item) => canonicalItem(kind, item, 0, count));
}

/** hex(sha256(JSON.stringify(canonical conditions))), lowercase. */
export function hashConditions(kind: ConditionKind, conditions: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(canonicalConditions(kind, conditions)))));
}

/** Lit's `dataToEncryptHash`: hex(sha256(data)), lowercase, no 0x. */
export function dataToEncryptHashOf(data: Uint8Array): string {
  return bytesToHex(sha256(data));
}

/** The identity a ciphertext is bound to: Lit's access-control resource key. */
export function encryptionIdentity(
  kind: ConditionKind,
  conditions: unknown,
  dataToEncryptHash: string,
): string {
  if (!/^[0-9a-f]{64}$/.test(dataToEncryptHash)) {
    throw new ConditionsError(
      "dataToEncryptHash must be 64 lowercase hex characters (sha256, no 0x)",
    );
  }
  return `${IDENTITY_PREFIX}${hashConditions(kind, conditions)}/${dataToEncryptHash}`;
}

/**
 * The one condition list of a request: exactly one of Lit's four keys must be present.
 * Returns its kind and value.
 */
export function conditionListOf(body: Partial<Record<ConditionKind, unknown>>): {
  kind: ConditionKind;
  conditions: unknown[];
} {
  const present = CONDITION_KIND_NAMES.filter((key) => body[key] !== undefined);
  if (present.length !== 1) {
    throw new ConditionsError(
      `give exactly one of ${CONDITION_KIND_NAMES.join(", ")} (got ${present.length === 0 ? "none" : present.join(" and ")})`,
    );
  }
  const kind = present[0];
  const conditions = body[kind];
  if (!Array.isArray(conditions)) throw new ConditionsError(`${kind} must be an array`);
  return { kind, conditions };
}
