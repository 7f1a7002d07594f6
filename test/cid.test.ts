import { expect } from "chai";
import { createHash } from "node:crypto";
import { InvalidCidError, cidFromBytes, cidOfCode, cidToBytes, isCidV0 } from "../src/cid";

const CHUNK = 256 * 1024;

/** Deterministic, non-repeating-per-chunk content so every chunk hashes differently. */
function patternBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + 7) % 251;
  return bytes;
}

// Independent vectors: computed with ipfs-unixfs-importer@17.1.1 (the maintained importer, ESM)
// with { cidVersion: 0, rawLeaves: false } over patternBytes(n). They exercise one chunk, the
// chunk boundary, several chunks, >= 1 MiB, and a DAG deeper than one layer (> 174 chunks).
const IMPORTER_VECTORS: ReadonlyArray<[number, string]> = [
  [0, "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"],
  [5, "QmNr9oTvveYMeJLysdvBLY4hCghvXS7Y47bmZZ23Qnq6To"],
  [CHUNK, "QmNjsPT1urL55WXngMVgvZrn2apSux229uFBoAgmKTtjAd"],
  [CHUNK + 1, "QmP8yTqWQcb3qVoBcdE4pTUzxh9kazndg5ELrbXBmdj17M"],
  [300_000, "QmR9BAE3mzYhqgJ5eoHLYPV91oG8EcsUutiv8FW2QtyL1t"],
  [1024 * 1024, "QmfP6GjfZnzRi5Lj1AYF4HurNVhebyeRvCdDnd8VVeCP32"],
  [1024 * 1024 + 1, "QmQVP9EFfJCScLnxzdd7nnhZAnrBwTZzkxbn3gBXQgGvVw"],
  [174 * CHUNK + 1, "QmPq9MH6i6cgAMc9uYJe8xYeVstRr2D2mSpLVDYbYMLPta"],
];

describe("cid", function () {
  describe("cidOfCode", function () {
    it('matches the Lit SDK spec vector for "hello"', async function () {
      expect(await cidOfCode("hello")).to.equal("QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX");
    });

    it("hashes the empty string like `ipfs add --only-hash` of an empty file", async function () {
      expect(await cidOfCode("")).to.equal("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
    });

    for (const [length, expected] of IMPORTER_VECTORS) {
      it(`agrees with ipfs-unixfs-importer on ${length} bytes`, async function () {
        expect(await cidOfCode(patternBytes(length))).to.equal(expected);
      });
    }

    it("hashes a string as its UTF-8 bytes (non-ASCII included)", async function () {
      const code = 'Lit.Actions.setResponse({ response: "héllo ✓ 🚀" });';
      expect(await cidOfCode(code)).to.equal(await cidOfCode(Buffer.from(code, "utf8")));
    });

    it("gives different CIDs for code that differs by one byte", async function () {
      expect(await cidOfCode("a")).to.not.equal(await cidOfCode("a "));
    });

    it("returns a CIDv0 whose multihash is sha256 of the dag-pb root for small inputs", async function () {
      const cid = await cidOfCode("hello");
      expect(isCidV0(cid)).to.equal(true);
      expect(cidToBytes(cid).slice(0, 6)).to.equal("0x1220");
    });
  });

  describe("cidToBytes / cidFromBytes", function () {
    const CID = "QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeXN";
    const BYTES = "0x12207357d67be1b8ff5af8be286869e14cefd263c8c18bc7b11e9cb1778aadf6b315";

    it("decodes a CIDv0 to its 34-byte multihash", function () {
      expect(cidToBytes(CID)).to.equal(BYTES);
    });

    it("encodes the multihash back to the same CIDv0 (hex and Uint8Array input)", function () {
      expect(cidFromBytes(BYTES)).to.equal(CID);
      expect(cidFromBytes(Buffer.from(BYTES.slice(2), "hex"))).to.equal(CID);
    });

    it("round-trips arbitrary sha256 digests, including ones with leading zero bytes", function () {
      for (const seed of ["a", "b", "zero-prefix-search"]) {
        for (let i = 0; i < 50; i++) {
          const digest = createHash("sha256").update(`${seed}${i}`).digest();
          digest[0] = i % 3 === 0 ? 0 : digest[0]; // force some digests to start with 0x00
          const bytes = "0x1220" + digest.toString("hex");
          const cid = cidFromBytes(bytes);
          expect(cid).to.match(/^Qm/).and.have.length(46);
          expect(cidToBytes(cid)).to.equal(bytes);
        }
      }
    });

    it("rejects a CIDv1 with a message naming CIDv1", function () {
      const v1 = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
      expect(() => cidToBytes(v1))
        .to.throw(InvalidCidError, /CIDv1/)
        .with.property("code", "INVALID_CID");
    });

    it("rejects non-base58 characters (0, O, I, l)", function () {
      expect(() => cidToBytes("QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeX0")).to.throw(
        InvalidCidError,
        /base58/,
      );
      expect(() => cidToBytes("QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeXl")).to.throw(
        InvalidCidError,
        /base58/,
      );
    });

    it("rejects a base58 string of the wrong length or prefix", function () {
      expect(() => cidToBytes(CID.slice(0, 45))).to.throw(InvalidCidError, /46 base58/);
      expect(() => cidToBytes("Zm" + CID.slice(2))).to.throw(InvalidCidError, /Qm/);
      expect(() => cidToBytes("")).to.throw(InvalidCidError);
    });

    it("rejects multihash bytes of the wrong length", function () {
      expect(() => cidFromBytes(BYTES.slice(0, -2))).to.throw(InvalidCidError, /34 bytes.*got 33/);
      expect(() => cidFromBytes(BYTES + "00")).to.throw(InvalidCidError, /got 35/);
      expect(() => cidFromBytes("0x")).to.throw(InvalidCidError, /got 0/);
    });

    it("rejects a multihash that is not sha2-256", function () {
      const sha512Prefix = "0x1320" + BYTES.slice(6);
      expect(() => cidFromBytes(sha512Prefix)).to.throw(InvalidCidError, /0x1320.*sha2-256/);
    });

    it("rejects bytes that are not hex", function () {
      expect(() => cidFromBytes("1220abcd")).to.throw(InvalidCidError, /hex/);
      expect(() => cidFromBytes("0x12zz")).to.throw(InvalidCidError, /hex/);
      expect(() => cidFromBytes("0x122")).to.throw(InvalidCidError, /hex/);
    });

    it("isCidV0 accepts CIDv0 and refuses everything else", function () {
      expect(isCidV0(CID)).to.equal(true);
      expect(isCidV0("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")).to.equal(
        false,
      );
      expect(isCidV0(BYTES)).to.equal(false);
      expect(isCidV0(42)).to.equal(false);
    });
  });
});
