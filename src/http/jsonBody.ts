/**
 * Reading a JSON request body without trusting the client, for every HTTP service of ours: the
 * content type must be JSON, the size is capped before and while reading (a declared
 * Content-Length over the cap is refused without reading a byte; a chunked body is abandoned at
 * the first byte past the cap), the time may be bounded (the whole body within `timeoutMs` of the
 * headers, and at least `minBytesPerSecond` on average once `RATE_GRACE_MS` have passed), and
 * malformed UTF-8 or JSON is a refusal, never an exception that escapes.
 *
 * Each service refuses in its own terms: `refuse` turns the reason (a BodyRefusal) and the
 * message into that service's typed error, which is what the reader throws.
 */
import type { IncomingMessage } from "node:http";

/** How long a body may arrive slower than the minimum rate (one slow packet is no offence). */
export const RATE_GRACE_MS = 2_000;
const RATE_CHECK_MS = 500;

/**
 * Why a body was refused: NOT_JSON (content type), TOO_LARGE (over the cap, declared or read),
 * TOO_SLOW (deadline or minimum rate), UNREADABLE (read error or abort, bad UTF-8, bad JSON).
 * After TOO_LARGE and TOO_SLOW the body is left unread: the connection cannot carry another
 * request.
 */
export type BodyRefusal = "NOT_JSON" | "TOO_LARGE" | "TOO_SLOW" | "UNREADABLE";

/** The service's typed error for a refused body. */
export type BodyRefusalError = (refusal: BodyRefusal, message: string) => Error;

export interface JsonBodyLimits {
  maxBytes: number;
  /** The whole body must arrive within this long after the headers (default: no deadline). */
  timeoutMs?: number;
  /** Average rate a sender must keep once RATE_GRACE_MS have passed (default: none). */
  minBytesPerSecond?: number;
}

/** `application/json`, optionally with `; charset=utf-8` (any case). */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type, ...params] = header.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return params.every((param) => !param.startsWith("charset=") || param === "charset=utf-8");
}

/**
 * Reads the whole body (at most `maxBytes`, in time) and parses it as JSON; throws what
 * `refuse` makes. On TOO_LARGE or TOO_SLOW the stream is left paused and unread from that point:
 * the caller answers with `Connection: close`.
 */
export async function readJsonBody(
  request: IncomingMessage,
  limits: JsonBodyLimits,
  refuse: BodyRefusalError,
): Promise<unknown> {
  if (!isJsonContentType(request.headers["content-type"])) {
    throw refuse(
      "NOT_JSON",
      `the request body must be JSON: send Content-Type: application/json (got ${JSON.stringify(
        request.headers["content-type"] ?? null,
      )})`,
    );
  }
  const declared = request.headers["content-length"];
  if (declared !== undefined && Number(declared) > limits.maxBytes) {
    throw refuse("TOO_LARGE", `request body is ${declared} bytes; the limit is ${limits.maxBytes}`);
  }
  const bytes = await collect(request, limits, refuse);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw refuse("UNREADABLE", "the request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw refuse(
      "UNREADABLE",
      `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function collect(
  request: IncomingMessage,
  limits: JsonBodyLimits,
  refuse: BodyRefusalError,
): Promise<Buffer> {
  const { maxBytes, timeoutMs, minBytesPerSecond } = limits;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const started = performance.now();
    const stop = (error: Error) => {
      cleanup();
      request.pause();
      chunks.length = 0;
      reject(error);
    };
    const tooSlow = (why: string) =>
      stop(refuse("TOO_SLOW", `the request body ${why}; send it at once`));
    const deadline =
      timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => tooSlow(`did not arrive within ${timeoutMs} ms (${size} bytes received)`),
            timeoutMs,
          );
    const rateCheck =
      minBytesPerSecond === undefined
        ? undefined
        : setInterval(() => {
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
          refuse(
            "TOO_LARGE",
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
      reject(refuse("UNREADABLE", `the request body could not be read: ${error.message}`));
    };
    const onAborted = () => onError(new Error("the client aborted the request"));
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("aborted", onAborted);
  });
}
