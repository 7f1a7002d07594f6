import { task, types } from "hardhat/config";
import type { StreamsTaskArgs } from "./args";
import { runTask } from "./runner";
import { StreamsTaskError } from "./taskErrors";

/**
 * `npx hardhat pkp:streams [--port 8791] [--db <file>]`: the signed-stream store (the Ceramic
 * stand-in of docs/BACKEND.md) as an HTTP service on 127.0.0.1, backed by one SQLite file.
 * Runs until SIGINT/SIGTERM. It needs no chain and no compiled contracts: a stream's controller
 * is just an address, and the store checks signatures, not permissions.
 *
 * Loaded with hardhat.config.ts: the implementation (tasks/streamsAction.ts: better-sqlite3, the
 * server) is imported only when the task runs.
 */
export const DEFAULT_STREAMS_DB = ".streams/streams.sqlite";

task("pkp:streams", "Runs the signed-stream store (SQLite) as an HTTP service on 127.0.0.1")
  .addOptionalParam("port", "Port to listen on (0: any free port)", 8791, types.int)
  .addOptionalParam(
    "db",
    "The SQLite file (created with its directory if missing)",
    DEFAULT_STREAMS_DB,
    types.string,
  )
  .setAction((args: StreamsTaskArgs, hre) =>
    runTask({
      name: "pkp:streams",
      hre,
      // Nothing generated is needed: no compile.
      noCompile: true,
      prepare: () => checkStreamsTask(args),
      load: () => import("./streamsAction"),
      run: (impl) => impl.serveStreams(args),
    }),
  );

function checkStreamsTask(args: StreamsTaskArgs): void {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535) {
    throw new StreamsTaskError("INVALID_OPTION", `--port ${args.port} is not a TCP port (0-65535)`);
  }
  if (args.db.trim() === "") {
    throw new StreamsTaskError("INVALID_OPTION", "--db needs a file name");
  }
}
