/**
 * The typed HTTP client of `pkp:streams`: the StreamService interface over HTTP, so code written
 * for the in-process StreamStore runs unchanged against a store in another process.
 *
 *   const streams = new StreamClient("http://127.0.0.1:8791");
 *   await streams.appendCommit(streamId, commit);   // StreamError STALE_PREV carries .current
 *
 * The store's refusals come back as the same StreamError (code, message, and on 409 the new
 * head); a store that cannot be reached, or an answer that is not the store's, is
 * STORE_UNREACHABLE.
 */
import { messageOf } from "../errorText";
import type { SignedCommit } from "./commit";
import { isStreamErrorCode, StreamError } from "./errors";
import type {
  ListStreamsQuery,
  StreamHealth,
  StreamList,
  StreamPayloads,
  StreamService,
  StreamState,
  WriteReceipt,
} from "./service";

export interface StreamClientOptions {
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

export class StreamClient implements StreamService {
  readonly url: string;
  readonly #timeoutMs: number;

  constructor(url: string, options: StreamClientOptions = {}) {
    this.url = url.replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  createStream(request: { controller: string; commit: SignedCommit }): Promise<WriteReceipt> {
    return this.#call("POST", "/streams", request);
  }

  appendCommit(streamId: string, commit: SignedCommit): Promise<WriteReceipt> {
    return this.#call("POST", `/streams/${encodeURIComponent(streamId)}/commits`, commit);
  }

  getStream(streamId: string): Promise<StreamState> {
    return this.#call("GET", `/streams/${encodeURIComponent(streamId)}`);
  }

  getPayloads(streamId: string): Promise<StreamPayloads> {
    return this.#call("GET", `/streams/${encodeURIComponent(streamId)}?view=payloads`);
  }

  listStreams(query: ListStreamsQuery = {}): Promise<StreamList> {
    const params = new URLSearchParams();
    if (query.controller !== undefined) params.set("controller", query.controller);
    if (query.after !== undefined) params.set("after", query.after);
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    const search = params.size > 0 ? `?${params.toString()}` : "";
    return this.#call("GET", `/streams${search}`);
  }

  health(): Promise<StreamHealth> {
    return this.#call("GET", "/health");
  }

  async #call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new StreamError(
        "STORE_UNREACHABLE",
        `the stream store at ${this.url} did not answer ${method} ${path}: ${messageOf(
          (error as { cause?: unknown }).cause ?? error,
        )}`,
        { cause: error },
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new StreamError(
        "STORE_UNREACHABLE",
        `${this.url} answered ${method} ${path} with HTTP ${response.status} and no JSON: is it a stream store?`,
      );
    }
    if (response.ok) return parsed as T;
    const refusal = parsed as {
      error?: { code?: unknown; message?: unknown };
      head?: unknown;
      length?: unknown;
    };
    const code = refusal.error?.code;
    if (!isStreamErrorCode(code)) {
      throw new StreamError(
        "STORE_UNREACHABLE",
        `${this.url} answered ${method} ${path} with HTTP ${response.status} in an unknown shape`,
      );
    }
    const current =
      typeof refusal.head === "string" && typeof refusal.length === "number"
        ? { head: refusal.head, length: refusal.length }
        : undefined;
    const message = typeof refusal.error?.message === "string" ? refusal.error.message : code;
    throw new StreamError(code, message, { current });
  }
}
