/**
 * Lit's own contracts-sdk (7.4.0, ethers v5 inside) against our deployment on a `hardhat node`:
 * the stack is deployed with `pkp:deploy`, and everything after the key registration goes through
 * `LitContracts` with `network: 'custom'` and a `customContext` of our addresses (the SDK then uses
 * its bundled ABIs). See docs/DEPLOY.md, "Lit's contracts-sdk".
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet, computeAddress, keccak256 } from "ethers";
import type { LitContracts } from "@lit-protocol/contracts-sdk";
import { cidOfCode, cidToBytes } from "../src/cid";
import { loadDeployment, type DeploymentRecord, type PkpContracts } from "../src/deployments";
import { KEY_TYPE_ECDSA } from "../src/protocol";
import {
  HARDHAT_ACCOUNT_0,
  runHardhat,
  startHardhatNode,
  type HardhatNode,
} from "./helpers/hardhatNode";
import { testKeys, type TestKey } from "./helpers/keys";
import { makeTempDir } from "./helpers/tempDir";

/** Harmless stand-in for the contracts Lit's context requires but our stack has not. */
const UNUSED = "0x000000000000000000000000000000000000dEaD";

describe("Lit's contracts-sdk 7.4.0 against our deployment", function () {
  this.timeout(120_000);

  let node: HardhatNode;
  let dir: { path: string; remove(): Promise<void> };
  let provider: JsonRpcProvider;
  let record: DeploymentRecord;
  let ours: PkpContracts;
  let pool: TestKey[];
  let sdk: LitContracts;
  let cid: string;

  before(async function () {
    dir = await makeTempDir("pkp-sdk-");
    node = await startHardhatNode();
    const deployed = await runHardhat(
      ["pkp:deploy", "--network", "localhost", "--no-compile", "--deployments-dir", dir.path],
      { env: { HARDHAT_VAR_LOCALHOST_RPC_URL: node.url } },
    );
    expect(deployed.code, deployed.stdout + deployed.stderr).to.equal(0);

    // Setup through our own handles: the deployer is the key provider and fills the pool.
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    const deployer = new Wallet(HARDHAT_ACCOUNT_0.privateKey, provider);
    ({ record, contracts: ours } = await loadDeployment({
      network: "localhost",
      runner: deployer,
      dir: dir.path,
    }));
    pool = testKeys(3, "lit-sdk");
    await (
      await ours.pubkeyRouter.setRoutingDataBatch(
        pool.map((k) => k.tokenId),
        pool.map((k) => k.publicKey),
        KEY_TYPE_ECDSA,
      )
    ).wait();

    const at = (name: keyof DeploymentRecord["contracts"]) => ({
      address: record.contracts[name].address,
    });
    // The SDK logs a deprecation notice of its own when loaded; keep it out of the test output.
    const quiet = process.noDeprecation;
    process.noDeprecation = true;
    const { LitContracts } = await import("@lit-protocol/contracts-sdk");
    process.noDeprecation = quiet;
    sdk = new LitContracts({
      privateKey: HARDHAT_ACCOUNT_0.privateKey,
      rpc: node.url,
      network: "custom",
      customContext: {
        Allowlist: { address: UNUSED },
        LITToken: { address: UNUSED },
        Multisender: { address: UNUSED },
        PKPHelper: at("PKPHelper"),
        PKPNFT: at("PKPNFT"),
        PKPNFTMetadata: at("PKPNFTMetadata"),
        PKPPermissions: at("PKPPermissions"),
        PubkeyRouter: at("PubkeyRouter"),
        RateLimitNFT: { address: UNUSED },
        Staking: { address: UNUSED },
        StakingBalances: { address: UNUSED },
      },
    });
    await sdk.connect();
    cid = await cidOfCode("(async () => { LitActions.setResponse({ response: 'sdk' }); })();");
  });

  after(async function () {
    provider?.destroy();
    await node?.stop();
    await dir?.remove();
  });

  let tokenId: bigint;

  it("mints the oldest pool key with pkpNftContractUtils.write.mint(), and its answer agrees with the chain", async function () {
    const minted = await sdk.pkpNftContractUtils.write.mint();
    tokenId = BigInt(minted.tokenId as string);
    expect(tokenId).to.equal(pool[0].tokenId);
    expect(BigInt(minted.pkp.tokenId as string)).to.equal(tokenId);
    expect(`0x${minted.pkp.publicKey}`).to.equal(pool[0].publicKey);
    expect(minted.pkp.ethAddress).to.equal(pool[0].ethAddress);
    expect(await ours.pkpNft.ownerOf(tokenId)).to.equal(HARDHAT_ACCOUNT_0.address);
    expect(await ours.pkpNft.getPubkey(tokenId)).to.equal(pool[0].publicKey);
    expect(await ours.pkpNft.getEthAddress(tokenId)).to.equal(computeAddress(pool[0].publicKey));
    expect(BigInt(keccak256(await ours.pubkeyRouter.getPubkey(tokenId)))).to.equal(tokenId);
  });

  it("grants an action with addPermittedAction({ pkpTokenId, ipfsId, authMethodScopes: [1] })", async function () {
    const receipt = await sdk.addPermittedAction({
      pkpTokenId: tokenId.toString(),
      ipfsId: cid,
      authMethodScopes: [1],
    });
    expect(receipt.status).to.equal(1);
    expect(await ours.pkpPermissions.isPermittedAction(tokenId, cidToBytes(cid))).to.equal(true);
    expect(
      await ours.pkpPermissions.getPermittedAuthMethodScopes(tokenId, 2n, cidToBytes(cid), 3n),
    ).to.deep.equal([false, true, false]); // only scope 1 (SignAnything)
  });

  it("reads the grant back with isPermittedAction and getPermittedActions", async function () {
    const utils = sdk.pkpPermissionsContractUtils.read;
    expect(await utils.isPermittedAction(tokenId.toString(), cid)).to.equal(true);
    const actions = await utils.getPermittedActions(tokenId.toString());
    expect(actions).to.deep.equal([cidToBytes(cid)]);
    const other = await cidOfCode("another action");
    expect(await utils.isPermittedAction(tokenId.toString(), other)).to.equal(false);
  });

  it("adds and revokes an action with pkpPermissionsContractUtils.write (scopes [1])", async function () {
    const other = await cidOfCode("a second action");
    const write = sdk.pkpPermissionsContractUtils.write;
    await (await write.addPermittedAction(tokenId.toString(), other)).wait();
    expect(await ours.pkpPermissions.isPermittedAction(tokenId, cidToBytes(other))).to.equal(true);
    expect(
      await ours.pkpPermissions.isPermittedAuthMethodScopePresent(
        tokenId,
        2n,
        cidToBytes(other),
        1n,
      ),
    ).to.equal(true);
    await (await write.revokePermittedAction(tokenId.toString(), other)).wait();
    expect(await ours.pkpPermissions.isPermittedAction(tokenId, cidToBytes(other))).to.equal(false);
    expect(
      await sdk.pkpPermissionsContractUtils.read.getPermittedActions(tokenId.toString()),
    ).to.deep.equal([cidToBytes(cid)]);
  });

  it("adds an address and lists it with the SDK's address utilities", async function () {
    const friend = Wallet.createRandom().address;
    await (
      await sdk.pkpPermissionsContractUtils.write.addPermittedAddress(tokenId.toString(), friend)
    ).wait();
    const read = sdk.pkpPermissionsContractUtils.read;
    expect(await read.isPermittedAddress(tokenId.toString(), friend)).to.equal(true);
    expect(await read.getPermittedAddresses(tokenId.toString())).to.deep.equal([
      HARDHAT_ACCOUNT_0.address,
      friend,
    ]);
  });

  it("lists the owner's PKPs with getTokensByAddress (reads tokenOfOwnerByIndex until it reverts)", async function () {
    const second = await sdk.pkpNftContractUtils.write.mint();
    expect(BigInt(second.tokenId as string)).to.equal(pool[1].tokenId);
    const tokens = await sdk.pkpNftContractUtils.read.getTokensByAddress(HARDHAT_ACCOUNT_0.address);
    expect(tokens.map((t) => BigInt(t))).to.deep.equal([pool[0].tokenId, pool[1].tokenId]);
  });

  it("mints through PKPHelper.mintNextAndAddAuthMethods with the SDK's bundled PKPHelper ABI, token id in the first log", async function () {
    // What the SDK's mintWithAuth sends, minus its auth-method-id derivation (which needs Lit's
    // network): one action with scope 1, the PKP's own address permitted, sent to itself.
    const helper = sdk.pkpHelperContract.write;
    const value = await ours.pkpNft.mintCost();
    const tx = await helper.mintNextAndAddAuthMethods(
      2,
      [2],
      [cidToBytes(cid)],
      ["0x"],
      [[1]],
      true,
      true,
      { value: value.toString() },
    );
    const receipt = await tx.wait();
    const minted = BigInt(receipt.logs[0].topics[1]); // the SDK reads `events[0].topics[1]`
    expect(minted).to.equal(pool[2].tokenId);
    expect(await ours.pkpNft.ownerOf(minted)).to.equal(pool[2].ethAddress);
    expect(await ours.pkpPermissions.isPermittedAction(minted, cidToBytes(cid))).to.equal(true);
  });

  it("reads the PKP's public key through the SDK's PubkeyRouter handle", async function () {
    const pubkey = await sdk.pubkeyRouterContract.read.getPubkey(tokenId.toString());
    expect(pubkey).to.equal(pool[0].publicKey);
  });
});
