/**
 * A stranger who permits, on their own PKP, an auth method that a burned PKP permits. The burned
 * PKP's grants and scopes cannot change; the user pubkey of an auth method, though, is one value
 * shared by every PKP (as in Lit), so for any type but WebAuthn the stranger's add rewrites the
 * pubkey that getPermittedAuthMethods shows for the burned PKP. Pinned here so that the threat
 * model (docs) can rely on exactly this: a burned PKP's (type, id, scopes) are frozen, a
 * non-WebAuthn user pubkey is not.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  AUTH_METHOD_GOOGLE_JWT,
  AUTH_METHOD_WEBAUTHN,
  mintTo,
  SCOPE_SIGN_ANYTHING,
  stackWithPoolFixture,
} from "../helpers/stack";

const GOOGLE_ID = ethers.id("google:shared-sub");
const WEBAUTHN_ID = ethers.id("webauthn:shared-credential");

describe("attack: re-granting a burned PKP's auth method on another PKP", () => {
  async function burnedWithSharedMethodsFixture() {
    const stack = await stackWithPoolFixture();
    const burned = await mintTo(stack, stack.alice);
    const own = await mintTo(stack, stack.stranger);
    const asAlice = stack.permissions.connect(stack.alice);
    await (
      await asAlice.addPermittedAuthMethod(
        burned,
        { authMethodType: AUTH_METHOD_GOOGLE_JWT, id: GOOGLE_ID, userPubkey: "0x01" },
        [SCOPE_SIGN_ANYTHING],
      )
    ).wait();
    await (
      await asAlice.addPermittedAuthMethod(
        burned,
        { authMethodType: AUTH_METHOD_WEBAUTHN, id: WEBAUTHN_ID, userPubkey: "0x04aa" },
        [SCOPE_SIGN_ANYTHING],
      )
    ).wait();
    await (await stack.pkpNft.connect(stack.alice).burn(burned)).wait();
    return { stack, burned, own, asStranger: stack.permissions.connect(stack.stranger) };
  }

  const methodsOf = async (stack: Awaited<ReturnType<typeof stackWithPoolFixture>>, id: bigint) =>
    (await stack.permissions.getPermittedAuthMethods(id)).map((m) => [
      m.authMethodType,
      m.id,
      m.userPubkey,
    ]);

  it("rewrites the Google user pubkey shown for the burned PKP, but not its grant or scopes", async () => {
    const { stack, burned, own, asStranger } = await loadFixture(burnedWithSharedMethodsFixture);
    await (
      await asStranger.addPermittedAuthMethod(
        own,
        { authMethodType: AUTH_METHOD_GOOGLE_JWT, id: GOOGLE_ID, userPubkey: "0x02" },
        [],
      )
    ).wait();
    expect(await methodsOf(stack, burned)).to.deep.equal([
      [AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID, "0x02"],
      [AUTH_METHOD_WEBAUTHN, WEBAUTHN_ID, "0x04aa"],
    ]);
    const scopes = await stack.permissions.getPermittedAuthMethodScopes(
      burned,
      AUTH_METHOD_GOOGLE_JWT,
      GOOGLE_ID,
      3n,
    );
    expect([...scopes]).to.deep.equal([false, true, false]);
    expect(
      await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID),
    ).to.deep.equal([burned, own]);
  });

  it("cannot replace the WebAuthn pubkey: UserPubkeyMismatch, nothing granted", async () => {
    const { stack, burned, own, asStranger } = await loadFixture(burnedWithSharedMethodsFixture);
    await expect(
      asStranger.addPermittedAuthMethod(
        own,
        { authMethodType: AUTH_METHOD_WEBAUTHN, id: WEBAUTHN_ID, userPubkey: "0x04bb" },
        [],
      ),
    )
      .to.be.revertedWithCustomError(stack.permissions, "UserPubkeyMismatch")
      .withArgs(AUTH_METHOD_WEBAUTHN, WEBAUTHN_ID);
    expect(await stack.permissions.isPermittedAuthMethod(own, AUTH_METHOD_WEBAUTHN, WEBAUTHN_ID)).to
      .be.false;
    expect(await methodsOf(stack, burned)).to.deep.equal([
      [AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID, "0x01"],
      [AUTH_METHOD_WEBAUTHN, WEBAUTHN_ID, "0x04aa"],
    ]);
  });

  it("removing the method from the stranger's own PKP leaves the burned PKP's grant", async () => {
    const { stack, burned, own, asStranger } = await loadFixture(burnedWithSharedMethodsFixture);
    await (
      await asStranger.addPermittedAuthMethod(
        own,
        { authMethodType: AUTH_METHOD_GOOGLE_JWT, id: GOOGLE_ID, userPubkey: "0x01" },
        [SCOPE_SIGN_ANYTHING],
      )
    ).wait();
    await (
      await asStranger.removePermittedAuthMethod(own, AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID)
    ).wait();
    expect(
      await stack.permissions.isPermittedAuthMethod(burned, AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID),
    ).to.equal(true);
    expect(
      await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID),
    ).to.deep.equal([burned]);
  });
});
