/**
 * A development OpenID Connect issuer: mints ID tokens for any identity, so that tests, the demo
 * and users without a Google client id can log in to PKP wallets locally.
 *
 * **A development tool.** It signs whatever identity it is asked for; an oracle trusts it only if
 * pointed at it (`pkp:oracle --oidc-issuer <its url>`, or `OidcIssuerConfig` in process), and no
 * real deployment should be. See docs/WALLET.md.
 *
 *   const issuer = await startDevIssuer({ port: 8790, keyFile: ".oracle/dev-issuer/key.json" });
 *   const idToken = await issuer.mint({ sub: "alice", email: "alice@example.com", aud: "my-app" });
 *   // GET  <issuer.url>/.well-known/openid-configuration, GET <issuer.url>/jwks,
 *   // POST <issuer.url>/token { sub, email?, aud, expiresIn? } -> { id_token }
 *   await issuer.close();
 *
 * `createDevIssuer()` is the same without HTTP (the demo: nothing listens); its `oidcIssuer(aud)`
 * hands the oracle its keys in process. The key pair (RS256 by default, like Google's) is kept in
 * `keyFile` (mode 0600) when one is given, so tokens stay valid across restarts.
 */
import * as http from "node:http";
import { promises as fs } from "node:fs";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type KeyLike,
} from "jose";
import { CodedError } from "../codedError";
import { messageOf } from "../errorText";
import { writeFileDurably } from "../oracle/durableFile";
import type { OidcIssuerConfig } from "../oracle/auth/oidc";

export type DevIssuerErrorCode =
  "INVALID_REQUEST" | "LIMIT_EXCEEDED" | "KEY_FILE_UNUSABLE" | "INVALID_OPTION";

export class DevIssuerError extends CodedError<DevIssuerErrorCode> {}

export const DEV_ISSUER_DEFAULT_PORT = 8790;
/** The issuer name of an in-process dev issuer (`.localhost` never leaves the machine). */
export const IN_PROCESS_ISSUER = "http://dev-issuer.localhost";

const KEY_FILE_FORMAT = "lit-pkp-dev-issuer-key";
/** A `POST /token` body over this is answered 413 LIMIT_EXCEEDED (after draining it). */
export const DEV_ISSUER_MAX_BODY_BYTES = 16 * 1024;
/** Longest `sub`, `aud` and `email` of a minted token, in characters. */
export const DEV_ISSUER_MAX_CLAIM_CHARS = 256;
/** Longest `expiresIn` / `notBefore` of a minted token: 366 days, in seconds. */
export const DEV_ISSUER_MAX_SECONDS = 366 * 24 * 3600;
/** Public keys published at once: the current one and the last rotated out. */
const PUBLISHED_KEYS = 2;

export type DevIssuerAlg = "RS256" | "ES256";

export interface MintRequest {
  /** The user's id at the issuer (the token's `sub`). */
  sub: string;
  /** The client id the token is for (its `aud`). */
  aud: string;
  email?: string;
  /** Seconds until `exp` (default 3600; negative gives an already expired token). */
  expiresIn?: number;
  /** Seconds from now to `nbf` (a token not valid yet); default none. */
  notBefore?: number;
}

interface SigningKey {
  kid: string;
  alg: DevIssuerAlg;
  privateKey: KeyLike;
  publicJwk: JWK;
  privateJwk: JWK;
}

export interface DevIssuerOptions {
  /** Where the key pair is kept; created on first use. Default: in memory only. */
  keyFile?: string;
  /** Default RS256. */
  alg?: DevIssuerAlg;
  /** The clock, in ms (tests). */
  now?: () => number;
}

export class DevIssuer {
  #keys: SigningKey[];
  readonly #now: () => number;

  private constructor(
    /** The `iss` of its tokens. */
    readonly issuer: string,
    keys: SigningKey[],
    private readonly options: DevIssuerOptions,
  ) {
    this.#keys = keys;
    this.#now = options.now ?? Date.now;
  }

  /** @internal use createDevIssuer / startDevIssuer */
  static async load(issuer: string, options: DevIssuerOptions): Promise<DevIssuer> {
    const key = options.keyFile
      ? await loadOrCreateKey(options.keyFile, options.alg ?? "RS256")
      : await newKey(options.alg ?? "RS256");
    return new DevIssuer(issuer, [key], options);
  }

  /** The key id tokens are signed with now. */
  get kid(): string {
    return this.#keys[0].kid;
  }

  /** The public keys, as `/jwks` serves them. */
  jwks(): JSONWebKeySet {
    return { keys: this.#keys.map((k) => ({ ...k.publicJwk })) };
  }

  /** The discovery document, as `/.well-known/openid-configuration` serves it. */
  discovery(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/jwks`,
      token_endpoint: `${this.issuer}/token`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: [this.#keys[0].alg],
      claims_supported: ["iss", "sub", "aud", "exp", "iat", "nbf", "email"],
    };
  }

  /** This issuer as the oracle's configuration, accepting `audiences`, keys handed in process. */
  oidcIssuer(audiences: string[]): OidcIssuerConfig {
    return { issuer: this.issuer, audiences, jwks: () => this.jwks() };
  }

  /** An ID token for `request`'s identity, signed with the current key. */
  async mint(request: MintRequest): Promise<string> {
    const { sub, aud, email } = checkMintRequest(request);
    const now = Math.floor(this.#now() / 1000);
    const exp = now + (request.expiresIn ?? 3600);
    const iat = Math.min(now, exp - 3600);
    const key = this.#keys[0];
    const jwt = new SignJWT({ ...(email !== undefined ? { email, email_verified: true } : {}) })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
      .setIssuer(this.issuer)
      .setSubject(sub)
      .setAudience(aud)
      .setIssuedAt(iat)
      .setExpirationTime(exp);
    if (request.notBefore !== undefined) jwt.setNotBefore(now + request.notBefore);
    return jwt.sign(key.privateKey);
  }

  /**
   * Signs any claims as they are with the current key (no checks, no defaults): for tests of how
   * verifiers treat odd tokens (another `iss`, no `sub`, …).
   */
  signClaims(claims: JWTPayload): Promise<string> {
    const key = this.#keys[0];
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
      .sign(key.privateKey);
  }

  /**
   * Starts signing with a new key; the previous public key stays published (as issuers do while
   * tokens signed with it are still valid). Persisted to the key file, if any.
   */
  async rotateKey(): Promise<string> {
    const key = await newKey(this.#keys[0].alg);
    if (this.options.keyFile) await saveKey(this.options.keyFile, key);
    this.#keys = [key, ...this.#keys].slice(0, PUBLISHED_KEYS);
    return key.kid;
  }
}

/** A dev issuer without HTTP (the demo, tests): mint tokens and hand its keys to the oracle. */
export function createDevIssuer(
  options: DevIssuerOptions & { issuer?: string } = {},
): Promise<DevIssuer> {
  return DevIssuer.load(options.issuer ?? IN_PROCESS_ISSUER, options);
}

export interface DevIssuerServer {
  issuer: DevIssuer;
  /** `http://127.0.0.1:<port>`: the issuer URL (its tokens' `iss`). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves a dev issuer on 127.0.0.1 (only: it signs for anyone who asks). */
export async function startDevIssuer(
  options: DevIssuerOptions & { port?: number } = {},
): Promise<DevIssuerServer> {
  const port = options.port ?? DEV_ISSUER_DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new DevIssuerError("INVALID_OPTION", `port ${port} is not a TCP port (0-65535)`);
  }
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", () => undefined);
  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${actualPort}`;
  let issuer: DevIssuer;
  try {
    issuer = await DevIssuer.load(url, options);
  } catch (error) {
    server.close();
    throw error;
  }
  server.on("request", (request, response) => {
    serve(issuer, request, response).catch((error: unknown) => {
      answer(response, 500, { error: { code: "INTERNAL", message: messageOf(error) } });
    });
  });
  let closing: Promise<void> | undefined;
  return {
    issuer,
    url,
    port: actualPort,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function serve(
  issuer: DevIssuer,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  const pathname = new URL(request.url ?? "/", "http://x").pathname;
  const route = `${request.method ?? ""} ${pathname}`;
  switch (route) {
    case "GET /.well-known/openid-configuration":
      return answer(response, 200, issuer.discovery());
    case "GET /jwks":
      return answer(response, 200, issuer.jwks());
    case "POST /token": {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(request));
      } catch (error) {
        if (error instanceof DevIssuerError) {
          return answer(response, 413, refusal(error.code, error.message));
        }
        return answer(response, 400, refusal("INVALID_REQUEST", messageOf(error)));
      }
      try {
        const idToken = await issuer.mint(body as MintRequest);
        return answer(response, 200, { id_token: idToken, token_type: "Bearer" });
      } catch (error) {
        if (error instanceof DevIssuerError) {
          return answer(response, 400, refusal(error.code, error.message));
        }
        throw error;
      }
    }
    default:
      return answer(
        response,
        404,
        refusal(
          "INVALID_REQUEST",
          "routes: GET /.well-known/openid-configuration, GET /jwks, POST /token",
        ),
      );
  }
}

function refusal(code: string, message: string) {
  return { error: { code, message } };
}

function answer(response: http.ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  response.end(text);
}

/**
 * The body as UTF-8; one over DEV_ISSUER_MAX_BODY_BYTES is read to its end but not kept, then
 * refused: destroying the socket instead would reset the connection before the client reads
 * the 413.
 */
function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > DEV_ISSUER_MAX_BODY_BYTES) chunks = [];
      else chunks.push(chunk);
    });
    request.on("end", () => {
      if (size > DEV_ISSUER_MAX_BODY_BYTES) {
        reject(
          new DevIssuerError(
            "LIMIT_EXCEEDED",
            `the body is ${size} bytes, over ${DEV_ISSUER_MAX_BODY_BYTES}`,
          ),
        );
      } else resolve(Buffer.concat(chunks).toString("utf8"));
    });
    request.on("error", reject);
  });
}

function checkMintRequest(request: MintRequest): { sub: string; aud: string; email?: string } {
  if (typeof request !== "object" || request === null) {
    throw new DevIssuerError("INVALID_REQUEST", "send { sub, aud, email?, expiresIn? }");
  }
  const { sub, aud, email, expiresIn, notBefore } = request;
  for (const [name, value] of [
    ["sub", sub],
    ["aud", aud],
  ] as const) {
    if (
      typeof value !== "string" ||
      value.length === 0 ||
      value.length > DEV_ISSUER_MAX_CLAIM_CHARS
    ) {
      throw new DevIssuerError(
        "INVALID_REQUEST",
        `${name} must be a string of 1-${DEV_ISSUER_MAX_CLAIM_CHARS} characters`,
      );
    }
  }
  if (
    email !== undefined &&
    (typeof email !== "string" || email.length > DEV_ISSUER_MAX_CLAIM_CHARS)
  ) {
    throw new DevIssuerError(
      "INVALID_REQUEST",
      `email must be a string of at most ${DEV_ISSUER_MAX_CLAIM_CHARS} characters`,
    );
  }
  for (const [name, value] of [
    ["expiresIn", expiresIn],
    ["notBefore", notBefore],
  ] as const) {
    if (
      value !== undefined &&
      (!Number.isInteger(value) || Math.abs(value) > DEV_ISSUER_MAX_SECONDS)
    ) {
      throw new DevIssuerError(
        "INVALID_REQUEST",
        `${name} must be an integer number of seconds, at most ${DEV_ISSUER_MAX_SECONDS} (366 days) either way`,
      );
    }
  }
  return { sub, aud, ...(email !== undefined ? { email } : {}) };
}

async function newKey(alg: DevIssuerAlg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `dev-${randomBytes(6).toString("hex")}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  return { kid, alg, privateKey, publicJwk, privateJwk };
}

async function loadOrCreateKey(file: string, alg: DevIssuerAlg): Promise<SigningKey> {
  let raw: string | undefined;
  try {
    raw = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw unusable(file, error);
  }
  if (raw === undefined) {
    const key = await newKey(alg);
    await saveKey(file, key);
    return key;
  }
  try {
    const content = JSON.parse(raw) as { format?: unknown; privateJwk?: JWK };
    if (content.format !== KEY_FILE_FORMAT || typeof content.privateJwk !== "object") {
      throw new Error("not a dev issuer key file");
    }
    const { kid, alg: storedAlg } = content.privateJwk;
    if (typeof kid !== "string" || (storedAlg !== "RS256" && storedAlg !== "ES256")) {
      throw new Error("the key has no kid or an unsupported alg");
    }
    const privateKey = (await importJWK(content.privateJwk, storedAlg)) as KeyLike;
    const publicJwk = publicPart(content.privateJwk);
    return { kid, alg: storedAlg, privateKey, publicJwk, privateJwk: content.privateJwk };
  } catch (error) {
    throw unusable(file, error);
  }
}

async function saveKey(file: string, key: SigningKey): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const content = { format: KEY_FILE_FORMAT, version: 1, privateJwk: key.privateJwk };
    await writeFileDurably(file, JSON.stringify(content, null, 2) + "\n");
  } catch (error) {
    throw unusable(file, error);
  }
}

/** The public members of an RSA or EC private JWK. */
function publicPart(jwk: JWK): JWK {
  const { kty, n, e, crv, x, y, kid, alg } = jwk;
  const members = kty === "RSA" ? { kty, n, e } : { kty, crv, x, y };
  return { ...members, kid, alg, use: "sig" };
}

function unusable(file: string, error: unknown): DevIssuerError {
  return new DevIssuerError(
    "KEY_FILE_UNUSABLE",
    `the dev issuer's key file ${file} is unusable (${messageOf(error)}); move it away to start with a new key`,
  );
}
