/**
 * How the service writes answers and guards connections: Lit's refusal shape with its status and
 * headers, the 413 a client still writing can read (nginx's lingering close), the per-client
 * connection bound. Shared by server.ts's handler.
 */
import * as http from "node:http";
import type { Socket } from "node:net";
import { ORACLE_ERROR_STATUS, type OracleErrorCode } from "../errors";
import type { RequestLogLine } from "./requestLog";

/** After a 413, what a client still sends is read and dropped for at most this long… */
export const LINGER_MS = 5_000;
/** …and at most this many bytes; then the connection is closed. */
export const LINGER_BYTES = 16 * 1024 * 1024;
/** Retry-After (seconds) of a 503 BUSY. */
const BUSY_RETRY_AFTER_S = 1;

const JSON_TYPE = "application/json; charset=utf-8";

/** Status, then `{ success: false, error: { code, message } }`: Lit's refusal shape. */
export function refusalBody(code: OracleErrorCode, message: string) {
  return { success: false as const, error: { code, message } };
}

export function outcomeOf(status: number): RequestLogLine["outcome"] {
  if (status < 400) return "ok";
  return status >= 500 && status !== 503 && status !== 507 ? "error" : "refused";
}

export function send(response: http.ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": JSON_TYPE,
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

/** The headers a refusal carries besides its body (Retry-After where retrying helps). */
export function refusalHeaders(error: { code: OracleErrorCode; retryAfterSeconds?: number }) {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) {
    headers["retry-after"] = String(error.retryAfterSeconds);
  } else if (error.code === "BUSY") {
    headers["retry-after"] = String(BUSY_RETRY_AFTER_S);
  }
  return headers;
}

/**
 * Sends a refusal. INTERNAL (the oracle's or ours) keeps its detail in the log only: the client
 * gets the request id to quote.
 */
export function sendRefusal(
  response: http.ServerResponse,
  line: RequestLogLine,
  code: OracleErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  line.code = code;
  let text = message;
  if (code === "INTERNAL") {
    line.message = message;
    text = `internal error; request id ${line.id}`;
  }
  if (response.headersSent) return;
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  send(response, ORACLE_ERROR_STATUS[code], refusalBody(code, text));
}

/**
 * Answers a refusal of a body the client is still sending (413), nginx's way: the whole answer is
 * written at once with `Connection: close`, then what the client still sends is read and dropped
 * (at most LINGER_BYTES, for at most LINGER_MS) before the connection closes. Closing at once
 * would reset the connection under a client that is still writing, which then never reads the
 * answer (EPIPE).
 */
export function refuseAndLinger(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  line: RequestLogLine,
  code: OracleErrorCode,
  message: string,
  onWritten: () => void,
): void {
  line.code = code;
  if (response.headersSent) return;
  const text = JSON.stringify(refusalBody(code, message));
  response.writeHead(ORACLE_ERROR_STATUS[code], {
    "content-type": JSON_TYPE,
    "content-length": Buffer.byteLength(text),
    connection: "close",
  });
  response.write(text);
  onWritten();
  let drained = 0;
  const done = () => {
    clearTimeout(timer);
    request.off("data", count);
    request.off("end", done);
    request.off("error", done);
    if (!response.writableEnded) response.end();
  };
  const count = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > LINGER_BYTES) {
      done();
      request.socket.destroy();
    }
  };
  const timer = setTimeout(() => {
    done();
    request.socket.destroy();
  }, LINGER_MS);
  timer.unref();
  request.on("data", count);
  request.once("end", done);
  request.once("error", done);
  request.resume();
}

/** The client's address as the service tells clients apart (IPv4-mapped IPv6 unwrapped). */
export function clientAddressOf(request: http.IncomingMessage): string {
  return clientOfSocket(request.socket);
}

function clientOfSocket(socket: Socket): string {
  const address = socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/**
 * Connection-level guards of `server`: at most `maxConnectionsPerClient` open connections per
 * remote address (past it a new one is answered 503 BUSY and closed at once, so one client cannot
 * hold every socket the process may open).
 */
export function guardConnections(server: http.Server, maxConnectionsPerClient: number): void {
  const connections = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const client = clientOfSocket(socket);
    const open = (connections.get(client) ?? 0) + 1;
    connections.set(client, open);
    socket.once("close", () => {
      const left = (connections.get(client) ?? 1) - 1;
      if (left <= 0) connections.delete(client);
      else connections.set(client, left);
    });
    if (open > maxConnectionsPerClient) {
      const body = JSON.stringify(
        refusalBody(
          "BUSY",
          `this client has ${maxConnectionsPerClient} connections open; reuse them (keep-alive)`,
        ),
      );
      socket.on("error", () => undefined);
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nContent-Type: ${JSON_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nRetry-After: ${BUSY_RETRY_AFTER_S}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
      socket.destroySoon();
    }
  });
}
