/**
 * A typed client of the signing oracle's HTTP API (`npx hardhat pkp:oracle`, docs/ORACLE.md):
 * POST /execute, POST /actions, GET /health. Refusals of an execution come back as Lit's
 * `{ success: false, error }`; only a missing or broken oracle throws (OracleClientError).
 */
import { CodedError } from "../codedError";
import type { ExecuteRequest, ExecuteResult } from "../oracle/oracle";

/** `npx hardhat pkp:oracle`'s default address. */
export const DEFAULT_ORACLE_URL = "http://127.0.0.1:8787";

export type OracleClientErrorCode =
  /** Nothing answers at the URL (not started, wrong port, timeout). */
  | "ORACLE_UNREACHABLE"
  /** Something answered, but not like the oracle. */
  | "ORACLE_BAD_RESPONSE"
  /** The oracle refused a request that is not an execution (e.g. storing an action). */
  | "ORACLE_REFUSED";

export class OracleClientError extends CodedError<OracleClientErrorCode> {}

export interface OracleHealth {
  ok: boolean;
  chainId: string;
  blockNumber: number;
  contracts: Record<string, string>;
  pool: { keyType: string; unminted: number; held: number };
}

export interface OracleClientOptions {
  /** Per request, in ms (default 120 s: an execution may run up to the action's time limit). */
  timeoutMs?: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export class OracleClient {
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(url: string = DEFAULT_ORACLE_URL, options: OracleClientOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new OracleClientError(
        "ORACLE_UNREACHABLE",
        `"${url}" is not a URL (e.g. ${DEFAULT_ORACLE_URL})`,
      );
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new OracleClientError("ORACLE_UNREACHABLE", `"${url}" is not an http(s) URL`);
    }
    this.url = parsed.toString().replace(/\/$/, "");
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** GET /health: the oracle's chain, contracts and key pool. */
  async health(): Promise<OracleHealth> {
    const { body } = await this.request("GET", "/health");
    if (!isObject(body) || typeof body.chainId !== "string" || !isObject(body.contracts)) {
      throw this.badResponse("/health", body);
    }
    return body as unknown as OracleHealth;
  }

  /** POST /actions: stores the code with the oracle (like pinning it to IPFS); returns its CID. */
  async storeAction(code: string): Promise<string> {
    const { status, body } = await this.request("POST", "/actions", { code });
    if (isObject(body) && typeof body.ipfsId === "string" && status < 400) return body.ipfsId;
    if (isObject(body) && isObject(body.error)) {
      throw new OracleClientError(
        "ORACLE_REFUSED",
        `the oracle at ${this.url} refused to store the action: ${String(body.error.code)}: ` +
          String(body.error.message),
      );
    }
    throw this.badResponse("/actions", body);
  }

  /** POST /execute: runs a Lit Action; a refusal resolves as `{ success: false, error }`. */
  async execute(request: ExecuteRequest): Promise<ExecuteResult> {
    const { body } = await this.request("POST", "/execute", request);
    if (isObject(body) && body.success === true && isObject(body.signatures)) {
      return body as unknown as ExecuteResult;
    }
    if (isObject(body) && body.success === false && isObject(body.error)) {
      return body as unknown as ExecuteResult;
    }
    throw this.badResponse("/execute", body);
  }

  private badResponse(route: string, body: unknown): OracleClientError {
    const shown = JSON.stringify(body) ?? String(body);
    return new OracleClientError(
      "ORACLE_BAD_RESPONSE",
      `${this.url}${route} answered ${shown.length > 200 ? `${shown.slice(0, 197)}...` : shown}, ` +
        "which is not the signing oracle's answer: is --oracle the right URL?",
    );
  }

  private async request(
    method: "GET" | "POST",
    route: string,
    payload?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${route}`, {
        method,
        headers: payload === undefined ? {} : { "content-type": "application/json" },
        body: payload === undefined ? undefined : JSON.stringify(payload),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const why =
        (error as Error).name === "TimeoutError"
          ? `no answer within ${this.timeoutMs} ms`
          : (cause ?? (error as Error).message);
      throw new OracleClientError(
        "ORACLE_UNREACHABLE",
        `cannot reach the signing oracle at ${this.url} (${why}): is it running? ` +
          "Start it with `npx hardhat pkp:oracle --network <name>`, or pass --oracle <url>",
        { cause: error },
      );
    }
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) as unknown };
    } catch {
      throw this.badResponse(route, text);
    }
  }
}
