import { expect } from "chai";
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { impersonateAccount, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { AUTH_METHOD_ACTION, AUTH_METHOD_ADDRESS, Stack } from "./stack";
import { fakeCid } from "./keys";

export interface BurnedPkpContext {
  stack: Stack;
  tokenId: bigint;
  lastOwner: HardhatEthersSigner;
  /** an address that was an approved operator of the last owner before the burn */
  operator: HardhatEthersSigner;
  /** the permissions as they were right after the burn, from getPermittedAuthMethods */
  authMethodsAfterBurn?: ReadonlyArray<{
    authMethodType: bigint;
    id: string;
    userPubkey: string;
  }>;
}

/** Scope ids read back for every permitted auth method: 0..MAX_LISTED_SCOPE-1, then probes. */
const MAX_LISTED_SCOPE = 300n;
const PROBED_SCOPES = [1000n, 2n ** 255n, 2n ** 256n - 1n];

/** Everything PKPPermissions (and the router behind it) answers about one PKP, as plain data. */
async function readPkp(stack: Stack, tokenId: bigint, probes: HardhatEthersSigner[]) {
  const p = stack.permissions;
  const methods = (await p.getPermittedAuthMethods(tokenId)).map((m) => ({
    authMethodType: m.authMethodType,
    id: m.id,
    userPubkey: m.userPubkey,
  }));
  const perMethod = [];
  for (const m of methods) {
    perMethod.push({
      permitted: await p.isPermittedAuthMethod(tokenId, m.authMethodType, m.id),
      scopes: [
        ...(await p.getPermittedAuthMethodScopes(
          tokenId,
          m.authMethodType,
          m.id,
          MAX_LISTED_SCOPE,
        )),
      ],
      probedScopes: await Promise.all(
        PROBED_SCOPES.map((s) =>
          p.isPermittedAuthMethodScopePresent(tokenId, m.authMethodType, m.id, s),
        ),
      ),
      tokenIds: [...(await p.getTokenIdsForAuthMethod(m.authMethodType, m.id))],
      userPubkey: await p.getUserPubkeyForAuthMethod(m.authMethodType, m.id),
    });
  }
  const actions = [...(await p.getPermittedActions(tokenId))];
  const addresses = [...(await p.getPermittedAddresses(tokenId))];
  return {
    methods,
    perMethod,
    actions,
    addresses,
    actionsPermitted: await Promise.all(actions.map((a) => p.isPermittedAction(tokenId, a))),
    addressesPermitted: await Promise.all(addresses.map((a) => p.isPermittedAddress(tokenId, a))),
    probesPermitted: await Promise.all(probes.map((s) => p.isPermittedAddress(tokenId, s))),
    pubkey: await p.getPubkey(tokenId),
    ethAddress: await p.getEthAddress(tokenId),
    nftPubkey: await stack.pkpNft.getPubkey(tokenId),
    nftEthAddress: await stack.pkpNft.getEthAddress(tokenId),
  };
}

/** Runs `check`, prefixing any assertion failure with `label` so a table of checks says which failed. */
async function labelled(label: string, check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (error instanceof Error) error.message = `${label}: ${error.message}`;
    throw error;
  }
}

/**
 * Shared behaviour of a burned PKP: its permissions are frozen for ever (every mutator reverts
 * with NonexistentPKP, whoever calls it) and stay readable, and its id never comes back. Call it
 * inside a `describe`; `load` returns a fresh context for every test (use `loadFixture`).
 */
export function shouldLockGrantsAfterBurn(load: () => Promise<BurnedPkpContext>): void {
  async function loadWithReads() {
    const ctx = await load();
    const probes = [ctx.lastOwner, ctx.operator, ctx.stack.deployer, ctx.stack.stranger];
    const reads = await readPkp(ctx.stack, ctx.tokenId, probes);
    return { ...ctx, probes, reads };
  }

  /** Every PKPPermissions mutator, called by `caller` on the burned PKP with plausible arguments. */
  function mutators(
    ctx: BurnedPkpContext,
    reads: Awaited<ReturnType<typeof readPkp>>,
    caller: HardhatEthersSigner,
  ): Array<[string, () => Promise<ContractTransactionResponse>]> {
    const p = ctx.stack.permissions.connect(caller);
    const id = ctx.tokenId;
    const first = reads.methods[0] ?? { authMethodType: 6n, id: "0xabcd", userPubkey: "0x" };
    const newCid = fakeCid("added-after-burn");
    const action = reads.actions[0] ?? newCid;
    const address = reads.addresses[0] ?? ctx.stack.stranger.address;
    return [
      [
        "addPermittedAuthMethod",
        () =>
          p.addPermittedAuthMethod(id, { authMethodType: 6n, id: "0x1234", userPubkey: "0x" }, [
            1n,
          ]),
      ],
      [
        "removePermittedAuthMethod",
        () => p.removePermittedAuthMethod(id, first.authMethodType, first.id),
      ],
      [
        "addPermittedAuthMethodScope",
        () => p.addPermittedAuthMethodScope(id, first.authMethodType, first.id, 2n),
      ],
      [
        "removePermittedAuthMethodScope",
        () => p.removePermittedAuthMethodScope(id, first.authMethodType, first.id, 1n),
      ],
      ["addPermittedAction", () => p.addPermittedAction(id, newCid, [1n])],
      ["removePermittedAction", () => p.removePermittedAction(id, action)],
      ["addPermittedAddress", () => p.addPermittedAddress(id, caller.address, [1n])],
      ["removePermittedAddress", () => p.removePermittedAddress(id, address)],
      [
        "batchAddRemoveAuthMethods",
        () =>
          p.batchAddRemoveAuthMethods(
            id,
            [AUTH_METHOD_ACTION],
            [newCid],
            ["0x"],
            [[1n]],
            [first.authMethodType],
            [first.id],
          ),
      ],
      ["setRootHash", () => p.setRootHash(id, 0n, ethers.id("root after burn"))],
    ];
  }

  const callers: Array<[string, (ctx: BurnedPkpContext) => Promise<HardhatEthersSigner>]> = [
    ["the last owner", async (ctx) => ctx.lastOwner],
    ["an operator of the last owner", async (ctx) => ctx.operator],
    ["the owner of PKPNFT and the router", async (ctx) => ctx.stack.deployer],
    ["a stranger", async (ctx) => ctx.stack.stranger],
    [
      "PKPNFT itself",
      async (ctx) => {
        const nft = await ctx.stack.pkpNft.getAddress();
        await impersonateAccount(nft);
        await setBalance(nft, ethers.parseEther("10"));
        return ethers.getSigner(nft);
      },
    ],
  ];

  for (const [who, signerOf] of callers) {
    it(`rejects every permission change by ${who} with NonexistentPKP`, async () => {
      const { reads, probes, ...ctx } = await loadWithReads();
      const caller = await signerOf(ctx);
      for (const [name, call] of mutators(ctx, reads, caller)) {
        await labelled(name, async () => {
          await expect(call())
            .to.be.revertedWithCustomError(ctx.stack.permissions, "NonexistentPKP")
            .withArgs(ctx.tokenId);
        });
      }
      expect(await readPkp(ctx.stack, ctx.tokenId, probes)).to.deep.equal(reads);
    });
  }

  it("reads the permissions exactly as they were right after the burn", async () => {
    const { reads, authMethodsAfterBurn } = await loadWithReads();
    expect(reads.methods, "a burned PKP without grants proves nothing here").to.not.be.empty;
    if (authMethodsAfterBurn !== undefined) {
      expect(reads.methods).to.deep.equal(
        authMethodsAfterBurn.map((m) => ({
          authMethodType: m.authMethodType,
          id: m.id,
          userPubkey: m.userPubkey,
        })),
      );
    }
  });

  it("still permits every listed auth method, with its scopes, and lists the PKP for it", async () => {
    const { reads, tokenId } = await loadWithReads();
    expect(reads.methods).to.not.be.empty;
    reads.methods.forEach((m, i) => {
      const r = reads.perMethod[i];
      expect(r.permitted, `method ${i} permitted`).to.equal(true);
      expect(r.tokenIds, `PKPs of method ${i}`).to.include(tokenId);
      expect(r.userPubkey, `user pubkey of method ${i}`).to.equal(m.userPubkey);
    });
    expect(
      reads.perMethod.some((r) => r.scopes.includes(true) || r.probedScopes.includes(true)),
      "some scope survives the burn",
    ).to.equal(true);
  });

  it("lists as actions exactly the type-2 ids, all still permitted", async () => {
    const { reads } = await loadWithReads();
    const expected = reads.methods
      .filter((m) => m.authMethodType === AUTH_METHOD_ACTION)
      .map((m) => m.id);
    expect(reads.actions).to.deep.equal(expected);
    expect(reads.actionsPermitted).to.deep.equal(expected.map(() => true));
  });

  it("lists as addresses only the explicitly permitted ones: no owner entry any more", async () => {
    const { reads, probes, stack, tokenId } = await loadWithReads();
    const explicit = reads.methods
      .filter((m) => m.authMethodType === AUTH_METHOD_ADDRESS)
      .map((m) => ethers.getAddress(ethers.dataSlice(m.id, 0, 20)));
    expect(reads.addresses).to.deep.equal(explicit);
    expect(reads.addressesPermitted).to.deep.equal(explicit.map(() => true));
    // The last owner, the operator, ... are permitted only if explicitly listed.
    expect(reads.probesPermitted).to.deep.equal(probes.map((s) => explicit.includes(s.address)));
    expect(await stack.permissions.getPermittedAddresses(tokenId)).to.have.lengthOf(
      explicit.length,
    );
  });

  it("still returns the PKP's public key and address", async () => {
    const { reads, stack, tokenId } = await loadWithReads();
    expect(reads.pubkey).to.have.lengthOf(2 + 65 * 2);
    expect(BigInt(ethers.keccak256(reads.pubkey))).to.equal(tokenId);
    expect(reads.ethAddress).to.equal(ethers.computeAddress(reads.pubkey));
    expect(reads.nftPubkey).to.equal(reads.pubkey);
    expect(reads.nftEthAddress).to.equal(reads.ethAddress);
    expect(await stack.router.getPubkey(tokenId)).to.equal(reads.pubkey);
  });

  it("has no owner: ownerOf reverts with ERC721NonexistentToken and exists is false", async () => {
    const { stack, tokenId } = await loadWithReads();
    await expect(stack.pkpNft.ownerOf(tokenId))
      .to.be.revertedWithCustomError(stack.pkpNft, "ERC721NonexistentToken")
      .withArgs(tokenId);
    expect(await stack.pkpNft.exists(tokenId)).to.equal(false);
    expect(await stack.pkpNft.ownerOrZero(tokenId)).to.equal(ethers.ZeroAddress);
  });

  it("never mints the id again, even when the pool is drained", async () => {
    const { stack, tokenId, reads, probes } = await loadWithReads();
    const keyType = (await stack.router.getRoutingData(tokenId)).keyType;
    const nft = stack.pkpNft.connect(stack.stranger);
    const cost = await stack.pkpNft.mintCost();
    const minted: bigint[] = [];
    while ((await stack.router.unmintedKeyCount(keyType)) > 0n) {
      minted.push(await nft.mintNext.staticCall(keyType, { value: cost }));
      await (await nft.mintNext(keyType, { value: cost })).wait();
    }
    expect(minted).to.not.include(tokenId);
    await expect(nft.mintNext(keyType, { value: cost }))
      .to.be.revertedWithCustomError(stack.router, "NoUnmintedKeys")
      .withArgs(keyType);
    expect(await stack.pkpNft.exists(tokenId)).to.equal(false);
    expect(await readPkp(stack, tokenId, probes)).to.deep.equal(reads);
  });

  it("refuses to route the key again", async () => {
    const { stack, tokenId, reads } = await loadWithReads();
    const keyType = (await stack.router.getRoutingData(tokenId)).keyType;
    const router = stack.router.connect(stack.deployer);
    await expect(
      router.setRoutingData(tokenId, reads.pubkey, ethers.ZeroAddress, keyType, ethers.ZeroHash),
    )
      .to.be.revertedWithCustomError(stack.router, "AlreadyRouted")
      .withArgs(tokenId);
    await expect(router.setRoutingDataBatch([tokenId], [reads.pubkey], keyType))
      .to.be.revertedWithCustomError(stack.router, "AlreadyRouted")
      .withArgs(tokenId);
    expect(await stack.router.unmintedKeys(keyType, 0n, 1000n)).to.not.include(tokenId);
  });
}
