/**
 * The stage of the availability suite: one `hardhat node`, the stack deployed with `pkp:deploy`,
 * one `pkp:oracle` process (its own process, as users run it) on loopback, isPrime stored and
 * granted to a mint/grant/burn PKP, and the clients: the honest one on 127.0.0.1, attackers on
 * 127.0.0.2 and up (distinct addresses are distinct clients to the oracle).
 *
 * Everything is bounded: every attack and every measurement runs until a deadline, and the
 * processes are stopped by their PIDs in `stop()`.
 */
import { promises as fs } from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { JsonRpcProvider, ethers, type JsonRpcSigner } from "ethers";
import { cidToBytes } from "../../../src/cid";
import { loadDeployment, type PkpContracts } from "../../../src/deployments";
import type { LitSignature } from "../../../src/oracle/signing";
import { PROJECT_ROOT, startHardhatNode, type HardhatNode } from "../../helpers/hardhatNode";
import { makeTempDir } from "../../helpers/tempDir";
import { deployAndSpawnOracle, type OracleProcess } from "../http/oracleProcess";

export const HONEST = "127.0.0.1";
/** The n-th attacker's address (n ≥ 0): 127.0.0.2, 127.0.0.3, … */
export const attacker = (n: number) => `127.0.0.${2 + n}`;

/** The oracle's options in this suite (explicit, so that the figures do not depend on the CPU count). */
export const ORACLE_OPTIONS = {
  workers: 2,
  maxWorkers: 4,
  /** Workers one client may hold (the default, --max-workers − 1, given explicitly for case 4). */
  maxRunningPerClient: 3,
  /** Extra workers end soon after an attack, so that memory is compared with the same threads. */
  workerIdleMs: 2_000,
  storeQuotaBytes: 16 * 1024 * 1024,
  storeRateBytesPerMinute: 4 * 1024 * 1024,
  authsigDomain: "localhost",
};

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: unknown;
  ms: number;
}

/** One request over `agent` (or a fresh connection from `localAddress`); never rejects. */
export function request(
  url: string,
  method: "GET" | "POST",
  body: unknown,
  options: { agent?: http.Agent; localAddress?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = performance.now();
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const done = (answer: Omit<Answer, "ms">) =>
      resolve({ ...answer, ms: performance.now() - started });
    const req = http.request(
      url,
      {
        method,
        agent: options.agent ?? false,
        localAddress: options.localAddress,
        headers:
          text === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
        timeout: options.timeoutMs ?? 30_000,
      },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (chunk: Buffer) => parts.push(chunk));
        response.on("end", () => {
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(parts).toString("utf8"));
          } catch {
            json = undefined;
          }
          done({ status: response.statusCode ?? 0, headers: response.headers, json });
        });
        response.on("error", () => done({ status: 0, headers: {}, json: undefined }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => done({ status: 0, headers: {}, json: undefined }));
    req.end(text);
  });
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface HonestFigures {
  executions: number;
  failures: Array<{ status: number; json: unknown }>;
  p50: number;
  p99: number;
  max: number;
  health: { probes: number; max: number; failures: number };
}

export interface Stage {
  node: HardhatNode;
  oracle: OracleProcess;
  provider: JsonRpcProvider;
  chainId: number;
  /** Deployment handles connected to `signer(i)` on demand. */
  contracts(signer: JsonRpcSigner): Promise<PkpContracts>;
  signer(index: number): Promise<JsonRpcSigner>;
  isPrime: { code: string; ipfsId: string; publicKey: string; ethAddress: string };
  /** The oracle process's resident memory (its PID's VmRSS), in bytes. */
  rss(): Promise<number>;
  /**
   * The honest client for `durationMs`: isPrime `/execute` (ipfsId only, 7919) in a loop on a
   * keep-alive connection from 127.0.0.1, every signature verified, and `/health` every 250 ms.
   */
  honest(durationMs: number): Promise<HonestFigures>;
  stop(): Promise<void>;
}

export async function startStage(): Promise<Stage> {
  const dir = await makeTempDir("availability-");
  const node = await startHardhatNode();
  let oracle: OracleProcess | undefined;
  const provider = new JsonRpcProvider(node.url, undefined, {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval: 20,
  });
  try {
    let deploymentsDir: string;
    ({ oracle, deploymentsDir } = await deployAndSpawnOracle({
      nodeUrl: node.url,
      dir: dir.path,
      args: [
        "--workers",
        String(ORACLE_OPTIONS.workers),
        "--max-workers",
        String(ORACLE_OPTIONS.maxWorkers),
        "--max-running-per-client",
        String(ORACLE_OPTIONS.maxRunningPerClient),
        "--worker-idle-ms",
        String(ORACLE_OPTIONS.workerIdleMs),
        "--authsig-domain",
        ORACLE_OPTIONS.authsigDomain,
        "--action-store-max-bytes",
        String(ORACLE_OPTIONS.storeQuotaBytes),
        "--action-store-rate",
        String(ORACLE_OPTIONS.storeRateBytesPerMinute),
      ],
      passphrase: "availability suite (throwaway)",
    }));
    const url = oracle.url;
    const chainId = Number((await provider.getNetwork()).chainId);
    const signer = (index: number) => provider.getSigner(index);
    const contracts = async (runner: JsonRpcSigner) =>
      (await loadDeployment({ network: "localhost", runner, dir: deploymentsDir })).contracts;

    // isPrime, stored and granted to a mint/grant/burn PKP (as in the README).
    const code = await fs.readFile(path.join(PROJECT_ROOT, "actions", "isPrime.js"), "utf8");
    const stored = await request(`${url}/actions`, "POST", { code });
    if (stored.status !== 200) throw new Error(`storing isPrime: ${JSON.stringify(stored.json)}`);
    const { ipfsId } = stored.json as { ipfsId: string };
    const { pkpNft } = await contracts(await signer(1));
    const value = await pkpNft.mintCost();
    const tokenId = await pkpNft.mintGrantAndBurnNext.staticCall(2n, cidToBytes(ipfsId), { value });
    await (await pkpNft.mintGrantAndBurnNext(2n, cidToBytes(ipfsId), { value })).wait();
    const isPrime = {
      code,
      ipfsId,
      publicKey: await pkpNft.getPubkey(tokenId),
      ethAddress: await pkpNft.getEthAddress(tokenId),
    };
    const oraclePid = oracle.child.pid as number;

    const honest = async (durationMs: number): Promise<HonestFigures> => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: HONEST });
      const deadline = performance.now() + durationMs;
      const latencies: number[] = [];
      const failures: HonestFigures["failures"] = [];
      const health: number[] = [];
      let healthFailures = 0;
      const body = { ipfsId, jsParams: { number: 7919, publicKey: isPrime.publicKey } };
      const executing = (async () => {
        while (performance.now() < deadline) {
          const answer = await request(`${url}/execute`, "POST", body, { agent });
          latencies.push(answer.ms);
          const signature = (answer.json as { signatures?: { prime?: LitSignature } } | undefined)
            ?.signatures?.prime;
          if (
            answer.status !== 200 ||
            signature === undefined ||
            ethers.recoverAddress(signature.dataSigned, signature.signature) !== isPrime.ethAddress
          ) {
            failures.push({ status: answer.status, json: answer.json });
          }
        }
      })();
      const probing = (async () => {
        while (performance.now() < deadline) {
          const answer = await request(`${url}/health`, "GET", undefined, {
            localAddress: HONEST,
          });
          health.push(answer.ms);
          if (answer.status !== 200) healthFailures++;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      })();
      await Promise.all([executing, probing]);
      agent.destroy();
      return {
        executions: latencies.length,
        failures,
        p50: Math.round(percentile(latencies, 50)),
        p99: Math.round(percentile(latencies, 99)),
        max: Math.round(Math.max(...latencies)),
        health: {
          probes: health.length,
          max: Math.round(Math.max(...health)),
          failures: healthFailures,
        },
      };
    };

    return {
      node,
      oracle,
      provider,
      chainId,
      contracts,
      signer,
      isPrime,
      rss: async () => {
        const status = await fs.readFile(`/proc/${oraclePid}/status`, "utf8");
        const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
        if (kb === undefined) throw new Error(`no VmRSS for pid ${oraclePid}`);
        return Number(kb) * 1024;
      },
      honest,
      stop: async () => {
        provider.destroy();
        await oracle?.stop("SIGTERM");
        await node.stop();
        await dir.remove();
      },
    };
  } catch (error) {
    provider.destroy();
    await oracle?.stop("SIGKILL");
    await node.stop();
    await dir.remove();
    throw error;
  }
}

/** Runs `attack` in a loop (each call one request or one step) until `deadline` (ms, performance.now). */
export async function repeatUntil(
  deadline: number,
  attack: () => Promise<unknown>,
): Promise<number> {
  let count = 0;
  while (performance.now() < deadline) {
    await attack();
    count++;
  }
  return count;
}
