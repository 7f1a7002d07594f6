import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { fakeCid, testKeys } from "./helpers/keys";
import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  AUTH_METHOD_GOOGLE_JWT,
  AUTH_METHOD_WEBAUTHN,
  mintGrantAndBurn,
  mintNextAs,
  mintTo,
  registerKeys,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
  Stack,
  stackWithPoolFixture,
} from "./helpers/stack";

// How PKPPermissions stores each auth method once (see the contract's storage notes): these
// cases reach the corners of that store through the public functions only — an action first
// seen through mintGrantAndBurnNext, records cleared and references handed back, address
// records in their data slot (the zero address included), reverse indexes past their inline
// entries, and auth method ids whose low 48 bits collide (open addressing).

const CID = fakeCid("method-store.js");
const GENERIC_ID = ethers.id("google:method-store");

function authMethod(authMethodType: bigint, id: string, userPubkey = "0x") {
  return { authMethodType, id, userPubkey };
}

async function sent(tx: Promise<{ wait(): Promise<unknown> }>): Promise<void> {
  await (await tx).wait();
}

/** Everything the views say about one auth method on one PKP, and its reverse index. */
async function viewOf(stack: Stack, tokenId: bigint, type: bigint, id: string) {
  const p = stack.permissions;
  return {
    permitted: await p.isPermittedAuthMethod(tokenId, type, id),
    scopes: [...(await p.getPermittedAuthMethodScopes(tokenId, type, id, 4n))],
    listed: (await p.getPermittedAuthMethods(tokenId)).map((m) => [m.authMethodType, m.id]),
    holders: [...(await p.getTokenIdsForAuthMethod(type, id))],
  };
}

/** Three fresh PKPs for alice, bob and carol, from a pool of 12 keys. */
async function pkpsFixture() {
  const stack = await stackWithPoolFixture();
  await registerKeys(stack.router, testKeys(12, "method-store"));
  return {
    stack,
    aliceToken: await mintTo(stack, stack.alice),
    bobToken: await mintTo(stack, stack.bob),
    carolToken: await mintTo(stack, stack.carol),
  };
}

describe("PKPPermissions method store", () => {
  describe("an action first granted by mintGrantAndBurnNext", () => {
    it("is listed for a PKP that grants it later, through the burned PKP's frozen grant", async () => {
      const { stack, bobToken } = await loadFixture(pkpsFixture);
      const { tokenId: frozen } = await mintGrantAndBurn(stack, stack.alice, CID);
      await sent(stack.permissions.connect(stack.bob).addPermittedAction(bobToken, CID, [2n]));
      expect(await viewOf(stack, bobToken, AUTH_METHOD_ACTION, CID)).to.deep.equal({
        permitted: true,
        scopes: [false, false, true, false],
        listed: [[AUTH_METHOD_ACTION, CID]],
        holders: [frozen, bobToken],
      });
      expect(await stack.permissions.getPermittedActions(bobToken)).to.deep.equal([CID]);
      expect(await viewOf(stack, frozen, AUTH_METHOD_ACTION, CID)).to.deep.equal({
        permitted: true,
        scopes: [false, true, false, false],
        listed: [[AUTH_METHOD_ACTION, CID]],
        holders: [frozen, bobToken],
      });
    });

    it("keeps a burned PKP's grant when a later holder's removal moves its index entry", async () => {
      const { stack, bobToken, carolToken } = await loadFixture(pkpsFixture);
      await sent(stack.permissions.connect(stack.bob).addPermittedAction(bobToken, CID, [1n]));
      const { tokenId: frozen } = await mintGrantAndBurn(stack, stack.alice, CID);
      await sent(stack.permissions.connect(stack.carol).addPermittedAction(carolToken, CID, []));
      // Bob's entry is first: removing it moves Carol's (the last) into its place.
      await sent(stack.permissions.connect(stack.bob).removePermittedAction(bobToken, CID));
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID),
      ).to.deep.equal([carolToken, frozen]);
      // Removing Carol's moves the burned PKP's entry: it has no grant slot to update.
      await sent(stack.permissions.connect(stack.carol).removePermittedAction(carolToken, CID));
      expect(await viewOf(stack, frozen, AUTH_METHOD_ACTION, CID)).to.deep.equal({
        permitted: true,
        scopes: [false, true, false, false],
        listed: [[AUTH_METHOD_ACTION, CID]],
        holders: [frozen],
      });
      expect(await viewOf(stack, carolToken, AUTH_METHOD_ACTION, CID)).to.deep.equal({
        permitted: false,
        scopes: [false, false, false, false],
        listed: [],
        holders: [frozen],
      });
    });

    it("gets a data slot on its first own grant when the burned PKP's key type exceeds 255", async () => {
      const { stack, bobToken } = await loadFixture(pkpsFixture);
      const keyType = 300n;
      const [key] = testKeys(1, "method-store-type-300");
      await registerKeys(stack.router, [key], keyType);
      const nft = stack.pkpNft.connect(stack.alice);
      await sent(nft.mintGrantAndBurnNext(keyType, CID, { value: 1n }));
      await sent(stack.permissions.connect(stack.bob).addPermittedAction(bobToken, CID, [1n]));
      expect(await stack.permissions.getPermittedActions(bobToken)).to.deep.equal([CID]);
      expect(await stack.permissions.getPermittedActions(key.tokenId)).to.deep.equal([CID]);
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID),
      ).to.deep.equal([key.tokenId, bobToken]);
    });

    it('replaces a stored user pubkey by the empty one, as any add of (2, cid, "") does', async () => {
      const { stack, bobToken } = await loadFixture(pkpsFixture);
      await sent(
        stack.permissions
          .connect(stack.bob)
          .addPermittedAuthMethod(bobToken, authMethod(AUTH_METHOD_ACTION, CID, "0x1234"), []),
      );
      expect(await stack.permissions.getUserPubkeyForAuthMethod(AUTH_METHOD_ACTION, CID)).to.equal(
        "0x1234",
      );
      await mintGrantAndBurn(stack, stack.alice, CID);
      expect(await stack.permissions.getUserPubkeyForAuthMethod(AUTH_METHOD_ACTION, CID)).to.equal(
        "0x",
      );
    });

    it("takes the grant from PKPNFT only: CallerNotPkpNft", async () => {
      const { stack } = await loadFixture(pkpsFixture);
      await expect(stack.permissions.connect(stack.alice).grantFrozenAction(1n, 1n, CID))
        .to.be.revertedWithCustomError(stack.permissions, "CallerNotPkpNft")
        .withArgs(stack.alice.address);
    });
  });

  describe("records cleared and references handed back", () => {
    for (const [name, type, id] of [
      ["an action", AUTH_METHOD_ACTION, CID],
      ["a generic auth method", AUTH_METHOD_GOOGLE_JWT, GENERIC_ID],
      ["a 32-byte 'address' id (stored generically)", AUTH_METHOD_ADDRESS, GENERIC_ID],
    ] as const) {
      it(`grants ${name} again after its last holder removed it`, async () => {
        const { stack, aliceToken, bobToken } = await loadFixture(pkpsFixture);
        const alice = stack.permissions.connect(stack.alice);
        await sent(alice.addPermittedAuthMethod(aliceToken, authMethod(type, id, "0x"), [1n]));
        await sent(alice.removePermittedAuthMethod(aliceToken, type, id));
        expect(await viewOf(stack, aliceToken, type, id)).to.deep.equal({
          permitted: false,
          scopes: [false, false, false, false],
          listed: [],
          holders: [],
        });
        await sent(
          stack.permissions
            .connect(stack.bob)
            .addPermittedAuthMethod(bobToken, authMethod(type, id, "0x"), [2n]),
        );
        await sent(alice.addPermittedAuthMethod(aliceToken, authMethod(type, id, "0x"), []));
        expect(await viewOf(stack, aliceToken, type, id)).to.deep.equal({
          permitted: true,
          scopes: [false, false, false, false],
          listed: [[type, id]],
          holders: [bobToken, aliceToken],
        });
        expect((await viewOf(stack, bobToken, type, id)).scopes).to.deep.equal([
          false,
          false,
          true,
          false,
        ]);
      });
    }

    it("keeps a user pubkey after the last removal; WebAuthn still refuses another one", async () => {
      const { stack, aliceToken } = await loadFixture(pkpsFixture);
      const alice = stack.permissions.connect(stack.alice);
      const credential = ethers.id("webauthn:credential");
      await sent(
        alice.addPermittedAuthMethod(
          aliceToken,
          authMethod(AUTH_METHOD_WEBAUTHN, credential, "0xaa"),
          [],
        ),
      );
      await sent(alice.removePermittedAuthMethod(aliceToken, AUTH_METHOD_WEBAUTHN, credential));
      expect(
        await stack.permissions.getUserPubkeyForAuthMethod(AUTH_METHOD_WEBAUTHN, credential),
      ).to.equal("0xaa");
      await expect(
        alice.addPermittedAuthMethod(
          aliceToken,
          authMethod(AUTH_METHOD_WEBAUTHN, credential, "0xbb"),
          [],
        ),
      )
        .to.be.revertedWithCustomError(stack.permissions, "UserPubkeyMismatch")
        .withArgs(AUTH_METHOD_WEBAUTHN, credential);
    });
  });

  describe("address records (in the data slot)", () => {
    it("permits, lists and removes the zero address like any other", async () => {
      const { stack, aliceToken } = await loadFixture(pkpsFixture);
      const alice = stack.permissions.connect(stack.alice);
      await sent(alice.addPermittedAddress(aliceToken, ethers.ZeroAddress, [SCOPE_SIGN_ANYTHING]));
      await sent(alice.addPermittedAddress(aliceToken, stack.bob.address, []));
      expect(await stack.permissions.isPermittedAddress(aliceToken, ethers.ZeroAddress)).to.equal(
        true,
      );
      expect(await stack.permissions.getPermittedAddresses(aliceToken)).to.deep.equal([
        stack.alice.address,
        ethers.ZeroAddress,
        stack.bob.address,
      ]);
      await sent(alice.removePermittedAddress(aliceToken, ethers.ZeroAddress));
      expect(await stack.permissions.isPermittedAddress(aliceToken, ethers.ZeroAddress)).to.equal(
        false,
      );
      expect(await stack.permissions.getPermittedAddresses(aliceToken)).to.deep.equal([
        stack.alice.address,
        stack.bob.address,
      ]);
    });

    it("keeps an address's user pubkey in its record, and overwrites it on a later add", async () => {
      const { stack, aliceToken, bobToken } = await loadFixture(pkpsFixture);
      const id = stack.carol.address.toLowerCase();
      await sent(
        stack.permissions
          .connect(stack.alice)
          .addPermittedAuthMethod(aliceToken, authMethod(AUTH_METHOD_ADDRESS, id, "0x0102"), [2n]),
      );
      expect((await stack.permissions.getPermittedAuthMethods(aliceToken))[0].userPubkey).to.equal(
        "0x0102",
      );
      await sent(stack.permissions.connect(stack.bob).addPermittedAddress(bobToken, id, []));
      expect(await stack.permissions.getUserPubkeyForAuthMethod(AUTH_METHOD_ADDRESS, id)).to.equal(
        "0x",
      );
      expect(await viewOf(stack, aliceToken, AUTH_METHOD_ADDRESS, id)).to.deep.equal({
        permitted: true,
        scopes: [false, false, true, false],
        listed: [[AUTH_METHOD_ADDRESS, id]],
        holders: [aliceToken, bobToken],
      });
    });
  });

  describe("reverse indexes past their inline entries", () => {
    for (const [name, type, id] of [
      ["an address (one inline entry)", AUTH_METHOD_ADDRESS, "0x" + "ab".repeat(20)],
      ["an action (three inline entries)", AUTH_METHOD_ACTION, CID],
    ] as const) {
      it(`lists, moves and drops the holders of ${name} in Lit's order`, async () => {
        const { stack } = await loadFixture(pkpsFixture);
        const holders: bigint[] = [];
        const owners = [stack.alice, stack.bob, stack.carol, stack.stranger, stack.deployer];
        for (const owner of owners) {
          const tokenId = await mintNextAs(stack.pkpNft, owner);
          await sent(
            stack.permissions
              .connect(owner)
              .addPermittedAuthMethod(tokenId, authMethod(type, id, "0x"), []),
          );
          holders.push(tokenId);
        }
        const holdersNow = async () => [
          ...(await stack.permissions.getTokenIdsForAuthMethod(type, id)),
        ];
        expect(await holdersNow()).to.deep.equal(holders);
        // Remove the second holder: the last moves into its place (swap and pop).
        await sent(
          stack.permissions.connect(owners[1]).removePermittedAuthMethod(holders[1], type, id),
        );
        const expected = [holders[0], holders[4], holders[2], holders[3]];
        expect(await holdersNow()).to.deep.equal(expected);
        // The moved holder's grant follows its entry: it can still be removed cleanly.
        await sent(
          stack.permissions.connect(owners[4]).removePermittedAuthMethod(holders[4], type, id),
        );
        expect(await holdersNow()).to.deep.equal([holders[0], holders[3], holders[2]]);
        for (const [i, owner] of owners.entries()) {
          if (i === 1 || i === 4) continue;
          await sent(
            stack.permissions.connect(owner).removePermittedAuthMethod(holders[i], type, id),
          );
        }
        expect(await holdersNow()).to.deep.equal([]);
        expect(await stack.permissions.isPermittedAuthMethod(holders[0], type, id)).to.equal(false);
      });
    }
  });

  describe("auth method ids whose low 48 bits collide (open addressing)", () => {
    // Found offline with Floyd's cycle search over keccak256(abi.encode(type, id)): the premise
    // is checked below, so the pair cannot silently stop colliding.
    const collisions: Array<[string, bigint, [string, string]]> = [
      ["Google JWT ids", AUTH_METHOD_GOOGLE_JWT, ["0x122f5cdcd1bf", "0x4039a9acdab5"]],
    ];
    const low48 = (id: bigint) => id & ((1n << 48n) - 1n);

    for (const [name, type, [first, second]] of collisions) {
      it(`keeps two ${name} with one 48-bit serial apart`, async () => {
        const { stack, aliceToken, bobToken } = await loadFixture(pkpsFixture);
        const p = stack.permissions;
        expect(low48(await p.getAuthMethodId(type, first))).to.equal(
          low48(await p.getAuthMethodId(type, second)),
        );
        const alice = p.connect(stack.alice);
        await sent(alice.addPermittedAuthMethod(aliceToken, authMethod(type, first), [1n]));
        await sent(alice.addPermittedAuthMethod(aliceToken, authMethod(type, second), [2n]));
        await sent(
          p.connect(stack.bob).addPermittedAuthMethod(bobToken, authMethod(type, second), []),
        );
        expect(await viewOf(stack, aliceToken, type, first)).to.deep.equal({
          permitted: true,
          scopes: [false, true, false, false],
          listed: [
            [type, first],
            [type, second],
          ],
          holders: [aliceToken],
        });
        expect((await viewOf(stack, aliceToken, type, second)).holders).to.deep.equal([
          aliceToken,
          bobToken,
        ]);
        // The first one's record is cleared; the second is still found, and the first comes
        // back under its old reference.
        await sent(alice.removePermittedAuthMethod(aliceToken, type, first));
        expect(await viewOf(stack, aliceToken, type, second)).to.deep.equal({
          permitted: true,
          scopes: [false, false, true, false],
          listed: [[type, second]],
          holders: [aliceToken, bobToken],
        });
        await sent(
          p.connect(stack.bob).addPermittedAuthMethod(bobToken, authMethod(type, first), []),
        );
        expect(
          (await p.getPermittedAuthMethods(bobToken)).map((m) => [m.authMethodType, m.id]),
        ).to.deep.equal([
          [type, second],
          [type, first],
        ]);
        expect(await p.isPermittedAuthMethod(aliceToken, type, first)).to.equal(false);
      });
    }
  });

  it("lists many methods of mixed kinds on one PKP and decodes each", async () => {
    const { stack, aliceToken } = await loadFixture(pkpsFixture);
    const alice = stack.permissions.connect(stack.alice);
    const methods: Array<[bigint, string]> = [
      [AUTH_METHOD_ACTION, CID],
      [AUTH_METHOD_ADDRESS, stack.bob.address.toLowerCase()],
      [AUTH_METHOD_GOOGLE_JWT, GENERIC_ID],
      [AUTH_METHOD_ACTION, fakeCid("second")],
      [AUTH_METHOD_ACTION, "0x1220" + "00".repeat(32)],
      [AUTH_METHOD_ACTION, "0x0102"],
    ];
    for (const [type, id] of methods) {
      await sent(
        alice.addPermittedAuthMethod(aliceToken, authMethod(type, id, "0x"), [SCOPE_PERSONAL_SIGN]),
      );
    }
    expect(
      (await stack.permissions.getPermittedAuthMethods(aliceToken)).map((m) => [
        m.authMethodType,
        m.id,
      ]),
    ).to.deep.equal(methods);
    expect(await stack.permissions.getPermittedActions(aliceToken)).to.deep.equal(
      methods.filter(([type]) => type === AUTH_METHOD_ACTION).map(([, id]) => id),
    );
  });
});
