/**
 * Proofs of actions that fetch: the outcome's recordings go into the bundle, the verifier's
 * reproduction replays them (the API can be gone), and a bundle without them — or with edited
 * ones — fails with a reason that says so.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { cidOfCode, cidToBytes } from "../../src/cid";
import { ActionRuntime } from "../../src/oracle/runtime";
import {
  ProofBundleError,
  buildProofBundle,
  findMintTransaction,
  loadCompiledContracts,
  parseProofBundle,
  renderReport,
  verifyProof,
  type ProofBundle,
  type ProofContracts,
} from "../../src/proof";
import { ReplayWorld, replayChains } from "../../src/proof/replayWorld";
import { ReplayMismatchError } from "../../src/oracle/world";
import { expectRejection } from "../helpers/expectRejection";
import { mintGrantAndBurn } from "../helpers/stack";
import { json, startTestServer } from "../helpers/testServer";
import { deployOracleStack } from "../helpers/oracleStack";

const ACTION = path.join(__dirname, "..", "..", "actions", "examples", "signIfPriceAbove.js");

describe("proofs of actions that fetch: recordings and replay", function () {
  const runtime = new ActionRuntime({ poolSize: 1 });
  after(() => runtime.close());

  async function fetchProofFixture() {
    const api = await startTestServer({ "/price": json({ asset: "ETH", price: 3100 }) });
    const { stack, oracle, chainId } = await deployOracleStack(runtime, 4, {
      fetch: { allow: [api.origin] },
    });
    const code = await readFile(ACTION, "utf8");
    const ipfsId = await cidOfCode(code);
    const { tokenId } = await mintGrantAndBurn(stack, stack.alice, cidToBytes(ipfsId));
    const publicKey = await stack.router.getPubkey(tokenId);
    const jsParams = { publicKey, url: `${api.origin}/price?asset=ETH`, threshold: 3000 };
    const result = await oracle.execute({ code, jsParams });
    await api.close(); // the verifier never reaches the API: it replays what was recorded
    if (!result.success) throw new Error(`${result.error.code}: ${result.error.message}`);
    const block = async (contract: { getAddress(): Promise<string> }) => ({
      address: await contract.getAddress(),
      deployedBlock: 0,
    });
    const contracts: ProofContracts = {
      PubkeyRouter: await block(stack.router),
      PKPNFTMetadata: await block(stack.metadata),
      PKPNFT: await block(stack.pkpNft),
      PKPPermissions: await block(stack.permissions),
      PKPHelper: await block(stack.helper),
    };
    const mintTxHash = await findMintTransaction({
      provider: ethers.provider,
      pkpNft: contracts.PKPNFT,
      tokenId,
    });
    const bundle = buildProofBundle({
      chainId,
      contracts,
      tokenId,
      publicKey,
      code,
      ipfsId,
      mintTxHash,
      jsParams,
      result,
    });
    const compiled = await loadCompiledContracts(hre.artifacts);
    const reproduce = async (b: ProofBundle) => {
      const report = await verifyProof(b, {
        provider: ethers.provider,
        compiled,
        reexecute: true,
        runtime,
      });
      const reproduction = report.checks.find((c) => c.id === "reproduction");
      if (reproduction === undefined) throw new Error("no reproduction check");
      return { report, reproduction };
    };
    return { bundle, reproduce };
  }

  const copy = (bundle: ProofBundle): ProofBundle =>
    JSON.parse(JSON.stringify(bundle)) as ProofBundle;

  it("keeps the fetch response in the bundle and reproduces the signature by replaying it (API gone)", async function () {
    const { bundle, reproduce } = await loadFixture(fetchProofFixture);
    expect(bundle.execution.recordings).to.have.length(1);
    const parsed = parseProofBundle(JSON.parse(JSON.stringify(bundle)));
    expect(parsed.execution.recordings).to.deep.equal(bundle.execution.recordings);
    const { report, reproduction } = await reproduce(parsed);
    expect(reproduction.status, renderReport(report)).to.equal("pass");
    expect(reproduction.evidence.join("\n")).to.match(/replays the 1 recorded response/);
  });

  it("fails reproduction with a clear reason when the bundle lacks the recordings of its fetches", async function () {
    const { bundle, reproduce } = await loadFixture(fetchProofFixture);
    const stripped = copy(bundle);
    delete stripped.execution.recordings;
    const { reproduction } = await reproduce(stripped);
    expect(reproduction.status).to.equal("fail");
    expect(reproduction.summary).to.match(
      /NOT_REPRODUCIBLE: the action asked for GET http:\/\/127\.0\.0\.1:\d+\/price\?asset=ETH \(request #1\), but the bundle records no responses/,
    );
  });

  it("refuses a bundle whose recorded body was edited (schema), and replays a consistent edit as a different answer", async function () {
    const { bundle, reproduce } = await loadFixture(fetchProofFixture);
    const edited = copy(bundle);
    const record = edited.execution.recordings?.[0];
    if (record?.kind !== "fetch" || !("response" in record)) throw new Error("no fetch record");
    record.response.body = Buffer.from(JSON.stringify({ asset: "ETH", price: 9999 })).toString(
      "base64",
    );
    expect(() => parseProofBundle(JSON.parse(JSON.stringify(edited)))).to.throw(
      ProofBundleError,
      /execution\.recordings\[0\]\.response\.body/,
    );
    // Even with hashes recomputed, the action then says something else than the bundle records.
    const { sha256Hex } = await import("../../src/oracle/recordings");
    const body = Buffer.from(record.response.body, "base64");
    record.response.bodyHash = sha256Hex(body);
    record.response.bodyBytes = body.length;
    const { reproduction } = await reproduce(parseProofBundle(JSON.parse(JSON.stringify(edited))));
    expect(reproduction.status).to.equal("fail");
    expect(reproduction.summary).to.match(/asks to sign .* but the bundle records/);
  });

  it("replays in request order and names the first request that differs", async function () {
    const world = new ReplayWorld([
      { kind: "rpc", chain: "localhost", method: "eth_chainId", params: [], result: "0x7a69" },
    ]);
    expect(await world.rpc("localhost", "eth_chainId", [])).to.deep.equal({ result: "0x7a69" });
    const missing = await expectRejection(
      world.rpc("localhost", "eth_blockNumber", []),
      ReplayMismatchError,
      "NOT_REPRODUCIBLE",
    );
    expect(missing.message).to.match(
      /eth_blockNumber on localhost \(request #2\), but the bundle records only 1/,
    );
    const other = new ReplayWorld([
      { kind: "rpc", chain: "localhost", method: "eth_chainId", params: [], result: "0x1" },
    ]);
    const mismatch = await expectRejection(
      other.fetch({ url: "https://x.example/", method: "GET", headers: [], redirect: "follow" }),
      ReplayMismatchError,
    );
    expect(mismatch.message).to.match(
      /asked for GET https:\/\/x\.example\/, but the bundle's next recording is eth_chainId on localhost/,
    );
  });

  it("answers a read of the pinned block with the oracle's pinned read (another block hash), nothing else", async function () {
    const read = (block: unknown) => ["0x00000000000000000000000000000000000000aa", block];
    const recorded = {
      kind: "rpc" as const,
      chain: "localhost",
      method: "eth_getTransactionCount",
      params: read({ blockHash: `0x${"11".repeat(32)}` }),
      result: "0x5",
    };
    const world = new ReplayWorld([recorded]);
    expect(
      await world.rpc(
        "localhost",
        "eth_getTransactionCount",
        read({ blockHash: `0x${"22".repeat(32)}` }),
      ),
    ).to.deep.equal({ result: "0x5" });
    await expectRejection(
      new ReplayWorld([recorded]).rpc("localhost", "eth_getTransactionCount", read("latest")),
      ReplayMismatchError,
      "NOT_REPRODUCIBLE",
    );
  });

  it("knows the chains the recordings name: the own chain where it was read at the pinned block", function () {
    const chains = replayChains(31337n, [
      {
        kind: "rpc",
        chain: "hardhat",
        method: "eth_getBalance",
        params: ["0x01", { blockHash: "0x02" }],
        result: "0x0",
      },
      { kind: "rpc", chain: "sepolia", method: "eth_blockNumber", params: [], result: "0x1" },
      { kind: "rpc", chain: "localhost", method: "eth_chainId", params: [], result: "0x7a69" },
    ]);
    expect(chains.isOwn("localhost")).to.equal(true);
    expect(chains.isOwn("31337")).to.equal(true);
    expect(chains.isOwn("hardhat")).to.equal(true);
    expect(chains.isOwn("sepolia")).to.equal(false);
    expect(chains.rpcUrl("sepolia")).to.equal("http://oracle-rpc.invalid/sepolia");
    expect(chains.has("mainnet")).to.equal(false);
  });
});
