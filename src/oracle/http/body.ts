/**
 * Reading a JSON request body without trusting the client: the content type must be JSON, the
 * size is capped before and while reading (a declared Content-Length over the cap is refused
 * without reading a byte; a chunked body is abandoned at the first byte past the cap), the time
 * is bounded (the whole body within `timeoutMs` of the headers, and at least `minBytesPerSecond`
 * on average once `RATE_GRACE_MS` have passed: 408 otherwise), and malformed UTF-8 or JSON is a
 * 400, never an exception that escapes. Nothing else is held while a body arrives: the service
 * admits a request to its work bound only once the body is complete.
 */
import type { IncomingMessage } from "node:http";
import { OracleError } from "../errors";

export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
/** The whole body must arrive within this long after the headers. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
/** Average body rate a sender must keep up once RATE_GRACE_MS have passed. */
export const DEFAULT_MIN_BODY_BYTES_PER_SECOND = 1024;
/** How long a body may arrive slower than the minimum rate (one slow packet is no offence). */
export const RATE_GRACE_MS = 2_000;
const RATE_CHECK_MS = 500;

export interface BodyLimits {
  maxBytes: number;
  timeoutMs?: number;
  minBytesPerSecond?: number;
}

/** Marks the refusals after which the connection cannot carry another request. */
export function bodyWasCutShort(error: unknown): boolean {
  return (
    error instanceof OracleError &&
    (error.code === "REQUEST_TIMEOUT" || error.code === "LIMIT_EXCEEDED")
  );
}

/** `application/json`, optionally with `; charset=utf-8` (any case). */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type, ...params] = header.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return params.every((param) => !param.startsWith("charset=") || param === "charset=utf-8");
}

/** Refuses a body whose declared length is over the cap, before reading any of it. */
export function checkDeclaredLength(request: IncomingMessage, maxBytes: number): void {
  const declared = request.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new OracleError(
      "LIMIT_EXCEEDED",
      `request body is ${declared} bytes; the limit is ${maxBytes}`,
    );
  }
}

/**
 * Reads the whole body (at most `maxBytes`, in time) and parses it as JSON. On LIMIT_EXCEEDED or
 * REQUEST_TIMEOUT the stream is left unread from that point: the caller answers with
 * `Connection: close` (and, for LIMIT_EXCEEDED, drains what the client still sends, so that it
 * can read the answer).
 */
export async function readJsonBody(
  request: IncomingMessage,
  limits: BodyLimits | number,
): Promise<unknown> {
  const { maxBytes, timeoutMs, minBytesPerSecond } =
    typeof limits === "number" ? { maxBytes: limits } : limits;
  if (!isJsonContentType(request.headers["content-type"])) {
    throw new OracleError(
      "INVALID_REQUEST",
      `the request body must be JSON: send Content-Type: application/json (got ${JSON.stringify(
        request.headers["content-type"] ?? null,
      )})`,
    );
  }
  checkDeclaredLength(request, maxBytes);
  const bytes = await collect(request, {
    maxBytes,
    timeoutMs: timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    minBytesPerSecond: minBytesPerSecond ?? DEFAULT_MIN_BODY_BYTES_PER_SECOND,
  });
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new OracleError("INVALID_REQUEST", "the request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new OracleError(
      "INVALID_REQUEST",
      `the request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function collect(request: IncomingMessage, limits: Required<BodyLimits>): Promise<Buffer> {
  const { maxBytes, timeoutMs, minBytesPerSecond } = limits;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const started = performance.now();
    const stop = (error: OracleError) => {
      cleanup();
      request.pause();
      chunks.length = 0;
      reject(error);
    };
    const tooSlow = (why: string) =>
      stop(new OracleError("REQUEST_TIMEOUT", `the request body ${why}; send it at once`));
    const deadline = setTimeout(
      () => tooSlow(`did not arrive within ${timeoutMs} ms (${size} bytes received)`),
      timeoutMs,
    );
    const rateCheck = setInterval(() => {
      const elapsed = performance.now() - started;
      if (elapsed >= RATE_GRACE_MS && size < (minBytesPerSecond * elapsed) / 1000) {
        tooSlow(
          `arrives at ${Math.round((size * 1000) / elapsed)} bytes/s, below the minimum of ${minBytesPerSecond}`,
        );
      }
    }, RATE_CHECK_MS);
    const cleanup = () => {
      clearTimeout(deadline);
      clearInterval(rateCheck);
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("aborted", onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        stop(
          new OracleError(
            "LIMIT_EXCEEDED",
            `request body is over the limit of ${maxBytes} bytes; stopped reading it`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(
        new OracleError("INVALID_REQUEST", `the request body could not be read: ${error.message}`),
      );
    };
    const onAborted = () => onError(new Error("the client aborted the request"));
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("aborted", onAborted);
  });
}
