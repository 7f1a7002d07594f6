import { expect } from "chai";
import { ethers } from "ethers";
import {
  canonicalJson,
  commitHash,
  parseSignedCommit,
  recoverCommitSigner,
  signCommit,
  streamIdOf,
  StreamError,
} from "../../src/streams";
import { expectThrow } from "../helpers/expectRejection";
import { addressOf, keyOf } from "./streamHelpers";

const STREAM = `0x${"ab".repeat(32)}`;
const PREV = `0x${"cd".repeat(32)}`;
const SECP256K1_N = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

describe("streams: canonical JSON and the commit format", function () {
  describe("canonicalJson", function () {
    it("sorts keys by UTF-16 code units at every level and writes no whitespace", function () {
      const value = { b: 1, a: { z: [3, { y: true, x: null }], é: "e", Z: "upper" }, "": 0 };
      expect(canonicalJson(value)).to.equal(
        '{"":0,"a":{"Z":"upper","z":[3,{"x":null,"y":true}],"é":"e"},"b":1}',
      );
    });

    it("orders keys as RFC 8785 does (code units: an astral character sorts before U+FFFD)", function () {
      expect(canonicalJson({ "\uFFFD": 1, "😀": 2, a: 3 })).to.equal('{"a":3,"😀":2,"\uFFFD":1}');
    });

    it("writes strings and numbers as ECMAScript's JSON.stringify does", function () {
      expect(canonicalJson(['\u0001\n"\\/', 1e21, 0.1, -0, 1.5e-7, 100])).to.equal(
        '["\\u0001\\n\\"\\\\/",1e+21,0.1,0,1.5e-7,100]',
      );
    });

    it("refuses what is not JSON data, naming its path", function () {
      const cases: Array<[unknown, RegExp]> = [
        [{ a: NaN }, /value\.a: NaN is not a JSON number/],
        [{ a: [1, Infinity] }, /value\.a\[1\]: Infinity/],
        [{ a: undefined }, /value\.a: undefined is not JSON data/],
        [{ f: () => 1 }, /value\.f: function is not JSON data/],
        [{ n: 1n }, /value\.n: bigint is not JSON data/],
        [{ d: new Date(0) }, /value\.d: not a plain JSON object/],
        [{ s: "\uD800x" }, /value\.s: a string with a lone surrogate/],
        [{ "\uDC00": 1 }, /value: a key with a lone surrogate/],
        // eslint-disable-next-line no-sparse-arrays -- the hole is the case
        [[1, , 3], /value\[1\]: a hole in an array/],
      ];
      for (const [value, message] of cases) {
        const error = expectThrow(() => canonicalJson(value), StreamError, "INVALID_COMMIT");
        expect(error.message).to.match(message);
      }
    });

    it("refuses nesting deeper than the bound, and accepts it at the bound", function () {
      let deep: unknown = 1;
      for (let i = 0; i < 32; i++) deep = [deep];
      expect(canonicalJson(deep)).to.equal(`${"[".repeat(32)}1${"]".repeat(32)}`);
      expectThrow(() => canonicalJson([deep]), StreamError, "INVALID_COMMIT");
    });
  });

  describe("hashes and ids", function () {
    it("hashes keccak256 of the canonical text of { streamId, prev, payload }", function () {
      const payload = { type: "like", by: "eth:0xabc", n: [1, 2] };
      // Written out by hand: keys sorted, no whitespace.
      const text = `{"payload":{"by":"eth:0xabc","n":[1,2],"type":"like"},"prev":"${PREV}","streamId":"${STREAM}"}`;
      expect(commitHash({ streamId: STREAM, prev: PREV, payload })).to.equal(
        ethers.keccak256(ethers.toUtf8Bytes(text)),
      );
      const genesisText = `{"payload":"hello","prev":null,"streamId":"${STREAM}"}`;
      expect(commitHash({ streamId: STREAM, prev: null, payload: "hello" })).to.equal(
        ethers.keccak256(ethers.toUtf8Bytes(genesisText)),
      );
    });

    it("derives a stream's id from its lowercase controller and its genesis payload", function () {
      const controller = "0x52908400098527886E0F7030069857D2E4169EE7"; // checksummed
      const expected = ethers.keccak256(
        ethers.toUtf8Bytes(
          '{"controller":"0x52908400098527886e0f7030069857d2e4169ee7","genesis":{"a":1}}',
        ),
      );
      expect(streamIdOf(controller, { a: 1 })).to.equal(expected);
      expect(streamIdOf(controller.toLowerCase(), { a: 1 })).to.equal(expected);
      expect(streamIdOf(controller, { a: 2 })).to.not.equal(expected);
    });

    it("parses a signed commit to the same hash as commitHash, and recovers its signer", function () {
      const key = keyOf("alice");
      const commit = signCommit({ streamId: STREAM, prev: PREV, payload: { z: 1, a: "😀" } }, key);
      const parsed = parseSignedCommit(JSON.parse(JSON.stringify(commit)));
      expect(parsed.hash).to.equal(commitHash(commit));
      expect(parsed.payloadJson).to.equal('{"a":"😀","z":1}');
      expect(parsed.payloadBytes).to.equal(Buffer.byteLength('{"a":"😀","z":1}'));
      expect(recoverCommitSigner(parsed.hash, commit.signature)).to.equal(addressOf(key));
    });
  });

  describe("parseSignedCommit refusals", function () {
    const key = keyOf("alice");
    const good = signCommit({ streamId: STREAM, prev: PREV, payload: { a: 1 } }, key);

    it("refuses a commit that is not an object, has unknown or missing fields", function () {
      for (const value of [null, [], "commit", 1]) {
        expectThrow(() => parseSignedCommit(value), StreamError, "INVALID_COMMIT");
      }
      const extra = expectThrow(
        () => parseSignedCommit({ ...good, author: "x" }),
        StreamError,
        "INVALID_COMMIT",
      );
      expect(extra.message).to.match(/unknown commit field\(s\) "author"/);
      const { payload: _payload, ...noPayload } = good;
      const missing = expectThrow(
        () => parseSignedCommit(noPayload),
        StreamError,
        "INVALID_COMMIT",
      );
      expect(missing.message).to.match(/missing commit field\(s\) payload/);
    });

    it("refuses ids that are not lowercase 0x-hex of 32 bytes (one hash per commit)", function () {
      for (const streamId of [
        STREAM.toUpperCase(),
        `0x${"AB".repeat(32)}`,
        STREAM.slice(0, 64),
        5,
      ]) {
        expectThrow(() => parseSignedCommit({ ...good, streamId }), StreamError, "INVALID_COMMIT");
      }
      for (const prev of [PREV.replace("cd", "CD"), "", undefined, 0]) {
        expectThrow(() => parseSignedCommit({ ...good, prev }), StreamError, "INVALID_COMMIT");
      }
    });

    it("refuses malformed signatures, v other than 27/28 and a high-s twin", function () {
      for (const signature of ["0x", good.signature.slice(0, 100), `${good.signature}00`, 7]) {
        expectThrow(
          () => parseSignedCommit({ ...good, signature }),
          StreamError,
          "INVALID_SIGNATURE",
        );
      }
      const hash = commitHash(good);
      const sig = ethers.Signature.from(good.signature);
      const v0 = `${good.signature.slice(0, 130)}00`;
      expect(
        expectThrow(() => recoverCommitSigner(hash, v0), StreamError, "INVALID_SIGNATURE").message,
      ).to.match(/v is 0x00/);
      const highS = ethers.toBeHex(SECP256K1_N - BigInt(sig.s), 32).slice(2);
      const twin = `${sig.r}${highS}${sig.v === 27 ? "1c" : "1b"}`;
      expectThrow(() => recoverCommitSigner(hash, twin), StreamError, "INVALID_SIGNATURE");
      // Uppercase hex is the same signature: accepted, and stored lowercase.
      const upper = `0x${good.signature.slice(2).toUpperCase()}`;
      expect(parseSignedCommit({ ...good, signature: upper }).commit.signature).to.equal(
        good.signature.toLowerCase(),
      );
    });

    it("refuses a payload over the byte bound and accepts one exactly at it", function () {
      const atBound = { ...good, payload: "x".repeat(98) }; // 100 bytes with its quotes
      expect(parseSignedCommit(atBound, { maxPayloadBytes: 100 }).payloadBytes).to.equal(100);
      const over = { ...good, payload: "x".repeat(99) };
      expectThrow(
        () => parseSignedCommit(over, { maxPayloadBytes: 100 }),
        StreamError,
        "PAYLOAD_TOO_LARGE",
      );
    });
  });
});
