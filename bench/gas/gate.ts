/**
 * The gas gate: compares a fresh measurement with the committed snapshot. Pure, so its rules are
 * tested without deploying anything (test/bench/gasGate.test.ts).
 *
 * Rules: a figure above the committed one fails (a change that costs gas must update the snapshot
 * deliberately); an equal figure passes; a lower one passes with a note to update the snapshot so
 * the saving is locked in. A committed row that is no longer measured fails (the gate could not
 * check it); a new row passes with a note.
 */
import type { GasSnapshot } from "./snapshot";

/** One compared figure, e.g. row "operations.burn", figure "ours". */
export interface FigureChange {
  row: string;
  figure: string;
  committed: number;
  current: number;
}

export interface GateResult {
  ok: boolean;
  /** Figures above the committed snapshot: each one fails the gate. */
  rises: FigureChange[];
  /** Figures below the committed snapshot: pass, but the snapshot should be updated. */
  falls: FigureChange[];
  /** Rows in the committed snapshot that this run did not measure: each one fails the gate. */
  missing: string[];
  /** Rows this run measured that the committed snapshot lacks: pass with a note. */
  added: string[];
}

/** The gated figures of a snapshot, as "section.row" → figure name → value. */
function gatedFigures(snapshot: GasSnapshot): Map<string, Map<string, number>> {
  const rows = new Map<string, Map<string, number>>();
  for (const [key, row] of Object.entries(snapshot.operations)) {
    rows.set(`operations.${key}`, new Map([["ours", row.ours]]));
  }
  for (const [name, row] of Object.entries(snapshot.deployments)) {
    rows.set(
      `deployments.${name}`,
      new Map([
        ["deployGas", row.deployGas],
        ["runtimeBytes", row.runtimeBytes],
      ]),
    );
  }
  return rows;
}

/** Compares `current` with `committed` figure by figure. */
export function compareSnapshots(committed: GasSnapshot, current: GasSnapshot): GateResult {
  const before = gatedFigures(committed);
  const after = gatedFigures(current);
  const result: GateResult = { ok: true, rises: [], falls: [], missing: [], added: [] };
  for (const [row, figures] of before) {
    const now = after.get(row);
    if (!now) {
      result.missing.push(row);
      continue;
    }
    for (const [figure, committedValue] of figures) {
      const currentValue = now.get(figure);
      if (currentValue === undefined) {
        result.missing.push(`${row}.${figure}`);
      } else if (currentValue > committedValue) {
        result.rises.push({ row, figure, committed: committedValue, current: currentValue });
      } else if (currentValue < committedValue) {
        result.falls.push({ row, figure, committed: committedValue, current: currentValue });
      }
    }
  }
  for (const row of after.keys()) {
    if (!before.has(row)) result.added.push(row);
  }
  result.ok = result.rises.length === 0 && result.missing.length === 0;
  return result;
}

function describeChange(change: FigureChange): string {
  const delta = change.current - change.committed;
  const sign = delta > 0 ? "+" : "";
  return (
    `${change.row} ${change.figure}: committed ${change.committed.toLocaleString("en-US")}, ` +
    `now ${change.current.toLocaleString("en-US")} (${sign}${delta.toLocaleString("en-US")})`
  );
}

/** Human-readable lines for the gate's verdict; failures first, each naming row and figures. */
export function describeGate(result: GateResult, snapshotPath: string): string[] {
  const lines: string[] = [];
  for (const change of result.rises) lines.push(`FAIL ${describeChange(change)}`);
  for (const row of result.missing) {
    lines.push(`FAIL ${row}: in ${snapshotPath} but not measured by this run`);
  }
  for (const change of result.falls) lines.push(`note ${describeChange(change)}`);
  for (const row of result.added) lines.push(`note ${row}: measured but not in ${snapshotPath}`);
  if (!result.ok) {
    lines.push(
      `Gas rose above ${snapshotPath}. If the cost is intended, run \`npm run bench:gas\` to ` +
        `update the snapshot and say why in the commit message.`,
    );
  } else if (result.falls.length > 0 || result.added.length > 0) {
    lines.push(
      `Gas gate passed. Run \`npm run bench:gas\` and commit ${snapshotPath} to lock in the change.`,
    );
  } else {
    lines.push(`Gas gate passed: every figure equals ${snapshotPath}.`);
  }
  return lines;
}
