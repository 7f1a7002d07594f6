/**
 * The signed-stream store as an HTTP service (node:http only), what `pkp:streams` runs:
 *
 *   POST /streams                 { controller, commit }   → 201 WriteReceipt (200 if already there)
 *   POST /streams/<id>/commits    commit                   → 201 WriteReceipt (200 if already there)
 *   GET  /streams/<id>[?view=payloads]                     → 200 StreamState (StreamPayloads)
 *   GET  /streams?controller=&after=&limit=                → 200 StreamList
 *   GET  /health                                           → 200 StreamHealth
 *
 * Refusals are `{ error: { code, message } }` with the status of errors.ts; a 409 STALE_PREV also
 * carries the stream's `head` and `length`. Bodies are capped (413 BODY_TOO_LARGE, read no
 * further), must be JSON, and nothing a client sends can crash the process: every unexpected
 * exception is a 500 INTERNAL whose detail goes to the log only.
 */
import * as http from "node:http";
import { answerClientErrors, listen } from "../../http/serverLifecycle";
import { readJsonBody, type BodyRefusalError } from "../../http/jsonBody";
import { messageOf } from "../../errorText";
import { StreamError, type StreamErrorCode } from "../errors";
import type { StreamStore } from "../store";
import type { ListStreamsQuery, StreamView } from "../service";
import type { SignedCommit } from "../commit";

export const DEFAULT_STREAMS_HOST = "127.0.0.1";
export const DEFAULT_STREAMS_PORT = 8791;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_CONNECTIONS = 1024;
const JSON_TYPE = "application/json; charset=utf-8";

export interface StreamRequestLogLine {
  method: string;
  route: string;
  status: number;
  code?: StreamErrorCode;
  /** Set for INTERNAL only: what went wrong (the client sees only that it did). */
  detail?: string;
  ms: number;
}

export interface StreamServerOptions {
  store: StreamStore;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8791; 0 picks a free port. */
  port?: number;
  /** Request body cap (default 64 KiB); past it, 413 BODY_TOO_LARGE. */
  maxBodyBytes?: number;
  log?: (line: StreamRequestLogLine) => void;
}

export interface StreamServer {
  url: string;
  port: number;
  /** Stops accepting connections, lets requests in progress finish (at most 5 s). */
  close(): Promise<void>;
}

type Method = "GET" | "POST";
interface Route {
  name: string;
  pattern: RegExp;
  handlers: Partial<Record<Method, (exchange: Exchange) => Promise<Answer>>>;
}
interface Exchange {
  params: string[];
  query: URLSearchParams;
  readJson: () => Promise<unknown>;
}
/** A status and a body: an object (serialised here) or JSON text already made. */
interface Answer {
  status: number;
  body: unknown;
  text?: string;
}

/** The store's refusals of a body: 413 BODY_TOO_LARGE past the cap, 400 INVALID_REQUEST else. */
const streamBodyRefusal: BodyRefusalError = (refusal, message) =>
  new StreamError(refusal === "TOO_LARGE" ? "BODY_TOO_LARGE" : "INVALID_REQUEST", message);

function routesOf(store: StreamStore): Route[] {
  const writeStatus = (created: boolean) => (created ? 201 : 200);
  return [
    {
      name: "/health",
      pattern: /^\/health$/,
      handlers: { GET: async () => ({ status: 200, body: await store.health() }) },
    },
    {
      name: "/streams",
      pattern: /^\/streams$/,
      handlers: {
        GET: async ({ query }) => ({
          status: 200,
          body: await store.listStreams(listQuery(query)),
        }),
        POST: async ({ readJson }) => {
          const receipt = await store.createStream(
            (await readJson()) as { controller: string; commit: SignedCommit },
          );
          return { status: writeStatus(receipt.created), body: receipt };
        },
      },
    },
    {
      name: "/streams/:id",
      pattern: /^\/streams\/([^/]+)$/,
      handlers: {
        GET: async ({ params, query }) => ({
          status: 200,
          body: undefined,
          text: store.readStreamJson(params[0], streamView(query)),
        }),
      },
    },
    {
      name: "/streams/:id/commits",
      pattern: /^\/streams\/([^/]+)\/commits$/,
      handlers: {
        POST: async ({ params, readJson }) => {
          const receipt = await store.appendCommit(params[0], (await readJson()) as SignedCommit);
          return { status: writeStatus(receipt.created), body: receipt };
        },
      },
    },
  ];
}

function listQuery(query: URLSearchParams): ListStreamsQuery {
  const known = ["controller", "after", "limit"];
  const unknown = [...query.keys()].filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new StreamError(
      "INVALID_REQUEST",
      `unknown query parameter(s) ${unknown.join(", ")}: use controller, after, limit`,
    );
  }
  const limit = query.get("limit");
  if (limit !== null && !/^[0-9]{1,6}$/.test(limit)) {
    throw new StreamError("INVALID_REQUEST", "limit must be a whole number");
  }
  return {
    controller: query.get("controller") ?? undefined,
    after: query.get("after") ?? undefined,
    limit: limit === null ? undefined : Number(limit),
  };
}

function streamView(query: URLSearchParams): StreamView {
  const unknown = [...query.keys()].filter((key) => key !== "view");
  if (unknown.length > 0) {
    throw new StreamError(
      "INVALID_REQUEST",
      `unknown query parameter(s) ${unknown.join(", ")}: use view`,
    );
  }
  const view = query.get("view") ?? "commits";
  if (view !== "commits" && view !== "payloads") {
    throw new StreamError("INVALID_REQUEST", "view must be commits (the default) or payloads");
  }
  return view;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function errorBody(error: StreamError, detailHidden: boolean) {
  return {
    error: {
      code: error.code,
      message: detailHidden ? "internal error (see the store's log)" : error.message,
    },
    ...(error.current ?? {}),
  };
}

export async function startStreamServer(options: StreamServerOptions): Promise<StreamServer> {
  const host = options.host ?? DEFAULT_STREAMS_HOST;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const routes = routesOf(options.store);
  const log = options.log ?? (() => undefined);

  async function handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const started = performance.now();
    const line: StreamRequestLogLine = {
      method: request.method ?? "",
      route: "",
      status: 0,
      ms: 0,
    };
    const send = (status: number, text: string, headers: Record<string, string> = {}) => {
      if (response.headersSent) return;
      response.writeHead(status, {
        "content-type": JSON_TYPE,
        "content-length": String(Buffer.byteLength(text)),
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        ...headers,
      });
      response.end(text);
      line.status = status;
    };
    try {
      const url = new URL(request.url ?? "/", "http://store");
      let found: { route: Route; params: string[] } | undefined;
      for (const route of routes) {
        const match = route.pattern.exec(url.pathname);
        if (match) found = { route, params: match.slice(1).map(decode) };
        if (found) break;
      }
      line.route = found?.route.name ?? url.pathname.slice(0, 200);
      if (found === undefined) {
        throw new StreamError("NOT_FOUND", `no route ${url.pathname.slice(0, 200)}`);
      }
      const handler = found.route.handlers[request.method as Method];
      if (handler === undefined) {
        const allowed = Object.keys(found.route.handlers).join(", ");
        response.setHeader("allow", allowed);
        throw new StreamError(
          "METHOD_NOT_ALLOWED",
          `${request.method} is not allowed on ${found.route.name}; use ${allowed}`,
        );
      }
      const answer = await handler({
        params: found.params,
        query: url.searchParams,
        readJson: () => readJsonBody(request, { maxBytes: maxBodyBytes }, streamBodyRefusal),
      });
      send(answer.status, answer.text ?? JSON.stringify(answer.body));
    } catch (thrown) {
      const error =
        thrown instanceof StreamError
          ? thrown
          : new StreamError("INTERNAL", messageOf(thrown), { cause: thrown });
      line.code = error.code;
      const hidden = error.code === "INTERNAL";
      if (hidden) line.detail = error.message;
      // A body we stopped reading (or never read) leaves the connection unusable: close it.
      const close: Record<string, string> = request.complete ? {} : { connection: "close" };
      send(error.status, JSON.stringify(errorBody(error, hidden)), close);
    } finally {
      line.ms = Math.round((performance.now() - started) * 100) / 100;
      try {
        log(line);
      } catch {
        // A failing logger must not take the service down.
      }
    }
  }

  const server = http.createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: 1_000,
    },
    (request, response) => {
      handle(request, response).catch(() => {
        if (!response.headersSent) response.destroy();
      });
    },
  );
  server.maxConnections = MAX_CONNECTIONS;

  // Malformed HTTP, oversized headers and timeouts: answer in the API's shape, then drop.
  answerClientErrors(server, (_status, message) => ({
    error: { code: "INVALID_REQUEST", message },
  }));

  return listen(server, options.port ?? DEFAULT_STREAMS_PORT, host);
}
