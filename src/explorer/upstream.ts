/**
 * Requests the explorer makes on the page's behalf (the chain's RPC endpoint, the oracle), each
 * with a timeout and a bound on the answer's size, failing with a typed error that names the
 * upstream without its secrets (RPC URLs often carry an API key in their path or query).
 */
import { ExplorerError, type ExplorerErrorCode } from "./errors";

export interface UpstreamAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

/** `scheme://host:port` of `url`: no user info, path or query, which may hold credentials. */
export function redactedOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(an invalid URL)";
  }
}

/** The innermost cause's code or message, e.g. ECONNREFUSED, for one-line error messages. */
function reasonOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5; depth++) {
    const cause = (current as { cause?: unknown } | undefined)?.cause;
    if (cause === undefined) break;
    current = cause;
  }
  const code = (current as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
  return current instanceof Error ? current.message : String(current);
}

/**
 * Fetches `url` and reads the answer up to `maxBytes`. Throws ExplorerError: `unreachable` (no
 * answer), UPSTREAM_TIMEOUT, or UPSTREAM_TOO_LARGE (answer over the bound; reading stops there).
 */
export async function fetchUpstream(
  url: string,
  init: { method: "GET" | "POST"; body?: string; timeoutMs: number; maxBytes: number },
  describe: { name: string; unreachable: ExplorerErrorCode },
): Promise<UpstreamAnswer> {
  const where = `${describe.name} at ${redactedOrigin(url)}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: init.body === undefined ? {} : { "content-type": "application/json" },
      body: init.body,
      signal: AbortSignal.timeout(init.timeoutMs),
      redirect: "error",
    });
  } catch (error) {
    throw failure(error, where, init.timeoutMs, describe.unreachable);
  }
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (declared > init.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(where, init.maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const reader = response.body?.getReader() as
      ReadableStreamDefaultReader<Uint8Array> | undefined;
    for (;;) {
      if (reader === undefined) break;
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > init.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(where, init.maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof ExplorerError) throw error;
    throw failure(error, where, init.timeoutMs, describe.unreachable);
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    body: Buffer.concat(chunks, size),
  };
}

function failure(
  error: unknown,
  where: string,
  timeoutMs: number,
  unreachable: ExplorerErrorCode,
): ExplorerError {
  const name = (error as { name?: unknown } | undefined)?.name;
  if (name === "TimeoutError" || name === "AbortError") {
    return new ExplorerError(
      "UPSTREAM_TIMEOUT",
      `the ${where} did not answer within ${timeoutMs} ms`,
      { cause: error },
    );
  }
  return new ExplorerError(unreachable, `cannot reach the ${where} (${reasonOf(error)})`, {
    cause: error,
  });
}

function tooLarge(where: string, maxBytes: number): ExplorerError {
  return new ExplorerError(
    "UPSTREAM_TOO_LARGE",
    `the ${where} answered with more than ${maxBytes} bytes; ask for less at once ` +
      "(e.g. fewer blocks per eth_getLogs)",
  );
}
