import { expect } from "chai";
import hre from "hardhat";
import { ArtifactNotFoundError, ArtifactsDirectory } from "../../src/contractArtifacts";
import { contractArtifacts } from "../../tasks/project";
import { expectRejection } from "../helpers/expectRejection";

describe("tasks/project: the artifacts the pkp:* tasks deploy and verify from, in a checkout", function () {
  it("reads the checkout's own compilation (Hardhat's artifacts folder), as hre.artifacts does", async function () {
    const artifacts = contractArtifacts(hre);
    expect(artifacts).to.be.instanceOf(ArtifactsDirectory);
    expect((artifacts as ArtifactsDirectory).dir).to.equal(hre.config.paths.artifacts);
    expect(await artifacts.readArtifact("contracts/PKPNFT.sol:PKPNFT")).to.deep.equal(
      await hre.artifacts.readArtifact("contracts/PKPNFT.sol:PKPNFT"),
    );
  });

  it("reads a build info once for all the contracts compiled with it", async function () {
    const artifacts = contractArtifacts(hre);
    const first = await artifacts.getBuildInfo("contracts/PKPNFT.sol:PKPNFT");
    expect(first?.id).to.equal(
      (await hre.artifacts.getBuildInfo("contracts/PKPNFT.sol:PKPNFT"))?.id,
    );
    expect(await artifacts.getBuildInfo("contracts/PubkeyRouter.sol:PubkeyRouter")).to.equal(first);
  });

  it("tells the user to compile when an artifact is missing (ARTIFACT_NOT_FOUND)", async function () {
    const error = await expectRejection(
      contractArtifacts(hre).readArtifact("NoSuchContract"),
      ArtifactNotFoundError,
    );
    expect(error.code).to.equal("ARTIFACT_NOT_FOUND");
    expect(error.message).to.include("npx hardhat compile");
    expect(error.message).to.not.include("npm pack");
  });
});
