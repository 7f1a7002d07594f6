import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  erc721Surface,
  Erc721World,
  shouldBehaveLikeERC721EnumerableBurnable,
} from "../helpers/erc721.behaviour";
import { mintNextAs, stackWithPoolFixture } from "../helpers/stack";

// The same ERC-721 conformance expectations, run against our packed NFT (through PKPNFT, the
// contract that ships it) and against OpenZeppelin's own ERC721Enumerable + ERC721Burnable.

async function signersAfterStack(): Promise<HardhatEthersSigner[]> {
  // alice, bob, carol, operator, stranger: accounts the stack fixture does not use as keys.
  return (await ethers.getSigners()).slice(10, 15);
}

async function pkpNftWorld(): Promise<Erc721World> {
  const stack = await stackWithPoolFixture();
  const address = await stack.pkpNft.getAddress();
  return {
    subject: {
      token: erc721Surface(address),
      errors: stack.pkpNft,
      mint: (to) => mintNextAs(stack.pkpNft, to),
    },
    signers: await signersAfterStack(),
  };
}

async function openZeppelinWorld(): Promise<Erc721World> {
  const mock = await (await ethers.getContractFactory("OpenZeppelinERC721Mock")).deploy();
  let nextTokenId = 1000n;
  return {
    subject: {
      token: erc721Surface(await mock.getAddress()),
      errors: mock,
      mint: async (to) => {
        const tokenId = nextTokenId++;
        await (await mock.mint(to, tokenId)).wait();
        return tokenId;
      },
    },
    signers: await signersAfterStack(),
  };
}

shouldBehaveLikeERC721EnumerableBurnable("PKPNFT (ERC721PackedEnumerable)", pkpNftWorld);
shouldBehaveLikeERC721EnumerableBurnable(
  "OpenZeppelin ERC721Enumerable + ERC721Burnable (reference)",
  openZeppelinWorld,
);
