/**
 * Nothing acknowledged is lost on kill -9 (issue 15 §1): a store in a child process takes writes
 * from 8 writers at once and is SIGKILLed at a random moment, four times over, on one SQLite
 * file. After each restart every commit it had acknowledged (201) is there, every stream is an
 * unbroken chain of commits signed by its controller, and a write that was in flight when it died
 * is either wholly there or wholly absent.
 */
import { expect } from "chai";
import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import * as path from "node:path";
import {
  commitHash,
  recoverCommitSigner,
  StreamClient,
  StreamError,
  type StreamState,
} from "../../src/streams";
import { PROJECT_ROOT } from "../helpers/hardhatNode";
import { addressOf, genesisOf, keyOf, nextOf, tempDb } from "./streamHelpers";

const CHILD_SOURCE = path.join(__dirname, "fixtures", "storeChild.ts");
const STREAMS = 8;
const ROUNDS = 4;

interface StoreChild {
  client: StreamClient;
  kill(): Promise<void>;
}

/**
 * The child bundled once into one .js file (better-sqlite3 stays a native require): five starts
 * then cost a node start each, not a TypeScript compile of the store and ethers each.
 */
async function bundleChild(outfile: string): Promise<void> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [CHILD_SOURCE],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: ["better-sqlite3"],
    logLevel: "silent",
  });
}

async function startChild(childJs: string, file: string): Promise<StoreChild> {
  const child: ChildProcess = spawn(process.execPath, [childJs, file], {
    cwd: PROJECT_ROOT,
    // The bundle lives in a temp dir: better-sqlite3 resolves from the project's node_modules.
    env: { ...process.env, NODE_PATH: path.join(PROJECT_ROOT, "node_modules") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit");
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined && out.includes("\n"))
        resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then(() =>
      reject(new Error(`the store child exited before it was ready:\n${err}`)),
    );
  });
  return {
    client: new StreamClient(url, { timeoutMs: 5000 }),
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Every commit links to the one before, hashes to its hash, and is signed by the controller. */
function expectUnbrokenChain(state: StreamState): void {
  let prev: string | null = null;
  for (const commit of state.commits) {
    expect(commit.prev).to.equal(prev);
    expect(
      commitHash({ streamId: state.streamId, prev: commit.prev, payload: commit.payload }),
    ).to.equal(commit.hash);
    expect(recoverCommitSigner(commit.hash, commit.signature)).to.equal(state.controller);
    prev = commit.hash;
  }
  expect(state.head).to.equal(prev);
  expect(state.length).to.equal(state.commits.length);
}

describe("streams: nothing acknowledged is lost on kill -9", function () {
  this.timeout(120_000);
  const key = keyOf("crash-test controller");

  it(`keeps every acknowledged commit through ${ROUNDS} SIGKILLs during concurrent writes`, async function () {
    const db = await tempDb();
    const childJs = path.join(path.dirname(db.file), "storeChild.js");
    await bundleChild(childJs);
    const acknowledged = new Map<string, Set<string>>(); // streamId → acked hashes
    const inFlightAtKill: Array<{ streamId: string; hash: string }> = [];
    const figures = { acknowledged: 0, inFlight: 0, inFlightFound: 0 };
    try {
      let store = await startChild(childJs, db.file);
      const streamIds: string[] = [];
      for (let i = 0; i < STREAMS; i++) {
        const receipt = await store.client.createStream(genesisOf(key, { type: "crash-test", i }));
        streamIds.push(receipt.streamId);
        acknowledged.set(receipt.streamId, new Set([receipt.hash]));
      }

      for (let round = 0; round < ROUNDS; round++) {
        const heads = new Map<string, string>();
        for (const id of streamIds) heads.set(id, (await store.client.getStream(id)).head);
        let dead = false;
        let roundAcks = 0;
        const writer = async (streamId: string) => {
          for (let n = 0; !dead; n++) {
            const commit = nextOf(key, streamId, heads.get(streamId)!, {
              round,
              n,
              pad: "x".repeat(200),
            });
            const hash = commitHash(commit);
            try {
              const receipt = await store.client.appendCommit(streamId, commit);
              acknowledged.get(streamId)!.add(receipt.hash);
              figures.acknowledged += 1;
              roundAcks += 1;
              heads.set(streamId, receipt.head);
            } catch (error) {
              if (error instanceof StreamError && error.code === "STORE_UNREACHABLE") {
                inFlightAtKill.push({ streamId, hash });
                return;
              }
              throw error;
            }
          }
        };
        const writing = Promise.all(streamIds.map(writer));
        // Kill at a random moment once writes are flowing (a fixed delay would, on a loaded
        // machine, sometimes kill before the first write was acknowledged).
        let settled = false;
        writing.then(
          () => (settled = true),
          () => (settled = true),
        );
        while (roundAcks < STREAMS && !settled) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 400)));
        dead = true;
        await store.kill();
        await writing;

        store = await startChild(childJs, db.file);
        for (const id of streamIds) {
          const state = await store.client.getStream(id);
          expectUnbrokenChain(state);
          const present = new Set(state.commits.map((c) => c.hash));
          const missing = [...acknowledged.get(id)!].filter((hash) => !present.has(hash));
          expect(missing, `round ${round}: acknowledged commits lost from ${id}`).to.deep.equal([]);
          // What was in flight is now either there (and from now on counts as written) or not.
          for (const { hash } of inFlightAtKill.filter((f) => f.streamId === id)) {
            figures.inFlight += 1;
            if (present.has(hash)) {
              figures.inFlightFound += 1;
              acknowledged.get(id)!.add(hash);
            }
          }
        }
        inFlightAtKill.length = 0;
      }
      await store.kill();
      const check = new Database(db.file, { readonly: true });
      try {
        expect(check.pragma("integrity_check", { simple: true })).to.equal("ok");
      } finally {
        check.close();
      }
      expect(figures.acknowledged, "writes were acknowledged before each kill").to.be.at.least(
        ROUNDS * STREAMS,
      );
      console.log(
        `      ${figures.acknowledged} commits acknowledged over ${ROUNDS} kills, all found after restart; ` +
          `${figures.inFlight} in flight at a kill (${figures.inFlightFound} had been written whole, ` +
          `${figures.inFlight - figures.inFlightFound} not at all); controller ${addressOf(key)}`,
      );
    } finally {
      await db.remove();
    }
  });
});
