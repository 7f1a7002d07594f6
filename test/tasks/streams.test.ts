/**
 * `npx hardhat pkp:streams` as a user runs it: refusals in one line (exit 1, no stack trace), a
 * store that serves and keeps its file across restarts, and a clean stop on SIGTERM.
 */
import { expect } from "chai";
import { once } from "node:events";
import { promises as fs } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { StreamClient } from "../../src/streams";
import { runHardhat, type CliResult } from "../helpers/hardhatNode";
import { spawnTask } from "../helpers/taskProcess";
import { makeTempDir } from "../helpers/tempDir";
import { genesisOf, keyOf } from "../streams/streamHelpers";

function expectOneLineRefusal(result: CliResult, pattern: RegExp): void {
  expect(result.code, `${result.stdout}${result.stderr}`).to.equal(1);
  expect(result.stderr).to.match(pattern);
  expect(`${result.stdout}${result.stderr}`).not.to.match(/^\s+at /m);
}

describe("pkp:streams (the task)", function () {
  this.timeout(120_000);

  it("refuses a bad port, a busy port and a file that is not a streams database, in one line", async function () {
    const dir = await makeTempDir("pkp-streams-task-");
    const busy = net.createServer().listen(0, "127.0.0.1");
    await once(busy, "listening");
    const port = (busy.address() as net.AddressInfo).port;
    try {
      expectOneLineRefusal(
        await runHardhat(["pkp:streams", "--port", "70000"]),
        /^pkp:streams: --port 70000 is not a TCP port \(0-65535\)$/m,
      );
      expectOneLineRefusal(
        await runHardhat([
          "pkp:streams",
          "--port",
          String(port),
          "--db",
          path.join(dir.path, "a.sqlite"),
        ]),
        new RegExp(`^pkp:streams: 127\\.0\\.0\\.1:${port} is in use: pass another --port`, "m"),
      );
      const text = path.join(dir.path, "notes.txt");
      await fs.writeFile(text, "not a database ".repeat(200));
      expectOneLineRefusal(
        await runHardhat(["pkp:streams", "--port", "0", "--db", text]),
        /^pkp:streams: .*notes\.txt is not a usable streams database/m,
      );
    } finally {
      busy.close();
      await dir.remove();
    }
  });

  it("serves a SQLite file in WAL mode, keeps it across a restart, and stops cleanly on SIGTERM", async function () {
    const dir = await makeTempDir("pkp-streams-task-");
    const db = path.join(dir.path, "nested", "streams.sqlite");
    try {
      const first = await spawnTask(
        ["pkp:streams", "--port", "0", "--db", db],
        /Streams listening on (http:\/\/127\.0\.0\.1:\d+)/,
      );
      expect(first.output()).to.match(/journal wal, synchronous=FULL\): 0 streams, 0 commits/);
      const receipt = await new StreamClient(first.ready).createStream(
        genesisOf(keyOf("task"), { hello: "store" }),
      );
      expect(await first.stop("SIGTERM")).to.equal(0);
      expect(first.output()).to.match(/SIGTERM: stopping[\s\S]*Store closed/);

      const second = await spawnTask(
        ["pkp:streams", "--port", "0", "--db", db],
        /Streams listening on (http:\/\/127\.0\.0\.1:\d+)/,
      );
      expect(second.output()).to.match(/1 stream, 1 commit\b/);
      expect((await new StreamClient(second.ready).getStream(receipt.streamId)).head).to.equal(
        receipt.head,
      );
      expect(await second.stop("SIGINT")).to.equal(0);
    } finally {
      await dir.remove();
    }
  });
});
