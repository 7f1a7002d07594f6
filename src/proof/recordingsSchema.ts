/**
 * Validation of a bundle's `execution.recordings` (src/oracle/recordings.ts), in the style of
 * ./schema.ts: every problem names its field. A response body kept in a record must hash to the
 * record's bodyHash (a bundle cannot be edited to replay other data). No node-only import.
 */
import {
  fromBase64,
  sha256Hex,
  type ExternalRecord,
  type FetchRecordRequest,
  type FetchRecordResponse,
} from "../oracle/recordings";

/** The oracle records at most 50 fetches plus chain reads and child actions per run. */
export const MAX_RECORDINGS = 10_000;

export interface SchemaProblems {
  bad(field: string, expected: string, got: unknown): void;
  unknownFields(field: string, value: Record<string, unknown>, allowed: readonly string[]): void;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isHash = (value: unknown): value is string =>
  typeof value === "string" && /^[0-9a-f]{64}$/.test(value);

function headerPairs(value: unknown): value is Array<[string, string]> {
  return (
    Array.isArray(value) &&
    value.every(
      (pair) =>
        Array.isArray(pair) &&
        pair.length === 2 &&
        typeof pair[0] === "string" &&
        typeof pair[1] === "string",
    )
  );
}

function fetchRequestAt(
  p: SchemaProblems,
  field: string,
  value: unknown,
): FetchRecordRequest | undefined {
  if (!isObject(value)) {
    p.bad(field, "{ url, method, headersHash, bodyHash? }", value);
    return undefined;
  }
  p.unknownFields(field, value, ["url", "method", "headersHash", "bodyHash"]);
  const before = problemsCount(p);
  if (typeof value.url !== "string") p.bad(`${field}.url`, "a URL", value.url);
  if (typeof value.method !== "string") p.bad(`${field}.method`, "an HTTP method", value.method);
  if (!isHash(value.headersHash)) p.bad(`${field}.headersHash`, "a sha256 hex", value.headersHash);
  if (value.bodyHash !== undefined && !isHash(value.bodyHash)) {
    p.bad(`${field}.bodyHash`, "a sha256 hex", value.bodyHash);
  }
  return problemsCount(p) === before ? (value as unknown as FetchRecordRequest) : undefined;
}

function fetchResponseAt(
  p: SchemaProblems,
  field: string,
  value: unknown,
): FetchRecordResponse | undefined {
  if (!isObject(value)) {
    p.bad(
      field,
      "{ status, statusText, url, redirected, headers, bodyHash, bodyBytes, body? }",
      value,
    );
    return undefined;
  }
  p.unknownFields(field, value, [
    "status",
    "statusText",
    "url",
    "redirected",
    "headers",
    "bodyHash",
    "bodyBytes",
    "body",
  ]);
  const before = problemsCount(p);
  if (
    !Number.isInteger(value.status) ||
    (value.status as number) < 0 ||
    (value.status as number) > 999
  ) {
    p.bad(`${field}.status`, "an HTTP status", value.status);
  }
  if (typeof value.statusText !== "string")
    p.bad(`${field}.statusText`, "a string", value.statusText);
  if (typeof value.url !== "string") p.bad(`${field}.url`, "a URL", value.url);
  if (typeof value.redirected !== "boolean")
    p.bad(`${field}.redirected`, "a boolean", value.redirected);
  if (!headerPairs(value.headers))
    p.bad(`${field}.headers`, "[name, value] pairs of strings", value.headers);
  if (!isHash(value.bodyHash)) p.bad(`${field}.bodyHash`, "a sha256 hex", value.bodyHash);
  if (!Number.isInteger(value.bodyBytes) || (value.bodyBytes as number) < 0) {
    p.bad(`${field}.bodyBytes`, "a byte count", value.bodyBytes);
  }
  if (value.body !== undefined) {
    const body = typeof value.body === "string" ? fromBase64(value.body) : undefined;
    if (body === undefined) p.bad(`${field}.body`, "base64", value.body);
    else if (body.length !== value.bodyBytes || sha256Hex(body) !== value.bodyHash) {
      p.bad(`${field}.body`, "the bytes whose length and sha256 the record names", "other bytes");
    }
  }
  return problemsCount(p) === before ? (value as unknown as FetchRecordResponse) : undefined;
}

// The Problems class of ./schema.ts exposes its list; count through it when present.
function problemsCount(p: SchemaProblems): number {
  return (p as unknown as { list?: unknown[] }).list?.length ?? 0;
}

/** The recordings of a bundle, checked; undefined if absent (or when problems were found). */
export function recordingsAt(
  p: SchemaProblems,
  field: string,
  value: unknown,
): ExternalRecord[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    p.bad(field, "an array of records", value);
    return undefined;
  }
  if (value.length > MAX_RECORDINGS) {
    p.bad(field, `at most ${MAX_RECORDINGS} records`, `${value.length}`);
    return undefined;
  }
  const before = problemsCount(p);
  value.forEach((record, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(record)) {
      p.bad(at, "a record { kind, … }", record);
      return;
    }
    if (record.kind === "fetch") {
      p.unknownFields(at, record, ["kind", "request", "response", "error"]);
      fetchRequestAt(p, `${at}.request`, record.request);
      if ((record.response === undefined) === (record.error === undefined)) {
        p.bad(at, "either a response or an error", record);
      } else if (record.response !== undefined) {
        fetchResponseAt(p, `${at}.response`, record.response);
      } else if (
        !isObject(record.error) ||
        typeof record.error.code !== "string" ||
        typeof record.error.message !== "string"
      ) {
        p.bad(`${at}.error`, "{ code, message }", record.error);
      }
    } else if (record.kind === "rpc") {
      p.unknownFields(at, record, ["kind", "chain", "method", "params", "result", "error"]);
      if (typeof record.chain !== "string") p.bad(`${at}.chain`, "a chain name", record.chain);
      if (typeof record.method !== "string")
        p.bad(`${at}.method`, "a JSON-RPC method", record.method);
      if (!Array.isArray(record.params)) p.bad(`${at}.params`, "an array", record.params);
      if (
        record.error !== undefined &&
        (!isObject(record.error) || typeof record.error.message !== "string")
      ) {
        p.bad(`${at}.error`, "{ code, message }", record.error);
      }
    } else if (record.kind === "action") {
      p.unknownFields(at, record, ["kind", "ipfsId", "code"]);
      if (typeof record.ipfsId !== "string") p.bad(`${at}.ipfsId`, "a CID", record.ipfsId);
      if (record.code !== undefined && typeof record.code !== "string")
        p.bad(`${at}.code`, "the action's code", record.code);
    } else {
      p.bad(`${at}.kind`, '"fetch", "rpc" or "action"', record.kind);
    }
  });
  return problemsCount(p) === before ? (value as ExternalRecord[]) : undefined;
}
