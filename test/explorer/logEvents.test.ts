import { expect } from "chai";
import { AbiCoder, ZeroAddress, concat, toBeHex, zeroPadValue } from "ethers";
import { EventDecoder } from "../../explorer/src/logEvents";
import { PKPNFT__factory, PKPPermissions__factory } from "../../typechain-types";

/**
 * The explorer's indexer decodes its six events by their fixed layouts (explorer/src/logEvents.ts)
 * and falls back to the generic ABI decoder: both must give the same events.
 */
describe("explorer: decoding the indexed events", function () {
  const nft = PKPNFT__factory.createInterface();
  const permissions = PKPPermissions__factory.createInterface();
  const decoder = new EventDecoder(nft, permissions);
  const alice = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const pubkey = `0x04${"ab".repeat(64)}`;
  const cid = `0x1220${"cd".repeat(32)}`;
  const log = (iface: typeof nft | typeof permissions, event: string, args: unknown[]) => {
    const { topics, data } = iface.encodeEventLog(event, args);
    return { topics: [...topics], data };
  };

  it("asks eth_getLogs for exactly the six events, per contract", function () {
    expect(decoder.topicsOf(nft)).to.have.members([
      nft.getEvent("PKPMinted").topicHash,
      nft.getEvent("Transfer").topicHash,
    ]);
    expect(decoder.topicsOf(permissions)).to.have.length(4);
  });

  it("decodes each event as the ABI says", function () {
    expect(decoder.decode(log(nft, "PKPMinted", [7n, pubkey]))).to.deep.equal({
      kind: "minted",
      tokenId: 7n,
      publicKey: pubkey,
    });
    expect(decoder.decode(log(nft, "Transfer", [ZeroAddress, alice, 7n]))).to.deep.equal({
      kind: "transfer",
      tokenId: 7n,
      from: ZeroAddress,
      to: alice,
    });
    expect(
      decoder.decode(log(permissions, "PermittedAuthMethodAdded", [7n, 2n, cid, "0x"])),
    ).to.deep.equal({
      kind: "added",
      tokenId: 7n,
      type: 2n,
      id: cid,
      userPubkey: "0x",
    });
    expect(
      decoder.decode(log(permissions, "PermittedAuthMethodRemoved", [7n, 1n, alice])),
    ).to.deep.equal({
      kind: "removed",
      tokenId: 7n,
      type: 1n,
      id: alice.toLowerCase(),
    });
    expect(
      decoder.decode(log(permissions, "PermittedAuthMethodScopeAdded", [7n, 2n, cid, 1n])),
    ).to.deep.equal({
      kind: "scope-added",
      tokenId: 7n,
      type: 2n,
      id: cid,
      scope: 1,
    });
    expect(
      decoder.decode(log(permissions, "PermittedAuthMethodScopeRemoved", [7n, 2n, cid, 2n])),
    ).to.deep.equal({
      kind: "scope-removed",
      tokenId: 7n,
      type: 2n,
      id: cid,
      scope: 2,
    });
  });

  it("reads a valid encoding that is not the compact one (the offset points past padding)", function () {
    const topics = [nft.getEvent("PKPMinted").topicHash, toBeHex(9n, 32)];
    const lengthAndBytes = `0x${AbiCoder.defaultAbiCoder().encode(["bytes"], [pubkey]).slice(66)}`;
    // The offset points two words in: one word of padding before the bytes' length.
    const data = concat([toBeHex(0x40, 32), zeroPadValue("0x", 32), lengthAndBytes]);
    expect(decoder.decode({ topics, data })).to.deep.equal({
      kind: "minted",
      tokenId: 9n,
      publicKey: pubkey,
    });
  });

  it("hands a log that does not fit its layout to the generic decoder, which refuses it", function () {
    const good = log(nft, "PKPMinted", [7n, pubkey]);
    expect(() => decoder.decode({ topics: good.topics, data: good.data.slice(0, 100) })).to.throw();
  });

  it("ignores events it does not index", function () {
    expect(
      decoder.decode(log(permissions, "RootHashUpdated", [7n, 1n, `0x${"11".repeat(32)}`])),
    ).to.equal(undefined);
  });
});
