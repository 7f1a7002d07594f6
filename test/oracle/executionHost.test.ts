import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Chains } from "../../src/oracle/chains";
import { ChainReader } from "../../src/oracle/chainView";
import { ExecutionHost } from "../../src/oracle/executionHost";
import { DEFAULT_FETCH_LIMITS } from "../../src/oracle/fetch/policy";
import { HostFetcher } from "../../src/oracle/fetch/hostFetch";
import { LiveWorld } from "../../src/oracle/liveWorld";
import { MemoryActionStore } from "../../src/oracle/actionStore";
import { cidFromBytes } from "../../src/cid";
import { MemoryKeystore } from "../../src/oracle/keystore";
import { FatalHostError, type HostRequest } from "../../src/oracle/runtime";
import { expectRejection } from "../helpers/expectRejection";
import { KEY_TYPE_ECDSA, deployStack, mintTo, oracleContracts } from "../helpers/stack";

const DIGEST = ethers.keccak256(ethers.toUtf8Bytes("digest")) as `0x${string}`;
const CID = cidFromBytes(`0x1220${"ab".repeat(32)}`);
const CONTEXT = { ipfsId: CID, actionIpfsIdStack: [CID] };

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
    const chains = new Chains({ name: "hardhat", chainId: 31337n, rpc: ethers.provider });
    const fetcher = new HostFetcher({ allow: new Set(), limits: { ...DEFAULT_FETCH_LIMITS } });
    const host = async (authSigAddress?: string) =>
      new ExecutionHost({
        view: await chain.pin(),
        keystore,
        chainId: 31337n,
        caller: authSigAddress === undefined ? undefined : { address: authSigAddress },
        world: new LiveWorld(fetcher, chains, new MemoryActionStore()),
        chains,
        fetchLimits: { ...DEFAULT_FETCH_LIMITS },
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
    const signature = (await (
      await host(stack.alice.address)
    ).call(sign(routed.publicKey), CONTEXT)) as {
      signature: string;
    };
    expect(ethers.recoverAddress(DIGEST, signature.signature)).to.equal(
      ethers.computeAddress(routed.publicKey),
    );
  });

  it("refuses a held but unrouted PKP as UNKNOWN_PKP, even though it is also not permitted", async function () {
    const { unrouted, host } = await loadFixture(executionHostFixture);
    await expectRejection(
      (await host()).call(sign(unrouted.publicKey), CONTEXT),
      FatalHostError,
      "UNKNOWN_PKP",
    );
  });

  it("refuses a routed PKP the request may not use as NOT_PERMITTED", async function () {
    const { stack, routed, host } = await loadFixture(executionHostFixture);
    await expectRejection(
      (await host(stack.bob.address)).call(sign(routed.publicKey), CONTEXT),
      FatalHostError,
      "NOT_PERMITTED",
    );
  });
});
