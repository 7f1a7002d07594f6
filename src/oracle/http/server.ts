/**
 * The oracle as an HTTP service (node:http only): Lit-shaped JSON in and out, one route per
 * oracle method (./routes, one module each; ./router.ts finds them). This module is what every
 * route shares. Nothing a client sends may crash the process or reach the oracle unvalidated, and
 * no client may deny service to another:
 * - bodies are type-checked, schema-checked, size-capped and time-bounded (./body.ts); a body
 *   still arriving holds nothing but its socket;
 * - work is bounded once the body is complete, fairly between clients (./admission.ts: 503 BUSY
 *   with Retry-After past the bound), and executions wait for a worker in fair per-client queues
 *   for at most maxQueueMs (runtime/fairQueue.ts);
 * - a client that goes away cancels its request (a running action stops within ~100 ms);
 * - a refused body is answered in a way the client can read while still sending (a 413 is
 *   written at once, then what the client still sends is drained for a bounded time, as nginx's
 *   lingering close does);
 * - slow clients are cut off by header/body/request timeouts, and every unexpected exception is a
 *   logged 500 INTERNAL.
 *
 *   const server = await startOracleServer({ oracle });   // http://127.0.0.1:8787
 *   …
 *   await server.close();                                // the oracle stays open: close it too
 */
import * as http from "node:http";
import { randomBytes } from "node:crypto";
import { answerClientErrors, listen } from "../../http/serverLifecycle";
import { OracleError, toOracleError } from "../errors";
import type { SigningOracle } from "../oracle";
import { DEFAULT_MAX_CONCURRENT, FairAdmission, type Admission } from "./admission";
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MIN_BODY_BYTES_PER_SECOND,
  bodyWasCutShort,
  readJsonBody,
} from "./body";
import { roundMs, type RequestLogLine, type RequestLogger } from "./requestLog";
import {
  clientAddressOf,
  guardConnections,
  outcomeOf,
  refuseAndLinger,
  refusalBody,
  refusalHeaders,
  send,
  sendRefusal,
} from "./responses";
import { Router, type Exchange, type Method } from "./router";
import { oracleRoutes } from "./routes";
import { DEFAULT_STORE_RATE_BYTES_PER_MINUTE } from "./routes/actions";

export type { RequestLogLine, RequestLogger } from "./requestLog";
export { LINGER_BYTES, LINGER_MS, clientAddressOf } from "./responses";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 8787;
export { DEFAULT_MAX_CONCURRENT };
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 256;

export interface OracleServerOptions {
  oracle: SigningOracle;
  /** Default 127.0.0.1: the service signs for whoever reaches it, so it is local unless asked. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Request body cap in bytes (default 2 MiB); larger bodies get 413 LIMIT_EXCEEDED. */
  maxBodyBytes?: number;
  /**
   * Bound on requests in progress once their bodies are complete (default 64), shared fairly
   * between clients (remote addresses): past it, 503 BUSY. `GET /health` is not bounded.
   */
  maxConcurrent?: number;
  /** Receives one line per request (default: none). See requestLog.ts for jsonLineLogger. */
  log?: RequestLogger;
  /** Time a client has to send all request headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included (default 30 s). */
  requestTimeoutMs?: number;
  /** Time a client has to send the body once the headers are in (default 10 s; 408 past it). */
  bodyTimeoutMs?: number;
  /** Average body rate a client must keep after the first 2 s (default 1024 bytes/s; 408). */
  minBodyBytesPerSecond?: number;
  /**
   * Longest wait of an execution for a sandbox worker (default: the runtime's, 10 s); past it,
   * 503 BUSY with Retry-After.
   */
  maxQueueMs?: number;
  /**
   * Connections one client (remote address) may have open at once (default 256); past it a new
   * connection is answered 503 BUSY and closed.
   */
  maxConnectionsPerClient?: number;
  /**
   * `POST /actions`: code bytes one client may store per minute (token bucket, default 8 MiB a
   * minute, bursts up to the same); past it, 429 RATE_LIMITED with Retry-After.
   */
  storeRateBytesPerMinute?: number;
}

export interface OracleServer {
  url: string;
  port: number;
  /** Stops accepting connections, lets requests in progress finish (at most 5 s), closes. */
  close(): Promise<void>;
}

export async function startOracleServer(options: OracleServerOptions): Promise<OracleServer> {
  const host = options.host ?? DEFAULT_HOST;
  const bodyLimits = {
    maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    timeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    minBytesPerSecond: options.minBodyBytesPerSecond ?? DEFAULT_MIN_BODY_BYTES_PER_SECOND,
  };
  const admission = new FairAdmission(options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
  const log = options.log ?? (() => undefined);
  const router = new Router(
    oracleRoutes({
      oracle: options.oracle,
      limits: {
        maxQueueMs: options.maxQueueMs,
        storeRateBytesPerMinute:
          options.storeRateBytesPerMinute ?? DEFAULT_STORE_RATE_BYTES_PER_MINUTE,
      },
    }),
  );
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
      if (line.status === 0 && line.code === "CANCELLED") line.outcome = "refused";
      line.ms = roundMs(responded() - started);
      try {
        log(line);
      } catch {
        // A failing logger must not take the service down.
      }
    };
    const client = clientAddressOf(request);
    // The client going away (connection closed before the answer) cancels the request: its run
    // stops, or it leaves the worker queue.
    const gone = new AbortController();
    const onGone = () => {
      if (response.writableFinished) return;
      line.code ??= "CANCELLED";
      gone.abort(new OracleError("CANCELLED", "the client closed the connection"));
    };
    response.once("close", onGone);
    let admitted: Admission | undefined;
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
      // The body first, holding nothing: a slow or huge body costs its sender only.
      const body = request.method === "POST" ? await readJsonBody(request, bodyLimits) : undefined;
      let signal = gone.signal;
      if (matched.route.bounded) {
        admitted = admission.admit(client);
        if (admitted === undefined) {
          throw new OracleError(
            "BUSY",
            `the oracle is working on ${admission.max} requests; retry shortly`,
          );
        }
        signal = AbortSignal.any([gone.signal, admitted.signal]);
        if (matched.route.queues !== true) admitted.started();
      }
      const admittedNow = admitted;
      const exchange: Exchange = {
        request,
        response,
        line,
        params: matched.params,
        client,
        signal,
        started: () => admittedNow?.started(),
        readJson: () => Promise.resolve(body),
        send: (status, body) => send(response, status, body),
        refuse: (code, message, retryAfterSeconds) =>
          sendRefusal(response, line, code, message, refusalHeaders({ code, retryAfterSeconds })),
      };
      await handler(exchange);
    } catch (error) {
      const refusal = toOracleError(error);
      if (refusal.code === "LIMIT_EXCEEDED" && !request.complete && !response.headersSent) {
        refuseAndLinger(request, response, line, refusal.code, refusal.message, responded);
      } else {
        // A body we stopped reading (or never read) leaves the connection unusable: close it.
        const close: Record<string, string> =
          request.complete && !bodyWasCutShort(error) ? {} : { connection: "close" };
        sendRefusal(response, line, refusal.code, refusal.message, {
          ...close,
          ...refusalHeaders(refusal),
        });
        if (!response.headersSent) response.destroy();
        // A body too slow to wait for: answered (408) and dropped, nothing is kept for it.
        if (refusal.code === "REQUEST_TIMEOUT") response.once("finish", () => request.destroy());
      }
    } finally {
      admitted?.release();
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

  guardConnections(server, options.maxConnectionsPerClient ?? DEFAULT_MAX_CONNECTIONS_PER_CLIENT);

  // Malformed HTTP, oversized headers and timeouts: answer in the API's shape, then drop.
  answerClientErrors(server, (status, message) =>
    refusalBody(
      status === 431 ? "LIMIT_EXCEEDED" : status === 408 ? "REQUEST_TIMEOUT" : "INVALID_REQUEST",
      message,
    ),
  );

  return listen(server, options.port ?? DEFAULT_PORT, host);
}
