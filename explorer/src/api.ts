/**
 * The explorer server's read API (`/api/*`): what the page cannot get from the chain alone.
 * Refusals carry a typed code (`{ error: { code, message } }`), which views turn into states.
 */
import { CodedError } from "../../src/codedError";
import type { ExplorerConfig } from "../../src/explorer/server";
import type { CompiledContracts } from "../../src/proof/compiled";

export type { ExplorerConfig };

/**
 * A failed request to the explorer server, with the server's code (src/explorer/errors.ts), or
 * EXPLORER_UNREACHABLE when nothing answered.
 */
export class ApiError extends CodedError<string> {}

export async function getJson<T>(path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: "application/json" } });
  } catch (error) {
    throw new ApiError(
      "EXPLORER_UNREACHABLE",
      `the explorer server does not answer (${(error as Error).message}): is pkp:explorer running?`,
    );
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ApiError("EXPLORER_UNREACHABLE", `${path} did not answer JSON`);
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
    throw new ApiError(
      typeof error?.code === "string" ? error.code : `HTTP_${response.status}`,
      typeof error?.message === "string" ? error.message : `${path}: HTTP ${response.status}`,
    );
  }
  return body as T;
}

export const loadConfig = () => getJson<ExplorerConfig>("/api/config");

let compiled: Promise<CompiledContracts> | undefined;
/** This checkout's compiled contracts, shipped with the page (the verifier compares against them). */
export function loadCompiled(): Promise<CompiledContracts> {
  compiled ??= getJson<CompiledContracts>("/app/compiled.json");
  compiled.catch(() => (compiled = undefined));
  return compiled;
}

/** The oracle's stored code for `ipfsId` (the page hashes it again before trusting it). */
export const loadActionCode = (ipfsId: string) =>
  getJson<{ ipfsId: string; code: string }>(`/api/actions/${encodeURIComponent(ipfsId)}`);
