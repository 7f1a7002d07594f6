/**
 * Lit's auth method ids (LIT-AUTH.md A.1: `keccak256(utf8("<userId>:<appId>"))`; GoogleJwt:
 * userId = sub, appId = aud; EthWallet: userId = the authSig's address as given, appId = "lit"),
 * checked against vectors computed here from that derivation alone — @noble/hashes' keccak over
 * TextEncoder bytes, and literal hashes — never from the oracle's own code.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { keccak_256 } from "@noble/hashes/sha3";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AuthMethodVerifier } from "../../../src/oracle/auth/authMethods";
import { authMethodIdOf } from "../../../src/oracle/auth/authMethodId";
import { OidcVerifier } from "../../../src/oracle/auth/oidc";
import { createAuthSig, verifyAuthSig } from "../../../src/oracle/authSig";
import { ActionRuntime } from "../../../src/oracle/runtime";
import { createDevIssuer } from "../../../src/wallet/devIssuer";
import { APP, CHAIN_ID, DIGEST, googleAuthMethod, walletWorld } from "../../helpers/wallet";
import { mintTo } from "../../helpers/stack";

/** The derivation of LIT-AUTH.md A.1, written out here. */
function litId(userId: string, appId: string): string {
  return `0x${Buffer.from(keccak_256(new TextEncoder().encode(`${userId}:${appId}`))).toString("hex")}`;
}

/** Literal vectors (keccak-256 of the UTF-8 strings, computed once, outside this project). */
const VECTORS: Array<[string, string, string]> = [
  // Lit's relay client id with a Google-style numeric sub.
  [
    "117388519018232469532",
    "355007986731-llbjq5kbsg8ieb705mo64nfnh88dhlmn.apps.googleusercontent.com",
    "0x336b66ad15ee9a1bcd1c8fc22058880343b8f58da83c8355c28d7bd8848e6ab1",
  ],
  // EthWallet: the address's case is part of the id.
  [
    "0x9d1a5EC58232A894eBFcB5e466E3075b23101B89",
    "lit",
    "0x40cfbcdf980b06d29ca1110fc1b24b9d30b7509b0b8fea3c35f72e32f599750f",
  ],
  [
    "0x9d1a5ec58232a894ebfcb5e466e3075b23101b89",
    "lit",
    "0xe8e1363ef1183d699076b33e04624e92deaff371c046e6fca36589d848baa753",
  ],
  ["alice", "my-app", "0x8cb66dd8d6079d016c8a30def661373ff1aa392997ce4dc541ac67132cd2b040"],
];

describe("Lit's auth method ids", () => {
  const runtime = new ActionRuntime({ poolSize: 1 });
  after(() => runtime.close());

  it("match the literal vectors, and the derivation written out here", () => {
    for (const [userId, appId, id] of VECTORS) {
      expect(litId(userId, appId)).to.equal(id);
      expect(authMethodIdOf(userId, appId)).to.equal(id);
    }
  });

  it("GoogleJwt: the verified token's id is keccak(sub:aud)", async () => {
    const issuer = await createDevIssuer();
    const verifier = new AuthMethodVerifier(
      new OidcVerifier({ issuers: [issuer.oidcIssuer([VECTORS[0][1]])] }),
      () => {
        throw new Error("no authSigs here");
      },
    );
    const token = await issuer.mint({ sub: VECTORS[0][0], aud: VECTORS[0][1] });
    const verified = await verifier.verify(googleAuthMethod(token));
    expect(verified.id).to.equal(VECTORS[0][2]);
    expect([verified.userId, verified.appId]).to.deep.equal([VECTORS[0][0], VECTORS[0][1]]);
  });

  it("EthWallet: keccak(<address as the authSig gives it>:lit), in either case", async () => {
    const wallet = ethers.Wallet.createRandom();
    const authSig = await createAuthSig(wallet, { chainId: CHAIN_ID });
    const verifier = new AuthMethodVerifier(new OidcVerifier(), (a) =>
      verifyAuthSig(a, { chainId: CHAIN_ID }),
    );
    for (const address of [wallet.address, wallet.address.toLowerCase()]) {
      const accessToken = JSON.stringify({ ...authSig, address });
      const verified = await verifier.verify({ authMethodType: 1, accessToken });
      expect(verified.id).to.equal(litId(address, "lit"));
      expect(verified.address).to.equal(wallet.address);
    }
  });

  it("a PKP permitting the independently computed id signs for the token", async () => {
    async function fixture() {
      const world = await walletWorld(runtime);
      const tokenId = await mintTo(world.stack, world.stack.alice);
      await world.stack.permissions
        .connect(world.stack.alice)
        .addPermittedAuthMethod(
          tokenId,
          { authMethodType: 6n, id: litId("zoe", APP), userPubkey: "0x" },
          [1n],
        );
      return { ...world, publicKey: await world.stack.pkpNft.getPubkey(tokenId) };
    }
    const { oracle, issuer, publicKey } = await loadFixture(fixture);
    const token = await issuer.mint({ sub: "zoe", aud: APP });
    const result = await oracle.pkpSign({
      pubKey: publicKey,
      toSign: DIGEST,
      authMethods: [googleAuthMethod(token)],
    });
    expect(result.success, JSON.stringify(result)).to.equal(true);
  });
});
