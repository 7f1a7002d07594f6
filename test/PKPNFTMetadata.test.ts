import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Stack, mintTo, stackWithPoolFixture } from "./helpers/stack";
import { TestKey } from "./helpers/keys";

const PREFIX = "data:application/json;base64,";

interface Attribute {
  trait_type: string;
  value: string;
}

interface TokenMetadata {
  name: string;
  description: string;
  image_data: string;
  attributes: Attribute[];
}

/** Decodes a tokenURI the way Lit's tests do: base64 after the 29-character data: prefix. */
function decodeTokenUri(uri: string): TokenMetadata {
  expect(uri.startsWith(PREFIX), `tokenURI starts with ${PREFIX}`).to.equal(true);
  expect(PREFIX.length).to.equal(29);
  const json = Buffer.from(uri.substring(29), "base64").toString("utf8");
  return JSON.parse(json) as TokenMetadata;
}

function expectedAttributes(pubkey: string, ethAddress: string, tokenId: bigint): Attribute[] {
  return [
    { trait_type: "Public Key", value: pubkey.toLowerCase() },
    { trait_type: "ETH Wallet Address", value: ethAddress.toLowerCase() },
    { trait_type: "Token ID", value: tokenId.toString(10) },
  ];
}

/** The stack with two PKPs minted to alice. */
async function mintedFixture(): Promise<Stack & { minted: TestKey[] }> {
  const stack = await stackWithPoolFixture();
  await mintTo(stack, stack.alice);
  await mintTo(stack, stack.alice);
  return { ...stack, minted: stack.poolKeys.slice(0, 2) };
}

describe("PKPNFTMetadata", function () {
  describe("PKPNFT.tokenURI", function () {
    it("is a base64 JSON data: URI that parses", async function () {
      const { pkpNft, minted } = await loadFixture(mintedFixture);
      const uri = await pkpNft.tokenURI(minted[0].tokenId);
      const metadata = decodeTokenUri(uri);
      expect(metadata).to.be.an("object");
      expect(Object.keys(metadata).sort()).to.deep.equal(
        ["attributes", "description", "image_data", "name"].sort(),
      );
      expect(metadata.description).to.be.a("string").and.not.equal("");
    });

    it("names the PKP `Lit PKP #<decimal token id>`", async function () {
      const { pkpNft, minted } = await loadFixture(mintedFixture);
      for (const k of minted) {
        const metadata = decodeTokenUri(await pkpNft.tokenURI(k.tokenId));
        expect(metadata.name).to.equal(`Lit PKP #${k.tokenId.toString(10)}`);
      }
    });

    it("lists exactly the Public Key, ETH Wallet Address and Token ID attributes, in lowercase hex and decimal", async function () {
      const { pkpNft, minted } = await loadFixture(mintedFixture);
      for (const k of minted) {
        const metadata = decodeTokenUri(await pkpNft.tokenURI(k.tokenId));
        expect(metadata.attributes).to.deep.equal(
          expectedAttributes(k.publicKey, k.ethAddress, k.tokenId),
        );
        expect(metadata.attributes[0].value).to.match(/^0x04[0-9a-f]{128}$/);
        expect(metadata.attributes[1].value).to.match(/^0x[0-9a-f]{40}$/);
        expect(metadata.attributes[2].value).to.match(/^[1-9][0-9]*$/);
      }
    });

    it("draws an SVG image that shows the PKP's address", async function () {
      const { pkpNft, minted } = await loadFixture(mintedFixture);
      const metadata = decodeTokenUri(await pkpNft.tokenURI(minted[0].tokenId));
      expect(metadata.image_data).to.match(/^<svg[\s>][\s\S]*<\/svg>$/);
      expect(metadata.image_data).to.include("xmlns='http://www.w3.org/2000/svg'");
      expect(metadata.image_data).to.include(minted[0].ethAddress.toLowerCase());
    });

    it("stays the same after the PKP is transferred", async function () {
      const { pkpNft, alice, bob, minted } = await loadFixture(mintedFixture);
      const before = await pkpNft.tokenURI(minted[1].tokenId);
      await (
        await pkpNft.connect(alice).transferFrom(alice.address, bob.address, minted[1].tokenId)
      ).wait();
      expect(await pkpNft.tokenURI(minted[1].tokenId)).to.equal(before);
    });

    it("equals the renderer's output for the PKP's key and address", async function () {
      const { pkpNft, metadata, minted } = await loadFixture(mintedFixture);
      const k = minted[0];
      expect(await pkpNft.tokenURI(k.tokenId)).to.equal(
        await metadata.tokenURI(k.tokenId, k.publicKey, k.ethAddress),
      );
    });
  });

  describe("tokenURI(tokenId, pubKey, ethAddress)", function () {
    it("renders token id 0, an empty key and the zero address", async function () {
      const { metadata } = await loadFixture(mintedFixture);
      const decoded = decodeTokenUri(await metadata.tokenURI(0n, "0x", ethers.ZeroAddress));
      expect(decoded.name).to.equal("Lit PKP #0");
      expect(decoded.attributes).to.deep.equal(expectedAttributes("0x", ethers.ZeroAddress, 0n));
    });

    it("renders the largest token id in full decimal", async function () {
      const { metadata, minted } = await loadFixture(mintedFixture);
      const max = ethers.MaxUint256;
      const decoded = decodeTokenUri(
        await metadata.tokenURI(max, minted[0].publicKey, minted[0].ethAddress),
      );
      expect(decoded.name).to.equal(`Lit PKP #${max.toString(10)}`);
      expect(decoded.attributes[2]).to.deep.equal({
        trait_type: "Token ID",
        value: max.toString(10),
      });
    });

    it("lowercases a checksummed address and keeps its leading zeros", async function () {
      const { metadata } = await loadFixture(mintedFixture);
      const mixedCase = ethers.getAddress("0x00000000000000000000000000000000deadbeef");
      expect(mixedCase).to.not.equal(mixedCase.toLowerCase());
      const decoded = decodeTokenUri(await metadata.tokenURI(7n, "0x00ff", mixedCase));
      expect(decoded.attributes[1].value).to.equal("0x00000000000000000000000000000000deadbeef");
      expect(decoded.attributes[0].value).to.equal("0x00ff");
    });
  });
});
