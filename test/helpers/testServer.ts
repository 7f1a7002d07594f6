/**
 * A small HTTP server on 127.0.0.1 for tests of actions' fetch (the "third-party API"): routes
 * by path, records every request (method, path, headers, body), closes its sockets on close().
 */
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type TestRoute = (
  request: SeenRequest,
  response: http.ServerResponse,
) => void | Promise<void>;

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startTestServer(routes: Record<string, TestRoute>): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const seen: SeenRequest = {
        method: request.method ?? "",
        path: request.url ?? "/",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(seen);
      const route = routes[seen.path.split("?")[0]];
      if (route === undefined) {
        response.writeHead(404, { "content-type": "text/plain" });
        response.end("not found");
        return;
      }
      Promise.resolve(route(seen, response)).catch(() => response.destroy());
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers JSON. */
export function json(body: unknown, status = 200): TestRoute {
  return (_request, response) => {
    const text = JSON.stringify(body);
    response.writeHead(status, { "content-type": "application/json" });
    response.end(text);
  };
}
