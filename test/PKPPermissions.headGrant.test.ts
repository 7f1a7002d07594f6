import { expect } from "chai";
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { fakeCid } from "./helpers/keys";
import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_GOOGLE_JWT,
  mintGrantAndBurn,
  mintTo,
  Stack,
  stackWithPoolFixture,
} from "./helpers/stack";

// PKPPermissions keeps a PKP's first grant inside the PKP's head slot (scopes 0–127 inline, the
// rest in the overflow bitmap) and every later grant in a slot of its own (scopes 0–183 inline).
// These cases cross that boundary: the views must answer as if every grant were stored alike.

const CID = fakeCid("head-grant-a.js");
const OTHER_CID = fakeCid("head-grant-b.js");
const GENERIC = {
  authMethodType: AUTH_METHOD_GOOGLE_JWT,
  id: ethers.hexlify(ethers.concat([ethers.id("google:head-grant"), "0x01"])),
  userPubkey: "0x",
};

async function sent(tx: Promise<ContractTransactionResponse>): Promise<void> {
  await (await tx).wait();
}

/** Alice, Bob and Carol own one fresh PKP each; nothing is permitted yet. */
async function threePkpsFixture() {
  const stack = await stackWithPoolFixture();
  return {
    stack,
    aliceToken: await mintTo(stack, stack.alice),
    bobToken: await mintTo(stack, stack.bob),
    carolToken: await mintTo(stack, stack.carol),
  };
}

async function scopesOf(stack: Stack, tokenId: bigint, type: bigint, id: string, max: bigint) {
  const listed = await stack.permissions.getPermittedAuthMethodScopes(tokenId, type, id, max);
  return [...listed].flatMap((present, i) => (present ? [BigInt(i)] : []));
}

async function methodIdsOf(stack: Stack, tokenId: bigint): Promise<string[]> {
  return (await stack.permissions.getPermittedAuthMethods(tokenId)).map((m) => m.id);
}

describe("PKPPermissions head grant (a PKP's first grant, stored in its head slot)", () => {
  it("keeps scopes 127 and 128 of the first grant apart, and adds and removes each alone", async () => {
    const { stack, aliceToken } = await loadFixture(threePkpsFixture);
    const p = stack.permissions.connect(stack.alice);
    await sent(p.addPermittedAction(aliceToken, CID, [127n, 128n]));
    expect(await scopesOf(stack, aliceToken, AUTH_METHOD_ACTION, CID, 300n)).to.deep.equal([
      127n,
      128n,
    ]);
    await sent(p.removePermittedAuthMethodScope(aliceToken, AUTH_METHOD_ACTION, CID, 128n));
    expect(await scopesOf(stack, aliceToken, AUTH_METHOD_ACTION, CID, 300n)).to.deep.equal([127n]);
    await sent(p.addPermittedAuthMethodScope(aliceToken, AUTH_METHOD_ACTION, CID, 128n));
    await sent(p.removePermittedAuthMethodScope(aliceToken, AUTH_METHOD_ACTION, CID, 127n));
    expect(await scopesOf(stack, aliceToken, AUTH_METHOD_ACTION, CID, 300n)).to.deep.equal([128n]);
  });

  it("moves the last grant to the front with all its scopes when the first method is removed", async () => {
    const { stack, aliceToken } = await loadFixture(threePkpsFixture);
    const p = stack.permissions.connect(stack.alice);
    const genericScopes = [2n, 127n, 128n, 130n, 183n, 184n, 700n];
    await sent(p.addPermittedAction(aliceToken, CID, [1n]));
    await sent(p.addPermittedAction(aliceToken, OTHER_CID, [3n]));
    await sent(p.addPermittedAuthMethod(aliceToken, GENERIC, genericScopes));

    await sent(p.removePermittedAction(aliceToken, CID));

    expect(await methodIdsOf(stack, aliceToken)).to.deep.equal([GENERIC.id, OTHER_CID]);
    const genericScopesNow = () =>
      scopesOf(stack, aliceToken, GENERIC.authMethodType, GENERIC.id, 701n);
    expect(await genericScopesNow()).to.deep.equal(genericScopes);
    expect(await scopesOf(stack, aliceToken, AUTH_METHOD_ACTION, OTHER_CID, 701n)).to.deep.equal([
      3n,
    ]);
    // The moved scopes 128–183 can be removed and added again where they now live.
    await sent(
      p.removePermittedAuthMethodScope(aliceToken, GENERIC.authMethodType, GENERIC.id, 130n),
    );
    await sent(p.addPermittedAuthMethodScope(aliceToken, GENERIC.authMethodType, GENERIC.id, 150n));
    expect(await genericScopesNow()).to.deep.equal([2n, 127n, 128n, 150n, 183n, 184n, 700n]);

    // Removing the moved grant forgets all its scopes; the other grant moves into the head.
    await sent(p.removePermittedAuthMethod(aliceToken, GENERIC.authMethodType, GENERIC.id));
    expect(await methodIdsOf(stack, aliceToken)).to.deep.equal([OTHER_CID]);
    await sent(p.addPermittedAuthMethod(aliceToken, GENERIC, []));
    expect(await genericScopesNow()).to.deep.equal([]);
    expect(await scopesOf(stack, aliceToken, AUTH_METHOD_ACTION, OTHER_CID, 701n)).to.deep.equal([
      3n,
    ]);
  });

  it("frees the head for the next grant when a PKP's only method is removed", async () => {
    const { stack, aliceToken } = await loadFixture(threePkpsFixture);
    const p = stack.permissions.connect(stack.alice);
    await sent(p.addPermittedAction(aliceToken, CID, [1n, 200n]));
    await sent(p.removePermittedAction(aliceToken, CID));
    await sent(p.addPermittedAction(aliceToken, OTHER_CID, []));

    expect(await methodIdsOf(stack, aliceToken)).to.deep.equal([OTHER_CID]);
    expect(await stack.permissions.isPermittedAction(aliceToken, CID)).to.equal(false);
    expect(await scopesOf(stack, aliceToken, AUTH_METHOD_ACTION, OTHER_CID, 300n)).to.deep.equal(
      [],
    );
    await sent(p.addPermittedAction(aliceToken, CID, []));
    expect(await scopesOf(stack, aliceToken, AUTH_METHOD_ACTION, CID, 300n)).to.deep.equal([]);
  });

  it("keeps each PKP's place in a method's PKP list right, head grants and slot grants alike", async () => {
    const { stack, aliceToken, bobToken, carolToken } = await loadFixture(threePkpsFixture);
    const asAlice = stack.permissions.connect(stack.alice);
    const asBob = stack.permissions.connect(stack.bob);
    const asCarol = stack.permissions.connect(stack.carol);
    const holders = () => stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID);
    await sent(asAlice.addPermittedAction(aliceToken, CID, [1n])); // head grant
    await sent(asBob.addPermittedAction(bobToken, OTHER_CID, []));
    await sent(asBob.addPermittedAction(bobToken, CID, [1n])); // slot grant
    await sent(asCarol.addPermittedAction(carolToken, CID, [1n])); // head grant
    expect(await holders()).to.deep.equal([aliceToken, bobToken, carolToken]);

    // Carol's entry (a head grant) moves to the front, then Bob's (a slot grant) does.
    await sent(asAlice.removePermittedAction(aliceToken, CID));
    expect(await holders()).to.deep.equal([carolToken, bobToken]);
    await sent(asCarol.removePermittedAction(carolToken, CID));
    expect(await holders()).to.deep.equal([bobToken]);
    await sent(asBob.removePermittedAction(bobToken, CID));
    expect(await holders()).to.deep.equal([]);
    expect(await stack.permissions.isPermittedAction(bobToken, OTHER_CID)).to.equal(true);
  });

  it("moves a burned PKP's entry (its grant from mintGrantAndBurnNext) without changing its grant", async () => {
    const { stack, aliceToken, carolToken } = await loadFixture(threePkpsFixture);
    const asAlice = stack.permissions.connect(stack.alice);
    const asCarol = stack.permissions.connect(stack.carol);
    await sent(asAlice.addPermittedAction(aliceToken, CID, []));
    const { tokenId: burned } = await mintGrantAndBurn(stack, stack.bob, CID);
    await sent(asCarol.addPermittedAction(carolToken, CID, []));

    await sent(asAlice.removePermittedAction(aliceToken, CID));
    expect(await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID)).to.deep.equal(
      [carolToken, burned],
    );
    expect(await stack.permissions.isPermittedAction(burned, CID)).to.equal(true);
    expect(await scopesOf(stack, burned, AUTH_METHOD_ACTION, CID, 8n)).to.deep.equal([1n]);
    // Carol's removal moves the burned PKP's entry to the front: its stored place must follow.
    await sent(asCarol.removePermittedAction(carolToken, CID));
    expect(await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID)).to.deep.equal(
      [burned],
    );
    await sent(asAlice.addPermittedAction(aliceToken, CID, []));
    await sent(asAlice.removePermittedAction(aliceToken, CID));
    expect(await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID)).to.deep.equal(
      [burned],
    );
  });
});
