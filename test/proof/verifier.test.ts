import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { cidOfCode, cidToBytes } from "../../src/cid";
import { ActionRuntime } from "../../src/oracle/runtime";
import {
  buildProofBundle,
  findMintTransaction,
  loadCompiledContracts,
  renderReport,
  reportToJson,
  verifyProof,
  type CheckId,
  type ProofBundle,
  type ProofContracts,
  type VerificationReport,
} from "../../src/proof";
import { NonReceiverMock__factory } from "../../typechain-types";
import { mintGrantAndBurn, mintTo } from "../helpers/stack";
import { deployOracleStack } from "../helpers/oracleStack";

const IS_PRIME = path.join(__dirname, "..", "..", "actions", "isPrime.js");
/** Signs a fixed digest, then answers with a random number: a non-deterministic action. */
const RANDOM_ACTION = `(async () => {
  await Lit.Actions.signEcdsa({ toSign: new Uint8Array(32).fill(7), publicKey, sigName: "sig" });
  Lit.Actions.setResponse({ response: String(Math.random()) });
})();`;

/** The block `address` got its code in (binary search over historical getCode). */
async function creationBlock(address: string): Promise<number> {
  let low = 0;
  let high = await ethers.provider.getBlockNumber();
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if ((await ethers.provider.getCode(address, mid)) === "0x") low = mid + 1;
    else high = mid;
  }
  return low;
}

async function proofContract(contract: { getAddress(): Promise<string> }) {
  const address = await contract.getAddress();
  return { address, deployedBlock: await creationBlock(address) };
}

function statusOf(report: VerificationReport): Record<CheckId, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status])) as Record<CheckId, string>;
}

function check(report: VerificationReport, id: CheckId) {
  const found = report.checks.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no ${id} check in the report`);
  return found;
}

/** Asserts that exactly `failing` failed (and names them in the failure message). */
function expectFailures(report: VerificationReport, failing: CheckId[]): void {
  const failed = report.checks.filter((c) => c.status === "fail").map((c) => c.id);
  expect(failed, renderReport(report)).to.have.members(failing);
  expect(report.ok).to.equal(false);
}

describe("verifyProof", function () {
  const runtime = new ActionRuntime({ poolSize: 1 });
  after(() => runtime.close());

  async function proofFixture() {
    const { stack, keystore, oracle, chainId } = await deployOracleStack(runtime, 8);
    const contracts: ProofContracts = {
      PubkeyRouter: await proofContract(stack.router),
      PKPNFTMetadata: await proofContract(stack.metadata),
      PKPNFT: await proofContract(stack.pkpNft),
      PKPPermissions: await proofContract(stack.permissions),
      PKPHelper: await proofContract(stack.helper),
    };
    const compiled = await loadCompiledContracts(hre.artifacts);
    const code = await readFile(IS_PRIME, "utf8");
    const ipfsId = await cidOfCode(code);
    const cid = cidToBytes(ipfsId);

    /** Runs `actionCode` with the PKP and bundles the result as pkp:execute does. */
    const bundleFor = async (
      tokenId: bigint,
      jsParams: Record<string, unknown> = { number: 7919 },
      actionCode = code,
    ): Promise<ProofBundle> => {
      const publicKey = await stack.router.getPubkey(tokenId);
      const params = { ...jsParams, publicKey };
      const result = await oracle.execute({ code: actionCode, jsParams: params });
      if (!result.success) throw new Error(`${result.error.code}: ${result.error.message}`);
      const mintTxHash = await findMintTransaction({
        provider: ethers.provider,
        pkpNft: contracts.PKPNFT,
        tokenId,
      });
      return buildProofBundle({
        chainId,
        contracts,
        tokenId,
        publicKey,
        code: actionCode,
        ipfsId: await cidOfCode(actionCode),
        mintTxHash,
        jsParams: params,
        result,
      });
    };
    const verify = (bundle: ProofBundle, reexecute = false) =>
      verifyProof(bundle, { provider: ethers.provider, compiled, reexecute, runtime });
    /** A PKP minted to alice normally, granted isPrime with scope 1, then `finish`ed. */
    const mintedByHand = async (finish: (tokenId: bigint) => Promise<void>) => {
      const tokenId = await mintTo(stack, stack.alice);
      await (
        await stack.permissions.connect(stack.alice).addPermittedAction(tokenId, cid, [1])
      ).wait();
      await finish(tokenId);
      return tokenId;
    };

    const { tokenId } = await mintGrantAndBurn(stack, stack.alice, cid);
    const genuine = await bundleFor(tokenId);
    return { stack, keystore, contracts, code, cid, genuine, bundleFor, verify, mintedByHand };
  }

  /** A deep copy to tamper with. */
  const copy = (bundle: ProofBundle): ProofBundle =>
    JSON.parse(JSON.stringify(bundle)) as ProofBundle;

  describe("a genuine mint/grant/burn proof", function () {
    it("passes every check, reproduction skipped without reexecute", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const report = await verify(genuine);
      expect(report.ok, renderReport(report)).to.equal(true);
      expect(statusOf(report)).to.deep.equal({
        contracts: "pass",
        key: "pass",
        code: "pass",
        grants: "pass",
        "one-transaction": "pass",
        signatures: "pass",
        reproduction: "skip",
      });
    });

    it("passes every check with reexecute, reproduction included", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const report = await verify(genuine, true);
      expect(report.ok, renderReport(report)).to.equal(true);
      expect(check(report, "reproduction").status).to.equal("pass");
    });

    it("shows its evidence: the mint tx, its log indexes and the masked code hashes", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const report = await verify(genuine);
      const oneTx = check(report, "one-transaction").evidence.join("\n");
      expect(oneTx).to.include(genuine.mintTxHash);
      for (const index of [0, 1, 2, 3, 4])
        expect(oneTx).to.match(new RegExp(`^log ${index}: `, "m"));
      expect(check(report, "contracts").evidence.join("\n")).to.match(
        /masked keccak256 0x[0-9a-f]{64}/,
      );
    });

    it("renders one ✓ line per check and the same data as JSON", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const report = await verify(genuine);
      const text = renderReport(report, { evidence: false });
      expect(text.split("\n").filter((line) => /^[✓✗–] /.test(line))).to.have.length(7);
      expect(text).to.match(/^✓ one transaction {2}/m);
      expect(text).to.match(/^– reproduction {5}/m);
      expect(text).to.include("PROOF VERIFIED");
      expect(JSON.parse(reportToJson(report))).to.deep.equal(JSON.parse(JSON.stringify(report)));
    });
  });

  describe("tampered bundles fail the right check", function () {
    it("other code under the same ipfsId fails code", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const bundle = copy(genuine);
      bundle.action.code = bundle.action.code.replace("n % d === 0n", "n % d === 1n");
      expectFailures(await verify(bundle), ["code"]);
    });

    it("another action with its own CID fails grants and one transaction", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const bundle = copy(genuine);
      bundle.action.code = RANDOM_ACTION;
      bundle.action.ipfsId = await cidOfCode(RANDOM_ACTION);
      expectFailures(await verify(bundle), ["grants", "one-transaction"]);
    });

    it("a PKP minted normally, then granted and burned in separate transactions fails one transaction", async function () {
      const { stack, bundleFor, verify, mintedByHand } = await loadFixture(proofFixture);
      const tokenId = await mintedByHand(async (id) => {
        await (await stack.pkpNft.connect(stack.alice).burn(id)).wait();
      });
      const report = await verify(await bundleFor(tokenId));
      expectFailures(report, ["one-transaction"]);
      const evidence = check(report, "one-transaction").summary;
      expect(evidence).to.match(/calls mintNext/);
      expect(evidence).to.match(/PermittedAuthMethodAdded in another transaction/);
    });

    it("a PKP with a second grant (an address) fails grants", async function () {
      const { stack, bundleFor, verify, mintedByHand } = await loadFixture(proofFixture);
      const tokenId = await mintedByHand(async (id) => {
        const permissions = stack.permissions.connect(stack.alice);
        await (await permissions.addPermittedAddress(id, stack.bob.address, [1])).wait();
        await (await stack.pkpNft.connect(stack.alice).burn(id)).wait();
      });
      const report = await verify(await bundleFor(tokenId));
      expect(check(report, "grants").status).to.equal("fail");
      expect(check(report, "grants").summary).to.include(stack.bob.address);
      expect(check(report, "one-transaction").status).to.equal("fail");
    });

    it("a PKP that is not burned fails grants", async function () {
      const { stack, bundleFor, verify, mintedByHand } = await loadFixture(proofFixture);
      const tokenId = await mintedByHand(async () => undefined);
      const report = await verify(await bundleFor(tokenId));
      expect(check(report, "grants").status).to.equal("fail");
      expect(check(report, "grants").summary).to.include(`owner ${stack.alice.address}`);
    });

    it("a PKPNFT address holding other bytecode fails contracts", async function () {
      const { stack, genuine, verify } = await loadFixture(proofFixture);
      const impostor = await new NonReceiverMock__factory(stack.deployer).deploy();
      await impostor.waitForDeployment();
      const bundle = copy(genuine);
      bundle.contracts.PKPNFT = await proofContract(impostor);
      const report = await verify(bundle);
      expect(check(report, "contracts").status).to.equal("fail");
      expect(check(report, "contracts").summary).to.match(
        /PKPNFT 0x[0-9a-fA-F]{40}: runtime code is not contracts\/PKPNFT\.sol:PKPNFT/,
      );
    });

    it("an altered signature fails signatures", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const bundle = copy(genuine);
      const signature = bundle.execution.signatures.prime;
      const s = BigInt(`0x${signature.s}`) - 1n;
      signature.s = s.toString(16).padStart(64, "0");
      signature.signature = `0x${signature.r}${signature.s}${signature.signature.slice(-2)}`;
      const report = await verify(bundle);
      expectFailures(report, ["signatures"]);
      expect(check(report, "signatures").summary).to.match(
        /recovers to 0x[0-9a-fA-F]{40}, not the PKP's/,
      );
    });

    it("r, s or recid that disagree with the packed signature fail signatures", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const bundle = copy(genuine);
      bundle.execution.signatures.prime.recid =
        bundle.execution.signatures.prime.recid === 0 ? 1 : 0;
      const report = await verify(bundle);
      expectFailures(report, ["signatures"]);
      expect(check(report, "signatures").summary).to.match(/recid . does not match v/);
    });

    it("a bundle without any signature fails signatures", async function () {
      const { stack, cid, bundleFor, verify } = await loadFixture(proofFixture);
      const { tokenId } = await mintGrantAndBurn(stack, stack.alice, cid);
      const report = await verify(await bundleFor(tokenId, { number: 7918 }));
      expectFailures(report, ["signatures"]);
    });

    it("a swapped public key fails key", async function () {
      const { genuine, keystore, verify } = await loadFixture(proofFixture);
      const bundle = copy(genuine);
      const other = keystore.list().find((k) => k.publicKey !== genuine.pkp.publicKey);
      if (other === undefined) throw new Error("no other key");
      bundle.pkp.publicKey = other.publicKey;
      const report = await verify(bundle);
      expect(check(report, "key").status).to.equal("fail");
      expect(check(report, "key").summary).to.include("not the tokenId");
    });

    it("an altered response passes without reexecute and fails reproduction with it", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const bundle = copy(genuine);
      bundle.execution.response = bundle.execution.response.replace('"7919"', '"7917"');
      expect((await verify(bundle)).ok).to.equal(true);
      const report = await verify(bundle, true);
      expectFailures(report, ["reproduction"]);
      expect(check(report, "reproduction").nondeterministic).to.equal(undefined);
      expect(check(report, "reproduction").summary).to.include("but the bundle records");
    });

    it("altered jsParams fail reproduction: the action asks for another digest", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const bundle = copy(genuine);
      bundle.execution.jsParams.number = 7907;
      const report = await verify(bundle, true);
      expectFailures(report, ["reproduction"]);
      expect(check(report, "reproduction").summary).to.match(/asks to sign prime: 0x0+1ee3/);
    });

    it("a non-deterministic action is reported as such under reexecute, not as a pass", async function () {
      const { stack, bundleFor, verify } = await loadFixture(proofFixture);
      const { tokenId } = await mintGrantAndBurn(
        stack,
        stack.alice,
        cidToBytes(await cidOfCode(RANDOM_ACTION)),
      );
      const bundle = await bundleFor(tokenId, {}, RANDOM_ACTION);
      expect((await verify(bundle)).ok).to.equal(true);
      const report = await verify(bundle, true);
      expectFailures(report, ["reproduction"]);
      expect(check(report, "reproduction").nondeterministic).to.equal(true);
      expect(check(report, "reproduction").summary).to.match(/^non-deterministic action/);
    });

    it("a creation block later than the real one fails contracts", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const bundle = copy(genuine);
      bundle.contracts.PKPPermissions.deployedBlock += 1;
      const report = await verify(bundle);
      expectFailures(report, ["contracts"]);
      expect(check(report, "contracts").summary).to.include(
        `PKPPermissions was not created in block ${bundle.contracts.PKPPermissions.deployedBlock}`,
      );
    });

    it("a bundle for another chain fails contracts", async function () {
      const { genuine, verify } = await loadFixture(proofFixture);
      const bundle = copy(genuine);
      bundle.chainId = 11155111;
      const report = await verify(bundle);
      expect(check(report, "contracts").status).to.equal("fail");
      expect(check(report, "contracts").summary).to.include("the bundle is for chain 11155111");
    });
  });
});
