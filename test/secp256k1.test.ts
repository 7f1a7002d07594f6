import { expect } from "chai";
import { secp256k1 as noble } from "@noble/curves/secp256k1";
import { ethers } from "ethers";
import {
  NATIVE_SECP256K1,
  NOBLE_SECP256K1,
  SECP256K1_BACKEND,
  recoverAddress,
  recoverPublicKey,
  signDigest,
  verifyMessage,
  type RecoverableSignature,
  type Secp256k1Implementation,
} from "../src/secp256k1";

const N = noble.CURVE.n;
/** Seeded inputs: the same cases in every run. */
const bytes32 = (label: string, i: number) =>
  ethers.getBytes(ethers.keccak256(ethers.toUtf8Bytes(`${label}/${i}`)));
const scalar = (value: bigint) => ethers.getBytes(ethers.toBeHex(value, 32));
const CASES = 100;

function cases(): Array<{ digest: Uint8Array; key: Uint8Array }> {
  return Array.from({ length: CASES }, (_, i) => ({
    digest: bytes32("digest", i),
    key: bytes32("key", i),
  }));
}

/** The signature with s → n − s and the recovery bit flipped: the same R's twin, same key. */
function highS(sig: RecoverableSignature): RecoverableSignature {
  const s = N - ethers.toBigInt(sig.s);
  return { r: sig.r, s: scalar(s), recovery: (1 - sig.recovery) as 0 | 1 };
}

/** x = 5 is not the x of a secp256k1 point (5³ + 7 = 132 is not a square mod p). */
const NO_POINT_X = scalar(5n);

describe("secp256k1: libsecp256k1 when it loads, @noble otherwise, same answers", function () {
  it("loads the native binding on linux-x64 (its prebuild ships in the package)", function () {
    if (process.platform !== "linux" || process.arch !== "x64") this.skip();
    expect(SECP256K1_BACKEND).to.equal(
      process.env.PKP_SECP256K1 === "noble" ? "noble" : "libsecp256k1",
    );
  });

  const implementations: Array<[string, Secp256k1Implementation | undefined]> = [
    ["libsecp256k1", NATIVE_SECP256K1],
    ["noble", NOBLE_SECP256K1],
  ];
  for (const [name, impl] of implementations) {
    describe(name, function () {
      before(function () {
        if (impl === undefined) this.skip();
      });

      it("signs exactly as ethers' SigningKey (RFC 6979, low s) and recovers the signer's key", function () {
        for (const { digest, key } of cases()) {
          const ours = impl!.sign(digest, key);
          const theirs = new ethers.SigningKey(key).sign(digest);
          expect(ethers.hexlify(ours.r)).to.equal(theirs.r);
          expect(ethers.hexlify(ours.s)).to.equal(theirs.s);
          expect(ours.recovery).to.equal(theirs.yParity);
          expect(ethers.hexlify(impl!.recover(digest, ours))).to.equal(
            ethers.SigningKey.computePublicKey(key, false),
          );
        }
      });

      it("recovers the same key from the high-s twin (recovery does not enforce low s)", function () {
        for (const { digest, key } of cases().slice(0, 20)) {
          const twin = highS(impl!.sign(digest, key));
          expect(ethers.hexlify(impl!.recover(digest, twin))).to.equal(
            ethers.SigningKey.computePublicKey(key, false),
          );
        }
      });

      it("refuses r or s of 0 or ≥ n, and an r that is no point's x", function () {
        const { digest, key } = cases()[0];
        const good = impl!.sign(digest, key);
        const bad: Array<[string, RecoverableSignature]> = [
          ["r = 0", { ...good, r: scalar(0n) }],
          ["s = 0", { ...good, s: scalar(0n) }],
          ["r = n", { ...good, r: scalar(N) }],
          ["s = n", { ...good, s: scalar(N) }],
          ["r no point", { ...good, r: NO_POINT_X }],
        ];
        for (const [what, signature] of bad) {
          expect(() => impl!.recover(digest, signature), what).to.throw();
        }
      });

      it("refuses a private key of 0 or ≥ n", function () {
        const { digest } = cases()[0];
        expect(() => impl!.sign(digest, scalar(0n))).to.throw();
        expect(() => impl!.sign(digest, scalar(N))).to.throw();
      });
    });
  }

  it("recoverAddress and verifyMessage answer as ethers' functions of the same names", function () {
    for (const { digest, key } of cases().slice(0, 30)) {
      const wallet = new ethers.Wallet(ethers.hexlify(key));
      const signature = wallet.signingKey.sign(digest).serialized;
      expect(recoverAddress(digest, signature)).to.equal(ethers.recoverAddress(digest, signature));
      const message = `hello ${ethers.hexlify(digest)}`;
      const personal = wallet.signMessageSync(message);
      expect(verifyMessage(message, personal)).to.equal(wallet.address);
      expect(verifyMessage(message, personal)).to.equal(ethers.verifyMessage(message, personal));
    }
  });

  it("recoverAddress refuses what ethers refuses: a bad v, a wrong length", function () {
    const { digest, key } = cases()[1];
    const signature = new ethers.SigningKey(key).sign(digest).serialized;
    const badV = signature.slice(0, -2) + "05";
    expect(() => recoverAddress(digest, badV)).to.throw();
    expect(() => ethers.recoverAddress(digest, badV)).to.throw();
    // 64 bytes is EIP-2098's compact form (valid); 63 is nothing.
    expect(() => recoverAddress(digest, signature.slice(0, -4))).to.throw();
  });

  it("refuses a digest that is not 32 bytes", function () {
    const { key } = cases()[2];
    expect(() => signDigest(new Uint8Array(31), key)).to.throw(RangeError, /32 bytes/);
    const sig = signDigest(bytes32("d", 0), key);
    expect(() => recoverPublicKey(new Uint8Array(33), sig)).to.throw(RangeError, /32 bytes/);
  });
});
