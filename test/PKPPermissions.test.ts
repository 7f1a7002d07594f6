import { expect } from "chai";
import { ethers } from "hardhat";
import type { BytesLike, ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  impersonateAccount,
  loadFixture,
  setBalance,
} from "@nomicfoundation/hardhat-network-helpers";
import type { PKPPermissions } from "../typechain-types";
import { fakeCid, testKeys } from "./helpers/keys";
import { shouldLockGrantsAfterBurn } from "./helpers/behaviours";
import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  AUTH_METHOD_WEBAUTHN,
  mintTo,
  registerKeys,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
  Stack,
  stackWithPoolFixture,
  AUTH_METHOD_GOOGLE_JWT,
} from "./helpers/stack";

// ---------------------------------------------------------------------- test data

const CID = fakeCid("action-a.js");
const OTHER_CID = fakeCid("action-b.js");
const CUSTOM_TYPE = 0x4e663n;
const MAX_UINT256 = 2n ** 256n - 1n;

interface Method {
  authMethodType: bigint;
  id: string;
  userPubkey: string;
}

function method(authMethodType: bigint, id: BytesLike, userPubkey: BytesLike = "0x"): Method {
  return { authMethodType, id: ethers.hexlify(id), userPubkey: ethers.hexlify(userPubkey) };
}

/** A Google JWT auth method with a 40-byte id. */
const GENERIC = method(
  AUTH_METHOD_GOOGLE_JWT,
  ethers.concat([ethers.id("google:sub-1"), "0x0102030405060708"]),
);
const OTHER_GENERIC = method(CUSTOM_TYPE, "0xc0ffee");
const PUBKEY_A = ethers.hexlify(new ethers.SigningKey(ethers.id("user-a")).publicKey);
const PUBKEY_B = ethers.hexlify(new ethers.SigningKey(ethers.id("user-b")).publicKey);
const PUBKEY_C = ethers.hexlify(new ethers.SigningKey(ethers.id("user-c")).publicKey);

/** The id of an address auth method: its 20 bytes, as the contract and its events give it. */
function addressId(account: { address: string } | string): string {
  return (typeof account === "string" ? account : account.address).toLowerCase();
}

function actionMethod(cid: string): Method {
  return method(AUTH_METHOD_ACTION, cid);
}

function addressMethod(account: { address: string }): Method {
  return method(AUTH_METHOD_ADDRESS, addressId(account));
}

function plain(methods: ReadonlyArray<Method>): Method[] {
  return methods.map((m) => ({
    authMethodType: m.authMethodType,
    id: m.id,
    userPubkey: m.userPubkey,
  }));
}

async function sent(tx: Promise<ContractTransactionResponse>): Promise<void> {
  await (await tx).wait();
}

/** The PKPPermissions events of a transaction, in log order, as [name, ...args]. */
async function permissionEvents(stack: Stack, tx: ContractTransactionResponse) {
  const receipt = await tx.wait();
  if (!receipt) throw new Error("no receipt");
  const address = await stack.permissions.getAddress();
  return receipt.logs
    .filter((log) => log.address === address)
    .map((log) => {
      const parsed = stack.permissions.interface.parseLog(log);
      if (!parsed) throw new Error("unparsable PKPPermissions log");
      return [parsed.name, ...parsed.args.toArray()];
    });
}

async function methodsOf(stack: Stack, tokenId: bigint): Promise<Method[]> {
  return plain(await stack.permissions.getPermittedAuthMethods(tokenId));
}

async function scopesOf(stack: Stack, tokenId: bigint, m: Method, max: bigint) {
  return [
    ...(await stack.permissions.getPermittedAuthMethodScopes(tokenId, m.authMethodType, m.id, max)),
  ];
}

/** `max` booleans, true exactly at `scopes`. */
function scopeList(max: bigint, scopes: bigint[]): boolean[] {
  return Array.from({ length: Number(max) }, (_, i) => scopes.includes(BigInt(i)));
}

/** OpenZeppelin's EnumerableSet order: insertion order; removing index i moves the last into i. */
class EnumerableSetModel<T> {
  readonly items: T[] = [];
  constructor(private readonly key: (item: T) => string) {}

  add(item: T): void {
    if (this.indexOf(item) < 0) this.items.push(item);
  }

  remove(item: T): void {
    const index = this.indexOf(item);
    if (index < 0) return;
    const last = this.items.pop() as T;
    if (index < this.items.length) this.items[index] = last;
  }

  private indexOf(item: T): number {
    return this.items.findIndex((other) => this.key(other) === this.key(item));
  }
}

const methodKey = (m: Method) => `${m.authMethodType}:${m.id}`;

async function impersonatePkpNft(stack: Stack): Promise<HardhatEthersSigner> {
  const address = await stack.pkpNft.getAddress();
  await impersonateAccount(address);
  await setBalance(address, ethers.parseEther("10"));
  return ethers.getSigner(address);
}

// ---------------------------------------------------------------------- fixtures

/** Alice owns `tokenId`, Bob owns `bobTokenId`; nothing is permitted yet. */
async function twoPkpsFixture() {
  const stack = await stackWithPoolFixture();
  const dave = (await ethers.getSigners())[5];
  const tokenId = await mintTo(stack, stack.alice);
  const bobTokenId = await mintTo(stack, stack.bob);
  return {
    stack,
    dave,
    tokenId,
    bobTokenId,
    /** PKPPermissions as Alice, the owner of `tokenId`. */
    p: stack.permissions.connect(stack.alice),
    /** PKPPermissions as Bob, the owner of `bobTokenId`. */
    pBob: stack.permissions.connect(stack.bob),
  };
}

// ---------------------------------------------------------------------- suites

describe("PKPPermissions", () => {
  describe("only the PKP's owner changes its permissions", () => {
    /**
     * Alice owns the PKP. Bob is approved for it, Carol is Alice's operator, Dave is a permitted
     * address with scope 1; the PKP also permits GENERIC and CID (scope 1).
     */
    async function ownedPkpFixture() {
      const stack = await stackWithPoolFixture();
      const dave = (await ethers.getSigners())[5];
      const tokenId = await mintTo(stack, stack.alice);
      const nft = stack.pkpNft.connect(stack.alice);
      const owner = stack.permissions.connect(stack.alice);
      await sent(nft.approve(stack.bob, tokenId));
      await sent(nft.setApprovalForAll(stack.carol, true));
      await sent(owner.addPermittedAddress(tokenId, dave, [SCOPE_SIGN_ANYTHING]));
      await sent(owner.addPermittedAuthMethod(tokenId, GENERIC, [SCOPE_SIGN_ANYTHING]));
      await sent(owner.addPermittedAction(tokenId, CID, [SCOPE_SIGN_ANYTHING]));
      return { stack, tokenId, dave, unmintedTokenId: stack.poolKeys[1].tokenId };
    }

    interface Mutator {
      name: string;
      /** The event a successful call emits. */
      event: string;
      call(p: PKPPermissions, tokenId: bigint): Promise<ContractTransactionResponse>;
    }

    const mutators: Mutator[] = [
      {
        name: "addPermittedAuthMethod",
        event: "PermittedAuthMethodAdded",
        call: (p, t) => p.addPermittedAuthMethod(t, OTHER_GENERIC, [SCOPE_PERSONAL_SIGN]),
      },
      {
        name: "removePermittedAuthMethod",
        event: "PermittedAuthMethodRemoved",
        call: (p, t) => p.removePermittedAuthMethod(t, GENERIC.authMethodType, GENERIC.id),
      },
      {
        name: "addPermittedAuthMethodScope",
        event: "PermittedAuthMethodScopeAdded",
        call: (p, t) => p.addPermittedAuthMethodScope(t, GENERIC.authMethodType, GENERIC.id, 2n),
      },
      {
        name: "removePermittedAuthMethodScope",
        event: "PermittedAuthMethodScopeRemoved",
        call: (p, t) => p.removePermittedAuthMethodScope(t, GENERIC.authMethodType, GENERIC.id, 1n),
      },
      {
        name: "addPermittedAction",
        event: "PermittedAuthMethodAdded",
        call: (p, t) => p.addPermittedAction(t, OTHER_CID, [SCOPE_SIGN_ANYTHING]),
      },
      {
        name: "removePermittedAction",
        event: "PermittedAuthMethodRemoved",
        call: (p, t) => p.removePermittedAction(t, CID),
      },
      {
        name: "addPermittedAddress",
        event: "PermittedAuthMethodAdded",
        call: (p, t) => p.addPermittedAddress(t, ethers.id("x").slice(0, 42), [1n]),
      },
      {
        name: "removePermittedAddress",
        event: "PermittedAuthMethodRemoved",
        call: async (p, t) => p.removePermittedAddress(t, (await ethers.getSigners())[5]),
      },
      {
        name: "batchAddRemoveAuthMethods",
        event: "PermittedAuthMethodAdded",
        call: (p, t) =>
          p.batchAddRemoveAuthMethods(
            t,
            [OTHER_GENERIC.authMethodType],
            [OTHER_GENERIC.id],
            ["0x"],
            [[1n]],
            [AUTH_METHOD_ACTION],
            [CID],
          ),
      },
      {
        name: "setRootHash",
        event: "RootHashUpdated",
        call: (p, t) => p.setRootHash(t, 1n, ethers.id("root")),
      },
    ];

    const outsiders: Array<
      [string, (f: Awaited<ReturnType<typeof ownedPkpFixture>>) => Promise<HardhatEthersSigner>]
    > = [
      ["the approved address", async ({ stack }) => stack.bob],
      ["an operator of the owner", async ({ stack }) => stack.carol],
      ["a permitted address with scope 1", async ({ dave }) => dave],
      ["the owner of PKPNFT and the router", async ({ stack }) => stack.deployer],
      ["a stranger", async ({ stack }) => stack.stranger],
      ["PKPNFT itself", async ({ stack }) => impersonatePkpNft(stack)],
    ];

    for (const mutator of mutators) {
      describe(mutator.name, () => {
        it("succeeds for the owner", async () => {
          const { stack, tokenId } = await loadFixture(ownedPkpFixture);
          await expect(mutator.call(stack.permissions.connect(stack.alice), tokenId)).to.emit(
            stack.permissions,
            mutator.event,
          );
        });

        for (const [who, signerOf] of outsiders) {
          it(`rejects ${who} with NotPKPOwner`, async () => {
            const fixture = await loadFixture(ownedPkpFixture);
            const { stack, tokenId } = fixture;
            const caller = await signerOf(fixture);
            await expect(mutator.call(stack.permissions.connect(caller), tokenId))
              .to.be.revertedWithCustomError(stack.permissions, "NotPKPOwner")
              .withArgs(tokenId, caller.address);
          });
        }

        it("rejects a routed but unminted token and a never-routed one with NonexistentPKP", async () => {
          const { stack, unmintedTokenId } = await loadFixture(ownedPkpFixture);
          expect(await stack.router.isRouted(unmintedTokenId)).to.equal(true);
          for (const unknown of [unmintedTokenId, 12345n]) {
            await expect(mutator.call(stack.permissions.connect(stack.alice), unknown))
              .to.be.revertedWithCustomError(stack.permissions, "NonexistentPKP")
              .withArgs(unknown);
          }
        });

        it("after a transfer, rejects the old owner and accepts the new one", async () => {
          const { stack, tokenId } = await loadFixture(ownedPkpFixture);
          await sent(
            stack.pkpNft.connect(stack.alice).transferFrom(stack.alice, stack.stranger, tokenId),
          );
          await expect(mutator.call(stack.permissions.connect(stack.alice), tokenId))
            .to.be.revertedWithCustomError(stack.permissions, "NotPKPOwner")
            .withArgs(tokenId, stack.alice.address);
          await expect(mutator.call(stack.permissions.connect(stack.stranger), tokenId)).to.emit(
            stack.permissions,
            mutator.event,
          );
        });
      });
    }
  });

  describe("adding", () => {
    it("addPermittedAction emits ScopeAdded (type 2) for each scope, then PermittedAuthMethodAdded", async () => {
      const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
      const tx = await p.addPermittedAction(tokenId, CID, [1n, 2n, 300n]);
      for (const scope of [1n, 2n, 300n]) {
        await expect(tx)
          .to.emit(stack.permissions, "PermittedAuthMethodScopeAdded")
          .withArgs(tokenId, AUTH_METHOD_ACTION, CID, scope);
      }
      await expect(tx)
        .to.emit(stack.permissions, "PermittedAuthMethodAdded")
        .withArgs(tokenId, AUTH_METHOD_ACTION, CID, "0x");
      expect(await permissionEvents(stack, tx)).to.deep.equal([
        ["PermittedAuthMethodScopeAdded", tokenId, AUTH_METHOD_ACTION, CID, 1n],
        ["PermittedAuthMethodScopeAdded", tokenId, AUTH_METHOD_ACTION, CID, 2n],
        ["PermittedAuthMethodScopeAdded", tokenId, AUTH_METHOD_ACTION, CID, 300n],
        ["PermittedAuthMethodAdded", tokenId, AUTH_METHOD_ACTION, CID, "0x"],
      ]);
      expect(await stack.permissions.isPermittedAction(tokenId, CID)).to.equal(true);
    });

    it("addPermittedAddress emits ScopeAdded (type 1, the 20 address bytes) for each scope, then PermittedAuthMethodAdded", async () => {
      const { stack, p, tokenId, dave } = await loadFixture(twoPkpsFixture);
      const id = addressId(dave);
      const tx = await p.addPermittedAddress(tokenId, dave, [SCOPE_SIGN_ANYTHING]);
      await expect(tx)
        .to.emit(stack.permissions, "PermittedAuthMethodScopeAdded")
        .withArgs(tokenId, AUTH_METHOD_ADDRESS, id, SCOPE_SIGN_ANYTHING);
      await expect(tx)
        .to.emit(stack.permissions, "PermittedAuthMethodAdded")
        .withArgs(tokenId, AUTH_METHOD_ADDRESS, id, "0x");
      expect(await permissionEvents(stack, tx)).to.deep.equal([
        ["PermittedAuthMethodScopeAdded", tokenId, AUTH_METHOD_ADDRESS, id, SCOPE_SIGN_ANYTHING],
        ["PermittedAuthMethodAdded", tokenId, AUTH_METHOD_ADDRESS, id, "0x"],
      ]);
      expect(await stack.permissions.isPermittedAddress(tokenId, dave)).to.equal(true);
    });

    it("addPermittedAuthMethod emits ScopeAdded (the real type) for each scope, then PermittedAuthMethodAdded with the user pubkey", async () => {
      const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
      const m = method(AUTH_METHOD_GOOGLE_JWT, GENERIC.id, PUBKEY_A);
      const tx = await p.addPermittedAuthMethod(tokenId, m, [2n, 1n, 1000n]);
      for (const scope of [2n, 1n, 1000n]) {
        await expect(tx)
          .to.emit(stack.permissions, "PermittedAuthMethodScopeAdded")
          .withArgs(tokenId, AUTH_METHOD_GOOGLE_JWT, m.id, scope);
      }
      await expect(tx)
        .to.emit(stack.permissions, "PermittedAuthMethodAdded")
        .withArgs(tokenId, AUTH_METHOD_GOOGLE_JWT, m.id, PUBKEY_A);
      expect(await permissionEvents(stack, tx)).to.deep.equal([
        ["PermittedAuthMethodScopeAdded", tokenId, AUTH_METHOD_GOOGLE_JWT, m.id, 2n],
        ["PermittedAuthMethodScopeAdded", tokenId, AUTH_METHOD_GOOGLE_JWT, m.id, 1n],
        ["PermittedAuthMethodScopeAdded", tokenId, AUTH_METHOD_GOOGLE_JWT, m.id, 1000n],
        ["PermittedAuthMethodAdded", tokenId, AUTH_METHOD_GOOGLE_JWT, m.id, PUBKEY_A],
      ]);
    });

    it("emits only PermittedAuthMethodAdded when there are no scopes", async () => {
      const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
      const tx = await p.addPermittedAction(tokenId, CID, []);
      await expect(tx).to.not.emit(stack.permissions, "PermittedAuthMethodScopeAdded");
      expect(await permissionEvents(stack, tx)).to.deep.equal([
        ["PermittedAuthMethodAdded", tokenId, AUTH_METHOD_ACTION, CID, "0x"],
      ]);
      expect(await scopesOf(stack, tokenId, actionMethod(CID), 4n)).to.deep.equal(
        scopeList(4n, []),
      );
    });

    it("treats a duplicate add as idempotent: listed once, scopes OR-ed (inline and overflow), events emitted again", async () => {
      const { stack, p, tokenId, dave } = await loadFixture(twoPkpsFixture);
      await sent(p.addPermittedAction(tokenId, CID, [1n, 300n]));
      await sent(p.addPermittedAddress(tokenId, dave, [1n]));
      await sent(p.addPermittedAuthMethod(tokenId, GENERIC, [2n]));

      await expect(p.addPermittedAction(tokenId, CID, [2n, 1000n]))
        .to.emit(stack.permissions, "PermittedAuthMethodAdded")
        .withArgs(tokenId, AUTH_METHOD_ACTION, CID, "0x");
      await expect(p.addPermittedAddress(tokenId, dave, [2n]))
        .to.emit(stack.permissions, "PermittedAuthMethodScopeAdded")
        .withArgs(tokenId, AUTH_METHOD_ADDRESS, addressId(dave), 2n);
      await expect(p.addPermittedAuthMethod(tokenId, GENERIC, [1n, 2n]))
        .to.emit(stack.permissions, "PermittedAuthMethodAdded")
        .withArgs(tokenId, GENERIC.authMethodType, GENERIC.id, "0x");

      expect(await methodsOf(stack, tokenId)).to.deep.equal([
        actionMethod(CID),
        addressMethod(dave),
        GENERIC,
      ]);
      expect(await stack.permissions.getPermittedActions(tokenId)).to.deep.equal([CID]);
      expect(await stack.permissions.getPermittedAddresses(tokenId)).to.deep.equal([
        stack.alice.address,
        dave.address,
      ]);
      expect(await scopesOf(stack, tokenId, actionMethod(CID), 1001n)).to.deep.equal(
        scopeList(1001n, [1n, 2n, 300n, 1000n]),
      );
      expect(await scopesOf(stack, tokenId, addressMethod(dave), 3n)).to.deep.equal([
        false,
        true,
        true,
      ]);
      expect(await scopesOf(stack, tokenId, GENERIC, 3n)).to.deep.equal([false, true, true]);
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID),
      ).to.deep.equal([tokenId]);
    });

    it("round-trips generic auth methods of any type and id shape through getPermittedAuthMethods", async () => {
      const { stack, p, tokenId, dave } = await loadFixture(twoPkpsFixture);
      const thirtyTwoByteId = ethers.id("type-1 but 32 bytes");
      const methods = [
        GENERIC,
        method(CUSTOM_TYPE, "0xdeadbeef", PUBKEY_A),
        method(AUTH_METHOD_ACTION, ethers.concat(["0x1221", ethers.id("not sha2-256")])),
        method(
          AUTH_METHOD_ACTION,
          ethers.toUtf8Bytes("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
        ),
        method(AUTH_METHOD_ACTION, ethers.dataSlice(CID, 0, 33)),
        method(AUTH_METHOD_ADDRESS, thirtyTwoByteId),
        method(AUTH_METHOD_WEBAUTHN, ethers.id("credential"), PUBKEY_B),
        method(0n, "0x"),
        method(MAX_UINT256, ethers.hexlify(new Uint8Array(100).fill(0xab)), PUBKEY_C),
        actionMethod(CID),
        addressMethod(dave),
      ];
      for (const m of methods) await sent(p.addPermittedAuthMethod(tokenId, m, [1n]));

      expect(await methodsOf(stack, tokenId)).to.deep.equal(methods);
      for (const m of methods) {
        expect(
          await stack.permissions.isPermittedAuthMethod(tokenId, m.authMethodType, m.id),
          `${m.authMethodType}/${m.id}`,
        ).to.equal(true);
        expect(
          await stack.permissions.isPermittedAuthMethodScopePresent(
            tokenId,
            m.authMethodType,
            m.id,
            1n,
          ),
        ).to.equal(true);
        expect(
          await stack.permissions.getTokenIdsForAuthMethod(m.authMethodType, m.id),
        ).to.deep.equal([tokenId]);
      }
      // Every type-2 id is an action, CID-shaped or not.
      expect(await stack.permissions.getPermittedActions(tokenId)).to.deep.equal(
        methods.filter((m) => m.authMethodType === AUTH_METHOD_ACTION).map((m) => m.id),
      );
      // A type-1 id is read as an address from its first 20 bytes, as Lit does.
      expect(await stack.permissions.getPermittedAddresses(tokenId)).to.deep.equal([
        stack.alice.address,
        ethers.getAddress(ethers.dataSlice(thirtyTwoByteId, 0, 20)),
        dave.address,
      ]);
      // A method that differs only in its type is another method.
      expect(
        await stack.permissions.isPermittedAuthMethod(
          tokenId,
          AUTH_METHOD_GOOGLE_JWT + 1n,
          GENERIC.id,
        ),
      ).to.equal(false);
    });

    it("treats addPermittedAction and addPermittedAddress as auth methods of type 2 and 1", async () => {
      const { stack, p, tokenId, dave } = await loadFixture(twoPkpsFixture);
      await sent(p.addPermittedAuthMethod(tokenId, actionMethod(CID), [1n]));
      await sent(p.addPermittedAuthMethod(tokenId, addressMethod(dave), [2n]));
      expect(await stack.permissions.isPermittedAction(tokenId, CID)).to.equal(true);
      expect(await stack.permissions.isPermittedAddress(tokenId, dave)).to.equal(true);
      await sent(p.removePermittedAction(tokenId, CID));
      await sent(p.removePermittedAddress(tokenId, dave));
      expect(await methodsOf(stack, tokenId)).to.deep.equal([]);
    });

    it("returns the user pubkey a method was added with from getUserPubkeyForAuthMethod", async () => {
      const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
      const m = method(CUSTOM_TYPE, "0x0102", PUBKEY_A);
      expect(await stack.permissions.getUserPubkeyForAuthMethod(CUSTOM_TYPE, m.id)).to.equal("0x");
      await sent(p.addPermittedAuthMethod(tokenId, m, []));
      expect(await stack.permissions.getUserPubkeyForAuthMethod(CUSTOM_TYPE, m.id)).to.equal(
        PUBKEY_A,
      );
      expect(await methodsOf(stack, tokenId)).to.deep.equal([m]);
    });

    it("overwrites a non-WebAuthn method's user pubkey on every add, for every PKP, even with an empty one", async () => {
      const { stack, p, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
      const id = GENERIC.id;
      const read = () => stack.permissions.getUserPubkeyForAuthMethod(AUTH_METHOD_GOOGLE_JWT, id);
      await sent(
        p.addPermittedAuthMethod(tokenId, method(AUTH_METHOD_GOOGLE_JWT, id, PUBKEY_A), []),
      );
      expect(await read()).to.equal(PUBKEY_A);
      await expect(
        p.addPermittedAuthMethod(tokenId, method(AUTH_METHOD_GOOGLE_JWT, id, PUBKEY_B), []),
      )
        .to.emit(stack.permissions, "PermittedAuthMethodAdded")
        .withArgs(tokenId, AUTH_METHOD_GOOGLE_JWT, id, PUBKEY_B);
      expect(await read()).to.equal(PUBKEY_B);
      // The method is global (Lit keeps one struct per auth method id): Bob's add rewrites it.
      await sent(
        pBob.addPermittedAuthMethod(bobTokenId, method(AUTH_METHOD_GOOGLE_JWT, id, PUBKEY_C), []),
      );
      expect(await read()).to.equal(PUBKEY_C);
      expect(await methodsOf(stack, tokenId)).to.deep.equal([
        method(AUTH_METHOD_GOOGLE_JWT, id, PUBKEY_C),
      ]);
      // addPermittedAction/addPermittedAuthMethod with an empty pubkey clears it.
      await sent(p.addPermittedAuthMethod(tokenId, method(AUTH_METHOD_GOOGLE_JWT, id), []));
      expect(await read()).to.equal("0x");
      expect(await methodsOf(stack, bobTokenId)).to.deep.equal([
        method(AUTH_METHOD_GOOGLE_JWT, id),
      ]);
      // And the action path, which always passes an empty pubkey, clears a type-2 pubkey.
      await sent(p.addPermittedAuthMethod(tokenId, method(AUTH_METHOD_ACTION, CID, PUBKEY_A), []));
      expect(await stack.permissions.getUserPubkeyForAuthMethod(AUTH_METHOD_ACTION, CID)).to.equal(
        PUBKEY_A,
      );
      await sent(p.addPermittedAction(tokenId, CID, []));
      expect(await stack.permissions.getUserPubkeyForAuthMethod(AUTH_METHOD_ACTION, CID)).to.equal(
        "0x",
      );
    });

    it("keeps a WebAuthn method's first user pubkey: the same one is accepted again", async () => {
      const { stack, p, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
      const m = method(AUTH_METHOD_WEBAUTHN, ethers.id("passkey"), PUBKEY_A);
      await sent(p.addPermittedAuthMethod(tokenId, m, [1n]));
      await expect(p.addPermittedAuthMethod(tokenId, m, [2n]))
        .to.emit(stack.permissions, "PermittedAuthMethodAdded")
        .withArgs(tokenId, AUTH_METHOD_WEBAUTHN, m.id, PUBKEY_A);
      await expect(pBob.addPermittedAuthMethod(bobTokenId, m, []))
        .to.emit(stack.permissions, "PermittedAuthMethodAdded")
        .withArgs(bobTokenId, AUTH_METHOD_WEBAUTHN, m.id, PUBKEY_A);
      expect(await methodsOf(stack, tokenId)).to.deep.equal([m]);
      expect(
        await stack.permissions.getUserPubkeyForAuthMethod(AUTH_METHOD_WEBAUTHN, m.id),
      ).to.equal(PUBKEY_A);
    });

    it("rejects a different or empty user pubkey for a WebAuthn method with UserPubkeyMismatch, for any PKP, even after removal", async () => {
      const { stack, p, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
      const id = ethers.id("passkey");
      await sent(p.addPermittedAuthMethod(tokenId, method(AUTH_METHOD_WEBAUTHN, id, PUBKEY_A), []));
      for (const other of [PUBKEY_B, "0x"]) {
        await expect(p.addPermittedAuthMethod(tokenId, method(AUTH_METHOD_WEBAUTHN, id, other), []))
          .to.be.revertedWithCustomError(stack.permissions, "UserPubkeyMismatch")
          .withArgs(AUTH_METHOD_WEBAUTHN, id);
      }
      await expect(
        pBob.addPermittedAuthMethod(bobTokenId, method(AUTH_METHOD_WEBAUTHN, id, PUBKEY_B), []),
      )
        .to.be.revertedWithCustomError(stack.permissions, "UserPubkeyMismatch")
        .withArgs(AUTH_METHOD_WEBAUTHN, id);
      await sent(p.removePermittedAuthMethod(tokenId, AUTH_METHOD_WEBAUTHN, id));
      await expect(
        p.addPermittedAuthMethod(tokenId, method(AUTH_METHOD_WEBAUTHN, id, PUBKEY_B), []),
      )
        .to.be.revertedWithCustomError(stack.permissions, "UserPubkeyMismatch")
        .withArgs(AUTH_METHOD_WEBAUTHN, id);
      expect(await stack.permissions.getUserPubkeyForAuthMethod(AUTH_METHOD_WEBAUTHN, id)).to.equal(
        PUBKEY_A,
      );
      expect(await methodsOf(stack, bobTokenId)).to.deep.equal([]);
    });

    it("lets a WebAuthn method added without a pubkey take its first non-empty one, then keeps it", async () => {
      const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
      const id = ethers.id("passkey-2");
      await sent(p.addPermittedAuthMethod(tokenId, method(AUTH_METHOD_WEBAUTHN, id), []));
      await sent(p.addPermittedAuthMethod(tokenId, method(AUTH_METHOD_WEBAUTHN, id, PUBKEY_B), []));
      expect(await methodsOf(stack, tokenId)).to.deep.equal([
        method(AUTH_METHOD_WEBAUTHN, id, PUBKEY_B),
      ]);
      await expect(
        p.addPermittedAuthMethod(tokenId, method(AUTH_METHOD_WEBAUTHN, id, PUBKEY_A), []),
      )
        .to.be.revertedWithCustomError(stack.permissions, "UserPubkeyMismatch")
        .withArgs(AUTH_METHOD_WEBAUTHN, id);
    });
  });

  describe("removing", () => {
    it("emits PermittedAuthMethodRemoved with the real type (not the auth method id) for actions, addresses and generic methods", async () => {
      const { stack, p, tokenId, dave } = await loadFixture(twoPkpsFixture);
      await sent(p.addPermittedAction(tokenId, CID, [1n]));
      await sent(p.addPermittedAddress(tokenId, dave, [1n]));
      await sent(p.addPermittedAuthMethod(tokenId, GENERIC, [1n]));

      const tx1 = await p.removePermittedAction(tokenId, CID);
      await expect(tx1)
        .to.emit(stack.permissions, "PermittedAuthMethodRemoved")
        .withArgs(tokenId, AUTH_METHOD_ACTION, CID);
      const tx2 = await p.removePermittedAddress(tokenId, dave);
      await expect(tx2)
        .to.emit(stack.permissions, "PermittedAuthMethodRemoved")
        .withArgs(tokenId, AUTH_METHOD_ADDRESS, addressId(dave));
      const tx3 = await p.removePermittedAuthMethod(tokenId, AUTH_METHOD_GOOGLE_JWT, GENERIC.id);
      await expect(tx3)
        .to.emit(stack.permissions, "PermittedAuthMethodRemoved")
        .withArgs(tokenId, AUTH_METHOD_GOOGLE_JWT, GENERIC.id);
      expect(await permissionEvents(stack, tx3)).to.deep.equal([
        ["PermittedAuthMethodRemoved", tokenId, AUTH_METHOD_GOOGLE_JWT, GENERIC.id],
      ]);

      expect(await methodsOf(stack, tokenId)).to.deep.equal([]);
      expect(await stack.permissions.isPermittedAction(tokenId, CID)).to.equal(false);
      expect(await stack.permissions.isPermittedAddress(tokenId, dave)).to.equal(false);
      expect(
        await stack.permissions.isPermittedAuthMethod(tokenId, AUTH_METHOD_GOOGLE_JWT, GENERIC.id),
      ).to.equal(false);
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_GOOGLE_JWT, GENERIC.id),
      ).to.deep.equal([]);
    });

    it("does not revert for a method never seen, and still emits", async () => {
      const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
      await expect(p.removePermittedAuthMethod(tokenId, CUSTOM_TYPE, "0x99"))
        .to.emit(stack.permissions, "PermittedAuthMethodRemoved")
        .withArgs(tokenId, CUSTOM_TYPE, "0x99");
      await expect(p.removePermittedAction(tokenId, OTHER_CID))
        .to.emit(stack.permissions, "PermittedAuthMethodRemoved")
        .withArgs(tokenId, AUTH_METHOD_ACTION, OTHER_CID);
      await expect(p.removePermittedAddress(tokenId, stack.stranger))
        .to.emit(stack.permissions, "PermittedAuthMethodRemoved")
        .withArgs(tokenId, AUTH_METHOD_ADDRESS, addressId(stack.stranger));
    });

    it("does not revert for a method only another PKP permits, and leaves that PKP alone", async () => {
      const { stack, p, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
      await sent(p.addPermittedAuthMethod(tokenId, OTHER_GENERIC, []));
      await sent(pBob.addPermittedAction(bobTokenId, CID, [1n, 300n]));
      await expect(p.removePermittedAction(tokenId, CID))
        .to.emit(stack.permissions, "PermittedAuthMethodRemoved")
        .withArgs(tokenId, AUTH_METHOD_ACTION, CID);
      expect(await methodsOf(stack, tokenId)).to.deep.equal([OTHER_GENERIC]);
      expect(await methodsOf(stack, bobTokenId)).to.deep.equal([actionMethod(CID)]);
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID),
      ).to.deep.equal([bobTokenId]);
      expect(await scopesOf(stack, bobTokenId, actionMethod(CID), 301n)).to.deep.equal(
        scopeList(301n, [1n, 300n]),
      );
    });

    const scopeSets: Array<[string, bigint[]]> = [
      ["inline scopes (< 184)", [0n, 1n, 2n, 183n]],
      ["overflow scopes (>= 184)", [184n, 255n, 256n, 1000n, 2n ** 255n, MAX_UINT256]],
      ["inline and overflow scopes together", [1n, 183n, 184n, 511n, 512n]],
    ];
    for (const [what, scopes] of scopeSets) {
      it(`clears ${what} on removal: a re-add with [] shows none of them`, async () => {
        const { stack, p, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
        for (const m of [actionMethod(CID), GENERIC]) {
          await sent(p.addPermittedAuthMethod(tokenId, m, scopes));
          // Bob's grant of the same method keeps its own scopes throughout.
          await sent(pBob.addPermittedAuthMethod(bobTokenId, m, scopes));
          await sent(p.removePermittedAuthMethod(tokenId, m.authMethodType, m.id));
          const present = () =>
            Promise.all(
              scopes.map((s) =>
                stack.permissions.isPermittedAuthMethodScopePresent(
                  tokenId,
                  m.authMethodType,
                  m.id,
                  s,
                ),
              ),
            );
          expect(await present(), "after removal").to.deep.equal(scopes.map(() => false));
          await sent(p.addPermittedAuthMethod(tokenId, m, []));
          expect(await present(), "after re-adding with []").to.deep.equal(scopes.map(() => false));
          expect(await scopesOf(stack, tokenId, m, 1024n)).to.deep.equal(scopeList(1024n, []));
          expect(
            await Promise.all(
              scopes.map((s) =>
                stack.permissions.isPermittedAuthMethodScopePresent(
                  bobTokenId,
                  m.authMethodType,
                  m.id,
                  s,
                ),
              ),
            ),
            "Bob's scopes",
          ).to.deep.equal(scopes.map(() => true));
          // New scopes after the re-add work as usual.
          await sent(p.addPermittedAuthMethodScope(tokenId, m.authMethodType, m.id, scopes[1]));
          expect(await present()).to.deep.equal(scopes.map((s) => s === scopes[1]));
        }
      });
    }

    it("clears the scopes also when the method is removed by a batch and re-added", async () => {
      const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
      await sent(p.addPermittedAuthMethod(tokenId, GENERIC, [1n, 700n]));
      await sent(
        p.batchAddRemoveAuthMethods(
          tokenId,
          [],
          [],
          [],
          [],
          [AUTH_METHOD_GOOGLE_JWT],
          [GENERIC.id],
        ),
      );
      await sent(
        p.batchAddRemoveAuthMethods(
          tokenId,
          [AUTH_METHOD_GOOGLE_JWT],
          [GENERIC.id],
          ["0x"],
          [[]],
          [],
          [],
        ),
      );
      expect(await scopesOf(stack, tokenId, GENERIC, 701n)).to.deep.equal(scopeList(701n, []));
    });

    it("keeps getPermittedAuthMethods/Actions/Addresses in EnumerableSet order over a packed list of 3 words (remove first, middle, last)", async () => {
      const { stack, p, tokenId, dave } = await loadFixture(twoPkpsFixture);
      const signers = await ethers.getSigners();
      const pool: Method[] = [
        actionMethod(fakeCid("m0")),
        addressMethod(dave),
        GENERIC,
        actionMethod(fakeCid("m3")),
        method(CUSTOM_TYPE, "0x03", PUBKEY_A),
        addressMethod(signers[6]),
        actionMethod(fakeCid("m6")),
        method(AUTH_METHOD_WEBAUTHN, ethers.id("wa"), PUBKEY_B),
        addressMethod(signers[7]),
        actionMethod(fakeCid("m9")),
        method(0n, "0x"),
      ];
      const model = new EnumerableSetModel<Method>(methodKey);

      const check = async (step: string) => {
        expect(await methodsOf(stack, tokenId), step).to.deep.equal(model.items);
        expect(await stack.permissions.getPermittedActions(tokenId), step).to.deep.equal(
          model.items.filter((m) => m.authMethodType === AUTH_METHOD_ACTION).map((m) => m.id),
        );
        expect(await stack.permissions.getPermittedAddresses(tokenId), step).to.deep.equal([
          stack.alice.address,
          ...model.items
            .filter((m) => m.authMethodType === AUTH_METHOD_ADDRESS)
            .map((m) => ethers.getAddress(m.id)),
        ]);
        for (const m of pool) {
          expect(
            await stack.permissions.isPermittedAuthMethod(tokenId, m.authMethodType, m.id),
            `${step}: ${methodKey(m)}`,
          ).to.equal(model.items.includes(m));
        }
      };
      const add = async (m: Method) => {
        await sent(p.addPermittedAuthMethod(tokenId, m, [1n]));
        model.add(m);
      };
      const remove = async (m: Method) => {
        await sent(p.removePermittedAuthMethod(tokenId, m.authMethodType, m.id));
        model.remove(m);
      };

      for (const m of pool.slice(0, 10)) await add(m);
      await check("10 added");
      await remove(model.items[0]);
      await check("first removed");
      await remove(model.items[4]);
      await check("middle (index 4, second word) removed");
      await remove(model.items[model.items.length - 1]);
      await check("last removed");
      await remove(model.items[1]);
      await check("index 1 removed");
      await add(pool[10]);
      await check("new one appended");
      await add(pool[0]);
      await check("a removed one re-added at the end");
      await add(pool[2]);
      await check("a present one re-added: no change");
      // Drain it completely, always from the front (each time removing the entry that the
      // previous removal moved there, whose position must have been updated), then refill.
      while (model.items.length > 0) {
        await remove(model.items[0]);
        await check(`drained to ${model.items.length}`);
      }
      for (const m of [pool[9], pool[8], pool[7], pool[6], pool[5]]) await add(m);
      await check("refilled");
    });

    it("keeps getTokenIdsForAuthMethod in EnumerableSet order over the inline entry and 2-per-slot words (remove first, middle, last)", async () => {
      const { stack, p, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
      const more: bigint[] = [];
      for (let i = 0; i < 5; ++i) more.push(await mintTo(stack, stack.alice));
      const tokens = [tokenId, bobTokenId, ...more];
      const ownerOf = (t: bigint) => (t === bobTokenId ? pBob : p);
      const model = new EnumerableSetModel<bigint>((t) => t.toString());
      const pubkeyOf = new Map(stack.poolKeys.map((k) => [k.tokenId, k.publicKey]));

      const check = async (step: string) => {
        expect(
          await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID),
          step,
        ).to.deep.equal(model.items);
        expect(
          await stack.permissions.getPKPPubKeysByAuthMethod(AUTH_METHOD_ACTION, CID),
          step,
        ).to.deep.equal(model.items.map((t) => pubkeyOf.get(t)));
        for (const t of tokens) {
          expect(await stack.permissions.isPermittedAction(t, CID), `${step}: ${t}`).to.equal(
            model.items.includes(t),
          );
        }
      };
      const add = async (t: bigint) => {
        await sent(ownerOf(t).addPermittedAction(t, CID, [1n]));
        model.add(t);
      };
      const remove = async (t: bigint) => {
        await sent(ownerOf(t).removePermittedAction(t, CID));
        model.remove(t);
      };

      for (const t of tokens) await add(t);
      await check("7 PKPs");
      await remove(model.items[0]); // the inline first entry; the last moves into it
      await check("first removed");
      await remove(model.items[3]); // a middle entry in the second word
      await check("middle removed");
      await remove(model.items[model.items.length - 1]);
      await check("last removed");
      // The PKP that moved into the first place can still be removed (its position was updated).
      await remove(model.items[0]);
      await check("moved PKP removed");
      await remove(model.items[0]); // it moved twice: from the end to index 3, then to 0
      await check("a PKP moved twice removed");
      await add(tokens[0]);
      await check("re-added at the end");
      await remove(model.items[0]); // it moved from index 2 (in a slot word) to the inline entry
      await check("a PKP moved out of a slot word removed");
      while (model.items.length > 0) {
        await remove(model.items[model.items.length - 1]);
        await check(`emptied from the back to ${model.items.length}`);
      }
      for (const t of [...tokens].reverse()) await add(t);
      await check("refilled in reverse");
    });

    it("tells PKPs of different key types apart in the reverse index", async () => {
      const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
      const otherKeys = testKeys(2, "other-type");
      await registerKeys(stack.router, otherKeys, 3n);
      const cost = await stack.pkpNft.mintCost();
      await sent(stack.pkpNft.connect(stack.alice).mintNext(3n, { value: cost }));
      const otherTokenId = otherKeys[0].tokenId;
      expect(await stack.pkpNft.ownerOf(otherTokenId)).to.equal(stack.alice.address);
      await sent(p.addPermittedAuthMethod(tokenId, GENERIC, []));
      await sent(p.addPermittedAuthMethod(otherTokenId, GENERIC, []));
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_GOOGLE_JWT, GENERIC.id),
      ).to.deep.equal([tokenId, otherTokenId]);
      await sent(p.removePermittedAuthMethod(tokenId, AUTH_METHOD_GOOGLE_JWT, GENERIC.id));
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_GOOGLE_JWT, GENERIC.id),
      ).to.deep.equal([otherTokenId]);
      expect(
        await stack.permissions.getPKPPubKeysByAuthMethod(AUTH_METHOD_GOOGLE_JWT, GENERIC.id),
      ).to.deep.equal([otherKeys[0].publicKey]);
    });
  });

  describe("scopes", () => {
    const SCOPE_IDS = [1n, 2n, 10n, 20n, 40n, 183n, 184n, 255n, 256n, 1000n, 2n ** 255n];

    for (const scope of SCOPE_IDS) {
      it(`adds and removes scope ${scope} on actions, addresses and generic methods, with events carrying the real type`, async () => {
        const { stack, p, tokenId, dave } = await loadFixture(twoPkpsFixture);
        for (const m of [actionMethod(CID), addressMethod(dave), OTHER_GENERIC]) {
          await sent(p.addPermittedAuthMethod(tokenId, m, []));
          const present = (s: bigint) =>
            stack.permissions.isPermittedAuthMethodScopePresent(tokenId, m.authMethodType, m.id, s);
          const neighbours = [scope - 1n, scope + 1n];
          expect(await present(scope)).to.equal(false);

          await expect(p.addPermittedAuthMethodScope(tokenId, m.authMethodType, m.id, scope))
            .to.emit(stack.permissions, "PermittedAuthMethodScopeAdded")
            .withArgs(tokenId, m.authMethodType, m.id, scope);
          expect(await present(scope), `${methodKey(m)} has ${scope}`).to.equal(true);
          for (const n of neighbours) expect(await present(n), `neighbour ${n}`).to.equal(false);
          // Adding it twice is harmless.
          await sent(p.addPermittedAuthMethodScope(tokenId, m.authMethodType, m.id, scope));
          expect(await present(scope)).to.equal(true);

          await expect(p.removePermittedAuthMethodScope(tokenId, m.authMethodType, m.id, scope))
            .to.emit(stack.permissions, "PermittedAuthMethodScopeRemoved")
            .withArgs(tokenId, m.authMethodType, m.id, scope);
          expect(await present(scope)).to.equal(false);
          expect(
            await stack.permissions.isPermittedAuthMethod(tokenId, m.authMethodType, m.id),
            "removing a scope keeps the method",
          ).to.equal(true);
        }
      });
    }

    it("lists scopes below maxScopeId with getPermittedAuthMethodScopes, inline and overflow alike", async () => {
      const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
      const scopes = [1n, 2n, 10n, 20n, 40n, 183n, 184n, 255n, 256n, 1000n];
      await sent(p.addPermittedAuthMethod(tokenId, GENERIC, [...scopes, 2n ** 255n]));
      for (const max of [0n, 1n, 3n, 183n, 184n, 185n, 256n, 257n, 1000n, 1001n, 1500n]) {
        const listed = await scopesOf(stack, tokenId, GENERIC, max);
        expect(listed, `maxScopeId ${max}`).to.have.lengthOf(Number(max));
        expect(listed, `maxScopeId ${max}`).to.deep.equal(
          scopeList(
            max,
            scopes.filter((s) => s < max),
          ),
        );
      }
      // 2^255 lives far above: present, and it aliases none of its neighbours.
      for (const [s, expected] of [
        [2n ** 255n, true],
        [2n ** 255n - 1n, false],
        [2n ** 255n + 1n, false],
        [2n ** 255n + 256n, false],
        [0n, false],
      ] as const) {
        expect(
          await stack.permissions.isPermittedAuthMethodScopePresent(
            tokenId,
            AUTH_METHOD_GOOGLE_JWT,
            GENERIC.id,
            s,
          ),
          `scope ${s}`,
        ).to.equal(expected);
      }
    });

    it("answers empty scopes (of length maxScopeId) for a method the PKP does not permit", async () => {
      const { stack, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
      await sent(pBob.addPermittedAuthMethod(bobTokenId, GENERIC, [1n, 300n]));
      expect(await scopesOf(stack, tokenId, GENERIC, 301n)).to.deep.equal(scopeList(301n, []));
      expect(await scopesOf(stack, tokenId, OTHER_GENERIC, 5n)).to.deep.equal(scopeList(5n, []));
      expect(
        await stack.permissions.isPermittedAuthMethodScopePresent(
          tokenId,
          AUTH_METHOD_GOOGLE_JWT,
          GENERIC.id,
          1n,
        ),
      ).to.equal(false);
    });

    it("keeps scopes per PKP: the same method has its own scopes on each", async () => {
      const { stack, p, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
      await sent(p.addPermittedAction(tokenId, CID, [1n, 200n]));
      await sent(pBob.addPermittedAction(bobTokenId, CID, [2n, 300n]));
      expect(await scopesOf(stack, tokenId, actionMethod(CID), 301n)).to.deep.equal(
        scopeList(301n, [1n, 200n]),
      );
      expect(await scopesOf(stack, bobTokenId, actionMethod(CID), 301n)).to.deep.equal(
        scopeList(301n, [2n, 300n]),
      );
      await sent(p.removePermittedAuthMethodScope(tokenId, AUTH_METHOD_ACTION, CID, 200n));
      expect(await scopesOf(stack, bobTokenId, actionMethod(CID), 301n)).to.deep.equal(
        scopeList(301n, [2n, 300n]),
      );
    });

    it("rejects adding a scope to a method the PKP does not permit with AuthMethodNotPermitted (never seen, other PKP's, removed)", async () => {
      const { stack, p, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
      await sent(pBob.addPermittedAuthMethod(bobTokenId, GENERIC, [1n]));
      await sent(p.addPermittedAction(tokenId, CID, [1n]));
      await sent(p.removePermittedAction(tokenId, CID));
      const cases: Array<[bigint, string, bigint]> = [
        [CUSTOM_TYPE, "0x77", 1n],
        [AUTH_METHOD_GOOGLE_JWT, GENERIC.id, 2n],
        [AUTH_METHOD_ACTION, CID, 1n],
        [AUTH_METHOD_ACTION, CID, 500n],
      ];
      for (const [type, id, scope] of cases) {
        await expect(p.addPermittedAuthMethodScope(tokenId, type, id, scope))
          .to.be.revertedWithCustomError(stack.permissions, "AuthMethodNotPermitted")
          .withArgs(tokenId, type, id);
      }
      expect(await methodsOf(stack, tokenId)).to.deep.equal([]);
    });

    it("does not revert when removing a scope of a method the PKP does not permit, and still emits", async () => {
      const { stack, p, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
      await sent(pBob.addPermittedAuthMethod(bobTokenId, GENERIC, [1n, 300n]));
      for (const [type, id, scope] of [
        [CUSTOM_TYPE, "0x77", 1n],
        [AUTH_METHOD_GOOGLE_JWT, GENERIC.id, 1n],
        [AUTH_METHOD_GOOGLE_JWT, GENERIC.id, 300n],
      ] as const) {
        await expect(p.removePermittedAuthMethodScope(tokenId, type, id, scope))
          .to.emit(stack.permissions, "PermittedAuthMethodScopeRemoved")
          .withArgs(tokenId, type, id, scope);
      }
      expect(await scopesOf(stack, bobTokenId, GENERIC, 301n)).to.deep.equal(
        scopeList(301n, [1n, 300n]),
      );
      expect(await methodsOf(stack, tokenId)).to.deep.equal([]);
    });
  });

  describe("views", () => {
    it("computes getAuthMethodId as keccak256(abi.encode(type, id))", async () => {
      const { stack, dave } = await loadFixture(twoPkpsFixture);
      const coder = ethers.AbiCoder.defaultAbiCoder();
      for (const [type, id] of [
        [AUTH_METHOD_ACTION, CID],
        [AUTH_METHOD_ADDRESS, addressId(dave)],
        [AUTH_METHOD_GOOGLE_JWT, GENERIC.id],
        [0n, "0x"],
        [MAX_UINT256, ethers.hexlify(new Uint8Array(70).fill(7))],
      ] as const) {
        expect(await stack.permissions.getAuthMethodId(type, id)).to.equal(
          BigInt(ethers.keccak256(coder.encode(["uint256", "bytes"], [type, id]))),
        );
      }
      // Lit's well-known vector: the action id for QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeXN.
      const litCid = "0x12207357d67be1b8ff5af8be286869e14cefd263c8c18bc7b11e9cb1778aadf6b315";
      expect(await stack.permissions.getAuthMethodId(2n, litCid)).to.equal(
        BigInt(ethers.keccak256(coder.encode(["uint256", "bytes"], [2n, litCid]))),
      );
    });

    it("lists the owner first in getPermittedAddresses, and twice if also added explicitly (as Lit does)", async () => {
      const { stack, p, tokenId, dave } = await loadFixture(twoPkpsFixture);
      expect(await stack.permissions.getPermittedAddresses(tokenId)).to.deep.equal([
        stack.alice.address,
      ]);
      await sent(p.addPermittedAddress(tokenId, dave, []));
      await sent(p.addPermittedAction(tokenId, CID, []));
      await sent(p.addPermittedAddress(tokenId, stack.alice, []));
      expect(await stack.permissions.getPermittedAddresses(tokenId)).to.deep.equal([
        stack.alice.address,
        dave.address,
        stack.alice.address,
      ]);
    });

    it("answers isPermittedAddress for the owner and permitted addresses only, following the owner through a transfer", async () => {
      const { stack, p, tokenId, dave } = await loadFixture(twoPkpsFixture);
      const is = (who: { address: string }) =>
        stack.permissions.isPermittedAddress(tokenId, who.address);
      await sent(p.addPermittedAddress(tokenId, dave, []));
      expect(await is(stack.alice)).to.equal(true);
      expect(await is(dave)).to.equal(true);
      expect(await is(stack.stranger)).to.equal(false);
      expect(await is(stack.deployer)).to.equal(false);
      expect(await is({ address: ethers.ZeroAddress })).to.equal(false);

      await sent(stack.pkpNft.connect(stack.alice).transferFrom(stack.alice, stack.carol, tokenId));
      expect(await is(stack.alice)).to.equal(false);
      expect(await is(stack.carol)).to.equal(true);
      expect(await is(dave)).to.equal(true);
      expect(await stack.permissions.getPermittedAddresses(tokenId)).to.deep.equal([
        stack.carol.address,
        dave.address,
      ]);
    });

    it("answers no owner and no permissions for a token that was never minted", async () => {
      const { stack } = await loadFixture(twoPkpsFixture);
      const unminted = stack.poolKeys[5].tokenId;
      expect(await stack.permissions.getPermittedAddresses(unminted)).to.deep.equal([]);
      expect(await stack.permissions.getPermittedAuthMethods(unminted)).to.deep.equal([]);
      expect(await stack.permissions.getPermittedActions(unminted)).to.deep.equal([]);
      expect(await stack.permissions.isPermittedAddress(unminted, ethers.ZeroAddress)).to.equal(
        false,
      );
    });

    it("lists only type-2 ids in getPermittedActions, in order", async () => {
      const { stack, p, tokenId, dave } = await loadFixture(twoPkpsFixture);
      await sent(p.addPermittedAddress(tokenId, dave, []));
      await sent(p.addPermittedAction(tokenId, OTHER_CID, []));
      await sent(p.addPermittedAuthMethod(tokenId, GENERIC, []));
      await sent(p.addPermittedAuthMethod(tokenId, method(AUTH_METHOD_ACTION, CID, PUBKEY_A), []));
      expect(await stack.permissions.getPermittedActions(tokenId)).to.deep.equal([OTHER_CID, CID]);
      expect(await stack.permissions.isPermittedAction(tokenId, CID)).to.equal(true);
      expect(await stack.permissions.isPermittedAction(tokenId, fakeCid("nope"))).to.equal(false);
    });

    it("returns the public keys of the PKPs permitting a method from getPKPPubKeysByAuthMethod", async () => {
      const { stack, p, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
      expect(
        await stack.permissions.getPKPPubKeysByAuthMethod(AUTH_METHOD_GOOGLE_JWT, GENERIC.id),
      ).to.deep.equal([]);
      await sent(pBob.addPermittedAuthMethod(bobTokenId, GENERIC, []));
      await sent(p.addPermittedAuthMethod(tokenId, GENERIC, []));
      expect(
        await stack.permissions.getPKPPubKeysByAuthMethod(AUTH_METHOD_GOOGLE_JWT, GENERIC.id),
      ).to.deep.equal([stack.poolKeys[1].publicKey, stack.poolKeys[0].publicKey]);
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_GOOGLE_JWT, GENERIC.id),
      ).to.deep.equal([bobTokenId, tokenId]);
    });

    it("returns the key and address of a PKP from the router, and the wired contract addresses", async () => {
      const { stack, tokenId } = await loadFixture(twoPkpsFixture);
      const key = stack.poolKeys[0];
      expect(tokenId).to.equal(key.tokenId);
      expect(await stack.permissions.getPubkey(tokenId)).to.equal(key.publicKey);
      expect(await stack.permissions.getEthAddress(tokenId)).to.equal(key.ethAddress);
      // A routed key answers even before it is minted; an unrouted id answers empty.
      expect(await stack.permissions.getPubkey(stack.poolKeys[7].tokenId)).to.equal(
        stack.poolKeys[7].publicKey,
      );
      expect(await stack.permissions.getPubkey(42n)).to.equal("0x");
      expect(await stack.permissions.getEthAddress(42n)).to.equal(ethers.ZeroAddress);
      expect(await stack.permissions.getPkpNftAddress()).to.equal(await stack.pkpNft.getAddress());
      expect(await stack.permissions.getRouterAddress()).to.equal(await stack.router.getAddress());
    });
  });

  describe("batchAddRemoveAuthMethods", () => {
    it("adds first, then removes, emitting in that order", async () => {
      const { stack, p, tokenId, dave } = await loadFixture(twoPkpsFixture);
      await sent(p.addPermittedAction(tokenId, CID, [1n]));
      const tx = await p.batchAddRemoveAuthMethods(
        tokenId,
        [AUTH_METHOD_GOOGLE_JWT, AUTH_METHOD_ADDRESS],
        [GENERIC.id, addressId(dave)],
        [PUBKEY_A, "0x"],
        [[1n, 2n], []],
        [AUTH_METHOD_ACTION, AUTH_METHOD_GOOGLE_JWT],
        [CID, GENERIC.id],
      );
      await expect(tx)
        .to.emit(stack.permissions, "PermittedAuthMethodAdded")
        .withArgs(tokenId, AUTH_METHOD_GOOGLE_JWT, GENERIC.id, PUBKEY_A);
      await expect(tx)
        .to.emit(stack.permissions, "PermittedAuthMethodRemoved")
        .withArgs(tokenId, AUTH_METHOD_GOOGLE_JWT, GENERIC.id);
      expect(await permissionEvents(stack, tx)).to.deep.equal([
        ["PermittedAuthMethodScopeAdded", tokenId, AUTH_METHOD_GOOGLE_JWT, GENERIC.id, 1n],
        ["PermittedAuthMethodScopeAdded", tokenId, AUTH_METHOD_GOOGLE_JWT, GENERIC.id, 2n],
        ["PermittedAuthMethodAdded", tokenId, AUTH_METHOD_GOOGLE_JWT, GENERIC.id, PUBKEY_A],
        ["PermittedAuthMethodAdded", tokenId, AUTH_METHOD_ADDRESS, addressId(dave), "0x"],
        ["PermittedAuthMethodRemoved", tokenId, AUTH_METHOD_ACTION, CID],
        ["PermittedAuthMethodRemoved", tokenId, AUTH_METHOD_GOOGLE_JWT, GENERIC.id],
      ]);
      // Added then removed in the same batch: gone (a remove-then-add order would have kept it).
      expect(await methodsOf(stack, tokenId)).to.deep.equal([addressMethod(dave)]);
      expect(await scopesOf(stack, tokenId, GENERIC, 3n)).to.deep.equal(scopeList(3n, []));
    });

    it("does nothing and emits nothing for an empty batch", async () => {
      const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
      await sent(p.addPermittedAction(tokenId, CID, [1n]));
      const tx = await p.batchAddRemoveAuthMethods(tokenId, [], [], [], [], [], []);
      expect(await permissionEvents(stack, tx)).to.deep.equal([]);
      expect(await methodsOf(stack, tokenId)).to.deep.equal([actionMethod(CID)]);
    });

    const addMismatches: Array<[string, bigint[], string[], string[], bigint[][]]> = [
      ["ids", [AUTH_METHOD_GOOGLE_JWT, CUSTOM_TYPE], [GENERIC.id], ["0x", "0x"], [[], []]],
      ["pubkeys", [AUTH_METHOD_GOOGLE_JWT], [GENERIC.id], [], [[]]],
      ["scopes", [AUTH_METHOD_GOOGLE_JWT], [GENERIC.id], ["0x"], [[], [1n]]],
      ["types", [], [GENERIC.id], ["0x"], [[]]],
    ];
    for (const [which, types, ids, pubkeys, scopes] of addMismatches) {
      it(`rejects add arrays whose ${which} length differs with AddArraysLengthMismatch`, async () => {
        const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
        await sent(p.addPermittedAction(tokenId, CID, [1n]));
        await expect(
          p.batchAddRemoveAuthMethods(
            tokenId,
            types,
            ids,
            pubkeys,
            scopes,
            [AUTH_METHOD_ACTION],
            [CID],
          ),
        )
          .to.be.revertedWithCustomError(stack.permissions, "AddArraysLengthMismatch")
          .withArgs(types.length, ids.length, pubkeys.length, scopes.length);
        expect(await methodsOf(stack, tokenId)).to.deep.equal([actionMethod(CID)]);
      });
    }

    for (const [types, ids] of [
      [[AUTH_METHOD_ACTION], []],
      [[], [CID]],
      [[AUTH_METHOD_ACTION, AUTH_METHOD_GOOGLE_JWT], [CID]],
    ] as Array<[bigint[], string[]]>) {
      it(`rejects ${types.length} remove types with ${ids.length} ids with RemoveArraysLengthMismatch`, async () => {
        const { stack, p, tokenId } = await loadFixture(twoPkpsFixture);
        await sent(p.addPermittedAction(tokenId, CID, [1n]));
        await expect(
          p.batchAddRemoveAuthMethods(
            tokenId,
            [AUTH_METHOD_GOOGLE_JWT],
            [GENERIC.id],
            ["0x"],
            [[1n]],
            types,
            ids,
          ),
        )
          .to.be.revertedWithCustomError(stack.permissions, "RemoveArraysLengthMismatch")
          .withArgs(types.length, ids.length);
        expect(await methodsOf(stack, tokenId)).to.deep.equal([actionMethod(CID)]);
      });
    }

    it("changes nothing when one of its adds fails (UserPubkeyMismatch on the second add)", async () => {
      const { stack, p, pBob, tokenId, bobTokenId } = await loadFixture(twoPkpsFixture);
      const passkey = ethers.id("passkey");
      await sent(
        pBob.addPermittedAuthMethod(
          bobTokenId,
          method(AUTH_METHOD_WEBAUTHN, passkey, PUBKEY_A),
          [],
        ),
      );
      await sent(p.addPermittedAction(tokenId, CID, [1n]));
      await sent(p.addPermittedAuthMethod(tokenId, method(CUSTOM_TYPE, "0x01", PUBKEY_C), []));
      const before = await methodsOf(stack, tokenId);
      await expect(
        p.batchAddRemoveAuthMethods(
          tokenId,
          [AUTH_METHOD_GOOGLE_JWT, CUSTOM_TYPE, AUTH_METHOD_WEBAUTHN],
          [GENERIC.id, "0x01", passkey],
          [PUBKEY_A, "0x", PUBKEY_B],
          [[1n, 400n], [2n], []],
          [AUTH_METHOD_ACTION],
          [CID],
        ),
      )
        .to.be.revertedWithCustomError(stack.permissions, "UserPubkeyMismatch")
        .withArgs(AUTH_METHOD_WEBAUTHN, passkey);
      expect(await methodsOf(stack, tokenId)).to.deep.equal(before);
      expect(await scopesOf(stack, tokenId, GENERIC, 401n)).to.deep.equal(scopeList(401n, []));
      expect(await stack.permissions.getUserPubkeyForAuthMethod(CUSTOM_TYPE, "0x01")).to.equal(
        PUBKEY_C,
      );
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_GOOGLE_JWT, GENERIC.id),
      ).to.deep.equal([]);
    });
  });

  describe("root hashes", () => {
    /** OpenZeppelin's commutative pair hash: keccak256 of the sorted pair. */
    function hashPair(a: string, b: string): string {
      return BigInt(a) < BigInt(b)
        ? ethers.keccak256(ethers.concat([a, b]))
        : ethers.keccak256(ethers.concat([b, a]));
    }

    async function merkleFixture() {
      const base = await twoPkpsFixture();
      const leaves = ["alpha", "beta", "gamma", "delta"].map((s) =>
        ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["string"], [s])),
      );
      const n01 = hashPair(leaves[0], leaves[1]);
      const n23 = hashPair(leaves[2], leaves[3]);
      const root = hashPair(n01, n23);
      return { ...base, leaves, n01, n23, root };
    }

    it("emits RootHashUpdated from setRootHash, for any group", async () => {
      const { stack, p, tokenId, root } = await loadFixture(merkleFixture);
      for (const group of [0n, 7n, 2n ** 255n]) {
        await expect(p.setRootHash(tokenId, group, root))
          .to.emit(stack.permissions, "RootHashUpdated")
          .withArgs(tokenId, group, root);
      }
    });

    it("verifies an OpenZeppelin-style proof only once the root is set, only for its PKP and group", async () => {
      const { stack, p, pBob, tokenId, bobTokenId, leaves, n01, n23, root } =
        await loadFixture(merkleFixture);
      const verify = (t: bigint, group: bigint, proof: string[], leaf: string) =>
        stack.permissions.verifyState(t, group, proof, leaf);
      const proofFor0 = [leaves[1], n23];
      const proofFor3 = [leaves[2], n01];
      expect(await verify(tokenId, 1n, proofFor0, leaves[0]), "no root yet").to.equal(false);

      await sent(p.setRootHash(tokenId, 1n, root));
      expect(await verify(tokenId, 1n, proofFor0, leaves[0])).to.equal(true);
      expect(await verify(tokenId, 1n, proofFor3, leaves[3])).to.equal(true);
      expect(await verify(tokenId, 1n, proofFor0, leaves[2]), "wrong leaf").to.equal(false);
      expect(await verify(tokenId, 1n, proofFor0, ethers.id("nope")), "foreign leaf").to.equal(
        false,
      );
      expect(await verify(tokenId, 2n, proofFor0, leaves[0]), "other group").to.equal(false);
      expect(await verify(bobTokenId, 1n, proofFor0, leaves[0]), "other PKP").to.equal(false);

      await sent(pBob.setRootHash(bobTokenId, 1n, ethers.id("another root")));
      expect(await verify(bobTokenId, 1n, proofFor0, leaves[0])).to.equal(false);

      await sent(p.setRootHash(tokenId, 1n, ethers.ZeroHash));
      expect(await verify(tokenId, 1n, proofFor0, leaves[0]), "root cleared").to.equal(false);
    });

    it("verifies an OpenZeppelin multiproof with verifyStates", async () => {
      const { stack, p, tokenId, leaves, n01, n23, root } = await loadFixture(merkleFixture);
      const verify = (proof: string[], flags: boolean[], ls: string[]) =>
        stack.permissions.verifyStates(tokenId, 3n, proof, flags, ls);
      expect(await verify([n23], [true, false], [leaves[0], leaves[1]]), "no root").to.equal(false);
      await sent(p.setRootHash(tokenId, 3n, root));
      // Leaves 0 and 1 hash together; n23 comes from the proof.
      expect(await verify([n23], [true, false], [leaves[0], leaves[1]])).to.equal(true);
      // Leaves 0 and 2 each take a sibling from the proof, then the two nodes hash together.
      expect(
        await verify([leaves[1], leaves[3]], [false, false, true], [leaves[0], leaves[2]]),
      ).to.equal(true);
      // All four leaves, no proof.
      expect(await verify([], [true, true, true], leaves)).to.equal(true);
      expect(
        await verify([n23], [true, false], [leaves[0], ethers.id("forged")]),
        "forged leaf",
      ).to.equal(false);
      expect(await verify([n01], [true, false], [leaves[2], leaves[3]])).to.equal(true);
      expect(
        await stack.permissions.verifyStates(
          tokenId,
          4n,
          [n23],
          [true, false],
          [leaves[0], leaves[1]],
        ),
        "other group",
      ).to.equal(false);
    });
  });

  describe("a PKP burned by its owner", () => {
    /**
     * Alice's PKP permits an action (scopes 1, 2), Dave's address (scope 1) and a custom auth
     * method with a user pubkey (scopes 1, 300, 2^255), has a root hash, and Bob is Alice's
     * operator; then Alice burns it with PKPNFT.burn.
     */
    async function burnedFixture() {
      const stack = await stackWithPoolFixture();
      const dave = (await ethers.getSigners())[5];
      const tokenId = await mintTo(stack, stack.alice);
      const p = stack.permissions.connect(stack.alice);
      const custom = method(CUSTOM_TYPE, "0xc0ffee", PUBKEY_A);
      await sent(p.addPermittedAction(tokenId, CID, [SCOPE_SIGN_ANYTHING, SCOPE_PERSONAL_SIGN]));
      await sent(p.addPermittedAddress(tokenId, dave, [SCOPE_SIGN_ANYTHING]));
      await sent(p.addPermittedAuthMethod(tokenId, custom, [1n, 300n]));
      await sent(p.addPermittedAuthMethodScope(tokenId, CUSTOM_TYPE, custom.id, 2n ** 255n));
      await sent(p.setRootHash(tokenId, 0n, ethers.id("root")));
      await sent(stack.pkpNft.connect(stack.alice).setApprovalForAll(stack.bob, true));
      const methodsBeforeBurn = await methodsOf(stack, tokenId);
      const addressesBeforeBurn = [...(await stack.permissions.getPermittedAddresses(tokenId))];
      await sent(stack.pkpNft.connect(stack.alice).burn(tokenId));
      return { stack, tokenId, dave, custom, methodsBeforeBurn, addressesBeforeBurn };
    }

    it("keeps every grant and scope it had before the burn; only the owner leaves the addresses", async () => {
      const { stack, tokenId, dave, custom, methodsBeforeBurn, addressesBeforeBurn } =
        await loadFixture(burnedFixture);
      expect(methodsBeforeBurn).to.deep.equal([actionMethod(CID), addressMethod(dave), custom]);
      expect(await methodsOf(stack, tokenId)).to.deep.equal(methodsBeforeBurn);
      expect(addressesBeforeBurn).to.deep.equal([stack.alice.address, dave.address]);
      expect(await stack.permissions.getPermittedAddresses(tokenId)).to.deep.equal([dave.address]);
      expect(await stack.permissions.isPermittedAddress(tokenId, stack.alice)).to.equal(false);
      expect(await stack.permissions.isPermittedAddress(tokenId, dave)).to.equal(true);
      expect(await scopesOf(stack, tokenId, actionMethod(CID), 3n)).to.deep.equal([
        false,
        true,
        true,
      ]);
      expect(await scopesOf(stack, tokenId, custom, 301n)).to.deep.equal(
        scopeList(301n, [1n, 300n]),
      );
      expect(
        await stack.permissions.isPermittedAuthMethodScopePresent(
          tokenId,
          CUSTOM_TYPE,
          custom.id,
          2n ** 255n,
        ),
      ).to.equal(true);
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID),
      ).to.deep.equal([tokenId]);
    });

    describe("after a burn", () =>
      shouldLockGrantsAfterBurn(async () => {
        const { stack, tokenId, methodsBeforeBurn } = await loadFixture(burnedFixture);
        return {
          stack,
          tokenId,
          lastOwner: stack.alice,
          operator: stack.bob,
          authMethodsAfterBurn: methodsBeforeBurn,
        };
      }));
  });
});
