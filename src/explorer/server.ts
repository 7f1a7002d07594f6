/**
 * The explorer's HTTP server (node:http only): the page's static files, the read-only JSON-RPC
 * proxy to the chain (`POST /rpc`), and a small JSON read API for what the page cannot get from the
 * chain alone (`/api/config`, `/api/actions/<cid>`, `/api/oracle/health`).
 *
 *   const server = await startExplorerServer({ assets, network, rpcUrl, readDeployment });
 *   // server.url: http://127.0.0.1:8788
 *   await server.close();
 *
 * Like the oracle's service, nothing a client sends may crash it: bodies are capped and checked,
 * work is bounded (503 BUSY past the bound), the chain and the oracle have timeouts and answer-size
 * bounds, slow clients are cut off, and every refusal is a typed error with a code.
 */
import * as http from "node:http";
import { answerClientErrors, listen } from "../http/serverLifecycle";
import { DeploymentError, type DeploymentRecord } from "../deploymentRecord";
import { DEFAULT_LOG_CHUNK_BLOCKS } from "../proof/chainLogs";
import { readJsonBody } from "../oracle/http/body";
import { ConcurrencyLimiter } from "../oracle/http/limiter";
import { OracleError } from "../oracle/errors";
import type { ExplorerAssets } from "./assets";
import { EXPLORER_ERROR_STATUS, ExplorerError, toExplorerError } from "./errors";
import {
  DEFAULT_ORACLE_PROXY_LIMITS,
  fetchActionCode,
  fetchOracleHealth,
  type OracleProxyLimits,
} from "./oracleProxy";
import {
  DEFAULT_RPC_PROXY_LIMITS,
  READ_ONLY_RPC_METHODS,
  checkRpcBody,
  forwardRpc,
  jsonRpcErrorCode,
  refusalId,
  type JsonRpcId,
  type RpcProxyLimits,
} from "./rpcProxy";
import { redactedOrigin } from "./upstream";

export const DEFAULT_EXPLORER_HOST = "127.0.0.1";
export const DEFAULT_EXPLORER_PORT = 8788;
/** /rpc and /api requests worked on at once; more get 503 BUSY. Static files are not bounded. */
export const DEFAULT_EXPLORER_MAX_CONCURRENT = 32;

export interface ExplorerServerOptions {
  assets: ExplorerAssets;
  /** The Hardhat network name (shown by the page; names the deployment record). */
  network: string;
  /** The network's JSON-RPC URL: the proxy's only upstream. Never shown to the page in full. */
  rpcUrl: string;
  /** pkp:oracle's URL, for actions' code; without it the page says the oracle is not configured. */
  oracleUrl?: string;
  /** Reads the deployment record (called per /api/config, so a new deployment is picked up). */
  readDeployment: () => Promise<DeploymentRecord>;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8788; 0 picks a free port. */
  port?: number;
  /** Bound on /rpc and /api requests in progress (default 32). */
  maxConcurrent?: number;
  rpcLimits?: Partial<RpcProxyLimits>;
  oracleLimits?: Partial<OracleProxyLimits>;
  /** Blocks per eth_getLogs the page asks for (default 5000). */
  logChunkBlocks?: number;
  /** Time a client has to send its headers (default 10 s) and its whole request (default 30 s). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Receives one line per refused or failed request (default: none). */
  log?: (line: ExplorerLogLine) => void;
}

export interface ExplorerLogLine {
  method: string;
  path: string;
  status: number;
  code: string;
  message: string;
}

export interface ExplorerServer {
  url: string;
  port: number;
  /** Stops accepting connections, lets requests in progress finish (at most 5 s), closes. */
  close(): Promise<void>;
}

/** What `GET /api/config` answers: everything the page needs to start. */
export interface ExplorerConfig {
  network: string;
  rpc: { path: "/rpc"; origin: string; methods: string[] };
  deployment: {
    chainId: number;
    deployedAt: string;
    contracts: Record<string, { address: string; blockNumber: number }>;
  } | null;
  /** Why there is no deployment (DEPLOYMENT_NOT_FOUND: run pkp:deploy). */
  deploymentError?: { code: string; message: string };
  oracle: { configured: boolean; origin?: string };
  logChunkBlocks: number;
}

const JSON_TYPE = "application/json; charset=utf-8";
/**
 * The page loads from this origin only: scripts, styles, the worker and its WebAssembly, and every
 * request it makes. A dependency that tried to reach another host would be blocked by the browser.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

function isLoopbackHostname(hostname: string): boolean {
  return (
    hostname === "localhost" ||
    hostname === "[::1]" ||
    hostname === "::1" ||
    /^127(\.\d{1,3}){3}$/.test(hostname)
  );
}

/** The host part of a Host header (`127.0.0.1:8788` → `127.0.0.1`, `[::1]:80` → `[::1]`). */
function hostnameOf(header: string): string {
  if (header.startsWith("[")) return header.slice(0, header.indexOf("]") + 1);
  return header.split(":")[0].toLowerCase();
}

/** Errors of the modules reused from the oracle's HTTP layer (body reading) keep their code. */
function asExplorerError(error: unknown): ExplorerError {
  if (
    error instanceof OracleError &&
    (error.code === "LIMIT_EXCEEDED" || error.code === "INVALID_REQUEST")
  ) {
    return new ExplorerError(error.code, error.message, { cause: error });
  }
  return toExplorerError(error);
}

export async function startExplorerServer(options: ExplorerServerOptions): Promise<ExplorerServer> {
  const host = options.host ?? DEFAULT_EXPLORER_HOST;
  const rpcLimits: RpcProxyLimits = { ...DEFAULT_RPC_PROXY_LIMITS, ...options.rpcLimits };
  const oracleLimits: OracleProxyLimits = {
    ...DEFAULT_ORACLE_PROXY_LIMITS,
    ...options.oracleLimits,
  };
  const limiter = new ConcurrencyLimiter(options.maxConcurrent ?? DEFAULT_EXPLORER_MAX_CONCURRENT);
  const log = options.log ?? (() => undefined);
  // Behind a loopback listener only loopback names are accepted, so a web page elsewhere cannot
  // reach the proxy through a DNS name rebound to 127.0.0.1.
  const checkHost = isLoopbackHostname(host);

  async function config(): Promise<ExplorerConfig> {
    let deployment: ExplorerConfig["deployment"] = null;
    let deploymentError: ExplorerConfig["deploymentError"];
    try {
      const record = await options.readDeployment();
      deployment = {
        chainId: record.chainId,
        deployedAt: record.deployedAt,
        contracts: Object.fromEntries(
          Object.entries(record.contracts).map(([name, c]) => [
            name,
            { address: c.address, blockNumber: c.blockNumber },
          ]),
        ),
      };
    } catch (error) {
      if (!(error instanceof DeploymentError)) throw error;
      deploymentError = { code: error.code, message: error.message };
    }
    return {
      network: options.network,
      rpc: {
        path: "/rpc",
        origin: redactedOrigin(options.rpcUrl),
        methods: [...READ_ONLY_RPC_METHODS],
      },
      deployment,
      ...(deploymentError ? { deploymentError } : {}),
      oracle:
        options.oracleUrl === undefined
          ? { configured: false }
          : { configured: true, origin: redactedOrigin(options.oracleUrl) },
      logChunkBlocks: options.logChunkBlocks ?? DEFAULT_LOG_CHUNK_BLOCKS,
    };
  }

  function send(
    response: http.ServerResponse,
    status: number,
    body: Buffer | string,
    type: string,
  ) {
    if (response.headersSent) return;
    response.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    response.end(body);
  }

  function sendJson(response: http.ServerResponse, status: number, body: unknown) {
    send(response, status, JSON.stringify(body), JSON_TYPE);
  }

  /**
   * Sends a refusal: `{ error: { code, message } }`, or on /rpc JSON-RPC's error shape with the
   * typed code in `error.data.code` (so a JSON-RPC client shows the message).
   */
  function sendRefusal(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    refusal: ExplorerError,
    rpc: { id: JsonRpcId } | undefined,
  ) {
    log({
      method: request.method ?? "",
      path: (request.url ?? "").slice(0, 200),
      status: refusal.status,
      code: refusal.code,
      message: refusal.message,
    });
    // A body we stopped reading (or never read) leaves the connection unusable: close it.
    if (!request.complete) response.setHeader("connection", "close");
    // An unexpected exception's detail goes to the explorer's output only, not to the page.
    const message =
      refusal.code === "INTERNAL"
        ? "internal error of the explorer server (its output has the detail)"
        : refusal.message;
    const error = { code: refusal.code, message };
    sendJson(
      response,
      refusal.status,
      rpc
        ? {
            jsonrpc: "2.0",
            id: rpc.id,
            error: {
              code: jsonRpcErrorCode(refusal.code),
              message,
              data: { code: refusal.code },
            },
          }
        : { error },
    );
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse) {
    response.setHeader("x-content-type-options", "nosniff");
    response.setHeader("referrer-policy", "no-referrer");
    response.setHeader("cache-control", "no-store");
    response.setHeader("content-security-policy", CONTENT_SECURITY_POLICY);
    const method = request.method ?? "";
    const pathname = (request.url ?? "/").split("?")[0];
    let release: (() => void) | undefined;
    let rpcId: JsonRpcId = null;
    try {
      if (checkHost && !isLoopbackHostname(hostnameOf(request.headers.host ?? ""))) {
        throw new ExplorerError(
          "HOST_NOT_ALLOWED",
          `Host ${JSON.stringify((request.headers.host ?? "").slice(0, 100))} is not this ` +
            "explorer's: open it as http://127.0.0.1:<port> or http://localhost:<port>",
        );
      }
      const asset = options.assets.files.get(pathname);
      if (asset !== undefined) {
        if (method !== "GET" && method !== "HEAD") throw notAllowed(pathname, "GET");
        if (method === "HEAD") {
          response.writeHead(200, {
            "content-type": asset.contentType,
            "content-length": asset.body.length,
          });
          response.end();
        } else {
          send(response, 200, asset.body, asset.contentType);
        }
        return;
      }
      if (pathname === "/rpc" || pathname.startsWith("/api/")) {
        release = limiter.tryAcquire();
        if (release === undefined) {
          throw new ExplorerError(
            "BUSY",
            `the explorer is working on ${limiter.max} requests; retry shortly`,
          );
        }
      }
      if (pathname === "/rpc") {
        if (method !== "POST") throw notAllowed(pathname, "POST");
        const body = await readJsonBody(request, rpcLimits.maxBodyBytes);
        rpcId = refusalId(body);
        const answer = await forwardRpc(options.rpcUrl, checkRpcBody(body, rpcLimits), rpcLimits);
        send(response, 200, answer.body, JSON_TYPE);
        return;
      }
      if (pathname === "/api/config") {
        if (method !== "GET") throw notAllowed(pathname, "GET");
        sendJson(response, 200, await config());
        return;
      }
      if (pathname === "/api/oracle/health") {
        if (method !== "GET") throw notAllowed(pathname, "GET");
        sendJson(response, 200, await fetchOracleHealth(options.oracleUrl, oracleLimits));
        return;
      }
      const action = /^\/api\/actions\/([^/]+)$/.exec(pathname);
      if (action !== null) {
        if (method !== "GET") throw notAllowed(pathname, "GET");
        sendJson(response, 200, await fetchActionCode(options.oracleUrl, action[1], oracleLimits));
        return;
      }
      throw new ExplorerError("NOT_FOUND", `no route ${pathname.slice(0, 200)}`);
    } catch (error) {
      if (error instanceof ExplorerError && error.code === "METHOD_NOT_ALLOWED") {
        response.setHeader("allow", pathname === "/rpc" ? "POST" : "GET");
      }
      const rpc = pathname === "/rpc" ? { id: rpcId } : undefined;
      sendRefusal(request, response, asExplorerError(error), rpc);
    } finally {
      release?.();
    }
  }

  const server = http.createServer(
    {
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      connectionsCheckingInterval: Math.min(1_000, options.headersTimeoutMs ?? 10_000),
    },
    (request, response) => {
      handle(request, response).catch(() => {
        // handle() catches everything; this is a last line of defence.
        if (!response.headersSent) response.destroy();
      });
    },
  );

  // Malformed HTTP, oversized headers and timeouts: answer in the API's shape, then drop.
  answerClientErrors(server, (status, message) => ({
    error: { code: status === 431 ? "LIMIT_EXCEEDED" : "INVALID_REQUEST", message },
  }));

  return listen(server, options.port ?? DEFAULT_EXPLORER_PORT, host);
}

function notAllowed(pathname: string, allowed: string): ExplorerError {
  return new ExplorerError("METHOD_NOT_ALLOWED", `${pathname.slice(0, 200)} takes ${allowed} only`);
}

/** For tests and docs: the status of each refusal code. */
export { EXPLORER_ERROR_STATUS };
