/**
 * One JSON line per request: what an operator greps for (request id, route, action CID, PKPs,
 * outcome, status, duration) and, for executions, where the time went.
 */
import { toBeHex } from "ethers";
import { tokenIdFromPublicKey } from "../signing";

/** How an execution's time was spent (from the oracle's timers), in ms. */
export interface ExecutionTimingsLog {
  /** Inside SigningOracle.execute, end to end. */
  oracleMs: number;
  /** Resolving the code (CID hash), verifying the authSig and pinning the block (one RPC). */
  prepareMs?: number;
  /** Waiting for a free worker. */
  queueMs?: number;
  /** Handing the run to the worker thread. */
  dispatchMs?: number;
  /** Fresh QuickJS runtime + context + prelude. */
  sandboxCreateMs?: number;
  /** Running the action's JS. */
  evalMs?: number;
  /** Waiting on host calls: permission reads from the chain and signing. */
  hostWaitMs?: number;
  hostCalls?: number;
}

export interface RequestLogLine {
  /** ISO time the request arrived. */
  time: string;
  /** Also sent back as the `x-request-id` header. */
  id: string;
  method: string;
  /** The matched route (`/actions/:ipfsId` for stored code), or the raw path if none matched. */
  route: string;
  status: number;
  /** `ok` (2xx), `refused` (4xx, or 503 BUSY / CHAIN_UNAVAILABLE) or `error` (500). */
  outcome: "ok" | "refused" | "error";
  /** The error code of a refusal. */
  code?: string;
  /** CID of the action run or stored. */
  actionCid?: string;
  /** Token ids (0x-hex) of the PKPs that signed, or that /pkp/sign was asked to sign with. */
  pkps?: string[];
  /** From the first byte of the request to the last byte of the response. */
  ms: number;
  /** For /execute: the oracle's breakdown (the per-stage part only when no other ran alongside). */
  timings?: ExecutionTimingsLog;
  /** For `error` lines only: what went wrong inside the service. */
  message?: string;
}

export type RequestLogger = (line: RequestLogLine) => void;

/** Writes each line as JSON to `stream` (default stdout). */
export function jsonLineLogger(stream: NodeJS.WritableStream = process.stdout): RequestLogger {
  return (line) => {
    stream.write(`${JSON.stringify(line)}\n`);
  };
}

/** Rounds ms to 0.01 so log lines stay short. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** The token id (0x-hex, 32 bytes) of a PKP's public key for the log, or undefined if it is none. */
export function tokenIdForLog(publicKey: string): string | undefined {
  try {
    return toBeHex(tokenIdFromPublicKey(publicKey), 32);
  } catch {
    return undefined;
  }
}
