/**
 * The gas snapshot (`bench/gas.json`): its shape, and turning it into stable JSON.
 *
 * Every figure is an integer (gas, or bytes of runtime code). Keys are written in a fixed order so
 * that a snapshot that did not change is byte-for-byte the file already committed.
 */

/** One measured operation: our figure beside Lit's and the goal (all gas, from receipts). */
export interface OperationFigure {
  /** What was measured, as the table words it. */
  label: string;
  ours: number;
  lit: number;
  goal: number;
}

/** One contract of the stack as deployed by the Ignition module. */
export interface DeploymentFigure {
  /** gasUsed of the deployment transaction. */
  deployGas: number;
  /** Length of the deployed (runtime) code in bytes; EIP-170 caps it at 24,576. */
  runtimeBytes: number;
}

/** The EVM and compiler the figures were measured with: a change here explains changed figures. */
export interface GasEnvironment {
  hardhat: string;
  hardfork: string;
  solc: string;
  optimizerRuns: number;
  viaIR: boolean;
  evmVersion: string;
}

export interface GasSnapshot {
  environment: GasEnvironment;
  operations: Record<string, OperationFigure>;
  deployments: Record<string, DeploymentFigure>;
}

/** The snapshot as stable JSON: fixed key order, rows in the order they were measured. */
export function snapshotToJson(snapshot: GasSnapshot): string {
  const environment: GasEnvironment = {
    hardhat: snapshot.environment.hardhat,
    hardfork: snapshot.environment.hardfork,
    solc: snapshot.environment.solc,
    optimizerRuns: snapshot.environment.optimizerRuns,
    viaIR: snapshot.environment.viaIR,
    evmVersion: snapshot.environment.evmVersion,
  };
  const operations: Record<string, OperationFigure> = {};
  for (const [key, row] of Object.entries(snapshot.operations)) {
    operations[key] = { label: row.label, ours: row.ours, lit: row.lit, goal: row.goal };
  }
  const deployments: Record<string, DeploymentFigure> = {};
  for (const [name, row] of Object.entries(snapshot.deployments)) {
    deployments[name] = { deployGas: row.deployGas, runtimeBytes: row.runtimeBytes };
  }
  return `${JSON.stringify({ environment, operations, deployments }, null, 2)}\n`;
}

/** Thrown when a committed snapshot cannot be read as a {@link GasSnapshot}. */
export class SnapshotFormatError extends Error {
  constructor(source: string, problem: string) {
    super(
      `${source} is not a gas snapshot (${problem}). Regenerate it with \`npm run bench:gas\`.`,
    );
    this.name = "SnapshotFormatError";
  }
}

/** A string field of the environment as text ("" when missing; never "[object Object]"). */
function textOf(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireInteger(value: unknown, where: string, source: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new SnapshotFormatError(source, `${where} must be a non-negative integer`);
  }
  return value;
}

/** Parses and checks a snapshot file's text; `source` names it in errors. */
export function parseSnapshot(text: string, source: string): GasSnapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SnapshotFormatError(source, `invalid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(raw) || !isRecord(raw.operations) || !isRecord(raw.deployments)) {
    throw new SnapshotFormatError(source, "it needs `operations` and `deployments` objects");
  }
  const operations: Record<string, OperationFigure> = {};
  for (const [key, row] of Object.entries(raw.operations)) {
    if (!isRecord(row)) throw new SnapshotFormatError(source, `operations.${key} is not an object`);
    operations[key] = {
      label: typeof row.label === "string" ? row.label : key,
      ours: requireInteger(row.ours, `operations.${key}.ours`, source),
      lit: requireInteger(row.lit, `operations.${key}.lit`, source),
      goal: requireInteger(row.goal, `operations.${key}.goal`, source),
    };
  }
  const deployments: Record<string, DeploymentFigure> = {};
  for (const [name, row] of Object.entries(raw.deployments)) {
    if (!isRecord(row)) {
      throw new SnapshotFormatError(source, `deployments.${name} is not an object`);
    }
    deployments[name] = {
      deployGas: requireInteger(row.deployGas, `deployments.${name}.deployGas`, source),
      runtimeBytes: requireInteger(row.runtimeBytes, `deployments.${name}.runtimeBytes`, source),
    };
  }
  const env = isRecord(raw.environment) ? raw.environment : {};
  return {
    environment: {
      hardhat: textOf(env.hardhat),
      hardfork: textOf(env.hardfork),
      solc: textOf(env.solc),
      optimizerRuns: Number(env.optimizerRuns ?? 0),
      viaIR: env.viaIR === true,
      evmVersion: textOf(env.evmVersion),
    },
    operations,
    deployments,
  };
}
