import { expect } from "chai";
import * as path from "node:path";
import { readProofBundle } from "../../src/proof";
import { PROJECT_ROOT, runHardhat, type CliResult } from "../helpers/hardhatNode";

describe("npm run demo (scripts/demo.ts)", function () {
  let demo: CliResult;

  before(async function () {
    demo = await runHardhat(["run", "--no-compile", "scripts/demo.ts"]);
  });

  it("exits 0 after verifying its own proof with every check, reproduction included", function () {
    expect(demo.code, demo.stdout + demo.stderr).to.equal(0);
    for (const title of [
      "contracts",
      "key",
      "code",
      "grants",
      "one transaction",
      "signatures",
      "reproduction",
    ]) {
      expect(demo.stdout).to.match(new RegExp(`^✓ ${title} `, "m"));
    }
    expect(demo.stdout).to.include("PROOF VERIFIED: all 7 checks passed");
  });

  it("signs 7919 and refuses 7918, saying why", function () {
    expect(demo.stdout).to.include('response    {"number":"7919","signed":true,"prime":true}');
    expect(demo.stdout).to.include("signatures  0 — not signed");
    expect(demo.stdout).to.include('"reason":"7918 is not prime"');
  });

  it("writes proofs/demo-prime-7919.json, a valid bundle of the 7919 signature", async function () {
    const bundle = await readProofBundle(path.join(PROJECT_ROOT, "proofs", "demo-prime-7919.json"));
    expect(bundle.execution.signatures.prime.dataSigned).to.equal(`0x${"00".repeat(30)}1eef`);
    expect(bundle.execution.jsParams.number).to.equal(7919);
  });
});
