/**
 * What an action reads through Lit.Actions' permission calls equals what the contracts answer:
 * every read of the real ExecutionHost / PinnedChainView, in Lit's shapes (CIDs for actions that
 * are CIDv0 multihashes, hex otherwise; auth methods as { auth_method_type, id, user_pubkey }).
 * (This also covers the chain reads that the authorization tests never need.)
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { cidFromBytes } from "../../../src/cid";
import { cidOfCode, cidToBytes } from "../../../src/cid";
import { AUTH_METHOD_GOOGLE_JWT } from "../../helpers/stack";
import { arena, attackRuntime } from "../attacks/attackFixture";

const READ_ACTION = `(async () => {
  const { tokenId, ipfsId, bob, userId } = jsParams;
  const A = Lit.Actions;
  const reads = {
    isPermittedAction: await A.isPermittedAction({ tokenId, ipfsId }),
    isPermittedAddress: await A.isPermittedAddress({ tokenId, address: bob }),
    isPermittedAuthMethod: await A.isPermittedAuthMethod({ tokenId, authMethodType: 6, userId }),
    getPermittedActions: await A.getPermittedActions({ tokenId }),
    getPermittedAddresses: await A.getPermittedAddresses({ tokenId }),
    getPermittedAuthMethods: await A.getPermittedAuthMethods({ tokenId }),
    getPermittedAuthMethodScopes: await A.getPermittedAuthMethodScopes({ tokenId, authMethodType: "0x6", userId, maxScopeId: 4 }),
    strangerScopes: await A.getPermittedAuthMethodScopes({ tokenId, authMethodType: 6, userId: "0x00" }),
  };
  Lit.Actions.setResponse({ response: JSON.stringify(reads) });
})();`;

describe("Lit.Actions permission reads on a real chain", function () {
  const runtime = attackRuntime();
  after(() => runtime.close());

  it("answers every permission read as the contracts do, in Lit's shapes", async function () {
    const a = await arena(runtime);
    const [, , bob] = await ethers.getSigners();
    const permissions = a.contracts.pkpPermissions.connect(a.alice);
    const tokenId = a.alicePkp.tokenId;
    const ipfsId = await cidOfCode(READ_ACTION);
    const userId = ethers.hexlify(ethers.toUtf8Bytes("google-user-1"));
    await permissions.addPermittedAction(tokenId, cidToBytes(ipfsId), [1n]);
    await permissions.addPermittedAction(tokenId, "0xdeadbeef", []); // not a CIDv0 multihash
    await permissions.addPermittedAddress(tokenId, bob.address, [1n]);
    await permissions.addPermittedAuthMethod(
      tokenId,
      { authMethodType: AUTH_METHOD_GOOGLE_JWT, id: userId, userPubkey: "0x1234" },
      [2n, 3n],
    );

    const result = await a.oracle.execute({
      code: READ_ACTION,
      jsParams: { tokenId: tokenId.toString(), ipfsId, bob: bob.address.toLowerCase(), userId },
    });
    if (!result.success) throw new Error(JSON.stringify(result.error));
    const reads = JSON.parse(result.response) as Record<string, unknown>;

    const onChain = a.contracts.pkpPermissions;
    expect(reads).to.deep.equal({
      isPermittedAction: true,
      isPermittedAddress: true,
      isPermittedAuthMethod: true,
      getPermittedActions: (await onChain.getPermittedActions(tokenId)).map((id) =>
        id === "0xdeadbeef" ? id : cidFromBytes(id),
      ),
      getPermittedAddresses: [...(await onChain.getPermittedAddresses(tokenId))],
      getPermittedAuthMethods: (await onChain.getPermittedAuthMethods(tokenId)).map((m) => ({
        auth_method_type: ethers.toBeHex(m[0]),
        id: m[1],
        user_pubkey: m[2],
      })),
      getPermittedAuthMethodScopes: [
        ...(await onChain.getPermittedAuthMethodScopes(tokenId, AUTH_METHOD_GOOGLE_JWT, userId, 4)),
      ],
      strangerScopes: Array(100).fill(false),
    });
    expect(reads.getPermittedActions).to.deep.equal([ipfsId, "0xdeadbeef"]);
    expect(reads.getPermittedAuthMethodScopes).to.deep.equal([false, false, true, true]);
    expect(result.signatures).to.deep.equal({});
  });
});
