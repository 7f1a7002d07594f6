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
import * as http from "node:http";
import * as https from "node:https";
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
  readonly #transport: typeof http | typeof https;
  readonly #agent: http.Agent;

  constructor(url: string, options: StreamClientOptions = {}) {
    this.url = url.replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    // A URL that is neither http nor https fails each call (STORE_UNREACHABLE), as before.
    this.#transport = /^https:/i.test(this.url) ? https : http;
    this.#agent = new this.#transport.Agent({ keepAlive: true });
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

  /** Closes the connections kept open for the next requests (they never hold the process). */
  close(): void {
    this.#agent.destroy();
  }

  async #call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let response: { status: number; text: string };
    try {
      response = await this.#exchange(
        method,
        path,
        body === undefined ? undefined : JSON.stringify(body),
      );
    } catch (error) {
      throw new StreamError(
        "STORE_UNREACHABLE",
        `the stream store at ${this.url} did not answer ${method} ${path}: ${messageOf(error)}`,
        { cause: error },
      );
    }
    const ok = response.status >= 200 && response.status < 300;
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.text);
    } catch {
      throw new StreamError(
        "STORE_UNREACHABLE",
        `${this.url} answered ${method} ${path} with HTTP ${response.status} and no JSON: is it a stream store?`,
      );
    }
    if (ok) return parsed as T;
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

  /**
   * One request on a kept-alive connection (node:http: a fraction of the CPU of the global fetch
   * per request, which matters to a backend client making one per write). A request that fails
   * before any answer on a reused connection is sent once more on a new one: the store closed the
   * idle connection as it was reused (its keep-alive timeout), so it never saw the request.
   */
  #exchange(
    method: string,
    path: string,
    body: string | undefined,
    retry = true,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      if (!/^https?:\/\//i.test(this.url)) {
        reject(new Error(`${this.url} is not an http(s) URL (e.g. http://127.0.0.1:8791)`));
        return;
      }
      const request = this.#transport.request(`${this.url}${path}`, {
        method,
        agent: this.#agent,
        headers:
          body === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      });
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      let answered = false;
      request.on("response", (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
        });
        res.on("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      request.on("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (retry && !answered && request.reusedSocket && error.code === "ECONNRESET") {
          resolve(this.#exchange(method, path, body, false));
        } else {
          reject(error);
        }
      });
      request.end(body);
    });
  }
}
