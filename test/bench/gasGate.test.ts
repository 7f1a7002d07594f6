import { promises as fs } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { compareSnapshots, describeGate } from "../../bench/gas/gate";
import { CONTRACT_NAMES, OPERATION_ROWS } from "../../bench/gas/rows";
import {
  GasSnapshot,
  parseSnapshot,
  SnapshotFormatError,
  snapshotToJson,
} from "../../bench/gas/snapshot";

// The gate's rules on hand-made snapshots: nothing is deployed, so this suite is instant.

function snapshot(): GasSnapshot {
  return {
    environment: {
      hardhat: "2.29.1",
      hardfork: "osaka",
      solc: "0.8.28",
      optimizerRuns: 10_000,
      viaIR: true,
      evmVersion: "cancun",
    },
    operations: {
      "burn.onlyToken": { label: "burn", ours: 48_225, lit: 51_612, goal: 51_612 },
      "mintNext.secondMint": { label: "mintNext", ours: 129_413, lit: 181_967, goal: 155_000 },
    },
    deployments: {
      PKPNFT: { deployGas: 2_246_617, runtimeBytes: 9_733 },
    },
  };
}

describe("gas snapshot gate (bench/gas/gate.ts)", () => {
  it("passes when every figure equals the committed snapshot", () => {
    const result = compareSnapshots(snapshot(), snapshot());
    expect(result).to.deep.equal({ ok: true, rises: [], falls: [], missing: [], added: [] });
    expect(describeGate(result, "bench/gas.json")).to.deep.equal([
      "Gas gate passed: every figure equals bench/gas.json.",
    ]);
  });

  it("fails on an operation that costs more, naming the row and both figures", () => {
    const current = snapshot();
    current.operations["burn.onlyToken"].ours = 48_300;
    const result = compareSnapshots(snapshot(), current);
    expect(result.ok).to.equal(false);
    expect(result.rises).to.deep.equal([
      { row: "operations.burn.onlyToken", figure: "ours", committed: 48_225, current: 48_300 },
    ]);
    const lines = describeGate(result, "bench/gas.json");
    expect(lines[0]).to.equal(
      "FAIL operations.burn.onlyToken ours: committed 48,225, now 48,300 (+75)",
    );
    expect(lines.at(-1)).to.match(/npm run bench:gas.*commit message/);
  });

  it("fails when a contract's deployment gas or runtime size grows", () => {
    const current = snapshot();
    current.deployments.PKPNFT = { deployGas: 2_246_618, runtimeBytes: 9_734 };
    const result = compareSnapshots(snapshot(), current);
    expect(result.ok).to.equal(false);
    expect(result.rises.map((r) => `${r.row}.${r.figure}`)).to.deep.equal([
      "deployments.PKPNFT.deployGas",
      "deployments.PKPNFT.runtimeBytes",
    ]);
  });

  it("passes a lower figure with a note to update the snapshot", () => {
    const current = snapshot();
    current.operations["mintNext.secondMint"].ours = 129_000;
    const result = compareSnapshots(snapshot(), current);
    expect(result.ok).to.equal(true);
    expect(result.falls).to.deep.equal([
      {
        row: "operations.mintNext.secondMint",
        figure: "ours",
        committed: 129_413,
        current: 129_000,
      },
    ]);
    const lines = describeGate(result, "bench/gas.json");
    expect(lines[0]).to.equal(
      "note operations.mintNext.secondMint ours: committed 129,413, now 129,000 (-413)",
    );
    expect(lines.at(-1)).to.match(/^Gas gate passed\. Run `npm run bench:gas` and commit/);
  });

  it("fails when any figure rises, even if others fall", () => {
    const current = snapshot();
    current.operations["mintNext.secondMint"].ours = 100_000;
    current.operations["burn.onlyToken"].ours = 48_226;
    const result = compareSnapshots(snapshot(), current);
    expect(result.ok).to.equal(false);
    expect(result.rises.map((r) => r.row)).to.deep.equal(["operations.burn.onlyToken"]);
    expect(result.falls.map((r) => r.row)).to.deep.equal(["operations.mintNext.secondMint"]);
  });

  it("ignores Lit's figure, the goal and the label: only our figures are gated", () => {
    const current = snapshot();
    current.operations["burn.onlyToken"] = { label: "renamed", ours: 48_225, lit: 1, goal: 1 };
    expect(compareSnapshots(snapshot(), current).ok).to.equal(true);
  });

  it("fails when a committed row is no longer measured, and notes a new row", () => {
    const current = snapshot();
    delete current.operations["burn.onlyToken"];
    current.deployments.PKPHelper = { deployGas: 1, runtimeBytes: 1 };
    const result = compareSnapshots(snapshot(), current);
    expect(result.ok).to.equal(false);
    expect(result.missing).to.deep.equal(["operations.burn.onlyToken"]);
    expect(result.added).to.deep.equal(["deployments.PKPHelper"]);
    expect(describeGate(result, "bench/gas.json")).to.include(
      "FAIL operations.burn.onlyToken: in bench/gas.json but not measured by this run",
    );
  });
});

describe("gas snapshot file (bench/gas/snapshot.ts)", () => {
  it("writes keys in a fixed order whatever order the object was built in, and reads it back", () => {
    const built = snapshot();
    const shuffled: GasSnapshot = {
      deployments: { PKPNFT: { runtimeBytes: 9_733, deployGas: 2_246_617 } },
      operations: {
        "burn.onlyToken": { goal: 51_612, lit: 51_612, ours: 48_225, label: "burn" },
        "mintNext.secondMint": { goal: 155_000, ours: 129_413, label: "mintNext", lit: 181_967 },
      },
      environment: { ...built.environment },
    };
    const json = snapshotToJson(shuffled);
    expect(json).to.equal(snapshotToJson(built));
    expect(json.endsWith("}\n")).to.equal(true);
    expect(parseSnapshot(json, "x.json")).to.deep.equal(built);
  });

  it("refuses a snapshot whose figures are not integers, naming the file and the field", () => {
    const text = snapshotToJson(snapshot()).replace('"ours": 48225', '"ours": 48225.5');
    expect(() => parseSnapshot(text, "bench/gas.json"))
      .to.throw(SnapshotFormatError)
      .with.property("message")
      .that.matches(/bench\/gas\.json.*operations\.burn\.onlyToken\.ours.*npm run bench:gas/);
    expect(() => parseSnapshot("not json", "bench/gas.json")).to.throw(SnapshotFormatError);
  });

  it("the committed bench/gas.json has every row of the table and every contract", async () => {
    const file = path.join(__dirname, "..", "..", "bench", "gas.json");
    const committed = parseSnapshot(await fs.readFile(file, "utf8"), "bench/gas.json");
    expect(Object.keys(committed.operations)).to.deep.equal(OPERATION_ROWS.map((r) => r.key));
    expect(Object.keys(committed.deployments)).to.deep.equal([...CONTRACT_NAMES]);
    for (const row of OPERATION_ROWS) {
      expect(committed.operations[row.key], row.key).to.include({ lit: row.lit, goal: row.goal });
    }
  });
});
