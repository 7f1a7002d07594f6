/**
 * Reading a JSON request body without trusting the client: the content type must be JSON, the
 * size is capped before and while reading (a declared Content-Length over the cap is refused
 * without reading a byte; a chunked body is abandoned at the first byte past the cap), and
 * malformed UTF-8 or JSON is a 400, never an exception that escapes.
 */
import type { IncomingMessage } from "node:http";
import { OracleError } from "../errors";

export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

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
 * Reads the whole body (at most `maxBytes`) and parses it as JSON. On LIMIT_EXCEEDED the stream
 * is left unread from that point: the caller answers with `Connection: close`.
 */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (!isJsonContentType(request.headers["content-type"])) {
    throw new OracleError(
      "INVALID_REQUEST",
      `the request body must be JSON: send Content-Type: application/json (got ${JSON.stringify(
        request.headers["content-type"] ?? null,
      )})`,
    );
  }
  checkDeclaredLength(request, maxBytes);
  const bytes = await collect(request, maxBytes);
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

function collect(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("aborted", onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        request.pause();
        chunks.length = 0;
        reject(
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
