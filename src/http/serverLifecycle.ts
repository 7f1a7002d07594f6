// What every HTTP service of ours (the oracle, the explorer, the stream store) does the same way
// around its routes: answer malformed HTTP in its own JSON shape instead of Node's plain text,
// listen without leaving an unhandled 'error' event behind, and close within a grace period.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

const JSON_TYPE = "application/json; charset=utf-8";

/** How long close() lets requests in flight finish before it drops their connections. */
export const CLOSE_GRACE_MS = 5_000;

/** The statuses Node's parser errors map to: timeout, oversized headers, anything else. */
export type ClientErrorStatus = 400 | 408 | 431;

/**
 * Answers the parser's errors (malformed HTTP, oversized headers, a request not received in
 * time) with `bodyFor`'s JSON when the socket is still writable and carries no response yet,
 * then drops the connection.
 */
export function answerClientErrors(
  server: http.Server,
  bodyFor: (status: ClientErrorStatus, message: string) => unknown,
): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const status: ClientErrorStatus =
      error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? 408
        : error.code === "HPE_HEADER_OVERFLOW"
          ? 431
          : 400;
    if (socket.writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      const message =
        status === 408 ? "request not received in time" : `bad HTTP request (${error.code})`;
      const body = JSON.stringify(bodyFor(status, message));
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: ${JSON_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  });
}

/** A service listening on its address. */
export interface ListeningServer {
  /** `http://<host>:<port>` (IPv6 hosts in brackets). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets requests in flight finish for up to CLOSE_GRACE_MS; idempotent. */
  close(): Promise<void>;
}

/**
 * Listens on `host:port` (port 0: any free port); rejects with the listen error (EADDRINUSE …).
 * Once listening, later server errors (e.g. EMFILE on accept) are not unhandled 'error' events.
 */
export async function listen(
  server: http.Server,
  port: number,
  host: string,
): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", () => undefined);
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${bound}`,
    port: bound,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
