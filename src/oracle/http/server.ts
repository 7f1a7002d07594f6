/**
 * The oracle as an HTTP service (node:http only): Lit-shaped JSON in and out, one route per
 * oracle method (./routes, one module each; ./router.ts finds them). This module is what every
 * route shares. Nothing a client sends may crash the process or reach the oracle unvalidated:
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
import { OracleError, ORACLE_ERROR_STATUS, toOracleError, type OracleErrorCode } from "../errors";
import type { SigningOracle } from "../oracle";
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from "./body";
import { ConcurrencyLimiter } from "./limiter";
import { roundMs, type RequestLogLine, type RequestLogger } from "./requestLog";
import { Router, type Exchange, type Method } from "./router";
import { oracleRoutes } from "./routes";

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

const JSON_TYPE = "application/json; charset=utf-8";
const CLOSE_GRACE_MS = 5_000;

/** Status, then `{ success: false, error: { code, message } }`: Lit's refusal shape. */
function refusalBody(code: OracleErrorCode, message: string) {
  return { success: false as const, error: { code, message } };
}

function outcomeOf(status: number): RequestLogLine["outcome"] {
  if (status < 400) return "ok";
  return status >= 500 && status !== 503 ? "error" : "refused";
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

export async function startOracleServer(options: OracleServerOptions): Promise<OracleServer> {
  const host = options.host ?? DEFAULT_HOST;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limiter = new ConcurrencyLimiter(options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
  const log = options.log ?? (() => undefined);
  const router = new Router(oracleRoutes({ oracle: options.oracle }));
  const idPrefix = randomBytes(3).toString("hex");
  let sequence = 0;

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
      const matched = router.match(pathname);
      line.route = matched?.route.path ?? pathname.slice(0, 200);
      if (matched === undefined) {
        throw new OracleError("NOT_FOUND", `no route ${pathname.slice(0, 200)}`);
      }
      const handler = matched.route.handlers[request.method as Method];
      if (handler === undefined) {
        const allowed = Object.keys(matched.route.handlers).join(", ");
        response.setHeader("allow", allowed);
        throw new OracleError(
          "METHOD_NOT_ALLOWED",
          `${request.method} is not allowed on ${matched.route.path}; use ${allowed}`,
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
      const exchange: Exchange = {
        request,
        response,
        line,
        params: matched.params,
        readJson: () => readJsonBody(request, maxBodyBytes),
        send: (status, body) => send(response, status, body),
        refuse: (code, message) => sendRefusal(response, line, code, message),
      };
      await handler(exchange);
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
