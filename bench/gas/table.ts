/**
 * The gas snapshot as Markdown tables: printed by `npm run bench:gas` and pasted as-is into
 * docs/PERFORMANCE.md.
 */
import type { GasSnapshot } from "./snapshot";

/** EIP-170's cap on runtime code size. */
export const MAX_RUNTIME_BYTES = 24_576;

const fmt = (n: number): string => n.toLocaleString("en-US");

function markdownTable(header: string[], align: Array<"l" | "r" | "c">, rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const pad = (cell: string, i: number) =>
    align[i] === "r" ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = widths.map((w, i) => {
    const dashes = "-".repeat(Math.max(w, 3));
    if (align[i] === "r") return `${dashes.slice(1)}:`;
    if (align[i] === "c") return `:${dashes.slice(2)}:`;
    return dashes;
  });
  return [line(header), `| ${rule.join(" | ")} |`, ...rows.map(line)].join("\n");
}

/** operation | ours | Lit | ratio | goal | ✓/✗ — ✓ when our figure is at or below the goal. */
export function operationsTable(snapshot: GasSnapshot): string {
  const rows = Object.values(snapshot.operations).map((row) => [
    row.label,
    fmt(row.ours),
    fmt(row.lit),
    `${(row.ours / row.lit).toFixed(2)}×`,
    fmt(row.goal),
    row.ours <= row.goal ? "✓" : "✗",
  ]);
  return markdownTable(
    ["operation", "ours", "Lit", "ratio", "goal (≤)", "met"],
    ["l", "r", "r", "r", "r", "c"],
    rows,
  );
}

/** contract | deployment gas | runtime bytes | share of the EIP-170 cap. */
export function deploymentsTable(snapshot: GasSnapshot): string {
  const rows = Object.entries(snapshot.deployments).map(([name, row]) => [
    name,
    fmt(row.deployGas),
    fmt(row.runtimeBytes),
    `${((100 * row.runtimeBytes) / MAX_RUNTIME_BYTES).toFixed(0)}%`,
  ]);
  return markdownTable(
    ["contract", "deployment gas", "runtime bytes", "of 24,576"],
    ["l", "r", "r", "r"],
    rows,
  );
}
