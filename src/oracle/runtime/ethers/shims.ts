/**
 * Sandbox replacements for two of ethers v5's dependencies, as CommonJS module sources: the
 * same functions over the worker's native hashes (`require("#native")`: digest and hmac, see
 * ./nativeHashes.ts) instead of QuickJS-interpreted JavaScript.
 *
 * - `js-sha3`: ethers uses `keccak_256(bytes) → hex` only (@ethersproject/keccak256).
 * - `hash.js`: @ethersproject/sha2 (sha256, sha512, ripemd160, computeHmac): sha256/384/512
 *   constructors, `hmac`, `outSize`, `blockSize`, `hmacStrength`. Hash objects buffer their input
 *   and hash it once on `digest`.
 * - `elliptic`: @ethersproject/signing-key's use of it only (`new ec("secp256k1")`,
 *   keyFromPrivate/keyFromPublic, getPublic, sign with canonical low-s RFC 6979 signatures — the
 *   same as elliptic's —, derive, recoverPubKey, point add/encode), over the worker's secp256k1
 *   (./nativeCurve.ts). The original (80 KB, and bn.js 4 with it) costs 40–80 ms to compile
 *   and set up per run in QuickJS.
 *
 * - `bn.js`: @ethersproject/bignumber's use of it only (the one package left that needs it):
 *   construction from hex/decimal/base-36 strings, add/sub/mul/div/umod/pow, and/or/xor/maskn,
 *   shln/shrn, fromTwos/toTwos, comparisons, isZero/isNeg, toNumber, toString(base) — over
 *   QuickJS's BigInt, with bn.js's results (truncating division, non-negative umod, the
 *   53-bit toNumber assertion, two's complement of the magnitude). bn.js costs ≈ 14 ms to compile
 *   per run in QuickJS.
 *
 * Compiling the originals costs ≈ 2 ms (js-sha3) and ≈ 4 ms (hash.js) per run in QuickJS; the
 * shims ≈ 0.1 ms. test/oracle/runtime/ethers.test.ts compares their results with ethers5 in Node.
 */
import type { SandboxModule } from "./types";

const JS_SHA3 = String.raw`"use strict";
var native = require("#native");
function toBytes(data) {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data);
}
function keccak_256(data) { return native.digest("keccak256", toBytes(data)); }
keccak_256.hex = keccak_256;
keccak_256.array = function (data) { return Array.from(hexToBytes(keccak_256(data))); };
keccak_256.arrayBuffer = function (data) { return hexToBytes(keccak_256(data)).buffer; };
keccak_256.digest = keccak_256.array;
function hexToBytes(hex) {
  var out = new Uint8Array(hex.length / 2);
  for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}
module.exports = { keccak_256: keccak_256, keccak256: keccak_256 };
`;

const HASH_JS = String.raw`"use strict";
var native = require("#native");
function toArray(msg, enc) {
  if (Array.isArray(msg) || ArrayBuffer.isView(msg)) {
    var out = new Array(msg.length);
    for (var i = 0; i < msg.length; i++) out[i] = msg[i] & 255;
    return out;
  }
  if (!msg) return [];
  if (typeof msg !== "string") {
    var arr = [];
    for (var j = 0; j < msg.length; j++) arr[j] = msg[j] | 0;
    return arr;
  }
  if (enc === "hex") {
    var clean = msg.replace(/[^a-z0-9]+/gi, "");
    if (clean.length % 2 !== 0) clean = "0" + clean;
    var bytes = [];
    for (var k = 0; k < clean.length; k += 2) bytes.push(parseInt(clean.substr(k, 2), 16));
    return bytes;
  }
  return Array.from(new TextEncoder().encode(msg));
}
function hexToArray(hex) {
  var out = new Array(hex.length / 2);
  for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}
function append(chunks, bytes) { for (var i = 0; i < bytes.length; i++) chunks.push(bytes[i]); }
function finish(hex, enc) { return enc === "hex" ? hex : hexToArray(hex); }
function define(algorithm, blockSize, outSize, hmacStrength, padLength) {
  function Hash() {
    var chunks = [];
    var hash = {
      blockSize: blockSize, outSize: outSize, hmacStrength: hmacStrength, padLength: padLength,
      update: function (msg, enc) { append(chunks, toArray(msg, enc)); return hash; },
      digest: function (enc) { return finish(native.digest(algorithm, new Uint8Array(chunks)), enc); },
    };
    return hash;
  }
  Hash.algorithm = algorithm;
  Hash.blockSize = blockSize;
  Hash.outSize = outSize;
  Hash.hmacStrength = hmacStrength;
  Hash.padLength = padLength;
  return Hash;
}
var sha1 = define("sha1", 512, 160, 80, 64);
var sha224 = define("sha224", 512, 224, 192, 64);
var sha256 = define("sha256", 512, 256, 192, 64);
var sha384 = define("sha384", 1024, 384, 192, 128);
var sha512 = define("sha512", 1024, 512, 192, 128);
var ripemd160 = define("ripemd160", 512, 160, 192, 64);
function hmac(Hash, key, enc) {
  if (!Hash || typeof Hash.algorithm !== "string") throw new Error("hash.js (sandbox): unsupported hash for hmac");
  var keyBytes = new Uint8Array(toArray(key, enc));
  var chunks = [];
  var mac = {
    blockSize: Hash.blockSize, outSize: Hash.outSize,
    update: function (msg, e) { append(chunks, toArray(msg, e)); return mac; },
    digest: function (e) { return finish(native.hmac(Hash.algorithm, keyBytes, new Uint8Array(chunks)), e); },
  };
  return mac;
}
module.exports = {
  sha: { sha1: sha1, sha224: sha224, sha256: sha256, sha384: sha384, sha512: sha512 },
  ripemd: { ripemd160: ripemd160 },
  sha1: sha1, sha224: sha224, sha256: sha256, sha384: sha384, sha512: sha512,
  ripemd160: ripemd160, hmac: hmac,
};
`;

const ELLIPTIC = String.raw`"use strict";
var native = require("#native");
function toHex(bytes) {
  var out = "";
  for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return out;
}
function fromHex(hex) {
  var out = new Uint8Array(hex.length / 2);
  for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}
function bytesOf(value) {
  if (typeof value === "string") return fromHex(value.replace(/^0x/, ""));
  return new Uint8Array(value);
}
// A bn.js-like number: what ethers reads of elliptic's r, s and shared secrets (toString(16)).
function Num(hex) { this._hex = hex.replace(/^0+(?=.)/, ""); }
Num.prototype.toString = function (base) {
  if (base === 16 || base === "hex") return this._hex;
  return BigInt("0x" + this._hex).toString(base === undefined ? 10 : base);
};
Num.prototype.toArray = function () { return Array.from(fromHex(this._hex.length % 2 ? "0" + this._hex : this._hex)); };
function Point(bytes) { this._bytes = bytes; }
Point.prototype.encode = function (enc, compressed) {
  var hex = native.secp256k1("convert", this._bytes, compressed === true);
  return enc === "hex" ? hex : Array.from(fromHex(hex));
};
Point.prototype.encodeCompressed = function (enc) { return this.encode(enc, true); };
Point.prototype.add = function (other) { return new Point(fromHex(native.secp256k1("add", this._bytes, other._bytes))); };
function KeyPair(priv, pub) { this.priv = priv; this.pub = pub; }
KeyPair.prototype.getPublic = function (compressed, enc) {
  if (typeof compressed === "string") { enc = compressed; compressed = false; }
  if (!this.pub) this.pub = new Point(fromHex(native.secp256k1("publicKey", this.priv, false)));
  if (enc === undefined) return this.pub;
  return this.pub.encode(enc, compressed === true);
};
KeyPair.prototype.getPrivate = function (enc) {
  return enc === "hex" ? toHex(this.priv) : new Num(toHex(this.priv));
};
KeyPair.prototype.sign = function (digest) {
  var out = native.secp256k1("sign", this.priv, bytesOf(digest));
  return { r: new Num(out.slice(0, 64)), s: new Num(out.slice(64, 128)), recoveryParam: parseInt(out.slice(128, 130), 16) };
};
KeyPair.prototype.derive = function (point) { return new Num(native.secp256k1("ecdh", this.priv, point._bytes)); };
function EC(name) {
  if (name !== "secp256k1") throw new Error("elliptic (sandbox): only secp256k1 is available, not " + name);
}
EC.prototype.keyFromPrivate = function (priv, enc) { return new KeyPair(bytesOf(priv), undefined); };
EC.prototype.keyFromPublic = function (pub, enc) {
  var bytes = bytesOf(pub);
  native.secp256k1("convert", bytes, false); // validates the point
  return new KeyPair(undefined, new Point(bytes));
};
EC.prototype.recoverPubKey = function (digest, signature, recoveryParam) {
  return new Point(fromHex(native.secp256k1("recover", bytesOf(digest), bytesOf(signature.r), bytesOf(signature.s), recoveryParam)));
};
module.exports = { ec: EC };
`;

const BN_JS = String.raw`"use strict";
var DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";
function parse(text, base) {
  var s = String(text).trim().toLowerCase();
  var negative = s[0] === "-";
  if (negative) s = s.slice(1);
  if (s === "") s = "0";
  var value;
  if (base === 16 || base === "hex") {
    if (!/^[0-9a-f]+$/.test(s)) throw new Error("Invalid character in " + text);
    value = BigInt("0x" + s);
  } else if (base === undefined || base === 10) {
    if (!/^[0-9]+$/.test(s)) throw new Error("Invalid character in " + text);
    value = BigInt(s);
  } else {
    var b = BigInt(base);
    value = BigInt(0);
    for (var i = 0; i < s.length; i++) {
      var digit = DIGITS.indexOf(s[i]);
      if (digit < 0 || digit >= base) throw new Error("Invalid character in " + text);
      value = value * b + BigInt(digit);
    }
  }
  return negative ? -value : value;
}
function BN(number, base) {
  if (!(this instanceof BN)) return new BN(number, base);
  if (number instanceof BN) this.v = number.v;
  else if (typeof number === "bigint") this.v = number;
  else if (typeof number === "number") this.v = BigInt(Math.trunc(number));
  else this.v = parse(number, base);
}
BN.BN = BN;
BN.isBN = function (value) { return value instanceof BN; };
var ONE = BigInt(1);
var ZERO = BigInt(0);
function big(other) { return other instanceof BN ? other.v : BigInt(other); }
function assert(ok, message) { if (!ok) throw new Error(message || "Assertion failed"); }
function mask(width) { return (ONE << BigInt(width)) - ONE; }
BN.prototype.clone = function () { return new BN(this.v); };
BN.prototype.add = function (o) { return new BN(this.v + big(o)); };
BN.prototype.sub = function (o) { return new BN(this.v - big(o)); };
BN.prototype.mul = function (o) { return new BN(this.v * big(o)); };
BN.prototype.div = function (o) { assert(big(o) !== ZERO); return new BN(this.v / big(o)); };
BN.prototype.mod = function (o) { assert(big(o) !== ZERO); return new BN(this.v % big(o)); };
BN.prototype.umod = function (o) {
  var m = big(o);
  assert(m !== ZERO);
  if (m < ZERO) m = -m;
  return new BN(((this.v % m) + m) % m);
};
BN.prototype.pow = function (o) { return new BN(this.v ** big(o)); };
BN.prototype.and = function (o) { return new BN(this.v & big(o)); };
BN.prototype.or = function (o) { return new BN(this.v | big(o)); };
BN.prototype.xor = function (o) { return new BN(this.v ^ big(o)); };
BN.prototype.maskn = function (bits) { assert(this.v >= ZERO, "imaskn works only with positive numbers"); return new BN(this.v & mask(bits)); };
BN.prototype.shln = function (bits) { return new BN(this.v << BigInt(bits)); };
BN.prototype.shrn = function (bits) {
  var magnitude = this.v < ZERO ? -this.v : this.v;
  var shifted = magnitude >> BigInt(bits);
  return new BN(this.v < ZERO ? -shifted : shifted);
};
BN.prototype.testn = function (bit) { var magnitude = this.v < ZERO ? -this.v : this.v; return ((magnitude >> BigInt(bit)) & ONE) === ONE; };
// Two's complement of the magnitude, as bn.js (notn flips the low width bits only).
BN.prototype.fromTwos = function (width) {
  assert(this.v >= ZERO);
  if (this.testn(width - 1)) return new BN(-((this.v ^ mask(width)) + ONE));
  return this.clone();
};
BN.prototype.toTwos = function (width) {
  if (this.v < ZERO) return new BN(((-this.v) ^ mask(width)) + ONE);
  return this.clone();
};
BN.prototype.neg = function () { return new BN(-this.v); };
BN.prototype.abs = function () { return new BN(this.v < ZERO ? -this.v : this.v); };
BN.prototype.cmp = function (o) { var b = big(o); return this.v < b ? -1 : this.v > b ? 1 : 0; };
BN.prototype.eq = function (o) { return this.v === big(o); };
BN.prototype.lt = function (o) { return this.v < big(o); };
BN.prototype.lte = function (o) { return this.v <= big(o); };
BN.prototype.gt = function (o) { return this.v > big(o); };
BN.prototype.gte = function (o) { return this.v >= big(o); };
BN.prototype.isZero = function () { return this.v === ZERO; };
BN.prototype.isNeg = function () { return this.v < ZERO; };
BN.prototype.bitLength = function () { var m = this.v < ZERO ? -this.v : this.v; return m === ZERO ? 0 : m.toString(2).length; };
BN.prototype.toNumber = function () {
  assert(this.bitLength() <= 53, "Number can only safely store up to 53 bits");
  return Number(this.v);
};
BN.prototype.toString = function (base) {
  var radix = base === undefined || base === "hex" ? (base === "hex" ? 16 : 10) : base;
  return this.v.toString(radix);
};
BN.prototype.toJSON = function () { return this.toString(16); };
module.exports = BN;
`;

/** npm package name → the module that stands in for it in the sandbox. */
export const SHIMS: Readonly<Record<string, SandboxModule>> = {
  "js-sha3": { source: JS_SHA3, deps: { "#native": "#native" } },
  "hash.js": { source: HASH_JS, deps: { "#native": "#native" } },
  elliptic: { source: ELLIPTIC, deps: { "#native": "#native" } },
  "bn.js": { source: BN_JS, deps: {} },
};
