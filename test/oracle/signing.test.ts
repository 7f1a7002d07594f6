import { expect } from "chai";
import { ethers } from "ethers";

import {
  type LitSignature,
  SECP256K1_ORDER,
  SigningError,
  ethAddressFromPublicKey,
  ethPersonalMessageDigest,
  toLitSignature,
  tokenIdFromPublicKey,
  verifyLitSignature,
} from "../../src/oracle/signing";
import { expectThrow } from "../helpers/expectRejection";

// Hardhat's well-known account #0: a fixed key gives reproducible expectations.
const WALLET = new ethers.Wallet(
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
);
const PUBLIC_KEY = WALLET.signingKey.publicKey;
const DIGEST = ethers.keccak256(ethers.toUtf8Bytes("lit action payload"));

function litSign(digest: string = DIGEST): LitSignature {
  return toLitSignature(WALLET.signingKey.sign(digest), PUBLIC_KEY, digest);
}

describe("oracle/signing", function () {
  describe("tokenIdFromPublicKey / ethAddressFromPublicKey", function () {
    it("derives tokenId as keccak256 of the 65-byte 0x04 public key", function () {
      expect(tokenIdFromPublicKey(PUBLIC_KEY)).to.equal(BigInt(ethers.keccak256(PUBLIC_KEY)));
      expect(PUBLIC_KEY).to.have.length(132);
    });

    it("gives the same tokenId for the compressed form of the key", function () {
      const compressed = WALLET.signingKey.compressedPublicKey;
      expect(tokenIdFromPublicKey(compressed)).to.equal(tokenIdFromPublicKey(PUBLIC_KEY));
    });

    it("derives the checksummed Ethereum address of the key", function () {
      expect(ethAddressFromPublicKey(PUBLIC_KEY)).to.equal(
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      );
    });

    it("rejects a public key that is not a curve point", function () {
      const notAPoint = "0x04" + "00".repeat(64);
      expectThrow(() => tokenIdFromPublicKey(notAPoint), SigningError, "INVALID_PUBLIC_KEY");
      expectThrow(() => ethAddressFromPublicKey("0x1234"), SigningError, "INVALID_PUBLIC_KEY");
    });
  });

  describe("ethPersonalMessageDigest", function () {
    it("matches ethers.hashMessage for strings and bytes", function () {
      expect(ethPersonalMessageDigest("hello")).to.equal(ethers.hashMessage("hello"));
      const bytes = ethers.toUtf8Bytes("hello");
      expect(ethPersonalMessageDigest(bytes)).to.equal(ethers.hashMessage(bytes));
    });

    it("produces digests that personal_sign verifiers accept", function () {
      const message = "sign me";
      const sig = toLitSignature(
        WALLET.signingKey.sign(ethPersonalMessageDigest(message)),
        PUBLIC_KEY,
        ethPersonalMessageDigest(message),
      );
      expect(ethers.verifyMessage(message, sig.signature)).to.equal(WALLET.address);
    });
  });

  describe("toLitSignature", function () {
    it("produces Lit's shape: r/s without 0x, recid 0|1, 65-byte signature with v 27|28", function () {
      const sig = litSign();
      expect(sig.r).to.match(/^[0-9a-f]{64}$/);
      expect(sig.s).to.match(/^[0-9a-f]{64}$/);
      expect(sig.recid === 0 || sig.recid === 1).to.equal(true);
      expect(sig.signature).to.match(/^0x[0-9a-f]{130}$/);
      expect(sig.publicKey).to.equal(PUBLIC_KEY.toLowerCase());
      expect(sig.dataSigned).to.equal(DIGEST);
    });

    it("makes r, s and recid agree with the packed signature", function () {
      const sig = litSign();
      expect(sig.signature.slice(2, 66)).to.equal(sig.r);
      expect(sig.signature.slice(66, 130)).to.equal(sig.s);
      expect(parseInt(sig.signature.slice(130), 16)).to.equal(27 + sig.recid);
      // How Lit's SDK rebuilds the signature from the parts:
      const joined = ethers.Signature.from({ r: "0x" + sig.r, s: "0x" + sig.s, v: sig.recid + 27 });
      expect(joined.serialized).to.equal(sig.signature);
    });

    it("recovers to the signer's address with ethers.recoverAddress", function () {
      const sig = litSign();
      expect(ethers.recoverAddress(sig.dataSigned, sig.signature)).to.equal(WALLET.address);
    });

    it("always yields low-s signatures (s <= n/2), over many digests", function () {
      for (let i = 0; i < 64; i++) {
        const sig = litSign(ethers.keccak256(ethers.toBeHex(i, 32)));
        expect(BigInt("0x" + sig.s) <= SECP256K1_ORDER / 2n, `digest #${i}`).to.equal(true);
      }
    });

    it("rejects a digest that is not 32 bytes", function () {
      const sig = WALLET.signingKey.sign(DIGEST);
      expectThrow(() => toLitSignature(sig, PUBLIC_KEY, "0xabcd"), SigningError, "INVALID_DIGEST");
      expectThrow(() => toLitSignature(sig, PUBLIC_KEY, "not hex"), SigningError, "INVALID_DIGEST");
    });

    it("rejects something that is not a signature", function () {
      expectThrow(
        () => toLitSignature("0x1234", PUBLIC_KEY, DIGEST),
        SigningError,
        "INVALID_SIGNATURE",
      );
    });
  });

  describe("verifyLitSignature", function () {
    it("accepts a genuine signature and returns the recovered address", function () {
      expect(verifyLitSignature(litSign())).to.deep.equal({ ok: true, recovered: WALLET.address });
    });

    it("accepts uppercase hex in r and s", function () {
      const sig = litSign();
      expect(
        verifyLitSignature({ ...sig, r: sig.r.toUpperCase(), s: sig.s.toUpperCase() }).ok,
      ).to.equal(true);
    });

    it("rejects r that disagrees with the packed signature", function () {
      const sig = litSign();
      const result = verifyLitSignature({ ...sig, r: "00" + sig.r.slice(2) });
      expect(result).to.include({ ok: false, reason: "r does not match signature" });
    });

    it("rejects s that disagrees with the packed signature", function () {
      const sig = litSign();
      const result = verifyLitSignature({ ...sig, s: "00" + sig.s.slice(2) });
      expect(result).to.include({ ok: false, reason: "s does not match signature" });
    });

    it("rejects a recid that disagrees with v", function () {
      const sig = litSign();
      const result = verifyLitSignature({ ...sig, recid: sig.recid === 0 ? 1 : 0 });
      expect(result.ok).to.equal(false);
      expect(result.reason).to.match(/recid \d does not match v/);
    });

    it("rejects the high-s twin of a valid signature", function () {
      const sig = litSign();
      const highS = (SECP256K1_ORDER - BigInt("0x" + sig.s)).toString(16).padStart(64, "0");
      const flippedRecid: 0 | 1 = sig.recid === 0 ? 1 : 0;
      const twin: LitSignature = {
        ...sig,
        s: highS,
        recid: flippedRecid,
        signature: "0x" + sig.r + highS + (27 + flippedRecid).toString(16),
      };
      expect(verifyLitSignature(twin)).to.include({
        ok: false,
        reason: "s is not canonical (high-s)",
      });
    });

    it("rejects a signature over different data", function () {
      const sig = litSign();
      const other = ethers.keccak256(ethers.toUtf8Bytes("something else"));
      const result = verifyLitSignature({ ...sig, dataSigned: other });
      expect(result.ok).to.equal(false);
      expect(result.recovered).to.not.equal(WALLET.address);
    });

    it("rejects a signature attributed to another public key", function () {
      const other = ethers.Wallet.createRandom().signingKey.publicKey;
      const result = verifyLitSignature({ ...litSign(), publicKey: other });
      expect(result).to.include({ ok: false, recovered: WALLET.address });
      expect(result.reason).to.contain("publicKey belongs to");
    });

    it("rejects r/s with a 0x prefix (Lit omits it)", function () {
      const sig = litSign();
      expect(verifyLitSignature({ ...sig, r: "0x" + sig.r }).ok).to.equal(false);
    });

    it("rejects a malformed signature or digest without throwing", function () {
      const sig = litSign();
      expect(verifyLitSignature({ ...sig, signature: "0x1234" }).ok).to.equal(false);
      expect(verifyLitSignature({ ...sig, dataSigned: "0x1234" }).ok).to.equal(false);
      expect(verifyLitSignature({ ...sig, publicKey: "0x04" }).ok).to.equal(false);
    });
  });
});
