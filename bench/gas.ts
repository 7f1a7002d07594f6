/**
 * `npm run bench:gas`: measures gas per operation (and each contract's deployment gas and code
 * size) on Hardhat's in-process EVM, prints the tables and writes the snapshot bench/gas.json.
 *
 * `npm run bench:gas -- --check`: measures the same way but only compares with the committed
 * snapshot; exits non-zero when any figure rose (naming the row and both figures). Lower figures
 * pass with a note to update the snapshot. This is the CI gate.
 *
 * `npm run bench:gas -- --breakdown`: also traces each measured transaction and prints where its
 * gas goes (bench/gas/breakdown.ts). Combines with --check.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import hre from "hardhat";
import { breakdownOf, breakdownTable } from "./gas/breakdown";
import { compareSnapshots, describeGate } from "./gas/gate";
import { measureGas } from "./gas/measure";
import { parseSnapshot, snapshotToJson } from "./gas/snapshot";
import { deploymentsTable, operationsTable } from "./gas/table";

const SNAPSHOT_PATH = path.join(__dirname, "gas.json");
const SNAPSHOT_NAME = "bench/gas.json";
const USAGE = "usage: npm run bench:gas [-- [--check] [--breakdown]]";
const FLAGS = ["--check", "--breakdown"];

async function readCommitted(): Promise<string> {
  try {
    return await fs.readFile(SNAPSHOT_PATH, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(`${SNAPSHOT_NAME} does not exist: run \`npm run bench:gas\` and commit it`);
    }
    throw error;
  }
}

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((arg) => !FLAGS.includes(arg));
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  const check = argv.includes("--check");

  await hre.run("compile", { quiet: true });
  const { snapshot, transactions } = await measureGas(hre);
  const env = snapshot.environment;
  console.log(
    `Gas from receipts: Hardhat ${env.hardhat} in-process EVM, hardfork ${env.hardfork}; ` +
      `solc ${env.solc} (optimizer ${env.optimizerRuns} runs, viaIR ${env.viaIR}, ` +
      `evm ${env.evmVersion})\n`,
  );
  console.log(operationsTable(snapshot));
  console.log();
  console.log(deploymentsTable(snapshot));
  console.log();
  if (argv.includes("--breakdown")) {
    for (const [row, hash] of Object.entries(transactions)) {
      const label = snapshot.operations[row]?.label ?? row;
      console.log(breakdownTable(label, await breakdownOf(hre.network.provider, hash)));
      console.log();
    }
  }

  if (!check) {
    await fs.writeFile(SNAPSHOT_PATH, snapshotToJson(snapshot));
    console.log(`wrote ${SNAPSHOT_NAME}`);
    return 0;
  }
  const committed = parseSnapshot(await readCommitted(), SNAPSHOT_NAME);
  const result = compareSnapshots(committed, snapshot);
  for (const line of describeGate(result, SNAPSHOT_NAME)) {
    (result.ok ? console.log : console.error)(line);
  }
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
