/**
 * An OIDC issuer's signing keys (its JWKS), fetched and cached for the oracle's token checks.
 *
 * - The keys are fetched on first use: from the configured `jwksUri`, or else from the
 *   `jwks_uri` of `<issuer>/.well-known/openid-configuration` (whose `issuer` must be the one
 *   configured). An in-process source (`jwks()`) replaces both: the dev issuer in process, tests.
 * - They are kept for `maxAgeMs` (default 1 h, as Lit's nodes keep Google's), then fetched again.
 * - A token whose `kid` is not among them makes the cache fetch again, at most once per
 *   `refreshCooldownMs` (default 30 s): a rotated key is picked up at once, while tokens with
 *   made-up kids cannot make the oracle hammer the issuer.
 * - A fetch that fails while keys are cached keeps the cached keys (retried after the cooldown);
 *   with none cached, the token is refused with OIDC_UNAVAILABLE.
 * - Every fetch is bounded: `fetchTimeoutMs` (5 s), `maxResponseBytes` (64 KiB), at most
 *   `MAX_KEYS` keys; concurrent fetches of one issuer share one request.
 */
import {
  createLocalJWKSet,
  errors as joseErrors,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from "jose";
import { messageOf } from "../../errorText";
import { AuthError } from "./authErrors";

/** Keys a JWKS may hold; more is refused as unusable. */
export const MAX_KEYS = 32;

export interface JwksCacheOptions {
  issuer: string;
  /** Where the keys are; default: the discovery document's `jwks_uri`. */
  jwksUri?: string;
  /** Keys given in process instead of fetched. */
  jwks?: () => JSONWebKeySet | Promise<JSONWebKeySet>;
  maxAgeMs: number;
  refreshCooldownMs: number;
  fetchTimeoutMs: number;
  maxResponseBytes: number;
  now: () => number;
}

interface LoadedKeys {
  select: JWTVerifyGetKey;
  fetchedAt: number;
}

export class JwksCache {
  #keys: LoadedKeys | undefined;
  #loading: Promise<LoadedKeys> | undefined;
  #lastAttempt = -Infinity;
  #jwksUri: string | undefined;
  #fetches = 0;

  constructor(private readonly options: JwksCacheOptions) {
    this.#jwksUri = options.jwksUri;
  }

  /** Network (or in-process) fetches of the keys so far. */
  get fetches(): number {
    return this.#fetches;
  }

  /** A key getter for jose's jwtVerify: refreshes once on an unknown `kid` (see the top). */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const now = this.options.now();
    let keys = this.#keys;
    if (keys === undefined) keys = await this.#refresh();
    else if (now - keys.fetchedAt >= this.options.maxAgeMs && this.#mayRetry(now)) {
      keys = await this.#refresh().catch(() => keys as LoadedKeys);
    }
    try {
      return await keys.select(header, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      if (!this.#mayRetry(this.options.now())) throw error;
      const fresh = await this.#refresh().catch(() => undefined);
      if (fresh === undefined) throw error;
      return fresh.select(header, token);
    }
  };

  #mayRetry(now: number): boolean {
    return now - this.#lastAttempt >= this.options.refreshCooldownMs;
  }

  #refresh(): Promise<LoadedKeys> {
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #load(): Promise<LoadedKeys> {
    this.#lastAttempt = this.options.now();
    this.#fetches += 1;
    const jwks = await this.#fetchKeys();
    if (
      typeof jwks !== "object" ||
      jwks === null ||
      !Array.isArray((jwks as JSONWebKeySet).keys) ||
      (jwks as JSONWebKeySet).keys.length > MAX_KEYS
    ) {
      throw this.#unavailable(`its JWKS is not { keys: [...] } with at most ${MAX_KEYS} keys`);
    }
    let select: JWTVerifyGetKey;
    try {
      select = createLocalJWKSet(jwks as JSONWebKeySet);
    } catch (error) {
      throw this.#unavailable(`its JWKS is unusable: ${messageOf(error)}`);
    }
    this.#keys = { select, fetchedAt: this.options.now() };
    return this.#keys;
  }

  async #fetchKeys(): Promise<unknown> {
    if (this.options.jwks !== undefined) {
      try {
        return await this.options.jwks();
      } catch (error) {
        throw this.#unavailable(`its in-process key source failed: ${messageOf(error)}`);
      }
    }
    this.#jwksUri ??= await this.#discoverJwksUri();
    return this.#getJson(this.#jwksUri, "JWKS");
  }

  async #discoverJwksUri(): Promise<string> {
    const url = `${this.options.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    const discovery = (await this.#getJson(url, "discovery document")) as {
      issuer?: unknown;
      jwks_uri?: unknown;
    } | null;
    if (discovery?.issuer !== this.options.issuer) {
      throw this.#unavailable(
        `its discovery document names issuer ${JSON.stringify(discovery?.issuer)}, not ${this.options.issuer}`,
      );
    }
    if (typeof discovery.jwks_uri !== "string") {
      throw this.#unavailable("its discovery document has no jwks_uri");
    }
    checkIssuerUrl(discovery.jwks_uri, "jwks_uri");
    return discovery.jwks_uri;
  }

  async #getJson(url: string, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, {
        signal: AbortSignal.timeout(this.options.fetchTimeoutMs),
        headers: { accept: "application/json" },
      });
    } catch (error) {
      throw this.#unavailable(`cannot fetch its ${what} ${url}: ${messageOf(error)}`);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw this.#unavailable(`its ${what} ${url} answered HTTP ${response.status}`);
    }
    const text = await readBounded(response, this.options.maxResponseBytes).catch(
      (error: unknown) => {
        throw this.#unavailable(`cannot read its ${what} ${url}: ${messageOf(error)}`);
      },
    );
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.#unavailable(`its ${what} ${url} is not JSON`);
    }
  }

  #unavailable(why: string): AuthError {
    return new AuthError("OIDC_UNAVAILABLE", `OIDC issuer ${this.options.issuer}: ${why}`);
  }
}

/** Reads a response body as UTF-8, refusing one over `maxBytes` (without reading the rest). */
async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const chunk = await reader.read();
    const done: boolean = chunk.done;
    const value: Uint8Array | undefined = chunk.value;
    if (done || value === undefined) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`it is over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * An issuer (or its JWKS) must be https, or http on a loopback host (a dev issuer): keys fetched
 * over plain HTTP from elsewhere could be swapped by anyone on the path.
 */
export function checkIssuerUrl(value: string, what = "issuer"): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuthError("OIDC_UNAVAILABLE", `the ${what} ${JSON.stringify(value)} is not a URL`);
  }
  const loopback = LOOPBACK_HOSTS.test(url.hostname) || url.hostname === "::1";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new AuthError(
      "OIDC_UNAVAILABLE",
      `the ${what} ${value} must be https (plain http only on 127.0.0.1/localhost, for a dev issuer)`,
    );
  }
}
