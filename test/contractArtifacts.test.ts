import { expect } from "chai";
import * as path from "node:path";
import hre from "hardhat";
import {
  ArtifactNotFoundError,
  ArtifactsDirectory,
  fullyQualifiedName,
} from "../src/contractArtifacts";
import { PACKAGE_ARTIFACTS_DIR, PACKAGE_ROOT, RUNS_FROM_SOURCE } from "../src/packageLayout";
import { loadCompiledContracts } from "../src/proof";
import { PROJECT_ROOT } from "./helpers/hardhatNode";
import { expectRejection } from "./helpers/expectRejection";

describe("ArtifactsDirectory: the contracts' artifacts in Hardhat's layout (the package's copy)", function () {
  const artifacts = new ArtifactsDirectory(path.join(PROJECT_ROOT, "artifacts"));

  it("reads what hre.artifacts reads, by plain or fully qualified name", async function () {
    const expected = await hre.artifacts.readArtifact("contracts/PKPNFT.sol:PKPNFT");
    expect(await artifacts.readArtifact("PKPNFT")).to.deep.equal(expected);
    expect(await artifacts.readArtifact("contracts/PKPNFT.sol:PKPNFT")).to.deep.equal(expected);
    const buildInfo = await artifacts.getBuildInfo("PKPPermissions");
    expect(buildInfo?.id).to.equal(
      (await hre.artifacts.getBuildInfo("contracts/PKPPermissions.sol:PKPPermissions"))?.id,
    );
    // One build info read once for every contract compiled with it.
    expect(await artifacts.getBuildInfo("PKPNFT")).to.equal(buildInfo);
  });

  it("gives the verifier the same compiled contracts as hre.artifacts", async function () {
    expect(await loadCompiledContracts(artifacts)).to.deep.equal(
      await loadCompiledContracts(hre.artifacts),
    );
  });

  it("refuses a contract it does not have with ARTIFACT_NOT_FOUND", async function () {
    const error = await expectRejection(
      artifacts.readArtifact("NoSuchContract"),
      ArtifactNotFoundError,
    );
    expect(error.code).to.equal("ARTIFACT_NOT_FOUND");
    expect(error.message).to.include("NoSuchContract");
    await expectRejection(artifacts.getBuildInfo("NoSuchContract"), ArtifactNotFoundError);
  });

  it("names a contract of this repository contracts/<Name>.sol:<Name>", function () {
    expect(fullyQualifiedName("PKPHelper")).to.equal("contracts/PKPHelper.sol:PKPHelper");
    expect(fullyQualifiedName("a/B.sol:C")).to.equal("a/B.sol:C");
  });

  it("runs from sources here: the package root is the checkout, its artifacts are Hardhat's", function () {
    expect(RUNS_FROM_SOURCE).to.equal(true);
    expect(PACKAGE_ROOT).to.equal(PROJECT_ROOT);
    expect(PACKAGE_ARTIFACTS_DIR).to.equal(path.join(PROJECT_ROOT, "artifacts"));
  });
});
