import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ChainReader } from "../../src/oracle/chainView";
import { ExecutionHost } from "../../src/oracle/executionHost";
import { MemoryKeystore } from "../../src/oracle/keystore";
import { FatalHostError, type HostRequest } from "../../src/oracle/runtime";
import { expectRejection } from "../helpers/expectRejection";
import { KEY_TYPE_ECDSA, deployStack, mintTo, oracleContracts } from "../helpers/stack";

const DIGEST = ethers.keccak256(ethers.toUtf8Bytes("digest")) as `0x${string}`;
const CID_BYTES = `0x1220${"ab".repeat(32)}`;

describe("ExecutionHost", () => {
  async function executionHostFixture() {
    const stack = await deployStack();
    const keystore = new MemoryKeystore();
    const routed = await keystore.generate();
    const unrouted = await keystore.generate(); // held here, never registered on chain
    await (
      await stack.router.setRoutingDataBatch([routed.tokenId], [routed.publicKey], KEY_TYPE_ECDSA)
    ).wait();
    await mintTo(stack, stack.alice); // routed.tokenId now belongs to alice
    const chain = new ChainReader(oracleContracts(stack), ethers.provider);
    const host = async (authSigAddress?: string) =>
      new ExecutionHost({
        view: await chain.pin(),
        keystore,
        actionCidBytes: CID_BYTES,
        authSigAddress,
      });
    return { stack, routed, unrouted, host };
  }

  const sign = (publicKey: string): HostRequest => ({
    method: "signEcdsa",
    toSign: DIGEST,
    publicKey: publicKey as `0x${string}`,
    sigName: "sig",
  });

  it("signs for the owner once both checks, read in parallel, say yes", async function () {
    const { stack, routed, host } = await loadFixture(executionHostFixture);
    const signature = (await (await host(stack.alice.address)).call(sign(routed.publicKey))) as {
      signature: string;
    };
    expect(ethers.recoverAddress(DIGEST, signature.signature)).to.equal(
      ethers.computeAddress(routed.publicKey),
    );
  });

  it("refuses a held but unrouted PKP as UNKNOWN_PKP, even though it is also not permitted", async function () {
    const { unrouted, host } = await loadFixture(executionHostFixture);
    await expectRejection(
      (await host()).call(sign(unrouted.publicKey)),
      FatalHostError,
      "UNKNOWN_PKP",
    );
  });

  it("refuses a routed PKP the request may not use as NOT_PERMITTED", async function () {
    const { stack, routed, host } = await loadFixture(executionHostFixture);
    await expectRejection(
      (await host(stack.bob.address)).call(sign(routed.publicKey)),
      FatalHostError,
      "NOT_PERMITTED",
    );
  });
});
