/**
 * The page's JSON-RPC endpoint: a proxy to the network's RPC URL that lets through only the
 * read-only methods the explorer needs. Anything else — alone or anywhere in a batch — is refused
 * with 403 RPC_METHOD_FORBIDDEN before a byte reaches the chain.
 *
 * What is forwarded is the validated request re-serialised, never the client's bytes: a body the
 * proxy reads one way (e.g. a duplicate "method" key) cannot be read another way upstream.
 */
import { ExplorerError } from "./errors";
import { fetchUpstream, type UpstreamAnswer } from "./upstream";

/** The only methods the proxy forwards (docs/EXPLORER.md). */
export const READ_ONLY_RPC_METHODS: ReadonlySet<string> = new Set([
  "eth_call",
  "eth_getLogs",
  "eth_getTransactionReceipt",
  "eth_getTransactionByHash",
  "eth_getCode",
  "eth_blockNumber",
  "eth_chainId",
  "eth_getBlockByNumber",
]);

export interface RpcProxyLimits {
  /** Request body cap (default 256 KiB). */
  maxBodyBytes: number;
  /** Requests in one batch (default 50). */
  maxBatch: number;
  /** Time the chain has to answer (default 30 s), then 504 UPSTREAM_TIMEOUT. */
  upstreamTimeoutMs: number;
  /** Bound on one answer of the chain (default 16 MiB), then 502 UPSTREAM_TOO_LARGE. */
  maxResponseBytes: number;
}

export const DEFAULT_RPC_PROXY_LIMITS: Readonly<RpcProxyLimits> = Object.freeze({
  maxBodyBytes: 256 * 1024,
  maxBatch: 50,
  upstreamTimeoutMs: 30_000,
  maxResponseBytes: 16 * 1024 * 1024,
});

export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id?: JsonRpcId;
  method: string;
  params?: unknown[] | Record<string, unknown>;
}

const FIELDS = new Set(["jsonrpc", "id", "method", "params"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkOne(value: unknown, where: string): JsonRpcRequest {
  if (!isPlainObject(value)) {
    throw new ExplorerError("INVALID_REQUEST", `${where} is not a JSON-RPC request object`);
  }
  const unknown = Object.keys(value).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) {
    throw new ExplorerError(
      "INVALID_REQUEST",
      `${where} has fields JSON-RPC does not define: ${unknown.join(", ")}`,
    );
  }
  if (value.jsonrpc !== "2.0") {
    throw new ExplorerError("INVALID_REQUEST", `${where}: "jsonrpc" must be "2.0"`);
  }
  if (typeof value.method !== "string" || value.method === "") {
    throw new ExplorerError("INVALID_REQUEST", `${where}: "method" must be a method name`);
  }
  const { id, params } = value;
  if (id !== undefined && id !== null && typeof id !== "string" && typeof id !== "number") {
    throw new ExplorerError("INVALID_REQUEST", `${where}: "id" must be a string, number or null`);
  }
  if (params !== undefined && !Array.isArray(params) && !isPlainObject(params)) {
    throw new ExplorerError("INVALID_REQUEST", `${where}: "params" must be an array or object`);
  }
  return value as unknown as JsonRpcRequest;
}

function forbidden(method: string, where: string): ExplorerError {
  return new ExplorerError(
    "RPC_METHOD_FORBIDDEN",
    `${where}method ${JSON.stringify(method.slice(0, 100))} is not allowed: the explorer's proxy is ` +
      `read-only (${[...READ_ONLY_RPC_METHODS].join(", ")})`,
  );
}

/**
 * Checks a parsed body: one request, or a non-empty batch of at most `maxBatch`, every method in
 * READ_ONLY_RPC_METHODS. Returns what to forward; throws ExplorerError.
 */
export function checkRpcBody(
  body: unknown,
  limits: Pick<RpcProxyLimits, "maxBatch"> = DEFAULT_RPC_PROXY_LIMITS,
): JsonRpcRequest | JsonRpcRequest[] {
  if (!Array.isArray(body)) {
    const request = checkOne(body, "the body");
    if (!READ_ONLY_RPC_METHODS.has(request.method)) throw forbidden(request.method, "");
    return request;
  }
  if (body.length === 0) throw new ExplorerError("INVALID_REQUEST", "the batch is empty");
  if (body.length > limits.maxBatch) {
    throw new ExplorerError(
      "LIMIT_EXCEEDED",
      `the batch holds ${body.length} requests; the limit is ${limits.maxBatch}`,
    );
  }
  const requests = body.map((entry, index) => checkOne(entry, `batch entry ${index}`));
  const refused = requests.findIndex((request) => !READ_ONLY_RPC_METHODS.has(request.method));
  if (refused >= 0) {
    throw forbidden(requests[refused].method, `batch entry ${refused}: `);
  }
  return requests;
}

/** The id to answer a refusal with (null for batches and bodies that are not requests). */
export function refusalId(body: unknown): JsonRpcId {
  if (!isPlainObject(body)) return null;
  const { id } = body;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

/** Forwards checked requests to the chain; the answer is passed back as the chain gave it. */
export async function forwardRpc(
  upstreamUrl: string,
  requests: JsonRpcRequest | JsonRpcRequest[],
  limits: Pick<RpcProxyLimits, "upstreamTimeoutMs" | "maxResponseBytes"> = DEFAULT_RPC_PROXY_LIMITS,
): Promise<UpstreamAnswer> {
  const answer = await fetchUpstream(
    upstreamUrl,
    {
      method: "POST",
      body: JSON.stringify(requests),
      timeoutMs: limits.upstreamTimeoutMs,
      maxBytes: limits.maxResponseBytes,
    },
    { name: "chain's RPC endpoint", unreachable: "CHAIN_UNREACHABLE" },
  );
  if (answer.status !== 200) {
    throw new ExplorerError(
      "CHAIN_UNREACHABLE",
      `the chain's RPC endpoint answered HTTP ${answer.status} instead of a JSON-RPC answer`,
    );
  }
  return answer;
}

/** JSON-RPC error codes for the proxy's refusals (the typed code is in `error.data.code`). */
export function jsonRpcErrorCode(code: ExplorerError["code"]): number {
  switch (code) {
    case "INVALID_REQUEST":
      return -32600;
    case "RPC_METHOD_FORBIDDEN":
      return -32601;
    case "LIMIT_EXCEEDED":
    case "BUSY":
      return -32005;
    default:
      return -32603;
  }
}
