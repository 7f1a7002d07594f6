/**
 * A small HTTP client for the oracle service's tests, on node:http so that tests control every
 * byte (content types, chunked bodies, bodies the server refuses to read).
 */
import * as http from "node:http";
import * as net from "node:net";

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (undefined if it is not JSON). */
  json: unknown;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: http.OutgoingHttpHeaders;
  /** Written in order; a server that answers early may never read the rest. */
  chunks?: Array<string | Buffer>;
  /** The client's own address (127.0.0.2, … on loopback: another client to the server). */
  localAddress?: string;
}

/** Sends one request and resolves with the answer, even if the server stops reading the body. */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<HttpAnswer> {
  const url = new URL(request.path, baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      url,
      {
        method: request.method,
        headers: request.headers,
        agent: false,
        localAddress: request.localAddress,
      },
      (response) => {
        answered = true;
        const parts: Buffer[] = [];
        response.on("data", (chunk: Buffer) => parts.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const text = Buffer.concat(parts).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
        });
      },
    );
    // EPIPE/ECONNRESET while still writing a body the server refused: the answer is what counts.
    req.on("error", (error) => {
      if (!answered) setTimeout(() => reject(error), 200);
    });
    for (const chunk of request.chunks ?? []) req.write(chunk);
    req.end();
  });
}

/** `POST <path>` with a JSON body (any value, serialised as given). */
export function postJson(
  baseUrl: string,
  path: string,
  body: unknown,
  options: { localAddress?: string } = {},
): Promise<HttpAnswer> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return rawRequest(baseUrl, {
    method: "POST",
    path,
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
    chunks: [text],
    localAddress: options.localAddress,
  });
}

export function getPath(baseUrl: string, path: string): Promise<HttpAnswer> {
  return rawRequest(baseUrl, { method: "GET", path });
}

/** The `{ success: false, error }` refusal of an answer, asserting its shape. */
export function refusalOf(answer: HttpAnswer): { code: string; message: string } {
  const body = answer.json as { success?: unknown; error?: { code: string; message: string } };
  if (body?.success !== false || typeof body.error?.code !== "string") {
    throw new Error(`expected a refusal, got ${answer.status} ${answer.text.slice(0, 300)}`);
  }
  return body.error;
}

/**
 * A raw TCP connection to the server at `port` on 127.0.0.1, for bytes no HTTP client would send.
 * `closed` resolves with everything the server wrote, once the connection is closed.
 */
export function rawSocket(
  port: number,
  localAddress?: string,
): { socket: net.Socket; closed: Promise<string> } {
  const socket = net.connect({ port, host: "127.0.0.1", localAddress });
  const closed = new Promise<string>((resolve) => {
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
    socket.on("close", () => resolve(received));
    socket.on("error", () => undefined); // a reset is a close too: `closed` says what came first
  });
  return { socket, closed };
}
