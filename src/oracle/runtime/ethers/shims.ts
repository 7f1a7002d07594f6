/**
 * Sandbox replacements for two of ethers v5's dependencies, as CommonJS module sources: the
 * same functions over the worker's native hashes (`require("#native")`: digest and hmac, see
 * ./nativeHashes.ts) instead of QuickJS-interpreted JavaScript.
 *
 * - `js-sha3`: ethers uses `keccak_256(bytes) → hex` only (@ethersproject/keccak256).
 * - `hash.js`: @ethersproject/sha2 (sha256, sha512, ripemd160, computeHmac) and elliptic and
 *   hmac-drbg (sha256/384/512 constructors, `hmac`, `outSize`, `blockSize`, `hmacStrength`).
 *   Hash objects buffer their input and hash it once on `digest`.
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

/** npm package name → the module that stands in for it in the sandbox. */
export const SHIMS: Readonly<Record<string, SandboxModule>> = {
  "js-sha3": { source: JS_SHA3, deps: { "#native": "#native" } },
  "hash.js": { source: HASH_JS, deps: { "#native": "#native" } },
};
