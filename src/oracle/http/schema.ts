/**
 * Request bodies of the HTTP API, validated before anything reaches the oracle. Every violation
 * is INVALID_REQUEST (400) with a message naming the field; unknown fields are refused too, so a
 * misspelt `ipfsID` fails loudly instead of silently running other code. The authSig's fields are
 * checked by the oracle's verifier (INVALID_AUTH_SIG, 401), not here.
 */
import type { AuthSig } from "../authSig";
import { OracleError } from "../errors";
import type { DecryptRequest, EncryptRequest, ExecuteRequest, PkpSignRequest } from "../oracle";
import { normalizeDigest, normalizePublicKey } from "../signing";

/** Deeper jsParams are refused: they would only exercise recursion in JSON.stringify. */
export const MAX_JSON_DEPTH = 64;

type JsonObject = Record<string, unknown>;

function invalid(message: string): OracleError {
  return new OracleError("INVALID_REQUEST", message);
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireObject(body: unknown, what: string): JsonObject {
  if (!isPlainObject(body)) throw invalid(`${what} must be a JSON object`);
  return body;
}

function onlyKeys(body: JsonObject, route: string, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw invalid(`unknown field "${key}" for ${route}; allowed: ${allowed.join(", ")}`);
    }
  }
}

function optionalString(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalid(`${key} must be a string`);
  return value;
}

function requiredString(body: JsonObject, key: string): string {
  const value = optionalString(body, key);
  if (value === undefined) throw invalid(`${key} is required`);
  return value;
}

/** Depth of nested arrays/objects, stopping (without recursion past it) at `limit + 1`. */
function depthOf(value: unknown, limit: number, depth = 0): number {
  if (typeof value !== "object" || value === null) return depth;
  if (depth > limit) return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, limit, depth + 1));
    if (deepest > limit) break;
  }
  return deepest;
}

function optionalAuthSig(body: JsonObject, required: boolean): AuthSig | undefined {
  const value = body.authSig;
  if (value === undefined) {
    if (required) throw new OracleError("INVALID_AUTH_SIG", "this route needs an authSig");
    return undefined;
  }
  // The verifier checks every field and answers INVALID_AUTH_SIG; here only the JSON type.
  if (!isPlainObject(value)) throw invalid("authSig must be a JSON object");
  return value as unknown as AuthSig;
}

/** `POST /execute` `{ code?, ipfsId?, jsParams?, authSig? }`. */
export function parseExecuteRequest(body: unknown): ExecuteRequest {
  const object = requireObject(body, "the /execute body");
  onlyKeys(object, "/execute", ["code", "ipfsId", "jsParams", "authSig"]);
  const code = optionalString(object, "code");
  const ipfsId = optionalString(object, "ipfsId");
  if (code === undefined && ipfsId === undefined) {
    throw invalid("give the action's code, its ipfsId, or both");
  }
  const request: ExecuteRequest = {};
  if (code !== undefined) request.code = code;
  if (ipfsId !== undefined) request.ipfsId = ipfsId;
  if (object.jsParams !== undefined) {
    if (!isPlainObject(object.jsParams)) throw invalid("jsParams must be a JSON object");
    if (depthOf(object.jsParams, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      throw invalid(`jsParams is nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    request.jsParams = object.jsParams;
  }
  const authSig = optionalAuthSig(object, false);
  if (authSig !== undefined) request.authSig = authSig;
  return request;
}

/** `POST /pkp/sign` `{ pubKey, toSign, authSig }`; toSign is 32 bytes as 0x-hex or numbers. */
export function parsePkpSignRequest(body: unknown): PkpSignRequest {
  const object = requireObject(body, "the /pkp/sign body");
  onlyKeys(object, "/pkp/sign", ["pubKey", "toSign", "authSig"]);
  const pubKey = requiredString(object, "pubKey");
  try {
    normalizePublicKey(pubKey);
  } catch (error) {
    throw invalid(`pubKey: ${(error as Error).message}`);
  }
  const toSign = object.toSign;
  if (toSign === undefined) throw invalid("toSign is required");
  let digest: string;
  if (typeof toSign === "string") {
    digest = toSign;
  } else if (
    Array.isArray(toSign) &&
    toSign.length <= 64 &&
    toSign.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)
  ) {
    digest = `0x${Buffer.from(toSign as number[]).toString("hex")}`;
  } else {
    throw invalid("toSign must be 32 bytes: 0x-hex or an array of byte values");
  }
  try {
    digest = normalizeDigest(digest);
  } catch (error) {
    throw invalid(`toSign: ${(error as Error).message}`);
  }
  const authSig = optionalAuthSig(object, true) as AuthSig;
  return { pubKey, toSign: digest, authSig };
}

/** `POST /actions` `{ code }`. */
export function parseStoreActionRequest(body: unknown): { code: string } {
  const object = requireObject(body, "the /actions body");
  onlyKeys(object, "/actions", ["code"]);
  return { code: requiredString(object, "code") };
}

/** Lit's four condition-list keys (exactly one per request; the oracle checks which). */
const CONDITION_KEYS = [
  "accessControlConditions",
  "evmContractConditions",
  "unifiedAccessControlConditions",
  "solRpcConditions",
] as const;

function conditionFields(
  object: JsonObject,
): Partial<Record<(typeof CONDITION_KEYS)[number], unknown[]>> {
  const out: Partial<Record<(typeof CONDITION_KEYS)[number], unknown[]>> = {};
  for (const key of CONDITION_KEYS) {
    const value = object[key];
    if (value === undefined) continue;
    if (!Array.isArray(value)) throw invalid(`${key} must be an array`);
    if (depthOf(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      throw invalid(`${key} is nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    out[key] = value;
  }
  return out;
}

/** `POST /encrypt` `{ <conditions>, dataToEncrypt, chain? }`. */
export function parseEncryptRequest(body: unknown): EncryptRequest {
  const object = requireObject(body, "the /encrypt body");
  onlyKeys(object, "/encrypt", [...CONDITION_KEYS, "dataToEncrypt", "chain"]);
  optionalString(object, "chain");
  const data = object.dataToEncrypt;
  if (typeof data !== "string" && !Array.isArray(data)) {
    throw invalid("dataToEncrypt must be a string (UTF-8) or an array of byte values");
  }
  return { ...conditionFields(object), dataToEncrypt: data as string | number[] };
}

/** `POST /decrypt` `{ <conditions>, ciphertext, dataToEncryptHash, chain, authSig? }`. */
export function parseDecryptRequest(body: unknown): DecryptRequest {
  const object = requireObject(body, "the /decrypt body");
  onlyKeys(object, "/decrypt", [
    ...CONDITION_KEYS,
    "ciphertext",
    "dataToEncryptHash",
    "chain",
    "authSig",
  ]);
  const request: DecryptRequest = {
    ...conditionFields(object),
    ciphertext: requiredString(object, "ciphertext"),
    dataToEncryptHash: requiredString(object, "dataToEncryptHash"),
    chain: requiredString(object, "chain"),
  };
  const authSig = optionalAuthSig(object, false);
  if (authSig !== undefined) request.authSig = authSig;
  return request;
}
