/**
 * `npm run bench:oracle`: latency and throughput of `/execute` of actions/isPrime.js against a
 * real `hardhat node`, through the HTTP service (`pkp:oracle`, its own process) and through the
 * library in this process. Writes bench/oracle.json and prints a table. Not a test: figures vary
 * with the machine and its load (recorded: the load average before and after). Goals (2-core
 * machine, hardhat node on the same machine): issue 12's p50 ≤ 2.5 ms at concurrency 1 and
 * ≥ 1,000 executions/s at concurrency 64 over HTTP (issue 7's were p50 ≤ 5 ms, p99 ≤ 25 ms,
 * ≥ 300/s).
 *
 * Every signature returned during a measurement is verified (ethers.recoverAddress against the
 * PKP's address) after the timed window, so that verification does not compete for the CPU.
 */
import * as http from "node:http";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { JsonRpcProvider, ethers } from "ethers";
import { HardhatEthersProvider } from "@nomicfoundation/hardhat-ethers/internal/hardhat-ethers-provider";
import { BackwardsCompatibilityProviderAdapter } from "hardhat/internal/core/providers/backwards-compatibility";
import { HttpProvider } from "hardhat/internal/core/providers/http";
import { cidToBytes } from "../src/cid";
import { loadDeployment } from "../src/deployments";
import { FileKeystore } from "../src/oracle/keystore";
import { FileActionStore } from "../src/oracle/actionStore";
import { SigningOracle, type ExecuteResult } from "../src/oracle/oracle";
import type { RequestLogLine } from "../src/oracle/http/requestLog";
import { PROJECT_ROOT, startHardhatNode, type HardhatNode } from "../test/helpers/hardhatNode";
import {
  deployToNode,
  spawnNodeOracle,
  type OracleProcess,
} from "../test/oracle/http/oracleProcess";
import { measureActionRows, startPriceApi } from "./actionRows";
import { startDevIssuer, type DevIssuerServer } from "../src/wallet/devIssuer";
import { mintForIdToken } from "../src/wallet/mintForAuth";
import { httpOracle } from "../src/wallet/oracleEndpoint";
import { PkpSession } from "../src/wallet/session";
import type { PkpSignResult } from "../src/oracle/oracle";

const PASSPHRASE = "bench passphrase (throwaway keystore)";
const LATENCY_CALLS = Number(process.env.BENCH_LATENCY_CALLS ?? 200);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 4_000);
const CONCURRENCIES = [1, 4, 16, 64];
const OUT_FILE = path.join(PROJECT_ROOT, "bench", "oracle.json");
/** The client id the bench's dev issuer mints tokens for, and the oracle accepts. */
const WALLET_APP = "bench-oracle.apps.example";

interface Percentiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    n: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
  };
}

const median = (samples: number[]) => percentiles(samples).p50;

/**
 * One POST over a keep-alive agent: the parsed body, the request id and the client ms. A request
 * sent on a reused socket just as the server closes it (idle keep-alive timeout) is reset before
 * the server reads it; it is sent again once on a new socket, as Node's documentation advises
 * (`request.reusedSocket`), and counted in `retries`. Nothing else is retried.
 */
async function postExecute<T = ExecuteResult>(
  agent: http.Agent,
  url: URL,
  body: string,
): Promise<{ result: T; id: string; ms: number }> {
  try {
    return await postOnce<T>(agent, url, body);
  } catch (error) {
    if (!(error instanceof ResetOnReusedSocket)) throw error;
    retries += 1;
    return postOnce<T>(agent, url, body);
  }
}

/** Requests sent again after a reset on a reused keep-alive socket (reported with the figures). */
let retries = 0;

class ResetOnReusedSocket extends Error {}

function postOnce<T>(
  agent: http.Agent,
  url: URL,
  body: string,
): Promise<{ result: T; id: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (chunk: Buffer) => parts.push(chunk));
        response.on("end", () => {
          const ms = performance.now() - started;
          try {
            resolve({
              result: JSON.parse(Buffer.concat(parts).toString("utf8")) as T,
              id: String(response.headers["x-request-id"]),
              ms,
            });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
        response.on("error", reject);
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) => {
      reject(
        request.reusedSocket && error.code === "ECONNRESET"
          ? new ResetOnReusedSocket(error.message)
          : error,
      );
    });
    request.end(body);
  });
}

/** Checks every signature: exactly one, over 7919, by the PKP. */
function verifyAll(results: ExecuteResult[], ethAddress: string): void {
  const expected = ethers.toBeHex(7919, 32);
  for (const result of results) {
    if (!result.success) throw new Error(`execution failed: ${JSON.stringify(result.error)}`);
    const signature = result.signatures.prime;
    if (signature === undefined || signature.dataSigned !== expected) {
      throw new Error(`no signature over 7919: ${JSON.stringify(result)}`);
    }
    if (ethers.recoverAddress(signature.dataSigned, signature.signature) !== ethAddress) {
      throw new Error("a signature does not recover to the PKP's address");
    }
  }
}

/** Runs `call` with `concurrency` callers for `durationMs`; returns executions/s. */
async function throughput(
  concurrency: number,
  durationMs: number,
  call: () => Promise<ExecuteResult>,
  ethAddress: string,
): Promise<{ concurrency: number; executions: number; seconds: number; perSecond: number }> {
  const results: ExecuteResult[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) results.push(await call());
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  verifyAll(results, ethAddress);
  return {
    concurrency,
    executions: results.length,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(results.length / seconds),
  };
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0];
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "bench-oracle-"));
  let node: HardhatNode | undefined;
  let service: OracleProcess | undefined;
  const libraries: SigningOracle[] = [];
  let hardhatProvider: HardhatEthersProvider | undefined;
  let provider: JsonRpcProvider | undefined;
  const priceApi = await startPriceApi();
  let issuer: DevIssuerServer | undefined;
  try {
    console.log("▸ Starting a hardhat node and deploying");
    node = await startHardhatNode();
    const deploymentsDir = path.join(work, "deployments");
    await deployToNode(node.url, deploymentsDir);

    // A dev OIDC issuer the service trusts, for the /pkp/sign rows with a login (issue 13).
    issuer = await startDevIssuer({ port: 0 });

    console.log("▸ Starting the oracle service (pkp:oracle)");
    const dataDir = path.join(work, "oracle");
    service = await spawnNodeOracle({
      nodeUrl: node.url,
      deploymentsDir,
      dataDir,
      args: [
        "--max-concurrent",
        "256",
        "--fetch-allow",
        priceApi.origin,
        "--oidc-issuer",
        issuer.url,
        "--oidc-audience",
        WALLET_APP,
      ],
      passphrase: PASSPHRASE,
    });
    const base = new URL(service.url);

    console.log("▸ Storing isPrime and minting/granting/burning its PKP");
    provider = new JsonRpcProvider(node.url, undefined, {
      staticNetwork: true,
      batchMaxCount: 1,
      cacheTimeout: -1,
    });
    const minter = await provider.getSigner(1);
    const { contracts } = await loadDeployment({
      network: "localhost",
      runner: minter,
      dir: deploymentsDir,
    });
    const code = await fs.readFile(path.join(PROJECT_ROOT, "actions", "isPrime.js"), "utf8");
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const stored = await fetch(new URL("/actions", base), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code }),
    });
    const { ipfsId } = (await stored.json()) as { ipfsId: string };
    const value = await contracts.pkpNft.mintCost();
    const tokenId = await contracts.pkpNft.mintGrantAndBurnNext.staticCall(2n, cidToBytes(ipfsId), {
      value,
    });
    await (await contracts.pkpNft.mintGrantAndBurnNext(2n, cidToBytes(ipfsId), { value })).wait();
    const publicKey = await contracts.pkpNft.getPubkey(tokenId);
    const ethAddress = await contracts.pkpNft.getEthAddress(tokenId);
    const jsParams = { number: 7919, publicKey };
    const executeUrl = new URL("/execute", base);
    const byId = JSON.stringify({ ipfsId, jsParams });
    const withCode = JSON.stringify({ code, ipfsId, jsParams });

    const httpLatency = async (body: string) => {
      for (let i = 0; i < 30; i += 1) await postExecute(agent, executeUrl, body); // warm-up
      const samples: Array<{ result: ExecuteResult; id: string; ms: number }> = [];
      for (let i = 0; i < LATENCY_CALLS; i += 1) {
        samples.push(await postExecute(agent, executeUrl, body));
      }
      verifyAll(
        samples.map((s) => s.result),
        ethAddress,
      );
      return samples;
    };

    console.log(`▸ HTTP /execute latency, concurrency 1, ${LATENCY_CALLS} calls (ipfsId only)`);
    const byIdSamples = await httpLatency(byId);
    console.log(`▸ HTTP /execute latency, concurrency 1, ${LATENCY_CALLS} calls (code + ipfsId)`);
    const withCodeSamples = await httpLatency(withCode);

    const wallet = await measureWalletSigning(
      { base, issuer: issuer.issuer, provider, contracts },
      LATENCY_CALLS,
    );

    // The service logs the oracle's own timers per request (see requestLog.ts): join by id.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logLines = new Map<string, RequestLogLine>();
    for (const text of service.output().split("\n")) {
      if (!text.startsWith("{")) continue;
      const line = JSON.parse(text) as RequestLogLine;
      logLines.set(line.id, line);
    }
    const breakdown = (samples: Array<{ id: string; ms: number }>) => {
      const lines = samples.map((s) => ({ client: s.ms, line: logLines.get(s.id) }));
      const pick = (f: (l: RequestLogLine, client: number) => number | undefined) =>
        median(
          lines
            .filter((x) => x.line?.timings?.prepareMs !== undefined)
            .map((x) => f(x.line as RequestLogLine, x.client) as number),
        );
      return {
        clientMs: pick((_, client) => client),
        serverMs: pick((l) => l.ms),
        oracleMs: pick((l) => l.timings?.oracleMs),
        prepareMs: pick((l) => l.timings?.prepareMs),
        queueMs: pick((l) => l.timings?.queueMs),
        dispatchMs: pick((l) => l.timings?.dispatchMs),
        sandboxCreateMs: pick((l) => l.timings?.sandboxCreateMs),
        evalMs: pick((l) => l.timings?.evalMs),
        hostWaitMs: pick((l) => l.timings?.hostWaitMs),
        /** oracleMs minus the stages above: results back from the worker, event-loop waits. */
        unaccountedOracleMs: pick((l) => {
          const t = l.timings;
          if (t === undefined) return 0;
          const stages = (t.prepareMs ?? 0) + (t.queueMs ?? 0) + (t.dispatchMs ?? 0);
          const inWorker = (t.sandboxCreateMs ?? 0) + (t.evalMs ?? 0) + (t.hostWaitMs ?? 0);
          return t.oracleMs - stages - inWorker;
        }),
        httpServerMs: pick((l) => l.ms - (l.timings?.oracleMs ?? 0)),
        httpClientAndWireMs: pick((l, client) => client - l.ms),
      };
    };

    const actionRows = await measureActionRows({
      base,
      post: (body) => postExecute(agent, executeUrl, body),
      contracts,
      priceOrigin: priceApi.origin,
      calls: LATENCY_CALLS,
    });

    const httpThroughput = [];
    for (const concurrency of CONCURRENCIES) {
      console.log(`▸ HTTP /execute throughput, concurrency ${concurrency}`);
      httpThroughput.push(
        await throughput(
          concurrency,
          THROUGHPUT_MS,
          async () => (await postExecute(agent, executeUrl, byId)).result,
          ethAddress,
        ),
      );
    }

    console.log("▸ The library in this process (same node, same keystore, no HTTP)");
    const keystore = await FileKeystore.open({
      dir: path.join(dataDir, "keystore"),
      passphrase: PASSPHRASE,
    });
    const chainId = (await provider.getNetwork()).chainId;
    const libraryRequest = { ipfsId, jsParams };
    /** Latency and throughput of a SigningOracle in this process reading through `reads`. */
    const measureLibrary = async (label: string, reads: ethers.Provider) => {
      const oracle = new SigningOracle({
        contracts: {
          pkpNft: contracts.pkpNft.connect(reads),
          pkpPermissions: contracts.pkpPermissions.connect(reads),
          pubkeyRouter: contracts.pubkeyRouter.connect(reads),
        },
        provider: reads,
        chainId,
        keystore,
        actions: new FileActionStore(dataDir),
      });
      libraries.push(oracle);
      console.log(`▸ library (${label}) latency, concurrency 1`);
      for (let i = 0; i < 30; i += 1) await oracle.execute(libraryRequest);
      const samples: number[] = [];
      const timings: NonNullable<SigningOracle["lastTimings"]>[] = [];
      const results: ExecuteResult[] = [];
      for (let i = 0; i < LATENCY_CALLS; i += 1) {
        const started = performance.now();
        results.push(await oracle.execute(libraryRequest));
        samples.push(performance.now() - started);
        if (oracle.lastTimings) timings.push(oracle.lastTimings);
      }
      verifyAll(results, ethAddress);
      const rates = [];
      for (const concurrency of CONCURRENCIES) {
        console.log(`▸ library (${label}) throughput, concurrency ${concurrency}`);
        const before = oracle.chainStats();
        const rate = await throughput(
          concurrency,
          THROUGHPUT_MS,
          () => oracle.execute(libraryRequest),
          ethAddress,
        );
        const after = oracle.chainStats();
        const per = (n: number) => Math.round((n / rate.executions) * 1000) / 1000;
        rates.push({
          ...rate,
          /** JSON-RPC calls per execution: block pins are shared by concurrent executions. */
          pinsPerExecution: per(after.pins - before.pins),
          ethCallsPerExecution: per(after.reads - before.reads),
        });
      }
      return {
        provider: label,
        latency: percentiles(samples),
        breakdown: {
          prepareMs: median(timings.map((t) => t.prepareMs)),
          queueMs: median(timings.map((t) => t.queueMs)),
          dispatchMs: median(timings.map((t) => t.dispatchMs)),
          sandboxCreateMs: median(timings.map((t) => t.sandboxCreateMs)),
          evalMs: median(timings.map((t) => t.evalMs)),
          hostWaitMs: median(timings.map((t) => t.hostWaitMs)),
          hostCalls: median(timings.map((t) => t.hostCalls)),
        },
        throughput: rates,
      };
    };
    // The service reads through Hardhat's HTTP provider (hre.ethers.provider); the same here.
    hardhatProvider = new HardhatEthersProvider(
      new BackwardsCompatibilityProviderAdapter(new HttpProvider(node.url, "localhost")),
      "localhost",
    );
    const libraryHardhat = await measureLibrary("Hardhat HTTP provider", hardhatProvider);
    const libraryEthers = await measureLibrary("ethers JsonRpcProvider", provider);

    // The costs the oracle's timers lump together, measured one by one from this process.
    const reads: number[] = [];
    const blockNumbers: number[] = [];
    const latestBlocks: number[] = [];
    const signs: number[] = [];
    const digest = ethers.toBeHex(7919, 32);
    for (let i = 0; i < 100; i += 1) {
      let t = performance.now();
      await hardhatProvider.getBlockNumber();
      blockNumbers.push(performance.now() - t);
      t = performance.now();
      await hardhatProvider.send("eth_getBlockByNumber", ["latest", false]);
      latestBlocks.push(performance.now() - t);
      t = performance.now();
      await contracts.pubkeyRouter.connect(hardhatProvider).isRouted(tokenId);
      reads.push(performance.now() - t);
      t = performance.now();
      keystore.signDigest(tokenId, digest);
      signs.push(performance.now() - t);
    }

    const report = {
      measuredAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      // Issue 12: over HTTP, p50 ≤ 2.5 ms at concurrency 1, ≥ 1,000 executions/s at 64
      // (issue 7's: p50 ≤ 5 ms, p99 ≤ 25 ms, ≥ 300/s at the best concurrency).
      goals: { p50Ms: 2.5, p99Ms: 25, executionsPerSecondAt64: 1000 },
      /** The 1-minute load average when the measurement started and ended (others share the CPUs). */
      loadAverage: { before: loadBefore, after: os.loadavg()[0] },
      /** HTTP requests sent again after a reset on a reused keep-alive socket. */
      keepAliveRetries: retries,
      http: {
        latencyByIpfsId: percentiles(byIdSamples.map((s) => s.ms)),
        /** The figure issue 4 asks for: median of the first 100 calls. */
        medianOf100ByIpfsId: median(byIdSamples.slice(0, 100).map((s) => s.ms)),
        latencyWithCode: percentiles(withCodeSamples.map((s) => s.ms)),
        breakdownByIpfsId: breakdown(byIdSamples),
        breakdownWithCode: breakdown(withCodeSamples),
        /** /pkp/sign authorized by a login (issue 13): a Google-style ID token, then a session. */
        pkpSignWithIdToken: percentiles(wallet.idToken),
        pkpSignWithSession: percentiles(wallet.session),
        throughput: httpThroughput,
        /** Issue 14's rows: ethers keccak256 + joinSignature (goal p50 ≤ 10 ms), loopback fetch. */
        actions: {
          ethersKeccakJoin: { ...percentiles(actionRows.ethersKeccakJoin), goalP50Ms: 10 },
          fetchLoopback: percentiles(actionRows.fetchLoopback),
        },
      },
      library: [libraryHardhat, libraryEthers],
      components: {
        rpcGetBlockNumberMs: median(blockNumbers),
        /** The pin: number and hash of the latest block. */
        rpcGetLatestBlockMs: median(latestBlocks),
        rpcEthCallMs: median(reads),
        /** Read through the Hardhat HTTP provider, as the service does. */
        signDigestMs: median(signs),
        note:
          "one isPrime execution = 1 pin (eth_getBlockByNumber latest, shared by concurrent executions) " +
          "+ 2 eth_call (isRouted, scope; answered from the per-block cache after the block's first execution) + 1 signature",
      },
    };
    await fs.writeFile(OUT_FILE, `${JSON.stringify(report, null, 2)}\n`);
    printTable(report);
    console.log(`\nWrote ${path.relative(PROJECT_ROOT, OUT_FILE)}`);
  } catch (error) {
    // What the service said is usually the reason (its log lines are JSON; errors are not).
    if (service !== undefined)
      console.error(`oracle service output:\n${service.output().slice(-3000)}`);
    throw error;
  } finally {
    for (const oracle of libraries) await oracle.close();
    await issuer?.close();
    hardhatProvider?.destroy();
    provider?.destroy();
    if (service !== undefined) {
      const code = await service.stop("SIGTERM");
      if (code !== 0)
        console.error(`the oracle service exited with ${code}:\n${service.output().slice(-2000)}`);
    }
    await node?.stop();
    await priceApi.close();
    await fs.rm(work, { recursive: true, force: true });
  }
}

/**
 * `/pkp/sign` latency at concurrency 1 for a self-owned PKP whose only auth method is a login:
 * with the ID token on every request (JWKS cached after the warm-up), and with a session opened
 * once (a fresh sessionSig per request, made before the timed window as a client would ahead of
 * sending). Every signature is verified after the window.
 */
async function measureWalletSigning(
  setup: {
    base: URL;
    issuer: DevIssuerServer["issuer"];
    provider: JsonRpcProvider;
    contracts: Awaited<ReturnType<typeof loadDeployment>>["contracts"];
  },
  calls: number,
): Promise<{ idToken: number[]; session: number[] }> {
  const { base, issuer, provider, contracts } = setup;
  console.log("▸ Minting a self-owned PKP for a login (dev issuer)");
  const idToken = await issuer.mint({ sub: "bench-user", aud: WALLET_APP, expiresIn: 3600 });
  const pkp = await mintForIdToken({
    helper: contracts.pkpHelper,
    pkpNft: contracts.pkpNft,
    idToken,
    selfOwned: true,
  });
  // A new agent after the mint: the server closes keep-alive sockets idle for 5 s, and a request
  // sent on a socket as it closes is reset.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const signUrl = new URL("/pkp/sign", base);
  const authMethods = [{ authMethodType: 6, accessToken: idToken }];
  const digests = Array.from({ length: calls + 30 }, (_, i) =>
    ethers.keccak256(ethers.toUtf8Bytes(`bench digest ${i}`)),
  );
  const measure = async (label: string, body: (i: number) => string) => {
    console.log(`▸ HTTP /pkp/sign latency, concurrency 1, ${calls} calls (${label})`);
    const bodies = digests.map((_, i) => body(i));
    for (let i = 0; i < 30; i += 1) await postExecute<PkpSignResult>(agent, signUrl, bodies[i]);
    const samples: Array<{ result: PkpSignResult; ms: number }> = [];
    for (let i = 30; i < bodies.length; i += 1) {
      samples.push(await postExecute<PkpSignResult>(agent, signUrl, bodies[i]));
    }
    samples.forEach(({ result }, i) => {
      if (!result.success) throw new Error(`/pkp/sign failed: ${JSON.stringify(result.error)}`);
      const { signature } = result.signature;
      if (ethers.recoverAddress(digests[i + 30], signature) !== pkp.ethAddress) {
        throw new Error("a /pkp/sign signature does not recover to the PKP's address");
      }
    });
    return samples.map((s) => s.ms);
  };
  const withIdToken = await measure("Google-style ID token, JWKS cached", (i) =>
    JSON.stringify({ pubKey: pkp.publicKey, toSign: digests[i], authMethods }),
  );
  const session = await PkpSession.open({
    oracle: httpOracle(base.toString()),
    provider,
    pkpPublicKey: pkp.publicKey,
    authMethods,
    sessionSigLifetimeSeconds: 600,
  });
  const withSession = await measure("session signature", (i) =>
    JSON.stringify({
      pubKey: pkp.publicKey,
      toSign: digests[i],
      sessionSigs: session.sessionSigs(),
    }),
  );
  agent.destroy();
  return { idToken: withIdToken, session: withSession };
}

type Report = {
  http: {
    latencyByIpfsId: Percentiles;
    latencyWithCode: Percentiles;
    pkpSignWithIdToken: Percentiles;
    pkpSignWithSession: Percentiles;
    breakdownByIpfsId: Record<string, number>;
    throughput: Array<{ concurrency: number; perSecond: number }>;
    actions: { ethersKeccakJoin: Percentiles; fetchLoopback: Percentiles };
  };
  library: Array<{
    provider: string;
    latency: Percentiles;
    breakdown: Record<string, number>;
    throughput: Array<{
      concurrency: number;
      perSecond: number;
      pinsPerExecution: number;
      ethCallsPerExecution: number;
    }>;
  }>;
  components: Record<string, number | string>;
};

function printTable(report: Report): void {
  const row = (cells: Array<string | number>) =>
    console.log(
      cells.map((c, i) => String(c)[i === 0 ? "padEnd" : "padStart"](i === 0 ? 44 : 9)).join(" "),
    );
  console.log("\n/execute of actions/isPrime.js (7919, signed), ms");
  row(["", "p50", "p90", "p99", "mean", "n"]);
  const latency = (label: string, p: Percentiles) => row([label, p.p50, p.p90, p.p99, p.mean, p.n]);
  latency("HTTP, c=1, ipfsId only", report.http.latencyByIpfsId);
  latency("HTTP, c=1, code + ipfsId", report.http.latencyWithCode);
  latency("HTTP /pkp/sign c=1, ID token (JWKS cached)", report.http.pkpSignWithIdToken);
  latency("HTTP /pkp/sign c=1, session signature", report.http.pkpSignWithSession);
  for (const library of report.library) {
    latency(`library (${library.provider}), c=1`, library.latency);
  }
  console.log("\n/execute of other actions over HTTP, c=1, ms");
  latency("ethers keccak256 + joinSignature (goal ≤ 10)", report.http.actions.ethersKeccakJoin);
  latency("fetch from a loopback allowed origin", report.http.actions.fetchLoopback);
  console.log("\nexecutions/s (every signature verified)");
  row(["", ...CONCURRENCIES.map((c) => `c=${c}`)]);
  row(["HTTP", ...report.http.throughput.map((t) => t.perSecond)]);
  for (const library of report.library) {
    row([`library (${library.provider})`, ...library.throughput.map((t) => t.perSecond)]);
  }
  const first = report.library[0];
  if (first !== undefined) {
    row([
      `  pins / execution (${first.provider})`,
      ...first.throughput.map((t) => t.pinsPerExecution),
    ]);
    row([`  eth_calls / execution`, ...first.throughput.map((t) => t.ethCallsPerExecution)]);
  }
  console.log("\nwhere the time goes (medians, ms)");
  for (const [key, value] of Object.entries(report.http.breakdownByIpfsId)) {
    row([`HTTP ${key}`, value]);
  }
  for (const library of report.library) {
    for (const [key, value] of Object.entries(library.breakdown)) {
      row([`library (${library.provider.split(" ")[0]}) ${key}`, value]);
    }
  }
  for (const [key, value] of Object.entries(report.components)) {
    if (typeof value === "number") row([key, value]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
