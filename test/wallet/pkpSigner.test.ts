/**
 * PkpSigner: an ethers v6 signer whose every signature is the oracle's /pkp/sign. A PKP whose only
 * auth method is a Google identity (self-owned: no wallet key anywhere) sends ETH and calls a
 * contract; messages and typed data verify; refusals carry the oracle's code.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { startOracleServer, type OracleServer } from "../../src/oracle/http/server";
import { ActionRuntime } from "../../src/oracle/runtime";
import { httpOracle, WalletError } from "../../src/wallet/oracleEndpoint";
import { PkpSigner } from "../../src/wallet/pkpSigner";
import { PkpSession } from "../../src/wallet/session";
import { expectRejection } from "../helpers/expectRejection";
import { authMethodIdOf } from "../../src/oracle/auth/authMethodId";
import { APP, googleAuthMethod, walletWorld } from "../helpers/wallet";

describe("PkpSigner", () => {
  const runtime = new ActionRuntime({ poolSize: 1 });
  let server: OracleServer | undefined;
  after(async () => {
    await server?.close();
    await runtime.close();
  });

  async function fixture() {
    const world = await walletWorld(runtime);
    const alice = await world.mintForLogin("alice"); // self-owned, Google only, scope 1
    await (
      await world.stack.deployer.sendTransaction({
        to: alice.ethAddress,
        value: ethers.parseEther("10"),
      })
    ).wait();
    server ??= await startOracleServer({ oracle: world.oracle, port: 0 });
    const signer = new PkpSigner(
      {
        pkpPublicKey: alice.publicKey,
        oracle: world.oracle,
        auth: { authMethods: [googleAuthMethod(alice.idToken)] },
      },
      ethers.provider,
    );
    return { ...world, alice, signer, url: server.url };
  }

  it("sends ETH and calls a contract from a PKP whose only auth method is a Google identity", async () => {
    const { stack, alice, signer } = await loadFixture(fixture);
    expect(await stack.pkpNft.ownerOf(alice.tokenId)).to.equal(alice.ethAddress);
    const permitted = await stack.permissions.getPermittedAuthMethods(alice.tokenId);
    expect(
      permitted.filter((m) => m.authMethodType !== 1n).map((m) => [m.authMethodType, m.id]),
    ).to.deep.equal([[6n, authMethodIdOf("alice", APP)]]);

    const bobBefore = await ethers.provider.getBalance(stack.bob.address);
    const sent = await signer.sendTransaction({
      to: stack.bob.address,
      value: ethers.parseEther("1"),
    });
    const receipt = await sent.wait();
    expect(receipt?.status).to.equal(1);
    expect(receipt?.from).to.equal(alice.ethAddress);
    expect(sent.type).to.equal(2); // EIP-1559
    expect((await ethers.provider.getBalance(stack.bob.address)) - bobBefore).to.equal(
      ethers.parseEther("1"),
    );

    // A contract call: the PKP, which owns itself, permits a recovery wallet on itself.
    const call = await stack.permissions
      .connect(signer)
      .addPermittedAddress(alice.tokenId, stack.carol.address, [1n]);
    const callReceipt = await call.wait();
    expect(callReceipt?.status).to.equal(1);
    expect(callReceipt?.from).to.equal(alice.ethAddress);
    await expect(call)
      .to.emit(stack.permissions, "PermittedAuthMethodAdded")
      .withArgs(alice.tokenId, 1n, stack.carol.address.toLowerCase(), "0x");
    expect(await stack.permissions.isPermittedAddress(alice.tokenId, stack.carol.address)).to.equal(
      true,
    );
  });

  it("sends a legacy (EIP-155) transaction over HTTP with a session", async () => {
    const { stack, alice, url } = await loadFixture(fixture);
    const oracle = httpOracle(url);
    const session = await PkpSession.open({
      oracle,
      provider: ethers.provider,
      pkpPublicKey: alice.publicKey,
      authMethods: [googleAuthMethod(alice.idToken)],
    });
    const signer = new PkpSigner(
      { pkpPublicKey: alice.publicKey, oracle, auth: { session } },
      ethers.provider,
    );
    const sent = await signer.sendTransaction({
      to: stack.bob.address,
      value: 1234n,
      type: 0,
      gasPrice: ethers.parseUnits("3", "gwei"),
    });
    const receipt = await sent.wait();
    expect([receipt?.status, receipt?.from, sent.type]).to.deep.equal([1, alice.ethAddress, 0]);
    expect(sent.chainId).to.equal(31337n);

    // Two sessionSigs made in the same millisecond are distinct (ed25519 is deterministic: the
    // same payload would be one sessionSig, refused as replayed with the second request's body).
    const realNow = Date.now;
    const frozen = realNow();
    let sigs: ReturnType<PkpSession["sessionSigs"]>[];
    try {
      Date.now = () => frozen;
      sigs = [session.sessionSigs(), session.sessionSigs()];
    } finally {
      Date.now = realNow;
    }
    expect(sigs[0].sig).to.not.equal(sigs[1].sig);
    const answers = await Promise.all(
      sigs.map((sessionSigs, i) =>
        oracle.pkpSign({
          pubKey: alice.publicKey,
          toSign: ethers.id(`digest ${i}`),
          sessionSigs,
        }),
      ),
    );
    expect(answers.map((a) => a.success)).to.deep.equal([true, true]);
  });

  it("signs messages (EIP-191) and typed data (EIP-712) that verify to the PKP's address", async () => {
    const { alice, signer } = await loadFixture(fixture);
    expect(await signer.getAddress()).to.equal(alice.ethAddress);
    const signature = await signer.signMessage("hello from a login");
    expect(ethers.verifyMessage("hello from a login", signature)).to.equal(alice.ethAddress);
    const domain = {
      name: "Mail",
      version: "1",
      chainId: 31337,
      verifyingContract: alice.ethAddress,
    };
    const types = { Mail: [{ name: "contents", type: "string" }] };
    const typed = await signer.signTypedData(domain, types, { contents: "hi" });
    expect(ethers.verifyTypedData(domain, types, { contents: "hi" }, typed)).to.equal(
      alice.ethAddress,
    );
  });

  it("throws ORACLE_REFUSED with the oracle's code for a login the PKP does not permit", async () => {
    const { issuer, oracle, alice } = await loadFixture(fixture);
    const mallory = await issuer.mint({ sub: "mallory", aud: APP });
    const signer = new PkpSigner({
      pkpPublicKey: alice.publicKey,
      oracle,
      auth: { authMethods: [googleAuthMethod(mallory)] },
    });
    const error = await expectRejection(signer.signMessage("x"), WalletError, "ORACLE_REFUSED");
    expect(error.oracleCode).to.equal("NOT_PERMITTED");
  });

  it("refuses a transaction from another address, and sendTransaction without a provider", async () => {
    const { stack, signer } = await loadFixture(fixture);
    await expectRejection(
      signer.signTransaction({ from: stack.bob.address, to: stack.bob.address, chainId: 31337n }),
      WalletError,
      "INVALID_ARGUMENT",
    );
    const detached = signer.connect(null);
    const failure = await expectRejection(
      detached.sendTransaction({ to: stack.bob.address }),
      Error,
    );
    expect(failure.message).to.match(/provider/i);
  });

  it("throws ORACLE_UNREACHABLE when the oracle does not answer", async () => {
    const { alice } = await loadFixture(fixture);
    const signer = new PkpSigner({
      pkpPublicKey: alice.publicKey,
      oracle: httpOracle("http://127.0.0.1:9", { timeoutMs: 2_000 }),
      auth: { authMethods: [googleAuthMethod(alice.idToken)] },
    });
    await expectRejection(signer.signMessage("x"), WalletError, "ORACLE_UNREACHABLE");
  });
});
