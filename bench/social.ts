/**
 * `npm run bench:social`: likes per second through the whole path of docs/BACKEND.md — the
 * oracle runs actions/social/backend.js (which fetches the post's stream from the store over HTTP
 * and checks it), the PKP signs the commit, the client submits it to the store (SQLite, WAL,
 * synchronous=FULL) — at concurrency 1 and 16, each worker liking its own post (distinct streams:
 * no 409s). Every like is by a new user, so each one passes the rules and is written.
 *
 * The chain (Hardhat's in-process network) and the oracle (SigningOracle with the runtime's
 * defaults: a sandbox worker per core) run in this process; the store runs in a child process of
 * its own, as `pkp:streams` is deployed (in this process its synchronous SQLite writes and
 * signature checks would stall the oracle's event loop, which a deployment does not have).
 * BENCH_STORE=inprocess runs it here instead, as `npm run demo:social` does; BENCH_CHILD_ARGS
 * passes Node flags to the store's process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": the child
 * exits cleanly on SIGTERM, so the profile is written). Each row likes posts of its own. Before each measured
 * row, a warm-up burst at that concurrency lets the pool start the workers it will use (up to its
 * maxWorkers), so a row measures the steady state, not thread starts. Writes bench/social.json.
 * Not a test: figures vary with the machine and its load. Goal (issue 15): ≥ 150 likes/s at 16.
 */
import hre, { ethers } from "hardhat";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cidToBytes } from "../src/cid";
import { mintGrantAndBurnNext } from "../src/pkpMint";
import { loadDeployment } from "../src/deployments";
import { createAuthSig, type AuthSig } from "../src/oracle/authSig";
import { ActionRuntime } from "../src/oracle/runtime";
import { SocialBackend } from "../src/social/backendClient";
import { StreamClient, StreamStore, startStreamServer } from "../src/streams";
import { startDemoOracle } from "../scripts/demoStack";

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 5_000);
const CONCURRENCIES = [1, 16];
/** Sandbox workers kept: the runtime's default (one per core) unless BENCH_POOL says otherwise. */
const POOL_SIZE = Number(process.env.BENCH_POOL ?? os.availableParallelism());
const STORE_IN_PROCESS = process.env.BENCH_STORE === "inprocess";
const OUT_FILE = path.join(__dirname, "social.json");
const PROJECT_ROOT = path.join(__dirname, "..");

interface StoreHandle {
  url: string;
  where: "child process" | "this process";
  close(): Promise<void>;
}

/** The store in this process (BENCH_STORE=inprocess). */
async function storeInProcess(file: string): Promise<StoreHandle> {
  const store = StreamStore.open({ file });
  const server = await startStreamServer({ store, port: 0 });
  return {
    url: server.url,
    where: "this process",
    close: async () => {
      await server.close();
      store.close();
    },
  };
}

/**
 * The store in a child process, as `pkp:streams` runs: src/streams bundled with esbuild into one
 * file (better-sqlite3 and libsecp256k1's binding stay native requires: bundled, the binding
 * would not find its prebuilt file and recovery would fall back to JavaScript, ≈ 35× slower),
 * so the child starts in a node start, not a TypeScript compile. It prints its URL on one line.
 */
async function storeInChild(tmp: string, file: string): Promise<StoreHandle> {
  const esbuild = await import("esbuild");
  const script = path.join(tmp, "store-child.js");
  await esbuild.build({
    stdin: {
      contents: `import { StreamStore, startStreamServer } from "./src/streams";
        const store = StreamStore.open({ file: process.argv[2] });
        startStreamServer({ store, port: 0 }).then((server) => console.log(JSON.stringify({ url: server.url })));
        process.on("SIGTERM", () => { store.close(); process.exit(0); });`,
      resolveDir: PROJECT_ROOT,
      loader: "ts",
    },
    outfile: script,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: ["better-sqlite3", "secp256k1/bindings"],
    logLevel: "silent",
  });
  const child: ChildProcess = spawn(
    process.execPath,
    [...(process.env.BENCH_CHILD_ARGS ?? "").split(" ").filter(Boolean), script, file],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NODE_PATH: path.join(PROJECT_ROOT, "node_modules") },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = once(child, "exit");
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`the store's child process exited (${code})`)));
  });
  return {
    url,
    where: "child process",
    close: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

interface Row {
  concurrency: number;
  likes: number;
  seconds: number;
  likesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Re-runs after 409 (0 expected: distinct posts). */
  reruns: number;
  /** Mean of the oracle's timings per execution, in ms (where a like's time goes). */
  meanTimingsMs: Record<string, number>;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

async function main(): Promise<void> {
  const [deployer, minter] = await ethers.getSigners();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "pkp-bench-social-"));
  const runtime = new ActionRuntime({ poolSize: POOL_SIZE });
  const dbFile = path.join(tmp, "streams.sqlite");
  const server = STORE_IN_PROCESS ? await storeInProcess(dbFile) : await storeInChild(tmp, dbFile);
  try {
    await hre.run("pkp:deploy", { noCompile: true, deploymentsDir: tmp });
    const deployment = await loadDeployment({
      network: hre.network.name,
      runner: deployer,
      dir: tmp,
    });
    const { record, contracts } = deployment;
    const { oracle } = await startDemoOracle(deployment, 1, runtime, {
      fetch: { allow: [server.url] },
    });
    const code = await fs.readFile(
      path.join(__dirname, "..", "actions", "social", "backend.js"),
      "utf8",
    );
    const { ipfsId } = await oracle.storeAction(code);
    const pkpNft = contracts.pkpNft.connect(minter);
    const { publicKey } = await mintGrantAndBurnNext(pkpNft, cidToBytes(ipfsId));
    // The oracle's timings of each execution, summed per measured row.
    let timings: Record<string, number> = {};
    let executions = 0;
    const timedOracle = {
      execute: async (request: Parameters<typeof oracle.execute>[0]) => {
        const result = await oracle.execute(request);
        const last = oracle.lastTimings;
        if (last !== undefined) {
          executions += 1;
          const fields: Record<string, number> = { ...last };
          for (const [key, value] of Object.entries(fields)) {
            timings[key] = (timings[key] ?? 0) + value;
          }
        }
        return result;
      },
    };
    const social = new SocialBackend({
      oracle: timedOracle,
      streams: new StreamClient(server.url),
      ipfsId,
      publicKey,
      streamsUrl: server.url,
    });

    // Users signed up front (an authSig per user), so signing them is not measured.
    const chainId = Number(record.chainId);
    const users: AuthSig[] = [];
    const userAt = async (i: number) => {
      while (users.length <= i) {
        users.push(
          await createAuthSig(new ethers.Wallet(ethers.id(`bench social ${users.length}`)), {
            chainId,
          }),
        );
      }
      return users[i];
    };
    const max = Math.max(...CONCURRENCIES);
    // Each row likes posts of its own, made up front: a row starts on posts nobody liked yet,
    // whatever ran before it (a like checks every commit of its post).
    let postCount = 0;
    const newPosts = async (count: number) => {
      const posts: string[] = [];
      for (let i = 0; i < count; i++) {
        const text = `post ${postCount++}`;
        const post = await social.createPost({ authSig: await userAt(0) }, { text });
        if (!post.ok) throw new Error(`post refused: ${post.code}`);
        posts.push(post.streamId);
      }
      return posts;
    };
    const rowPosts = new Map<number, string[]>();
    for (const concurrency of CONCURRENCIES) rowPosts.set(concurrency, await newPosts(concurrency));
    const warmUpPosts = await newPosts(max);
    // Enough users for the longest window at a generous rate.
    await userAt(Math.ceil((WINDOW_MS / 1000) * 600));

    // Warm-up users come from the end of the list, measured ones from its start.
    let warmUser = users.length - 1;
    const WARM_UP_USERS = 4 * max;
    const warmUp = (concurrency: number) =>
      Promise.all(
        Array.from({ length: concurrency }, async (_, worker) => {
          for (let i = 0; i < 2; i++) {
            const like = await social.likePost(
              { authSig: users[warmUser--] },
              { postId: warmUpPosts[worker] },
            );
            if (!like.ok) throw new Error(`warm-up like refused: ${like.code}`);
          }
        }),
      );

    const rows: Row[] = [];
    let nextUser = 1;
    for (const concurrency of CONCURRENCIES) {
      await warmUp(concurrency);
      const posts = rowPosts.get(concurrency) as string[];
      const latencies: number[] = [];
      let reruns = 0;
      timings = {};
      executions = 0;
      const started = performance.now();
      const until = started + WINDOW_MS;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, worker) => {
          while (performance.now() < until) {
            const user = users[nextUser++];
            if (nextUser >= users.length - WARM_UP_USERS)
              throw new Error("out of users: raise the count");
            const t0 = performance.now();
            const like = await social.likePost({ authSig: user }, { postId: posts[worker] });
            latencies.push(performance.now() - t0);
            if (!like.ok) throw new Error(`like refused: ${like.code} ${like.reason}`);
            reruns += like.attempts - 1;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      rows.push({
        concurrency,
        likes: latencies.length,
        seconds: Number(seconds.toFixed(2)),
        likesPerSecond: Number((latencies.length / seconds).toFixed(1)),
        p50Ms: Number(percentile(latencies, 50).toFixed(1)),
        p99Ms: Number(percentile(latencies, 99).toFixed(1)),
        reruns,
        meanTimingsMs: Object.fromEntries(
          Object.entries(timings).map(([key, sum]) => [key, Number((sum / executions).toFixed(1))]),
        ),
      });
    }
    await oracle.close();

    console.log(
      `likes through action + sign + store (${POOL_SIZE} sandbox workers, store in ${server.where}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`,
    );
    console.log("concurrency  likes/s   p50 ms   p99 ms  likes  re-runs");
    for (const r of rows) {
      console.log(
        `${String(r.concurrency).padStart(11)}  ${r.likesPerSecond.toFixed(1).padStart(7)}  ${r.p50Ms.toFixed(1).padStart(7)}  ${r.p99Ms.toFixed(1).padStart(7)}  ${String(r.likes).padStart(5)}  ${String(r.reruns).padStart(7)}`,
      );
    }
    await fs.writeFile(
      OUT_FILE,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          cpus: os.cpus().length,
          loadAverage1m: Number(os.loadavg()[0].toFixed(2)),
          poolSize: POOL_SIZE,
          maxWorkers: runtime.stats().maxWorkers,
          store: server.where,
          windowMs: WINDOW_MS,
          rows,
        },
        null,
        2,
      )}\n`,
    );
    for (const r of rows)
      console.log(`concurrency ${r.concurrency}, mean per execution (ms):`, r.meanTimingsMs);
    console.log(`written to ${path.relative(process.cwd(), OUT_FILE)}`);
  } finally {
    await server.close();
    await runtime.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
