/**
 * Claimed keys end to end (issue 13, LIT-AUTH.md B): the oracle's claims — Lit.Actions.claimKey
 * over /execute and POST /pkp/claim for a login — routed by the REAL PubkeyRouter and minted by
 * the REAL PKPNFT.claimAndMint and PKPHelper.claimAndMintNextAndAddAuthMethods; the minted PKP is
 * the claimed key, and the oracle then signs with it for the login the PKP permits, only for it.
 * test/oracle/auth/claims.test.ts covers the oracle's side alone (refusals, rate, persistence),
 * test/PKPNFT.claimAndMint.test.ts the contract's (every revert).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  CLAIM_KEY_PURPOSE,
  derivedKeyIdOfAction,
  type ClaimSignature,
} from "../../../src/oracle/auth/claims";
import { cidOfCode } from "../../../src/cid";
import { authMethodIdOf } from "../../../src/oracle/auth/authMethodId";
import { startOracleServer, type OracleServer } from "../../../src/oracle/http/server";
import { ActionRuntime } from "../../../src/oracle/runtime";
import type { ClaimSuccess, ExecuteSuccess } from "../../../src/oracle/oracle";
import { postJson, refusalOf, type HttpAnswer } from "../http/client";
import { KeyStatus } from "../../helpers/routerHelpers";
import {
  AUTH_METHOD_ADDRESS,
  AUTH_METHOD_GOOGLE_JWT,
  KEY_TYPE_ECDSA,
  SCOPE_SIGN_ANYTHING,
} from "../../helpers/stack";
import { APP, DIGEST, googleAuthMethod, walletWorld, type WalletWorld } from "../../helpers/wallet";

/** claimAndMint's 4th argument: accepted and ignored (datil's ABI). */
const STAKING = "0x000000000000000000000000000000000000beef";
const KEY_ID = "alice@example.com";

const CLAIM_ACTION = `(async () => {
  const result = await Lit.Actions.claimKey({ keyId: jsParams.keyId });
  Lit.Actions.setResponse({ response: result });
})();`;

/** One claim as the contracts take it (0x-prefixed derivedKeyId). */
interface MintableClaim {
  derivedKeyId: string;
  signatures: ClaimSignature[];
}

interface ClaimAndMintWorld extends WalletWorld {
  url: string;
  /** The oracle's key-provider account: routes derived keys and signs claims. */
  validator: HardhatEthersSigner;
  outsider: HardhatEthersSigner;
  /** Lit.Actions.claimKey({ keyId: KEY_ID }) over POST /execute. */
  actionClaim: MintableClaim;
  /** POST /pkp/claim for dora's login (derivedKeyId = its auth method id). */
  loginClaim: MintableClaim & { pubkey: string; idToken: string; authMethodId: string };
}

describe("claimed keys end to end: the oracle's claims minted by the real contracts", () => {
  const runtime = new ActionRuntime({ poolSize: 1 });
  let server: OracleServer | undefined;
  after(async () => {
    await server?.close();
    await runtime.close();
  });

  async function claimAndMintFixture(): Promise<ClaimAndMintWorld> {
    const [, , , , , validator, outsider] = await ethers.getSigners();
    const world = await walletWorld(runtime, (stack) => ({
      claims: { router: stack.router.connect(validator), validator },
    }));
    await (await world.stack.router.grantKeyProvider(validator)).wait();
    // One server for the suite: the fixture runs once, later tests revert to its snapshot.
    server ??= await startOracleServer({ oracle: world.oracle, port: 0 });
    const url = server.url;

    const executed = await postJson(url, "/execute", {
      code: CLAIM_ACTION,
      jsParams: { keyId: KEY_ID },
    });
    expect(executed.status, executed.text).to.equal(200);
    const litClaim = (executed.json as ExecuteSuccess).claims?.[KEY_ID];
    if (litClaim === undefined) throw new Error(`no claim in ${executed.text}`);

    const idToken = await world.issuer.mint({ sub: "dora", aud: APP });
    const claimed = await postJson(url, "/pkp/claim", { authMethod: googleAuthMethod(idToken) });
    expect(claimed.status, claimed.text).to.equal(200);
    const login = claimed.json as ClaimSuccess;
    return {
      ...world,
      url,
      validator,
      outsider,
      actionClaim: { derivedKeyId: `0x${litClaim.derivedKeyId}`, signatures: litClaim.signatures },
      loginClaim: {
        derivedKeyId: `0x${login.claimedKeyId}`,
        signatures: login.signatures,
        pubkey: login.pubkey,
        idToken,
        authMethodId: authMethodIdOf("dora", APP),
      },
    };
  }

  /** The login's claim through the helper: its auth method at scope 1, the PKP owning itself. */
  async function mintLoginWithHelper(world: ClaimAndMintWorld, payer: HardhatEthersSigner) {
    const { stack, loginClaim } = world;
    const tx = stack.helper.connect(payer).claimAndMintNextAndAddAuthMethods(
      {
        keyType: KEY_TYPE_ECDSA,
        derivedKeyId: loginClaim.derivedKeyId,
        signatures: loginClaim.signatures,
      },
      {
        keyType: KEY_TYPE_ECDSA,
        permittedIpfsCIDs: [],
        permittedIpfsCIDScopes: [],
        permittedAddresses: [],
        permittedAddressScopes: [],
        permittedAuthMethodTypes: [AUTH_METHOD_GOOGLE_JWT],
        permittedAuthMethodIds: [loginClaim.authMethodId],
        permittedAuthMethodPubkeys: ["0x"],
        permittedAuthMethodScopes: [[SCOPE_SIGN_ANYTHING]],
        addPkpEthAddressAsPermittedAddress: true,
        sendPkpToItself: true,
      },
      { value: await stack.pkpNft.mintCost() },
    );
    const tokenId = BigInt(ethers.keccak256(loginClaim.pubkey));
    return { tx, tokenId, ethAddress: ethers.computeAddress(loginClaim.pubkey) };
  }

  function signAs(world: ClaimAndMintWorld, pubKey: string, idToken: string): Promise<HttpAnswer> {
    return postJson(world.url, "/pkp/sign", {
      pubKey,
      toSign: DIGEST,
      authMethods: [googleAuthMethod(idToken)],
    });
  }

  it("routes each claim on the real router before answering, signed by the key-provider account", async () => {
    const { stack, validator, actionClaim, loginClaim } = await loadFixture(claimAndMintFixture);
    expect(actionClaim.derivedKeyId).to.equal(
      derivedKeyIdOfAction(await cidOfCode(CLAIM_ACTION), KEY_ID),
    );
    expect(loginClaim.derivedKeyId).to.equal(loginClaim.authMethodId);
    const routed = await stack.router.queryFilter(stack.router.filters.PubkeyRoutingDataSet());
    const derived = routed.filter((event) => event.args.derivedKeyId !== ethers.ZeroHash);
    const loginTokenId = BigInt(ethers.keccak256(loginClaim.pubkey));
    expect(derived.map((event) => [...event.args])).to.deep.equal([
      [
        BigInt(ethers.keccak256(await actionPubkey(stack, actionClaim))),
        await actionPubkey(stack, actionClaim),
        ethers.ZeroAddress,
        KEY_TYPE_ECDSA,
        actionClaim.derivedKeyId,
      ],
      [
        loginTokenId,
        loginClaim.pubkey,
        ethers.ZeroAddress,
        KEY_TYPE_ECDSA,
        loginClaim.derivedKeyId,
      ],
    ]);
    expect(await stack.router.getDerivedPubkey(STAKING, loginClaim.derivedKeyId)).to.equal(
      loginClaim.pubkey,
    );
    expect(await stack.router.keyStatus(loginTokenId)).to.equal(KeyStatus.Claimable);
    for (const claim of [actionClaim, loginClaim]) {
      expect(claim.signatures).to.have.length(1);
      const recovered = ethers.verifyMessage(
        ethers.getBytes(claim.derivedKeyId),
        ethers.Signature.from(claim.signatures[0]),
      );
      expect(recovered).to.equal(validator.address);
    }
  });

  it("PKPNFT.claimAndMint(2, derivedKeyId, signatures, staking) mints an action's claim: the PKP is the claimed key", async () => {
    const { stack, keystore, actionClaim } = await loadFixture(claimAndMintFixture);
    // Lit's action claim carries no pubkey: the claimed key is the one the keystore derives.
    const derived = await keystore.deriveKey(
      CLAIM_KEY_PURPOSE,
      ethers.getBytes(actionClaim.derivedKeyId),
    );
    const pubkey = await actionPubkey(stack, actionClaim);
    expect(pubkey).to.equal(derived.publicKey);
    const tokenId = BigInt(ethers.keccak256(pubkey));
    const nft = stack.pkpNft.connect(stack.alice);
    const args = claimAndMintArgs(actionClaim);
    const value = await stack.pkpNft.mintCost();
    expect(await nft.claimAndMint.staticCall(...args, { value })).to.equal(tokenId);
    await expect(nft.claimAndMint(...args, { value }))
      .to.emit(stack.pkpNft, "PKPMinted")
      .withArgs(tokenId, pubkey)
      .and.to.emit(stack.pkpNft, "Transfer")
      .withArgs(ethers.ZeroAddress, stack.alice.address, tokenId);
    expect(await stack.pkpNft.getPubkey(tokenId)).to.equal(pubkey);
    expect(await stack.pkpNft.ownerOf(tokenId)).to.equal(stack.alice.address);
    expect(await stack.router.keyStatus(tokenId)).to.equal(KeyStatus.Minted);
    // The oracle holds the minted key: it derived and stored it when it answered the claim.
    expect(keystore.has(tokenId)).to.equal(true);
  });

  it("mints a claimed key once: a second claimAndMint reverts DerivedKeyAlreadyClaimed(id, tokenId)", async () => {
    const { stack, actionClaim } = await loadFixture(claimAndMintFixture);
    const tokenId = BigInt(ethers.keccak256(await actionPubkey(stack, actionClaim)));
    const args = claimAndMintArgs(actionClaim);
    const value = await stack.pkpNft.mintCost();
    await (await stack.pkpNft.connect(stack.alice).claimAndMint(...args, { value })).wait();
    await expect(stack.pkpNft.connect(stack.alice).claimAndMint(...args, { value }))
      .to.be.revertedWithCustomError(stack.router, "DerivedKeyAlreadyClaimed")
      .withArgs(actionClaim.derivedKeyId, tokenId);
  });

  it("does not bind the minter (docs/WALLET.md): whoever submits the claim's signatures first owns the PKP", async () => {
    const { stack, outsider, actionClaim } = await loadFixture(claimAndMintFixture);
    const tokenId = BigInt(ethers.keccak256(await actionPubkey(stack, actionClaim)));
    const args = claimAndMintArgs(actionClaim);
    const value = await stack.pkpNft.mintCost();
    await expect(stack.pkpNft.connect(outsider).claimAndMint(...args, { value }))
      .to.emit(stack.pkpNft, "Transfer")
      .withArgs(ethers.ZeroAddress, outsider.address, tokenId);
    await expect(stack.pkpNft.connect(stack.alice).claimAndMint(...args, { value }))
      .to.be.revertedWithCustomError(stack.router, "DerivedKeyAlreadyClaimed")
      .withArgs(actionClaim.derivedKeyId, tokenId);
    expect(await stack.pkpNft.ownerOf(tokenId)).to.equal(outsider.address);
  });

  it("does not bind the minter for a login either: its claim, copied from a helper call, mints to whoever sends it first", async () => {
    const world = await loadFixture(claimAndMintFixture);
    const { stack, outsider, loginClaim } = world;
    const tokenId = BigInt(ethers.keccak256(loginClaim.pubkey));
    const value = await stack.pkpNft.mintCost();
    await (
      await stack.pkpNft.connect(outsider).claimAndMint(...claimAndMintArgs(loginClaim), { value })
    ).wait();
    const { tx } = await mintLoginWithHelper(world, stack.alice);
    await expect(tx)
      .to.be.revertedWithCustomError(stack.router, "DerivedKeyAlreadyClaimed")
      .withArgs(loginClaim.derivedKeyId, tokenId);
    expect(await stack.pkpNft.ownerOf(tokenId)).to.equal(outsider.address);
    expect(
      await stack.permissions.getTokenIdsForAuthMethod(
        AUTH_METHOD_GOOGLE_JWT,
        loginClaim.authMethodId,
      ),
    ).to.deep.equal([]);
  });

  it("PKPHelper.claimAndMintNextAndAddAuthMethods mints a login's claim with its auth method at scope 1; the oracle then signs for that login", async () => {
    const world = await loadFixture(claimAndMintFixture);
    const { stack, loginClaim } = world;
    const { tx, tokenId, ethAddress } = await mintLoginWithHelper(world, world.outsider);
    await expect(tx)
      .to.emit(stack.pkpNft, "PKPMinted")
      .withArgs(tokenId, loginClaim.pubkey)
      .and.to.emit(stack.permissions, "PermittedAuthMethodAdded")
      .withArgs(tokenId, AUTH_METHOD_GOOGLE_JWT, loginClaim.authMethodId, "0x")
      .and.to.emit(stack.permissions, "PermittedAuthMethodScopeAdded")
      .withArgs(tokenId, AUTH_METHOD_GOOGLE_JWT, loginClaim.authMethodId, SCOPE_SIGN_ANYTHING)
      .and.to.emit(stack.pkpNft, "Transfer")
      .withArgs(await stack.helper.getAddress(), ethAddress, tokenId);
    expect(await stack.pkpNft.getPubkey(tokenId)).to.equal(loginClaim.pubkey);
    expect(await stack.pkpNft.ownerOf(tokenId)).to.equal(ethAddress);
    expect(
      await stack.permissions.getTokenIdsForAuthMethod(
        AUTH_METHOD_GOOGLE_JWT,
        loginClaim.authMethodId,
      ),
    ).to.deep.equal([tokenId]);
    expect(
      await stack.permissions.isPermittedAuthMethod(
        tokenId,
        AUTH_METHOD_ADDRESS,
        ethAddress.toLowerCase(),
      ),
    ).to.equal(true);

    const answer = await signAs(world, loginClaim.pubkey, loginClaim.idToken);
    expect(answer.status, answer.text).to.equal(200);
    const { signature } = answer.json as { signature: { signature: string; dataSigned: string } };
    expect(signature.dataSigned).to.equal(DIGEST);
    expect(ethers.recoverAddress(DIGEST, signature.signature)).to.equal(ethAddress);
  });

  it("refuses /pkp/sign with the claimed PKP for a login it does not permit: 403 NOT_PERMITTED", async () => {
    const world = await loadFixture(claimAndMintFixture);
    const { tx } = await mintLoginWithHelper(world, world.outsider);
    await (await tx).wait();
    const mallory = await world.issuer.mint({ sub: "mallory", aud: APP });
    const answer = await signAs(world, world.loginClaim.pubkey, mallory);
    expect([answer.status, refusalOf(answer).code]).to.deep.equal([403, "NOT_PERMITTED"]);
  });

  it("a claim alone permits nothing: before the mint, /pkp/sign for the claimed login is refused", async () => {
    const world = await loadFixture(claimAndMintFixture);
    const answer = await signAs(world, world.loginClaim.pubkey, world.loginClaim.idToken);
    expect([answer.status, refusalOf(answer).code]).to.deep.equal([403, "NOT_PERMITTED"]);
  });
});

/** PKPNFT.claimAndMint's arguments for a claim (datil's ABI: key type, id, signatures, staking). */
function claimAndMintArgs(claim: MintableClaim) {
  return [KEY_TYPE_ECDSA, claim.derivedKeyId, claim.signatures, STAKING] as const;
}

/** The key the router routes for an action's claim (Lit's action claim answers no pubkey). */
async function actionPubkey(stack: WalletWorld["stack"], claim: MintableClaim): Promise<string> {
  return stack.router.getDerivedPubkey(STAKING, claim.derivedKeyId);
}
