/**
 * Verifying OpenID Connect ID tokens (Lit's GoogleJwt auth method, type 6) with `jose`.
 *
 * A token is accepted only if all of these hold (docs/WALLET.md; Google's rules for servers):
 * - its `iss` is a configured issuer (Google's `https://accounts.google.com`, also written
 *   `accounts.google.com`, by default) — JWT_UNTRUSTED_ISSUER;
 * - its header's `alg` is RS256 or ES256 — JWT_ALG_NOT_ALLOWED (`none`, HS256 with the public key
 *   as the secret, … never reach a key);
 * - its `kid` names a key of the issuer's JWKS (fetched again once on an unknown kid; ./jwks.ts)
 *   — JWT_UNKNOWN_KEY — and the signature verifies with it — JWT_BAD_SIGNATURE;
 * - its `aud` is one of the client ids configured for the issuer — JWT_WRONG_AUDIENCE;
 * - `exp` has not passed, `nbf` and `iat` are not in the future, each with `clockSkewSeconds`
 *   (default 60 s) of tolerance — JWT_EXPIRED, JWT_NOT_YET_VALID;
 * - it has `sub`, `aud`, `exp` and `iat` — JWT_INVALID.
 * Lit's nodes check only RS256, `exp` and the signature (LIT-AUTH.md A.2): docs/COMPATIBILITY.md.
 */
import {
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from "jose";
import { messageOf } from "../../errorText";
import { AuthError } from "./authErrors";
import { JwksCache, checkIssuerUrl } from "./jwks";

export const GOOGLE_ISSUER = "https://accounts.google.com";
/** Google writes its issuer both ways (developers.google.com/identity/gsi/web/guides/verify-google-id-token). */
export const GOOGLE_ISSUER_ALIASES = ["accounts.google.com"];
export const GOOGLE_JWKS_URI = "https://www.googleapis.com/oauth2/v3/certs";

/** The only signature algorithms accepted (asymmetric; what Google and common issuers use). */
export const ALLOWED_ALGORITHMS = ["RS256", "ES256"] as const;

/** A token longer than this is refused before it is parsed. */
export const MAX_TOKEN_CHARS = 16 * 1024;

export interface OidcIssuerConfig {
  /** The `iss` the issuer's tokens carry, e.g. `https://accounts.google.com`. */
  issuer: string;
  /** Other spellings of `iss` meaning the same issuer (Google: `accounts.google.com`). */
  aliases?: string[];
  /** The client ids (`aud`) accepted from this issuer. None: every token is JWT_WRONG_AUDIENCE. */
  audiences: string[];
  /** The JWKS URL; default the `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  jwksUri?: string;
  /** Keys given in process instead of fetched (the dev issuer in process, tests). */
  jwks?: () => JSONWebKeySet | Promise<JSONWebKeySet>;
}

export interface OidcOptions {
  /** Trusted issuers. Default: Google's, with no audience (configure your client ids). */
  issuers?: OidcIssuerConfig[];
  /** Tolerance on `exp`, `nbf` and `iat`, in seconds. Default 60. */
  clockSkewSeconds?: number;
  /** How long fetched keys are used before they are fetched again. Default 1 h. */
  jwksMaxAgeMs?: number;
  /** Unknown-kid refetches happen at most this often per issuer. Default 30 s. */
  jwksRefreshCooldownMs?: number;
  /** Default 5 s. */
  fetchTimeoutMs?: number;
  /** Default 64 KiB. */
  maxResponseBytes?: number;
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
}

/** Google's issuer with the given client ids. */
export function googleIssuer(audiences: string[]): OidcIssuerConfig {
  return {
    issuer: GOOGLE_ISSUER,
    aliases: [...GOOGLE_ISSUER_ALIASES],
    audiences,
    jwksUri: GOOGLE_JWKS_URI,
  };
}

/** A verified ID token: what the oracle derives the auth method id from and shows to actions. */
export interface VerifiedIdToken {
  /** The configured issuer (its canonical spelling). */
  issuer: string;
  /** The `iss` as the token wrote it. */
  iss: string;
  sub: string;
  /** The one audience (client id) the token is for. */
  aud: string;
  email?: string;
  /** Seconds since the epoch. */
  exp: number;
  iat: number;
}

interface TrustedIssuer {
  config: OidcIssuerConfig;
  keys: JwksCache;
}

export class OidcVerifier {
  readonly #byIss = new Map<string, TrustedIssuer>();
  readonly #skew: number;
  readonly #now: () => number;

  constructor(options: OidcOptions = {}) {
    this.#skew = options.clockSkewSeconds ?? 60;
    this.#now = options.now ?? Date.now;
    const audienceOwner = new Map<string, string>();
    for (const config of options.issuers ?? [googleIssuer([])]) {
      for (const audience of config.audiences) {
        const owner = audienceOwner.get(audience);
        if (owner !== undefined && owner !== config.issuer) {
          throw new AuthError(
            "OIDC_UNAVAILABLE",
            `the audience ${audience} is configured for ${owner} and ${config.issuer}: the auth ` +
              `method id is keccak("<sub>:<aud>"), so either issuer could speak for the other's users; ` +
              "give each issuer its own client ids",
          );
        }
        audienceOwner.set(audience, config.issuer);
      }
      if (config.jwks === undefined) {
        checkIssuerUrl(config.issuer);
        if (config.jwksUri !== undefined) checkIssuerUrl(config.jwksUri, "jwks_uri");
      }
      const trusted: TrustedIssuer = {
        config,
        keys: new JwksCache({
          issuer: config.issuer,
          jwksUri: config.jwksUri,
          jwks: config.jwks,
          maxAgeMs: options.jwksMaxAgeMs ?? 60 * 60 * 1000,
          refreshCooldownMs: options.jwksRefreshCooldownMs ?? 30_000,
          fetchTimeoutMs: options.fetchTimeoutMs ?? 5_000,
          maxResponseBytes: options.maxResponseBytes ?? 64 * 1024,
          now: this.#now,
        }),
      };
      for (const iss of [config.issuer, ...(config.aliases ?? [])]) {
        if (this.#byIss.has(iss)) {
          throw new AuthError("OIDC_UNAVAILABLE", `the OIDC issuer ${iss} is configured twice`);
        }
        this.#byIss.set(iss, trusted);
      }
    }
  }

  /** The trusted issuers and their accepted audiences (for /health and logs). */
  issuers(): Array<{ issuer: string; audiences: string[] }> {
    const seen = new Set<TrustedIssuer>(this.#byIss.values());
    return [...seen].map(({ config }) => ({
      issuer: config.issuer,
      audiences: [...config.audiences],
    }));
  }

  /** JWKS fetches so far, all issuers together (benchmarks and tests check the cache). */
  jwksFetches(): number {
    return [...new Set(this.#byIss.values())].reduce((sum, t) => sum + t.keys.fetches, 0);
  }

  /** Verifies an ID token (see the top of the file); throws AuthError with the failed check. */
  async verify(token: unknown): Promise<VerifiedIdToken> {
    if (typeof token !== "string" || token.length > MAX_TOKEN_CHARS) {
      throw new AuthError(
        "JWT_INVALID",
        `an ID token must be a string of at most ${MAX_TOKEN_CHARS} characters`,
      );
    }
    let unverified: JWTPayload;
    let alg: unknown;
    try {
      unverified = decodeJwt(token);
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw new AuthError(
        "JWT_INVALID",
        `not a JWT (header.payload.signature): ${messageOf(error)}`,
      );
    }
    const trusted =
      typeof unverified.iss === "string" ? this.#byIss.get(unverified.iss) : undefined;
    if (trusted === undefined) {
      throw new AuthError(
        "JWT_UNTRUSTED_ISSUER",
        `the token's issuer ${JSON.stringify(unverified.iss ?? null)} is not trusted by this oracle ` +
          `(trusted: ${
            this.issuers()
              .map((i) => i.issuer)
              .join(", ") || "none"
          })`,
      );
    }
    if (!ALLOWED_ALGORITHMS.includes(alg as (typeof ALLOWED_ALGORITHMS)[number])) {
      throw new AuthError(
        "JWT_ALG_NOT_ALLOWED",
        `the token's alg ${JSON.stringify(alg ?? null)} is not allowed; only ${ALLOWED_ALGORITHMS.join(" and ")}`,
      );
    }
    const { config, keys } = trusted;
    if (config.audiences.length === 0) {
      throw new AuthError(
        "JWT_WRONG_AUDIENCE",
        `no client id (audience) is configured for ${config.issuer}: start the oracle with --oidc-audience <your client id>`,
      );
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys.getKey, {
        issuer: [config.issuer, ...(config.aliases ?? [])],
        audience: config.audiences,
        algorithms: [...ALLOWED_ALGORITHMS],
        clockTolerance: this.#skew,
        requiredClaims: ["exp", "iat", "sub"],
        currentDate: new Date(this.#now()),
      }));
    } catch (error) {
      throw this.#refusal(error, config);
    }
    const nowSeconds = Math.floor(this.#now() / 1000);
    const iat = payload.iat as number;
    if (iat > nowSeconds + this.#skew) {
      throw new AuthError(
        "JWT_NOT_YET_VALID",
        `the token is issued at ${isoOf(iat)}, in the future (now ${isoOf(nowSeconds)})`,
      );
    }
    return {
      issuer: config.issuer,
      iss: payload.iss as string,
      sub: stringClaim(payload, "sub"),
      aud: singleAudience(payload.aud, config.audiences),
      ...(typeof payload.email === "string" ? { email: payload.email } : {}),
      exp: payload.exp as number,
      iat,
    };
  }

  #refusal(error: unknown, config: OidcIssuerConfig): AuthError {
    if (error instanceof AuthError) return error;
    if (error instanceof joseErrors.JWTExpired) {
      const exp = error.payload.exp;
      return new AuthError(
        "JWT_EXPIRED",
        `the token expired at ${typeof exp === "number" ? isoOf(exp) : "?"}; sign in again for a new one`,
      );
    }
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
      switch (error.claim) {
        case "aud":
          return new AuthError(
            "JWT_WRONG_AUDIENCE",
            `the token is for audience ${JSON.stringify(error.payload.aud ?? null)}, not one of this oracle's client ids for ${config.issuer} (${config.audiences.join(", ")})`,
          );
        case "iss":
          return new AuthError("JWT_UNTRUSTED_ISSUER", `the token's iss is not ${config.issuer}`);
        case "nbf":
          if (error.reason === "check_failed") {
            return new AuthError("JWT_NOT_YET_VALID", "the token is not valid yet (nbf)");
          }
          break;
      }
      return new AuthError("JWT_INVALID", `the token's claims are unusable: ${error.message}`);
    }
    if (error instanceof joseErrors.JOSEAlgNotAllowed) {
      return new AuthError(
        "JWT_ALG_NOT_ALLOWED",
        `the token's alg is not allowed: ${error.message}`,
      );
    }
    if (error instanceof joseErrors.JWKSNoMatchingKey) {
      return new AuthError(
        "JWT_UNKNOWN_KEY",
        `no key of ${config.issuer}'s JWKS matches the token's kid (also after fetching the keys again)`,
      );
    }
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
      return new AuthError(
        "JWT_BAD_SIGNATURE",
        `the token's signature does not verify with ${config.issuer}'s key`,
      );
    }
    return new AuthError("JWT_INVALID", `the token is unusable: ${messageOf(error)}`);
  }
}

function stringClaim(payload: JWTPayload, name: "sub"): string {
  const value = payload[name];
  if (typeof value !== "string" || value === "") {
    throw new AuthError("JWT_INVALID", `the token's ${name} must be a non-empty string`);
  }
  return value;
}

/** Lit takes `aud` as the appId: a token must be for exactly one audience (one of ours). */
function singleAudience(aud: unknown, accepted: string[]): string {
  const list = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  if (list.length !== 1 || typeof list[0] !== "string" || !accepted.includes(list[0])) {
    throw new AuthError(
      "JWT_WRONG_AUDIENCE",
      `the token must be for exactly one audience, one of ${accepted.join(", ")}; it is for ${JSON.stringify(aud)}`,
    );
  }
  return list[0];
}

function isoOf(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
