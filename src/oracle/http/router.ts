/**
 * Routes of the HTTP service and how a request finds its route. A route is one module in
 * ./routes (a path, whether it takes a slot of the concurrency bound, one handler per method);
 * everything around the handlers — body cap, concurrency bound, request log, error mapping —
 * is the server's (./server.ts), the same for every route.
 */
import type * as http from "node:http";
import type { OracleErrorCode } from "../errors";
import type { SigningOracle } from "../oracle";
import type { RequestLogLine } from "./requestLog";

export type Method = "GET" | "POST";

/** The service's limits that routes apply themselves (see server.ts for their defaults). */
export interface RouteLimits {
  /** Longest wait of an execution for a worker (undefined: the runtime's own). */
  maxQueueMs?: number;
  /** Code bytes one client may store per minute with POST /actions. */
  storeRateBytesPerMinute: number;
}

/** What a route module is built from. */
export interface RouteContext {
  oracle: SigningOracle;
  limits: RouteLimits;
}

/** One request, as a handler sees it. A handler throws to refuse (see errors.ts, toOracleError). */
export interface Exchange {
  request: http.IncomingMessage;
  response: http.ServerResponse;
  /** The request's log line: a handler adds what it learns (actionCid, pkps, timings). */
  line: RequestLogLine;
  /** The values of the route's `:name` path segments, URI-decoded. */
  params: Readonly<Record<string, string>>;
  /** Who sent it, as the service tells clients apart (the remote address). */
  client: string;
  /**
   * Aborts when the client goes away (reason code CANCELLED) or the request is shed to make room
   * for other clients (BUSY). Pass it on to work that can be cancelled (oracle.execute).
   */
  signal: AbortSignal;
  /** For a route that `queues`: its real work started (a run has its worker); no longer shed. */
  started: () => void;
  /**
   * The body as JSON, read under the server's body cap and deadline before the handler runs
   * (413 past the cap, 408 too slow, 400 if not JSON); undefined for GET.
   */
  readJson: () => Promise<unknown>;
  /** Sends `body` as JSON with `status` (nothing if a response was sent already). */
  send: (status: number, body: unknown) => void;
  /**
   * Sends Lit's refusal shape `{ success: false, error: { code, message } }` with its status
   * (and `Retry-After`: the given seconds, or 1 for BUSY).
   */
  refuse: (code: OracleErrorCode, message: string, retryAfterSeconds?: number) => void;
}

export type Handler = (exchange: Exchange) => Promise<void>;

export interface Route {
  /** The path as matched and logged; a `:name` segment matches one non-empty segment. */
  path: string;
  /** Whether the route takes a slot of the concurrency bound (not for health checks). */
  bounded: boolean;
  /**
   * Whether its requests may wait (for a worker) before their real work starts: until the
   * handler calls `started()`, such a request may be shed (503 BUSY) to make room for another
   * client's (see admission.ts). Other bounded routes count as started at once.
   */
  queues?: boolean;
  handlers: Partial<Record<Method, Handler>>;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/** Finds the route of a path: exact paths first, then parameterised ones in the order given. */
export class Router {
  readonly #exact = new Map<string, Route>();
  readonly #parameterised: { route: Route; segments: string[] }[] = [];

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      const segments = route.path.split("/");
      const taken =
        this.#exact.has(route.path) || this.#parameterised.some((p) => p.route.path === route.path);
      if (taken) throw new Error(`two routes for ${route.path}`);
      if (segments.some(isParameter)) this.#parameterised.push({ route, segments });
      else this.#exact.set(route.path, route);
    }
  }

  match(pathname: string): RouteMatch | undefined {
    const exact = this.#exact.get(pathname);
    if (exact !== undefined) return { route: exact, params: {} };
    const given = pathname.split("/");
    for (const { route, segments } of this.#parameterised) {
      const params = matchSegments(segments, given);
      if (params !== undefined) return { route, params };
    }
    return undefined;
  }
}

function isParameter(segment: string): boolean {
  return segment.startsWith(":");
}

function matchSegments(pattern: string[], given: string[]): Record<string, string> | undefined {
  if (pattern.length !== given.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (!isParameter(pattern[i])) {
      if (pattern[i] !== given[i]) return undefined;
    } else {
      if (given[i] === "") return undefined;
      params[pattern[i].slice(1)] = decodeSegment(given[i]);
    }
  }
  return params;
}

/** A malformed escape (`%zz`) is kept as sent: the handler then refuses the value itself. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
