/**
 * What the page asks the oracle, through the explorer (the oracle sends no CORS headers, and the
 * page talks to its own origin only): an action's code by its CID, and the oracle's health. The
 * explorer does not vouch for the code: the page hashes it again and shows whether it matches.
 */
import { isCidV0 } from "../cid";
import { ExplorerError } from "./errors";
import { fetchUpstream } from "./upstream";

export interface OracleProxyLimits {
  /** Time the oracle has to answer (default 5 s). */
  timeoutMs: number;
  /** Bound on an answer (default 2 MiB: the oracle's code limit is 1 MiB). */
  maxResponseBytes: number;
}

export const DEFAULT_ORACLE_PROXY_LIMITS: Readonly<OracleProxyLimits> = Object.freeze({
  timeoutMs: 5_000,
  maxResponseBytes: 2 * 1024 * 1024,
});

const ORACLE = { name: "oracle", unreachable: "ORACLE_UNREACHABLE" } as const;

function requireOracle(oracleUrl: string | undefined): string {
  if (oracleUrl === undefined) {
    throw new ExplorerError(
      "ORACLE_NOT_CONFIGURED",
      "no oracle is configured: start the explorer with --oracle <url> " +
        "(pkp:oracle listens on http://127.0.0.1:8787 by default)",
    );
  }
  return oracleUrl.replace(/\/+$/, "");
}

/** The code the oracle stores under `ipfsId` (unverified: the page re-hashes it). */
export async function fetchActionCode(
  oracleUrl: string | undefined,
  ipfsId: string,
  limits: OracleProxyLimits = DEFAULT_ORACLE_PROXY_LIMITS,
): Promise<{ ipfsId: string; code: string }> {
  const base = requireOracle(oracleUrl);
  if (!isCidV0(ipfsId)) {
    throw new ExplorerError("INVALID_REQUEST", `${JSON.stringify(ipfsId)} is not a CIDv0 (Qm…)`);
  }
  const answer = await fetchUpstream(
    `${base}/actions/${ipfsId}`,
    { method: "GET", timeoutMs: limits.timeoutMs, maxBytes: limits.maxResponseBytes },
    ORACLE,
  );
  if (answer.status === 404) {
    throw new ExplorerError("ACTION_NOT_FOUND", `the oracle has no code for ${ipfsId}`);
  }
  if (answer.status !== 200 || !answer.contentType.startsWith("text/javascript")) {
    throw new ExplorerError(
      "ORACLE_UNREACHABLE",
      `the oracle answered GET /actions/${ipfsId} with HTTP ${answer.status} ` +
        `(${answer.contentType || "no content type"}): is --oracle the URL of pkp:oracle?`,
    );
  }
  let code: string;
  try {
    code = new TextDecoder("utf-8", { fatal: true }).decode(answer.body);
  } catch {
    throw new ExplorerError("ORACLE_UNREACHABLE", `the oracle's code for ${ipfsId} is not UTF-8`);
  }
  return { ipfsId, code };
}

/** The oracle's `GET /health` answer, as JSON. */
export async function fetchOracleHealth(
  oracleUrl: string | undefined,
  limits: OracleProxyLimits = DEFAULT_ORACLE_PROXY_LIMITS,
): Promise<unknown> {
  const base = requireOracle(oracleUrl);
  const answer = await fetchUpstream(
    `${base}/health`,
    { method: "GET", timeoutMs: limits.timeoutMs, maxBytes: 64 * 1024 },
    ORACLE,
  );
  try {
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
    return JSON.parse(answer.body.toString("utf8")) as unknown;
  } catch (error) {
    throw new ExplorerError(
      "ORACLE_UNREACHABLE",
      `the oracle's /health did not answer JSON (${(error as Error).message}): ` +
        "is --oracle the URL of pkp:oracle?",
    );
  }
}
