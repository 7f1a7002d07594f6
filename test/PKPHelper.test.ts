import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ContractCaller__factory, PKPHelper__factory } from "../typechain-types";
import { derivedKeyIdOf, derivedTestKey, routeDerivedKey, signClaim } from "./helpers/claims";
import { fakeCid } from "./helpers/keys";
import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  KEY_TYPE_ECDSA,
  mintTo,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
  stackWithPoolFixture,
  AUTH_METHOD_GOOGLE_JWT,
} from "./helpers/stack";

const CID_A = fakeCid("helper-a");
const CID_B = fakeCid("helper-b");
const GOOGLE_ID = ethers.keccak256(ethers.toUtf8Bytes("google:1234:app"));

describe("PKPHelper", () => {
  describe("mintNextAndAddAuthMethods", () => {
    async function mintedWithAuthFixture() {
      const stack = await stackWithPoolFixture();
      const args: [bigint, bigint[], string[], string[], bigint[][], boolean, boolean] = [
        KEY_TYPE_ECDSA,
        [AUTH_METHOD_ACTION, AUTH_METHOD_GOOGLE_JWT],
        [CID_A, GOOGLE_ID],
        ["0x", "0x"],
        [[SCOPE_SIGN_ANYTHING], [SCOPE_PERSONAL_SIGN]],
        true,
        false,
      ];
      const tokenId = await stack.helper
        .connect(stack.alice)
        .mintNextAndAddAuthMethods.staticCall(...args, { value: 1n });
      const tx = await stack.helper.connect(stack.alice).mintNextAndAddAuthMethods(...args, {
        value: 1n,
      });
      const receipt = await tx.wait();
      if (!receipt) throw new Error("no receipt");
      return { stack, tokenId, receipt };
    }

    it("hands the PKP to the caller and keeps none itself", async () => {
      const { stack, tokenId } = await loadFixture(mintedWithAuthFixture);
      expect(await stack.pkpNft.ownerOf(tokenId)).to.equal(stack.alice.address);
      expect(await stack.pkpNft.balanceOf(await stack.helper.getAddress())).to.equal(0n);
    });

    it("puts the token id in topics[1] of the first log, where Lit's SDK reads it", async () => {
      const { tokenId, receipt } = await loadFixture(mintedWithAuthFixture);
      expect(BigInt(receipt.logs[0].topics[1])).to.equal(tokenId);
    });

    it("permits the auth methods with their scopes, then the PKP's own address with none", async () => {
      const { stack, tokenId } = await loadFixture(mintedWithAuthFixture);
      const pkpAddress = await stack.pkpNft.getEthAddress(tokenId);
      const methods = await stack.permissions.getPermittedAuthMethods(tokenId);
      expect(methods.map((m) => [m.authMethodType, m.id])).to.deep.equal([
        [AUTH_METHOD_ACTION, CID_A],
        [AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID],
        [AUTH_METHOD_ADDRESS, pkpAddress.toLowerCase()],
      ]);
      const p = stack.permissions;
      expect(await p.isPermittedAuthMethodScopePresent(tokenId, AUTH_METHOD_ACTION, CID_A, 1)).to.be
        .true;
      expect(
        await p.isPermittedAuthMethodScopePresent(tokenId, AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID, 2),
      ).to.be.true;
      expect(
        await p.getPermittedAuthMethodScopes(tokenId, AUTH_METHOD_ADDRESS, pkpAddress, 3),
      ).to.deep.equal([false, false, false]);
      expect(await p.getPermittedAddresses(tokenId)).to.deep.equal([
        stack.alice.address,
        pkpAddress,
      ]);
    });

    it("sends the PKP to its own address when asked to", async () => {
      const stack = await loadFixture(stackWithPoolFixture);
      const tokenId = stack.poolKeys[0].tokenId;
      await stack.helper
        .connect(stack.alice)
        .mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], false, true, { value: 1n });
      expect(await stack.pkpNft.ownerOf(tokenId)).to.equal(stack.poolKeys[0].ethAddress);
    });

    it("rejects a wrong payment, forwarding PKPNFT's error", async () => {
      const stack = await loadFixture(stackWithPoolFixture);
      await expect(
        stack.helper.mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], false, false, {
          value: 0n,
        }),
      )
        .to.be.revertedWithCustomError(stack.pkpNft, "IncorrectMintPayment")
        .withArgs(0n, 1n);
    });

    const mismatches: Array<[string, unknown[], string, bigint[]]> = [
      ["ids", [[2n], [], ["0x"], [[]]], "AuthMethodIdsLengthMismatch", [1n, 0n]],
      ["pubkeys", [[2n], [CID_A], [], [[]]], "AuthMethodPubkeysLengthMismatch", [1n, 0n]],
      ["scopes", [[2n], [CID_A], ["0x"], []], "AuthMethodScopesLengthMismatch", [1n, 0n]],
    ];
    for (const [what, arrays, error, errorArgs] of mismatches) {
      it(`rejects auth method types and ${what} of different lengths, minting nothing`, async () => {
        const stack = await loadFixture(stackWithPoolFixture);
        const [types, ids, pubkeys, scopes] = arrays as [bigint[], string[], string[], bigint[][]];
        await expect(
          stack.helper.mintNextAndAddAuthMethods(
            KEY_TYPE_ECDSA,
            types,
            ids,
            pubkeys,
            scopes,
            false,
            false,
            { value: 1n },
          ),
        )
          .to.be.revertedWithCustomError(stack.helper, error)
          .withArgs(...errorArgs);
        expect(await stack.pkpNft.totalSupply()).to.equal(0n);
      });
    }

    it("fails as a whole for a contract caller that cannot receive the PKP", async () => {
      const stack = await loadFixture(stackWithPoolFixture);
      const caller = await new ContractCaller__factory(stack.alice).deploy();
      const data = stack.helper.interface.encodeFunctionData("mintNextAndAddAuthMethods", [
        KEY_TYPE_ECDSA,
        [],
        [],
        [],
        [],
        false,
        false,
      ]);
      await expect(caller.forward(await stack.helper.getAddress(), data, { value: 1n }))
        .to.be.revertedWithCustomError(stack.pkpNft, "ERC721InvalidReceiver")
        .withArgs(await caller.getAddress());
      expect(await stack.pkpNft.totalSupply()).to.equal(0n);
      expect(await stack.router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(8n);
    });
  });

  describe("mintNextAndAddAuthMethodsWithTypes", () => {
    it("adds actions, then addresses, then other auth methods", async () => {
      const stack = await loadFixture(stackWithPoolFixture);
      const tokenId = stack.poolKeys[0].tokenId;
      await stack.helper
        .connect(stack.bob)
        .mintNextAndAddAuthMethodsWithTypes(
          KEY_TYPE_ECDSA,
          [CID_A, CID_B],
          [[SCOPE_SIGN_ANYTHING], []],
          [stack.carol.address],
          [[SCOPE_PERSONAL_SIGN]],
          [AUTH_METHOD_GOOGLE_JWT],
          [GOOGLE_ID],
          ["0x"],
          [[]],
          false,
          false,
          { value: 1n },
        );
      const methods = await stack.permissions.getPermittedAuthMethods(tokenId);
      expect(methods.map((m) => [m.authMethodType, m.id])).to.deep.equal([
        [AUTH_METHOD_ACTION, CID_A],
        [AUTH_METHOD_ACTION, CID_B],
        [AUTH_METHOD_ADDRESS, stack.carol.address.toLowerCase()],
        [AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID],
      ]);
      expect(await stack.pkpNft.ownerOf(tokenId)).to.equal(stack.bob.address);
      expect(await stack.permissions.isPermittedAddress(tokenId, stack.carol.address)).to.be.true;
    });

    it("rejects CIDs and scopes of different lengths", async () => {
      const stack = await loadFixture(stackWithPoolFixture);
      await expect(
        stack.helper.mintNextAndAddAuthMethodsWithTypes(
          KEY_TYPE_ECDSA,
          [CID_A],
          [],
          [],
          [],
          [],
          [],
          [],
          [],
          false,
          false,
          { value: 1n },
        ),
      )
        .to.be.revertedWithCustomError(stack.helper, "IpfsCidScopesLengthMismatch")
        .withArgs(1n, 0n);
    });

    it("rejects addresses and scopes of different lengths", async () => {
      const stack = await loadFixture(stackWithPoolFixture);
      await expect(
        stack.helper.mintNextAndAddAuthMethodsWithTypes(
          KEY_TYPE_ECDSA,
          [],
          [],
          [stack.carol.address],
          [],
          [],
          [],
          [],
          [],
          false,
          false,
          { value: 1n },
        ),
      )
        .to.be.revertedWithCustomError(stack.helper, "AddressScopesLengthMismatch")
        .withArgs(1n, 0n);
    });
  });

  describe("onERC721Received", () => {
    it("refuses a PKP sent to it by its owner, so none can get stuck", async () => {
      const stack = await loadFixture(stackWithPoolFixture);
      const tokenId = await mintTo({ ...stack }, stack.alice);
      const helper = await stack.helper.getAddress();
      await expect(
        stack.pkpNft
          .connect(stack.alice)
          ["safeTransferFrom(address,address,uint256)"](stack.alice.address, helper, tokenId),
      )
        .to.be.revertedWithCustomError(stack.helper, "UnsolicitedTransfer")
        .withArgs(await stack.pkpNft.getAddress(), stack.alice.address);
    });

    it("refuses a call from anything but PKPNFT", async () => {
      const stack = await loadFixture(stackWithPoolFixture);
      const helper = await stack.helper.getAddress();
      await expect(stack.helper.onERC721Received(helper, stack.alice.address, 1n, "0x"))
        .to.be.revertedWithCustomError(stack.helper, "UnsolicitedTransfer")
        .withArgs(stack.deployer.address, helper);
    });
  });

  describe("claimAndMintNextAndAddAuthMethods", () => {
    const CLAIM_ID = derivedKeyIdOf("QmHelperClaim", "alice");

    async function claimableFixture() {
      const stack = await stackWithPoolFixture();
      const key = derivedTestKey(10);
      await routeDerivedKey(stack.router, CLAIM_ID, key);
      const claimMaterial = {
        keyType: KEY_TYPE_ECDSA,
        derivedKeyId: CLAIM_ID,
        signatures: [await signClaim(stack.deployer, CLAIM_ID)],
      };
      const authMethodData = {
        keyType: KEY_TYPE_ECDSA,
        permittedIpfsCIDs: [CID_A],
        permittedIpfsCIDScopes: [[SCOPE_SIGN_ANYTHING]],
        permittedAddresses: [],
        permittedAddressScopes: [],
        permittedAuthMethodTypes: [AUTH_METHOD_GOOGLE_JWT],
        permittedAuthMethodIds: [GOOGLE_ID],
        permittedAuthMethodPubkeys: ["0x"],
        permittedAuthMethodScopes: [[SCOPE_PERSONAL_SIGN]],
        addPkpEthAddressAsPermittedAddress: true,
        sendPkpToItself: true,
      };
      return { stack, key, claimMaterial, authMethodData };
    }

    it("claims the derived key, sets the permissions and sends the PKP to itself", async () => {
      const { stack, key, claimMaterial, authMethodData } = await loadFixture(claimableFixture);
      const helper = stack.helper.connect(stack.bob);
      expect(
        await helper.claimAndMintNextAndAddAuthMethods.staticCall(claimMaterial, authMethodData, {
          value: 1n,
        }),
      ).to.equal(key.tokenId);
      await expect(
        helper.claimAndMintNextAndAddAuthMethods(claimMaterial, authMethodData, { value: 1n }),
      )
        .to.emit(stack.pkpNft, "PKPMinted")
        .withArgs(key.tokenId, key.publicKey)
        .and.to.emit(stack.pkpNft, "Transfer")
        .withArgs(await stack.helper.getAddress(), key.ethAddress, key.tokenId)
        .and.to.emit(stack.permissions, "PermittedAuthMethodAdded")
        .withArgs(key.tokenId, AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID, "0x")
        .and.to.emit(stack.permissions, "PermittedAuthMethodScopeAdded")
        .withArgs(key.tokenId, AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID, SCOPE_PERSONAL_SIGN);
      expect(await stack.pkpNft.ownerOf(key.tokenId)).to.equal(key.ethAddress);
      const methods = await stack.permissions.getPermittedAuthMethods(key.tokenId);
      expect(methods.map((m) => [m.authMethodType, m.id])).to.deep.equal([
        [AUTH_METHOD_ACTION, CID_A],
        [AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID],
        [AUTH_METHOD_ADDRESS, key.ethAddress.toLowerCase()],
      ]);
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_GOOGLE_JWT, GOOGLE_ID),
      ).to.deep.equal([key.tokenId]);
    });

    it("refuses claim material and auth method data of different key types", async () => {
      const { stack, claimMaterial, authMethodData } = await loadFixture(claimableFixture);
      await expect(
        stack.helper.claimAndMintNextAndAddAuthMethods(
          claimMaterial,
          { ...authMethodData, keyType: 1n },
          { value: 1n },
        ),
      )
        .to.be.revertedWithCustomError(stack.helper, "ClaimKeyTypeMismatch")
        .withArgs(KEY_TYPE_ECDSA, 1n);
    });

    it("checks the data's lengths before claiming, and passes the claim's errors through", async () => {
      const { stack, claimMaterial, authMethodData } = await loadFixture(claimableFixture);
      await expect(
        stack.helper.claimAndMintNextAndAddAuthMethods(
          claimMaterial,
          { ...authMethodData, permittedIpfsCIDScopes: [] },
          { value: 1n },
        ),
      )
        .to.be.revertedWithCustomError(stack.helper, "IpfsCidScopesLengthMismatch")
        .withArgs(1n, 0n);
      await expect(
        stack.helper.claimAndMintNextAndAddAuthMethods(
          { ...claimMaterial, signatures: [] },
          authMethodData,
          { value: 1n },
        ),
      )
        .to.be.revertedWithCustomError(stack.pkpNft, "TooFewClaimSignatures")
        .withArgs(0n, 1n);
    });
  });

  it("refuses a zero PKPNFT or PKPPermissions address at deployment", async () => {
    const stack = await loadFixture(stackWithPoolFixture);
    const factory = new PKPHelper__factory(stack.deployer);
    const nft = await stack.pkpNft.getAddress();
    const permissions = await stack.permissions.getAddress();
    await expect(factory.deploy(ethers.ZeroAddress, permissions)).to.be.revertedWithCustomError(
      stack.helper,
      "ZeroAddress",
    );
    await expect(factory.deploy(nft, ethers.ZeroAddress)).to.be.revertedWithCustomError(
      stack.helper,
      "ZeroAddress",
    );
  });

  it("reports the contracts it is wired to", async () => {
    const stack = await loadFixture(stackWithPoolFixture);
    expect(await stack.helper.getPkpNftAddress()).to.equal(await stack.pkpNft.getAddress());
    expect(await stack.helper.getPkpPermissionsAddress()).to.equal(
      await stack.permissions.getAddress(),
    );
  });
});
