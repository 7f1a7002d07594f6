/**
 * `npm run bench:social`: likes per second through the whole path of docs/BACKEND.md — the
 * oracle runs actions/social/backend.js (which fetches the post's stream from the store over HTTP
 * and checks it), the PKP signs the commit, the client submits it to the store (SQLite, WAL,
 * synchronous=FULL) — at concurrency 1 and 16, each worker liking its own post (distinct streams:
 * no 409s). Every like is by a new user, so each one passes the rules and is written.
 *
 * The chain (Hardhat's in-process network), the oracle (SigningOracle, 2 sandbox workers) and the
 * store's HTTP server run in this process, as in `npm run demo:social`. Writes bench/social.json.
 * Not a test: figures vary with the machine and its load. Goal (issue 15): ≥ 150 likes/s at 16.
 */
import hre, { ethers } from "hardhat";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cidToBytes } from "../src/cid";
import { loadDeployment } from "../src/deployments";
import { createAuthSig, type AuthSig } from "../src/oracle/authSig";
import { MemoryKeystore } from "../src/oracle/keystore";
import { SigningOracle } from "../src/oracle/oracle";
import { KeyProvisioner } from "../src/oracle/provisioning";
import { ActionRuntime } from "../src/oracle/runtime";
import { KEY_TYPE_ECDSA } from "../src/protocol";
import { SocialBackend } from "../src/social/backendClient";
import { StreamClient, StreamStore, startStreamServer } from "../src/streams";

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 5_000);
const CONCURRENCIES = [1, 16];
const POOL_SIZE = Number(process.env.BENCH_POOL ?? 2);
const OUT_FILE = path.join(__dirname, "social.json");

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
  const store = StreamStore.open({ file: path.join(tmp, "streams.sqlite") });
  const server = await startStreamServer({ store, port: 0 });
  try {
    await hre.run("pkp:deploy", { noCompile: true, deploymentsDir: tmp });
    const { record, contracts } = await loadDeployment({
      network: hre.network.name,
      runner: deployer,
      dir: tmp,
    });
    const keystore = new MemoryKeystore();
    await new KeyProvisioner({ router: contracts.pubkeyRouter, keystore, target: 1 }).topUp();
    const oracle = new SigningOracle({
      contracts,
      provider: ethers.provider,
      chainId: record.chainId,
      keystore,
      runtime,
      fetch: { allow: [server.url] },
    });
    const code = await fs.readFile(
      path.join(__dirname, "..", "actions", "social", "backend.js"),
      "utf8",
    );
    const { ipfsId } = await oracle.storeAction(code);
    const pkpNft = contracts.pkpNft.connect(minter);
    const receipt = await (
      await pkpNft.mintGrantAndBurnNext(KEY_TYPE_ECDSA, cidToBytes(ipfsId), {
        value: await pkpNft.mintCost(),
      })
    ).wait();
    const minted = receipt!.logs
      .map((log) => pkpNft.interface.parseLog({ topics: [...log.topics], data: log.data }))
      .find((parsed) => parsed?.name === "PKPMinted");
    const publicKey = minted!.args[1] as string;
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
    const posts: string[] = [];
    for (let i = 0; i < max; i++) {
      const post = await social.createPost({ authSig: await userAt(0) }, { text: `post ${i}` });
      if (!post.ok) throw new Error(`post refused: ${post.code}`);
      posts.push(post.streamId);
    }
    // Enough users for the longest window at a generous rate.
    await userAt(Math.ceil((WINDOW_MS / 1000) * 600));

    // Warm-up: each sandbox worker loads the action once.
    for (let i = 0; i < POOL_SIZE * 2; i++) {
      await social.likePost({ authSig: users[users.length - 1 - i] }, { postId: posts[i % max] });
    }

    const rows: Row[] = [];
    let nextUser = 1;
    for (const concurrency of CONCURRENCIES) {
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
            if (nextUser >= users.length - POOL_SIZE * 2)
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
      `likes through action + sign + store (${POOL_SIZE} sandbox workers, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`,
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
    store.close();
    await runtime.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
