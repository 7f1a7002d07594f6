/**
 * `POST /execute`: runs a Lit Action (code or a stored ipfsId) and returns its response and
 * signatures in Lit's shape. The log line gets the action's CID, the PKPs that signed and where
 * the time went.
 */
import { createHash } from "node:crypto";
import { cidOfCode } from "../../../cid";
import type { SigningOracle } from "../../oracle";
import type { Route, RouteContext } from "../router";
import { roundMs, tokenIdForLog, type RequestLogLine } from "../requestLog";
import { parseExecuteRequest } from "../schema";

/** Code up to this size has its CID remembered for the log (64 entries). */
const CID_CACHE_MAX_CODE = 64 * 1024;
const CID_CACHE_ENTRIES = 64;

export function executeRoute({ oracle, limits }: RouteContext): Route {
  /**
   * CIDs of recently run code, for log lines of requests that sent code without its ipfsId; keyed
   * by the code's SHA-256, so the cache holds 64 short entries whatever the code's size.
   */
  const cidCache = new Map<string, string>();
  const cidForLog = async (code: string): Promise<string | undefined> => {
    const key =
      code.length <= CID_CACHE_MAX_CODE
        ? createHash("sha256").update(code).digest("base64")
        : undefined;
    const cached = key === undefined ? undefined : cidCache.get(key);
    if (cached !== undefined) return cached;
    try {
      const cid = await cidOfCode(code);
      if (key !== undefined) {
        if (cidCache.size >= CID_CACHE_ENTRIES) {
          cidCache.delete(cidCache.keys().next().value as string);
        }
        cidCache.set(key, cid);
      }
      return cid;
    } catch {
      return undefined;
    }
  };

  /**
   * Executions in progress, to know whether oracle.lastTimings (one field, shared) can belong
   * to a given execution: only if no other execution overlapped it.
   */
  const executing = new Set<{ overlapped: boolean }>();

  return {
    path: "/execute",
    bounded: true,
    queues: true,
    handlers: {
      POST: async ({
        request,
        readJson,
        send,
        refuse,
        line,
        client,
        signal,
        started: runStarted,
      }) => {
        const parsed = parseExecuteRequest(await readJson());
        if (parsed.ipfsId !== undefined) line.actionCid = parsed.ipfsId;
        const self = { overlapped: executing.size > 0 };
        for (const other of executing) other.overlapped = true;
        executing.add(self);
        const started = performance.now();
        let result: Awaited<ReturnType<SigningOracle["execute"]>>;
        try {
          result = await oracle.execute(parsed, {
            // The client's headers are the action's Lit.Headers, as on Lit's nodes.
            headers: request.headers,
            client,
            signal,
            maxQueueMs: limits.maxQueueMs,
            onRunStart: runStarted,
          });
        } finally {
          executing.delete(self);
        }
        const oracleMs = performance.now() - started;
        line.timings = timingsForLog(
          oracleMs,
          result.success && !self.overlapped ? oracle.lastTimings : undefined,
        );
        if (result.success) {
          const pkps = Object.values(result.signatures)
            .map((signature) => tokenIdForLog(signature.publicKey))
            .filter((id): id is string => id !== undefined);
          if (pkps.length > 0) line.pkps = pkps;
          send(200, result);
        } else {
          refuse(result.error.code, result.error.message);
        }
        if (line.actionCid === undefined && parsed.code !== undefined) {
          // After the response: hashing for the log never delays the client.
          line.actionCid = await cidForLog(parsed.code);
        }
      },
    },
  };
}

function timingsForLog(
  oracleMs: number,
  timings: SigningOracle["lastTimings"],
): RequestLogLine["timings"] {
  if (timings === undefined) return { oracleMs: roundMs(oracleMs) };
  return {
    oracleMs: roundMs(oracleMs),
    prepareMs: roundMs(timings.prepareMs),
    queueMs: roundMs(timings.queueMs),
    dispatchMs: roundMs(timings.dispatchMs),
    sandboxCreateMs: roundMs(timings.sandboxCreateMs),
    evalMs: roundMs(timings.evalMs),
    hostWaitMs: roundMs(timings.hostWaitMs),
    hostCalls: timings.hostCalls,
  };
}
