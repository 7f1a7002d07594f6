/**
 * A contract that wraps mintGrantAndBurnNext, ready to act in the middle of it (it records any
 * callback: the ERC-721 receiver hook, ether, any other call) and acting right after it in the
 * same transaction (contracts/test/attacks/MintGrantBurnWrapper.sol). No path gives it control
 * during the mint, and every attempt after it is refused with an exact error.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MintGrantBurnWrapper__factory } from "../../typechain-types";
import { fakeCid } from "../helpers/keys";
import {
  AUTH_METHOD_ACTION,
  KEY_TYPE_ECDSA,
  SCOPE_SIGN_ANYTHING,
  stackWithPoolFixture,
} from "../helpers/stack";

const CID = fakeCid("wrapped.js");
const OTHER_CID = fakeCid("wrapper-evil.js");

/** MintGrantBurnWrapper.Attempt, in order, with the contract that must refuse it. */
const ATTEMPTS = [
  ["Burn", "nft"],
  ["TransferFromNft", "nft"],
  ["Approve", "nft"],
  ["AddAction", "permissions"],
  ["RemoveAction", "permissions"],
  ["AddScope", "permissions"],
  ["RemoveScope", "permissions"],
  ["SetRootHash", "permissions"],
  ["AddAddress", "permissions"],
  ["BatchAdd", "permissions"],
] as const;

describe("attack: wrapping mintGrantAndBurnNext", () => {
  async function wrappedFixture() {
    const stack = await stackWithPoolFixture();
    const wrapper = await new MintGrantBurnWrapper__factory(stack.stranger).deploy(
      await stack.pkpNft.getAddress(),
      await stack.permissions.getAddress(),
    );
    const tokenId = stack.poolKeys[0].tokenId;
    const tx = await wrapper.attack(KEY_TYPE_ECDSA, CID, OTHER_CID, { value: 1n });
    const receipt = await tx.wait();
    if (!receipt) throw new Error("no receipt");
    const attempts = receipt.logs
      .map((log) => {
        try {
          return wrapper.interface.parseLog(log);
        } catch {
          return null;
        }
      })
      .filter((parsed) => parsed?.name === "Attempted")
      .map((parsed) => ({
        attempt: Number(parsed!.args[0]),
        ok: parsed!.args[1] as boolean,
        result: parsed!.args[2] as string,
      }));
    return { stack, wrapper, tokenId, receipt, attempts };
  }

  it("never gets control during the mint: no receiver hook, no ether, no other call", async () => {
    const { wrapper, receipt } = await loadFixture(wrappedFixture);
    expect(await wrapper.callbacks()).to.equal(0n);
    const callbacks = receipt.logs.filter(
      (log) => log.topics[0] === wrapper.interface.getEvent("CallbackReceived").topicHash,
    );
    expect(callbacks).to.have.length(0);
  });

  for (const [index, [name, refuser]] of ATTEMPTS.entries()) {
    it(`after the mint, ${name} on the fresh PKP is refused as nonexistent`, async () => {
      const { stack, tokenId, attempts } = await loadFixture(wrappedFixture);
      const expected =
        refuser === "nft"
          ? stack.pkpNft.interface.encodeErrorResult("ERC721NonexistentToken", [tokenId])
          : stack.permissions.interface.encodeErrorResult("NonexistentPKP", [tokenId]);
      expect(attempts[index]).to.deep.equal({ attempt: index, ok: false, result: expected });
    });
  }

  it("leaves exactly the one grant: the action with scope 1, no owner, no root", async () => {
    const { stack, wrapper, tokenId } = await loadFixture(wrappedFixture);
    const methods = await stack.permissions.getPermittedAuthMethods(tokenId);
    expect(methods.map((m) => [m.authMethodType, m.id, m.userPubkey])).to.deep.equal([
      [AUTH_METHOD_ACTION, CID, "0x"],
    ]);
    const scopes = await stack.permissions.getPermittedAuthMethodScopes(
      tokenId,
      AUTH_METHOD_ACTION,
      CID,
      4n,
    );
    expect([...scopes]).to.deep.equal([false, true, false, false]);
    expect(
      await stack.permissions.isPermittedAddress(tokenId, await wrapper.getAddress()),
    ).to.equal(false);
    expect(await stack.permissions.getPermittedAddresses(tokenId)).to.deep.equal([]);
    expect(await stack.permissions.verifyState(tokenId, 0n, [], ethers.id("root"))).to.equal(false);
    expect(await stack.pkpNft.ownerOrZero(tokenId)).to.equal(ethers.ZeroAddress);
    expect(await stack.pkpNft.totalSupply()).to.equal(0n);
    expect(
      await stack.permissions.isPermittedAuthMethodScopePresent(
        tokenId,
        AUTH_METHOD_ACTION,
        CID,
        SCOPE_SIGN_ANYTHING,
      ),
    ).to.equal(true);
  });

  it("a second wrapped mint with the same CID gets a new id; the first stays as it was", async () => {
    const { stack, wrapper, tokenId } = await loadFixture(wrappedFixture);
    const second = await wrapper.attack.staticCall(KEY_TYPE_ECDSA, CID, OTHER_CID, { value: 1n });
    await (await wrapper.attack(KEY_TYPE_ECDSA, CID, OTHER_CID, { value: 1n })).wait();
    expect(second).to.equal(stack.poolKeys[1].tokenId);
    expect(await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID)).to.deep.equal(
      [tokenId, second],
    );
    expect(await wrapper.callbacks()).to.equal(0n);
  });
});
