/**
 * How a wallet reaches the signing oracle: in process (a `SigningOracle` is an `OracleEndpoint`
 * as it is) or over HTTP (`httpOracle(url)`, the routes of `pkp:oracle`). Both answer in the
 * oracle's shapes: a refusal is `{ success: false, error: { code, message } }`, never a throw;
 * only an oracle that cannot be reached (or answers garbage) throws `WalletError`.
 */
import { hexlify } from "ethers";
import { CodedError } from "../codedError";
import { messageOf } from "../errorText";
import type { SessionRequest } from "../oracle/auth/sessionFormat";
import type { PkpSignRequest, PkpSignResult, SessionResult } from "../oracle/oracle";

export interface OracleEndpoint {
  pkpSign(request: PkpSignRequest): Promise<PkpSignResult>;
  createSession(request: SessionRequest): Promise<SessionResult>;
}

export type WalletErrorCode =
  /** The oracle could not be reached, or did not answer in its shape. */
  | "ORACLE_UNREACHABLE"
  /** The oracle refused; `oracleCode` says why (docs/ORACLE.md, docs/WALLET.md). */
  | "ORACLE_REFUSED"
  /** The oracle answered a signature that is not the PKP's over what was asked. */
  | "BAD_ORACLE_SIGNATURE"
  /** The caller's input cannot be used (a transaction from another address, …). */
  | "INVALID_ARGUMENT"
  /** A provider is needed (sendTransaction, ENS names) and none is connected. */
  | "NO_PROVIDER"
  /** A transaction did not do what it should have (no receipt, no PKPMinted). */
  | "TRANSACTION_FAILED";

export class WalletError extends CodedError<WalletErrorCode> {
  constructor(
    code: WalletErrorCode,
    message: string,
    /** For ORACLE_REFUSED: the oracle's code (NOT_PERMITTED, JWT_EXPIRED, …). */
    readonly oracleCode?: string,
  ) {
    super(code, message);
  }
}

export interface HttpOracleOptions {
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

/** The oracle service at `url` (`http://127.0.0.1:8787`, `pkp:oracle`'s default). */
export function httpOracle(url: string, options: HttpOracleOptions = {}): OracleEndpoint {
  const base = url.replace(/\/+$/, "");
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new WalletError(
        "ORACLE_UNREACHABLE",
        `cannot reach the oracle at ${base}: ${messageOf(error)}`,
      );
    }
    const text = await response.text();
    try {
      const parsed = JSON.parse(text) as { success?: unknown };
      if (typeof parsed?.success === "boolean") return parsed as T;
    } catch {
      // not JSON: reported below
    }
    throw new WalletError(
      "ORACLE_UNREACHABLE",
      `the oracle at ${base}${path} answered HTTP ${response.status} without a result: ${text.slice(0, 200)}`,
    );
  };
  return {
    pkpSign: (request) =>
      post<PkpSignResult>("/pkp/sign", {
        ...request,
        toSign:
          typeof request.toSign === "string"
            ? request.toSign
            : hexlify(Uint8Array.from(request.toSign)),
      }),
    createSession: (request) => post<SessionResult>("/pkp/session", request),
  };
}
