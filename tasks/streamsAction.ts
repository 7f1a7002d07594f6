/**
 * pkp:streams' implementation (tasks/streams.ts registers it): opens the SQLite store, serves it
 * until SIGINT/SIGTERM, then closes the server (requests in progress finish) and the database.
 */
import { StreamStore } from "../src/streams/store";
import { startStreamServer } from "../src/streams/http/server";
import type { StreamsTaskArgs } from "./args";
import { StreamsTaskError } from "./taskErrors";
import { untilSignal } from "./untilSignal";

export async function serveStreams(args: StreamsTaskArgs): Promise<void> {
  const store = StreamStore.open({ file: args.db });
  try {
    const health = await store.health();
    console.log(
      `▸ Store ${store.file} (SQLite, journal ${health.journalMode}, synchronous=FULL): ` +
        `${plural(health.streams, "stream")}, ${plural(health.commits, "commit")}`,
    );
    const server = await startStreamServer({ store, port: args.port }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== "EADDRINUSE") throw error;
        throw new StreamsTaskError(
          "PORT_IN_USE",
          `127.0.0.1:${args.port} is in use: pass another --port (0 picks a free one)`,
          { cause: error },
        );
      },
    );
    console.log(`Streams listening on ${server.url}`);
    await untilSignal(() => server.close());
  } finally {
    store.close();
  }
  console.log("▸ Store closed");
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
