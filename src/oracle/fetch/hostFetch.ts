/**
 * The host's HTTP client for actions' `fetch` (node:http/https only). One call = one fetch of the
 * action, redirects included, under the policy of ./policy.ts:
 *
 * - the origin must be allow-listed; the host name is resolved here and every address checked
 *   (addressAllowed); the socket connects to the checked address (a `lookup` that answers it),
 *   so a second DNS answer cannot point elsewhere;
 * - no cookies, no proxy, no client certificates, no connection reuse (`agent: false`); the
 *   host adds no credentials; hop-by-hop and `host` headers of the action are dropped; bodies come
 *   uncompressed (`accept-encoding: identity`);
 * - redirects (301/302/303/307/308) are followed as new requests, each checked again, at most
 *   `maxRedirects`; `redirect: "error"` refuses one, `"manual"` returns it;
 * - the body is read up to `maxResponseBytes` (more is a failure, the socket dropped), the
 *   whole fetch must finish within `timeoutMs`, and `signal` (the end of the run) aborts it.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import * as http from "node:http";
import * as https from "node:https";
import { isIP } from "node:net";
import { messageOf } from "../../errorText";
import { FetchError, type FetchAnswer, type FetchRequest } from "../world";
import { addressAllowed, bareHost, type FetchLimits } from "./policy";

export type Lookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export interface HostFetchOptions {
  /** Allowed origins (URL.origin form). */
  allow: ReadonlySet<string>;
  limits: FetchLimits;
  /** DNS resolution (default: the system resolver, all addresses); injectable for tests. */
  lookup?: Lookup;
}

const DROPPED_REQUEST_HEADERS = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "accept-encoding",
  "proxy-authorization",
  "proxy-connection",
]);
const HIDDEN_RESPONSE_HEADERS = new Set(["set-cookie", "set-cookie2"]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export class HostFetcher {
  private readonly lookup: Lookup;

  constructor(private readonly options: HostFetchOptions) {
    this.lookup = options.lookup ?? systemLookup;
  }

  async fetch(request: FetchRequest, signal?: AbortSignal): Promise<FetchAnswer> {
    const { limits } = this.options;
    const deadline = AbortSignal.timeout(limits.timeoutMs);
    const abort = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let url = request.url;
    let method = request.method;
    let body = request.body;
    let headers = request.headers;
    for (let hop = 0; ; hop++) {
      const target = this.check(url);
      const address = await this.resolve(target, abort);
      const answer = await this.exchange(target, address, method, headers, body, abort);
      const location = answer.location;
      if (
        !REDIRECTS.has(answer.status) ||
        location === undefined ||
        request.redirect === "manual"
      ) {
        return { ...answer.result, url, redirected: hop > 0 };
      }
      if (request.redirect === "error") {
        throw new FetchError(
          "FETCH_REFUSED",
          `fetch ${request.url}: redirected to ${location} (redirect: "error")`,
        );
      }
      if (hop >= limits.maxRedirects) {
        throw new FetchError(
          "FETCH_FAILED",
          `fetch ${request.url}: more than ${limits.maxRedirects} redirects`,
        );
      }
      let next: string;
      try {
        next = new URL(location, url).href;
      } catch {
        throw new FetchError(
          "FETCH_FAILED",
          `fetch ${url}: invalid redirect location ${JSON.stringify(location)}`,
        );
      }
      // As browsers: 303 (and 301/302 after POST) become GET without a body.
      if (
        answer.status === 303 ||
        ((answer.status === 301 || answer.status === 302) && method === "POST")
      ) {
        method = method === "HEAD" ? "HEAD" : "GET";
        body = undefined;
        headers = headers.filter(([name]) => !/^content-/i.test(name));
      }
      // Credentials the action set for one origin do not follow it to another.
      if (new URL(next).origin !== new URL(url).origin) {
        headers = headers.filter(([name]) => !/^(authorization|cookie)$/i.test(name));
      }
      url = next;
    }
  }

  /** The URL, if its origin is allowed; FetchError otherwise. */
  private check(text: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new FetchError(
        "FETCH_REFUSED",
        `fetch: ${JSON.stringify(text)} is not an absolute URL`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new FetchError(
        "FETCH_REFUSED",
        `fetch: only http and https URLs can be fetched, not ${url.protocol}`,
      );
    }
    if (!this.options.allow.has(url.origin)) {
      throw new FetchError(
        "FETCH_REFUSED",
        `fetch to ${url.origin} is not allowed: the origin is not in this oracle's fetch allow-list ` +
          `(pkp:oracle --fetch-allow ${url.origin})`,
      );
    }
    return url;
  }

  /** An address of the URL's host that may be connected to. */
  private async resolve(
    url: URL,
    signal: AbortSignal,
  ): Promise<{ address: string; family: number }> {
    const host = bareHost(url.hostname);
    const version = isIP(host);
    if (version !== 0) return { address: host, family: version };
    let addresses: Array<{ address: string; family: number }>;
    try {
      addresses = await Promise.race([
        this.lookup(host),
        new Promise<never>((_, reject) => {
          if (signal.aborted) reject(new Error("aborted"));
          signal.addEventListener("abort", () => reject(new Error("timed out")), { once: true });
        }),
      ]);
    } catch (error) {
      throw new FetchError(
        "FETCH_FAILED",
        `fetch ${url.origin}: cannot resolve ${host} (${messageOf(error)})`,
      );
    }
    const refused = addresses.filter((a) => !addressAllowed(host, a.address));
    if (addresses.length === 0 || refused.length > 0) {
      throw new FetchError(
        "FETCH_REFUSED",
        `fetch ${url.origin}: ${host} resolves to ${refused.map((a) => a.address).join(", ") || "nothing"}, ` +
          "a loopback, private or otherwise non-public address; allow that address itself to reach it",
      );
    }
    return addresses[0];
  }

  private exchange(
    url: URL,
    address: { address: string; family: number },
    method: string,
    actionHeaders: Array<[string, string]>,
    body: Uint8Array | undefined,
    signal: AbortSignal,
  ): Promise<{
    status: number;
    location?: string;
    result: Omit<FetchAnswer, "url" | "redirected">;
  }> {
    const { maxResponseBytes } = this.options.limits;
    const headers: Record<string, string> = {};
    for (const [name, value] of actionHeaders) {
      const lower = name.toLowerCase();
      if (DROPPED_REQUEST_HEADERS.has(lower) || lower.startsWith("proxy-")) continue;
      headers[lower] = headers[lower] === undefined ? value : `${headers[lower]}, ${value}`;
    }
    headers["accept-encoding"] = "identity";
    headers["user-agent"] ??= "lit-pkp-local-oracle (Lit Action fetch)";
    if (body !== undefined) headers["content-length"] = String(body.length);
    const client = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const fail = (code: "FETCH_FAILED" | "FETCH_REFUSED", message: string) =>
        reject(new FetchError(code, `fetch ${url.href}: ${message}`));
      if (signal.aborted) {
        fail("FETCH_FAILED", `timed out or cancelled (${this.options.limits.timeoutMs} ms limit)`);
        return;
      }
      const request = client.request(
        {
          protocol: url.protocol,
          hostname: bareHost(url.hostname),
          port: url.port === "" ? undefined : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method,
          headers,
          agent: false,
          // Connect to the address that was checked, whatever DNS says now.
          lookup: (_host, options, callback) => {
            const answer = callback as (...args: unknown[]) => void;
            if (options.all) answer(null, [address]);
            else answer(null, address.address, address.family);
          },
          servername: isIP(bareHost(url.hostname)) === 0 ? bareHost(url.hostname) : undefined,
          signal,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxResponseBytes) {
              request.destroy();
              fail(
                "FETCH_FAILED",
                `the response is larger than the limit of ${maxResponseBytes} bytes`,
              );
              return;
            }
            chunks.push(chunk);
          });
          response.on("end", () => {
            const responseHeaders: Array<[string, string]> = [];
            const raw = response.rawHeaders;
            for (let i = 0; i + 1 < raw.length; i += 2) {
              const name = raw[i].toLowerCase();
              if (!HIDDEN_RESPONSE_HEADERS.has(name)) responseHeaders.push([name, raw[i + 1]]);
            }
            const status = response.statusCode ?? 0;
            const location = response.headers.location;
            resolve({
              status,
              location: typeof location === "string" ? location : undefined,
              result: {
                status,
                statusText: response.statusMessage ?? "",
                headers: responseHeaders,
                body: new Uint8Array(Buffer.concat(chunks)),
              },
            });
          });
          response.on("error", (error) => fail("FETCH_FAILED", messageOf(error)));
        },
      );
      request.on("error", (error) => {
        const aborted = signal.aborted || (error as { name?: string }).name === "AbortError";
        fail(
          "FETCH_FAILED",
          aborted
            ? `timed out or cancelled (${this.options.limits.timeoutMs} ms limit)`
            : messageOf(error),
        );
      });
      request.end(body === undefined ? undefined : Buffer.from(body));
    });
  }
}
