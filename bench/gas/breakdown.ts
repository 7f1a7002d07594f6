/**
 * Where one transaction's gas goes, from a struct-log trace (`debug_traceTransaction`): the base
 * transaction cost and calldata, storage writes by kind (a fresh slot, an update, a no-op), cold
 * and warm storage reads, logs with their data bytes, calls (cold accounts), precompiles, hashing,
 * and everything else. Printed by `npm run bench:gas -- --breakdown`; docs/PERFORMANCE.md quotes it.
 *
 * Gas per opcode is what the trace charges the opcode itself: for a call into code, the gas the
 * callee used is counted under the callee's own opcodes, not under the CALL.
 */
import type { EthereumProvider } from "hardhat/types";

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

interface Trace {
  gas: number;
  structLogs: StructLog[];
}

/** One line of a breakdown: a label, how many times it happened, and its gas. */
export interface BreakdownLine {
  part: string;
  count: number;
  gas: number;
}

export interface Breakdown {
  gasUsed: number;
  lines: BreakdownLine[];
}

const G_TX = 21_000;
const PRECOMPILES: Record<number, string> = {
  1: "ecrecover",
  2: "sha256",
  4: "identity",
  5: "modexp",
};

/** Calldata gas as charged before any EIP-7623 floor: 4 per zero byte, 16 per other byte. */
function calldataGas(data: string): { gas: number; bytes: number } {
  const hex = data.startsWith("0x") ? data.slice(2) : data;
  let gas = 0;
  for (let i = 0; i < hex.length; i += 2) gas += hex.slice(i, i + 2) === "00" ? 4 : 16;
  return { gas, bytes: hex.length / 2 };
}

function storeKind(cost: number): string {
  // EIP-2929 + EIP-2200 (Berlin+) SSTORE costs, cold surcharge 2,100 included where charged.
  switch (cost) {
    case 22_100:
      return "SSTORE fresh slot (0 → x), cold";
    case 20_000:
      return "SSTORE fresh slot (0 → x), warm";
    case 5_000:
      return "SSTORE update (x → y), cold";
    case 2_900:
      return "SSTORE update (x → y or → 0), warm";
    case 2_200:
      return "SSTORE no-op, cold";
    case 100:
      return "SSTORE dirty slot / no-op, warm";
    default:
      return `SSTORE (${cost})`;
  }
}

function topStack(log: StructLog, n: number): bigint {
  const stack = log.stack ?? [];
  return BigInt(`0x${stack[stack.length - 1 - n] ?? "0"}`);
}

/**
 * The gas an opcode itself costs. For an opcode that enters a callee (depth rises), it is the gas
 * the caller lost minus what the callee consumed; otherwise the drop to the next opcode.
 */
function ownCosts(logs: StructLog[]): number[] {
  const own = logs.map((l) => l.gasCost);
  for (let i = 0; i < logs.length - 1; ++i) {
    const log = logs[i];
    const next = logs[i + 1];
    if (next.depth === log.depth) own[i] = log.gas - next.gas;
    else if (next.depth > log.depth) {
      // Find where the caller resumes; the callee consumed gasAtEntry - gasAtExit.
      let j = i + 1;
      let lastInCallee = i + 1;
      while (j < logs.length && logs[j].depth > log.depth) lastInCallee = j++;
      const calleeUsed = next.gas - (logs[lastInCallee].gas - own[lastInCallee]);
      if (j < logs.length) own[i] = log.gas - logs[j].gas - calleeUsed;
    }
  }
  return own;
}

/** Traces `hash` and classifies its gas. */
export async function breakdownOf(provider: EthereumProvider, hash: string): Promise<Breakdown> {
  const tx = (await provider.send("eth_getTransactionByHash", [hash])) as { input: string };
  const receipt = (await provider.send("eth_getTransactionReceipt", [hash])) as {
    gasUsed: string;
    logs: Array<{ topics: string[]; data: string }>;
  };
  const trace = (await provider.send("debug_traceTransaction", [
    hash,
    { disableMemory: true, disableStorage: true },
  ])) as Trace;
  const logs = trace.structLogs;
  const own = ownCosts(logs);
  const lines = new Map<string, BreakdownLine>();
  const add = (part: string, gas: number, count = 1) => {
    const line = lines.get(part) ?? { part, count: 0, gas: 0 };
    line.count += count;
    line.gas += gas;
    lines.set(part, line);
  };

  const calldata = calldataGas(tx.input);
  add(`base transaction (21,000) + calldata (${calldata.bytes} bytes)`, G_TX + calldata.gas);

  let logIndex = 0;
  for (let i = 0; i < logs.length; ++i) {
    const log = logs[i];
    const cost = own[i];
    const op = log.op;
    if (op === "SSTORE") add(storeKind(log.gasCost), log.gasCost);
    else if (op === "SLOAD" || op === "TLOAD" || op === "TSTORE") {
      add(op === "SLOAD" ? (cost >= 2_100 ? "SLOAD cold" : "SLOAD warm") : op, cost);
    } else if (op.startsWith("LOG")) {
      const event = receipt.logs[logIndex++];
      const bytes = event ? (event.data.length - 2) / 2 : 0;
      add(`${op} (${event?.topics.length ?? "?"} topics, ${bytes} data bytes)`, cost);
    } else if (op === "CALL" || op === "STATICCALL" || op === "DELEGATECALL") {
      const to = Number(topStack(log, 1) & 0xffffffffffffffffffffn);
      const precompile = PRECOMPILES[to];
      if (precompile && logs[i + 1]?.depth === log.depth) add(`precompile ${precompile}`, cost);
      else add(`${op} into code (${cost >= 2_600 ? "cold" : "warm"} account)`, cost);
    } else if (op === "EXTCODESIZE" || op === "EXTCODEHASH" || op === "BALANCE") {
      add(`${op} (${cost >= 2_600 ? "cold" : "warm"} account)`, cost);
    } else if (op === "KECCAK256") add("KECCAK256 (hashing, incl. memory)", cost);
    else add("other opcodes (arithmetic, stack, memory, jumps)", cost);
  }

  const execution = [...lines.values()].reduce((sum, l) => sum + l.gas, 0);
  const gasUsed = Number(receipt.gasUsed);
  const refund = execution - gasUsed;
  if (refund !== 0) add("refund (storage cleared), net of the above", -refund);
  const ordered = [...lines.values()].sort((a, b) => b.gas - a.gas);
  return { gasUsed, lines: ordered };
}

/** A breakdown as a Markdown table. */
export function breakdownTable(title: string, breakdown: Breakdown): string {
  const fmt = (n: number) => n.toLocaleString("en-US");
  const rows = breakdown.lines.map((l) => `| ${l.part} | ${l.count} | ${fmt(l.gas)} |`);
  return [
    `${title}: ${fmt(breakdown.gasUsed)} gas`,
    "",
    "| part | count | gas |",
    "| --- | --: | --: |",
    ...rows,
  ].join("\n");
}
