/**
 * The oracle as an HTTP service (node:http only): Lit-shaped JSON in and out, one route per
 * oracle method. Nothing a client sends may crash the process or reach the oracle unvalidated:
 * bodies are type-checked, schema-checked and size-capped, work is bounded (503 BUSY past the
 * bound), slow clients are cut off by header/request timeouts, and every unexpected exception is
 * a logged 500 INTERNAL.
 *
 *   const server = await startOracleServer({ oracle });   // http://127.0.0.1:8787
 *   …
 *   await server.close();                                // the oracle stays open: close it too
 */
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { ethers } from "ethers";
import { cidOfCode, isCidV0 } from "../../cid";
import { OracleError, ORACLE_ERROR_STATUS, toOracleError, type OracleErrorCode } from "../errors";
import type { SigningOracle } from "../oracle";
import { tokenIdFromPublicKey } from "../signing";
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from "./body";
import { ConcurrencyLimiter } from "./limiter";
import { roundMs, type RequestLogLine, type RequestLogger } from "./requestLog";
import { parseExecuteRequest, parsePkpSignRequest, parseStoreActionRequest } from "./schema";

export type { RequestLogLine, RequestLogger } from "./requestLog";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 8787;
/** Requests worked on at once; more get 503 BUSY. Executions past the worker pool size queue. */
export const DEFAULT_MAX_CONCURRENT = 64;
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface OracleServerOptions {
  oracle: SigningOracle;
  /** Default 127.0.0.1: the service signs for whoever reaches it, so it is local unless asked. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Request body cap in bytes (default 2 MiB); larger bodies get 413 LIMIT_EXCEEDED. */
  maxBodyBytes?: number;
  /** Bound on requests in progress (default 64); past it, 503 BUSY. `GET /health` is not bounded. */
  maxConcurrent?: number;
  /** Receives one line per request (default: none). See requestLog.ts for jsonLineLogger. */
  log?: RequestLogger;
  /** Time a client has to send all request headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included (default 30 s). */
  requestTimeoutMs?: number;
}

export interface OracleServer {
  url: string;
  port: number;
  /** Stops accepting connections, lets requests in progress finish (at most 5 s), closes. */
  close(): Promise<void>;
}

type Method = "GET" | "POST";

interface Exchange {
  request: http.IncomingMessage;
  response: http.ServerResponse;
  line: RequestLogLine;
  params: { ipfsId?: string };
}

interface Route {
  /** The route as logged (`/actions/:ipfsId` for the parameterised one). */
  name: string;
  handlers: Partial<Record<Method, (exchange: Exchange) => Promise<void>>>;
  /** Whether the route takes a slot of the concurrency bound. */
  bounded: boolean;
}

const JSON_TYPE = "application/json; charset=utf-8";
const CLOSE_GRACE_MS = 5_000;

/** Status, then `{ success: false, error: { code, message } }`: Lit's refusal shape. */
function refusalBody(code: OracleErrorCode, message: string) {
  return { success: false as const, error: { code, message } };
}

function tokenIdHex(publicKey: string): string | undefined {
  try {
    return ethers.toBeHex(tokenIdFromPublicKey(publicKey), 32);
  } catch {
    return undefined;
  }
}

function outcomeOf(status: number): RequestLogLine["outcome"] {
  if (status < 400) return "ok";
  return status >= 500 && status !== 503 ? "error" : "refused";
}

export async function startOracleServer(options: OracleServerOptions): Promise<OracleServer> {
  const { oracle } = options;
  const host = options.host ?? DEFAULT_HOST;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limiter = new ConcurrencyLimiter(options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
  const log = options.log ?? (() => undefined);
  const idPrefix = randomBytes(3).toString("hex");
  let sequence = 0;

  /** CIDs of recently run code, for log lines of requests that sent code without its ipfsId. */
  const cidCache = new Map<string, string>();
  const cidForLog = async (code: string): Promise<string | undefined> => {
    const cached = cidCache.get(code);
    if (cached !== undefined) return cached;
    try {
      const cid = await cidOfCode(code);
      if (code.length <= 64 * 1024) {
        if (cidCache.size >= 64) cidCache.delete(cidCache.keys().next().value as string);
        cidCache.set(code, cid);
      }
      return cid;
    } catch {
      return undefined;
    }
  };

  /**
   * Executions in progress, to know whether oracle.lastTimings (one field, shared) can belong
   * to a given execution: only if no other execution overlapped it.
   */
  const executing = new Set<{ overlapped: boolean }>();

  const routes: Record<string, Route> = {
    "/execute": {
      name: "/execute",
      bounded: true,
      handlers: {
        POST: async ({ request, response, line }) => {
          const parsed = parseExecuteRequest(await readJsonBody(request, maxBodyBytes));
          if (parsed.ipfsId !== undefined) line.actionCid = parsed.ipfsId;
          const self = { overlapped: executing.size > 0 };
          for (const other of executing) other.overlapped = true;
          executing.add(self);
          const started = performance.now();
          let result: Awaited<ReturnType<SigningOracle["execute"]>>;
          try {
            result = await oracle.execute(parsed);
          } finally {
            executing.delete(self);
          }
          const oracleMs = performance.now() - started;
          line.timings = { oracleMs: roundMs(oracleMs) };
          const timings = oracle.lastTimings;
          if (result.success && !self.overlapped && timings !== undefined) {
            line.timings = {
              oracleMs: roundMs(oracleMs),
              prepareMs: roundMs(timings.prepareMs),
              queueMs: roundMs(timings.queueMs),
              dispatchMs: roundMs(timings.dispatchMs),
              sandboxCreateMs: roundMs(timings.sandboxCreateMs),
              evalMs: roundMs(timings.evalMs),
              hostWaitMs: roundMs(timings.hostWaitMs),
              hostCalls: timings.hostCalls,
            };
          }
          if (result.success) {
            const pkps = Object.values(result.signatures)
              .map((signature) => tokenIdHex(signature.publicKey))
              .filter((id): id is string => id !== undefined);
            if (pkps.length > 0) line.pkps = pkps;
            send(response, 200, result);
          } else {
            sendRefusal(response, line, result.error.code, result.error.message);
          }
          if (line.actionCid === undefined && parsed.code !== undefined) {
            // After the response: hashing for the log never delays the client.
            line.actionCid = await cidForLog(parsed.code);
          }
        },
      },
    },
    "/pkp/sign": {
      name: "/pkp/sign",
      bounded: true,
      handlers: {
        POST: async ({ request, response, line }) => {
          const parsed = parsePkpSignRequest(await readJsonBody(request, maxBodyBytes));
          const pkp = tokenIdHex(parsed.pubKey);
          if (pkp !== undefined) line.pkps = [pkp];
          const result = await oracle.pkpSign(parsed);
          if (result.success) send(response, 200, result);
          else sendRefusal(response, line, result.error.code, result.error.message);
        },
      },
    },
    "/actions": {
      name: "/actions",
      bounded: true,
      handlers: {
        POST: async ({ request, response, line }) => {
          const { code } = parseStoreActionRequest(await readJsonBody(request, maxBodyBytes));
          const { ipfsId } = await oracle.storeAction(code);
          line.actionCid = ipfsId;
          send(response, 200, { ipfsId });
        },
      },
    },
    "/actions/:ipfsId": {
      name: "/actions/:ipfsId",
      bounded: true,
      handlers: {
        GET: async ({ response, line, params }) => {
          const ipfsId = params.ipfsId ?? "";
          if (!isCidV0(ipfsId)) {
            throw new OracleError("INVALID_CID", `${JSON.stringify(ipfsId)} is not a CIDv0 (Qm…)`);
          }
          line.actionCid = ipfsId;
          const code = await oracle.actions.get(ipfsId);
          if (code === undefined) {
            throw new OracleError("ACTION_NOT_FOUND", `no action ${ipfsId} is stored here`);
          }
          response.writeHead(200, {
            "content-type": "text/javascript; charset=utf-8",
            "content-length": Buffer.byteLength(code),
          });
          response.end(code);
        },
      },
    },
    "/health": {
      name: "/health",
      bounded: false,
      handlers: {
        GET: async ({ response }) => {
          let health: Awaited<ReturnType<SigningOracle["health"]>>;
          try {
            health = await oracle.health();
          } catch (error) {
            throw new OracleError(
              "CHAIN_UNAVAILABLE",
              `cannot read the chain: ${(error as Error).message ?? String(error)}`,
            );
          }
          send(response, 200, health);
        },
      },
    },
  };

  function match(pathname: string): { route: Route; params: Exchange["params"] } | undefined {
    const exact = routes[pathname];
    if (exact !== undefined && !pathname.includes(":")) return { route: exact, params: {} };
    const stored = /^\/actions\/([^/]+)$/.exec(pathname);
    if (stored !== null) {
      let ipfsId: string;
      try {
        ipfsId = decodeURIComponent(stored[1]);
      } catch {
        ipfsId = stored[1];
      }
      return { route: routes["/actions/:ipfsId"], params: { ipfsId } };
    }
    return undefined;
  }

  function send(response: http.ServerResponse, status: number, body: unknown): void {
    if (response.headersSent) return;
    const text = JSON.stringify(body);
    response.writeHead(status, {
      "content-type": JSON_TYPE,
      "content-length": Buffer.byteLength(text),
    });
    response.end(text);
  }

  /**
   * Sends a refusal. INTERNAL (the oracle's or ours) keeps its detail in the log only: the client
   * gets the request id to quote.
   */
  function sendRefusal(
    response: http.ServerResponse,
    line: RequestLogLine,
    code: OracleErrorCode,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    line.code = code;
    let text = message;
    if (code === "INTERNAL") {
      line.message = message;
      text = `internal error; request id ${line.id}`;
    }
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    send(response, ORACLE_ERROR_STATUS[code], refusalBody(code, text));
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const started = performance.now();
    sequence += 1;
    const line: RequestLogLine = {
      time: new Date().toISOString(),
      id: `${idPrefix}-${sequence.toString(36)}`,
      method: request.method ?? "",
      route: "",
      status: 0,
      outcome: "ok",
      ms: 0,
    };
    response.setHeader("x-request-id", line.id);
    response.setHeader("cache-control", "no-store");
    response.setHeader("x-content-type-options", "nosniff");
    let respondedAt: number | undefined;
    const responded = () => (respondedAt ??= performance.now());
    response.once("finish", responded);
    response.once("close", responded);
    let logged = false;
    const finish = () => {
      if (logged) return;
      logged = true;
      line.status = response.headersSent ? response.statusCode : 0;
      line.outcome = line.status === 0 ? "error" : outcomeOf(line.status);
      line.ms = roundMs(responded() - started);
      try {
        log(line);
      } catch {
        // A failing logger must not take the service down.
      }
    };
    let release: (() => void) | undefined;
    try {
      const pathname = (request.url ?? "/").split("?")[0];
      const matched = match(pathname);
      line.route = matched?.route.name ?? pathname.slice(0, 200);
      if (matched === undefined) {
        throw new OracleError("NOT_FOUND", `no route ${pathname.slice(0, 200)}`);
      }
      const handler = matched.route.handlers[request.method as Method];
      if (handler === undefined) {
        const allowed = Object.keys(matched.route.handlers).join(", ");
        response.setHeader("allow", allowed);
        throw new OracleError(
          "METHOD_NOT_ALLOWED",
          `${request.method} is not allowed on ${matched.route.name}; use ${allowed}`,
        );
      }
      if (matched.route.bounded) {
        release = limiter.tryAcquire();
        if (release === undefined) {
          throw new OracleError(
            "BUSY",
            `the oracle is working on ${limiter.max} requests; retry shortly`,
          );
        }
      }
      await handler({ request, response, line, params: matched.params });
    } catch (error) {
      const refusal = toOracleError(error);
      // A body we stopped reading (or never read) leaves the connection unusable: close it.
      const close: Record<string, string> = request.complete ? {} : { connection: "close" };
      sendRefusal(response, line, refusal.code, refusal.message, close);
      if (!response.headersSent) response.destroy();
    } finally {
      release?.();
      if (respondedAt !== undefined || response.destroyed) finish();
      else {
        response.once("finish", finish);
        response.once("close", finish);
      }
    }
  }

  const server = http.createServer(
    {
      headersTimeout: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      // The timeouts above are enforced by a periodic check; make it fine enough for short ones.
      connectionsCheckingInterval: Math.min(
        1_000,
        options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
      ),
    },
    (request, response) => {
      handle(request, response).catch(() => {
        // handle() catches everything; this is a last line of defence.
        if (!response.headersSent) response.destroy();
      });
    },
  );

  // Malformed HTTP, oversized headers and timeouts: answer in the API's shape when the socket is
  // still writable, then drop it. Node's default would answer in plain text.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const status =
      error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? 408
        : error.code === "HPE_HEADER_OVERFLOW"
          ? 431
          : 400;
    if (socket.writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      const body = JSON.stringify(
        refusalBody(
          status === 431 ? "LIMIT_EXCEEDED" : "INVALID_REQUEST",
          status === 408 ? "request not received in time" : `bad HTTP request (${error.code})`,
        ),
      );
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: ${JSON_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  // After startup a server error (e.g. EMFILE on accept) must not be an unhandled 'error' event.
  server.on("error", () => undefined);
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
