/**
 * Who is asking, from what a request carries: an `authSig`, Lit's `authMethods`, or `sessionSigs`
 * (never sessionSigs together with the others: on Lit a session's capability is the whole auth
 * context). The result feeds both authorization (../authorization.ts, at the pinned block) and
 * what an action sees as `Lit.Auth` (./authContext.ts).
 */
import { OracleError } from "../errors";
import type { SiweMessage } from "../siwe";
import { basicAuthContext, type AuthContext } from "./authContext";
import {
  authMethodContextOf,
  type AuthMethodVerifier,
  type AuthSigCheck,
  type VerifiedAuthMethod,
} from "./authMethods";
import type { SessionUse, SessionVerifier, VerifiedSession } from "./sessionVerifier";

/** The credentials a request may carry (the fields of /execute and /pkp/sign). */
export interface RequestCredentials {
  authSig?: unknown;
  authMethods?: unknown;
  sessionSigs?: unknown;
}

export interface Caller {
  /** The address an authSig proves, or a session's PKP address (Lit's authSigAddress). */
  authSigAddress?: string;
  /** The authSig's SIWE message (for SIWE access-control conditions); absent for sessions. */
  siwe?: SiweMessage;
  /** Verified auth methods, given directly or through a session. */
  authMethods: VerifiedAuthMethod[];
  session?: VerifiedSession;
}

export class Authenticator {
  constructor(
    private readonly checkAuthSig: AuthSigCheck,
    private readonly methods: AuthMethodVerifier,
    private readonly sessions: SessionVerifier,
  ) {}

  /** Verifies what the request carries; `use` says what a session would be used for. */
  async resolve(request: RequestCredentials, use: SessionUse): Promise<Caller> {
    if (request.sessionSigs !== undefined) {
      if (request.authSig !== undefined || request.authMethods !== undefined) {
        throw new OracleError(
          "INVALID_REQUEST",
          "send either sessionSigs or authSig/authMethods: a session's capability is its whole auth context",
        );
      }
      const session = await this.sessions.verify(request.sessionSigs, use);
      return { authSigAddress: session.pkpAddress, authMethods: session.authMethods, session };
    }
    const verified = request.authSig === undefined ? undefined : this.checkAuthSig(request.authSig);
    const authMethods =
      request.authMethods === undefined ? [] : await this.methods.verifyAll(request.authMethods);
    return {
      ...(verified !== undefined
        ? { authSigAddress: verified.address, siwe: verified.message }
        : {}),
      authMethods,
    };
  }

  /** `Lit.Auth` for an action run by `caller`. */
  static authContext(ipfsId: string, caller: Caller): AuthContext {
    if (caller.session !== undefined) {
      return {
        ...caller.session.authContext,
        actionIpfsIds: [ipfsId],
        actionIpfsIdStack: [ipfsId],
      };
    }
    return {
      ...basicAuthContext(ipfsId, caller.authSigAddress),
      authMethodContexts: caller.authMethods.map((m) => authMethodContextOf(m, false)),
    };
  }
}

/** Whether the caller carries any credential at all. */
export function hasCredential(caller: Caller): boolean {
  return caller.authSigAddress !== undefined || caller.authMethods.length > 0;
}
