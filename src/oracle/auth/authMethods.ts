/**
 * Lit's auth methods `{ authMethodType, accessToken }` (LIT-AUTH.md A.1): verified here, each
 * turned into Lit's `(userId, appId)` and its on-chain id `keccak256("<userId>:<appId>")`.
 *
 * | type | name      | accessToken              | userId                        | appId |
 * | ---: | --------- | ------------------------ | ----------------------------- | ----- |
 * |    1 | EthWallet | an authSig (JSON string) | the authSig's address as given | `lit` |
 * |    6 | GoogleJwt | an OIDC ID token         | `sub`                         | `aud` |
 *
 * EthWallet reuses the oracle's authSig verifier (its rules for lifetime and domains apply) and,
 * as on Lit, needs an Expiration Time. GoogleJwt goes through the OIDC verifier (./oidc.ts): any
 * configured issuer, Google's by default. Whether a verified method may sign is the chain's
 * business (../authorization.ts), read at the pinned block.
 */
import { getAddress } from "ethers";
import { AUTH_METHOD_ADDRESS, AUTH_METHOD_GOOGLE_JWT } from "../../protocol";
import { AuthSigError, type VerifiedAuthSig } from "../authSig";
import { OracleError } from "../errors";
import type { AuthMethodContext } from "./authContext";
import { AuthError } from "./authErrors";
import { ETH_WALLET_APP_ID, authMethodIdOf } from "./authMethodId";
import type { OidcVerifier } from "./oidc";

/** What a client sends: Lit's `AuthMethod` (both names camelCase, as on Lit). */
export interface AuthMethod {
  authMethodType: number;
  accessToken: string;
}

/** The non-secret claims of a verified ID token, shown to actions in `Lit.Auth`. */
export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  email?: string;
  /** Seconds since the epoch. */
  exp: number;
}

/** A verified auth method: who it proves, and the id the chain knows it by. */
export interface VerifiedAuthMethod {
  authMethodType: bigint;
  /** Lit's on-chain id: keccak256("<userId>:<appId>"), 0x-hex. */
  id: string;
  userId: string;
  appId: string;
  /** When the credential stops being valid, in ms since the epoch. */
  expiresAt: number;
  /** EthWallet: the address the authSig proves (EIP-55). */
  address?: string;
  /** GoogleJwt: the token's non-secret claims. */
  claims?: IdTokenClaims;
}

/** Auth methods per request at most (each may cost a signature check or a JWKS fetch). */
export const MAX_AUTH_METHODS = 8;
/** An accessToken longer than this is refused before it is parsed. */
export const MAX_ACCESS_TOKEN_CHARS = 16 * 1024;

/** The authSig verifier the oracle uses (its chain and rules). */
export type AuthSigCheck = (authSig: unknown) => VerifiedAuthSig;

export class AuthMethodVerifier {
  constructor(
    private readonly oidc: OidcVerifier,
    private readonly checkAuthSig: AuthSigCheck,
  ) {}

  /** Verifies every method (all must verify); throws the first refusal, naming its index. */
  async verifyAll(methods: unknown): Promise<VerifiedAuthMethod[]> {
    if (!Array.isArray(methods)) {
      throw new AuthError(
        "INVALID_AUTH_METHOD",
        "authMethods must be an array of { authMethodType, accessToken }",
      );
    }
    if (methods.length > MAX_AUTH_METHODS) {
      throw new OracleError(
        "LIMIT_EXCEEDED",
        `at most ${MAX_AUTH_METHODS} auth methods per request, got ${methods.length}`,
      );
    }
    return Promise.all(methods.map((method, index) => this.verify(method, index)));
  }

  async verify(method: unknown, index = 0): Promise<VerifiedAuthMethod> {
    const where = `authMethods[${index}]`;
    if (typeof method !== "object" || method === null || Array.isArray(method)) {
      throw new AuthError(
        "INVALID_AUTH_METHOD",
        `${where} must be { authMethodType, accessToken }`,
      );
    }
    const { authMethodType, accessToken } = method as Record<string, unknown>;
    if (typeof accessToken !== "string" || accessToken.length > MAX_ACCESS_TOKEN_CHARS) {
      throw new AuthError(
        "INVALID_AUTH_METHOD",
        `${where}.accessToken must be a string of at most ${MAX_ACCESS_TOKEN_CHARS} characters`,
      );
    }
    const type = typeof authMethodType === "number" ? BigInt(authMethodType) : undefined;
    if (type === undefined || !Number.isSafeInteger(authMethodType)) {
      throw new AuthError("INVALID_AUTH_METHOD", `${where}.authMethodType must be an integer`);
    }
    try {
      if (type === AUTH_METHOD_ADDRESS) return this.ethWallet(accessToken);
      if (type === AUTH_METHOD_GOOGLE_JWT) return await this.idToken(accessToken);
    } catch (error) {
      throw withIndex(error, where);
    }
    throw new AuthError(
      "AUTH_METHOD_UNSUPPORTED",
      `${where}: auth method type ${type} is not supported by this oracle; it verifies 1 (EthWallet) and 6 (GoogleJwt, any configured OIDC issuer)`,
    );
  }

  private ethWallet(accessToken: string): VerifiedAuthMethod {
    let authSig: unknown;
    try {
      authSig = JSON.parse(accessToken);
    } catch {
      throw new AuthError(
        "INVALID_AUTH_METHOD",
        "an EthWallet accessToken is an authSig as a JSON string (JSON.stringify(authSig))",
      );
    }
    const verified = this.checkAuthSig(authSig);
    const expiration = verified.message.expirationTime;
    if (expiration === undefined) {
      throw new AuthSigError(
        "MALFORMED_MESSAGE",
        "an EthWallet auth method's SIWE message needs an Expiration Time (as on Lit)",
      );
    }
    // Lit takes the address as the client wrote it: its case is part of the id.
    const userId = (authSig as { address: string }).address;
    return {
      authMethodType: AUTH_METHOD_ADDRESS,
      id: authMethodIdOf(userId, ETH_WALLET_APP_ID),
      userId,
      appId: ETH_WALLET_APP_ID,
      expiresAt: Date.parse(expiration),
      address: getAddress(verified.address),
    };
  }

  private async idToken(accessToken: string): Promise<VerifiedAuthMethod> {
    const token = await this.oidc.verify(accessToken);
    return {
      authMethodType: AUTH_METHOD_GOOGLE_JWT,
      id: authMethodIdOf(token.sub, token.aud),
      userId: token.sub,
      appId: token.aud,
      expiresAt: token.exp * 1000,
      claims: {
        iss: token.iss,
        sub: token.sub,
        aud: token.aud,
        ...(token.email !== undefined ? { email: token.email } : {}),
        exp: token.exp,
      },
    };
  }
}

/** How an action sees a verified method in `Lit.Auth.authMethodContexts`. */
export function authMethodContextOf(
  method: VerifiedAuthMethod,
  usedForSignSessionKeyRequest: boolean,
): AuthMethodContext {
  return {
    userId: method.userId,
    appId: method.appId,
    authMethodType: Number(method.authMethodType),
    usedForSignSessionKeyRequest,
    authMethodId: method.id,
    ...(method.claims !== undefined ? { claims: { ...method.claims } } : {}),
  };
}

function withIndex(error: unknown, where: string): unknown {
  if (error instanceof AuthError) return new AuthError(error.code, `${where}: ${error.message}`);
  if (error instanceof AuthSigError) {
    return new AuthSigError(
      error.problem,
      `${where} (EthWallet): ${error.message.replace(/^invalid authSig: /, "")}`,
    );
  }
  return error;
}
