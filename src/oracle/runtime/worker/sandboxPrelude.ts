/**
 * JavaScript that runs INSIDE the QuickJS sandbox before the action: it builds Lit's globals
 * (`Lit.Actions`/`LitActions`, `Lit.Auth`/`LitAuth`, `Lit.Headers`/`LitHeaders`), console,
 * bounded timers, the web APIs of Lit's Deno runtime, `ethers`, `jwt`, and the jsParams globals, on
 * top of a few native functions the worker provides.
 *
 * The source is a function expression; the worker calls it once with (natives, lazySources) and
 * gets back `start(paramsJson, contextJson, seedJson)`, which it calls when the run begins (so a
 * sandbox can be built before its request arrives, or imaged: sandboxImage.ts; either way each
 * run starts from a sandbox no other run touched). The natives object
 * is only ever a closure variable here, never a global, so action code reaches the host
 * exclusively through the API below.
 *
 * Compiling this source is most of a sandbox's cost (QuickJS compiles every function eagerly),
 * so it is kept lean: comments and indentation are stripped before it is compiled (`compact`),
 * and everything few actions use — the uint8array codecs, the timers, the web APIs, fetch,
 * ethers, jwt — is a separate source, compiled inside the sandbox (indirect eval, captured
 * before the action runs) the first time the action touches it. A global such as `TextEncoder`
 * is an accessor until then. Everything crossing to the natives is a string (JSON) or an
 * ArrayBuffer, and errors coming back are turned into Error objects created here, inside the
 * sandbox. Built-ins are captured up front so an action that overwrites JSON/Array/etc. only
 * breaks itself.
 *
 * Lit's own globals are frozen and non-writable, as on Lit (`Lit`, `LitActions`, `LitAuth`,
 * `LitHeaders`; `Lit.Actions` and `Lit.Auth` deeply frozen). The web APIs, `ethers` and `jwt`
 * are ordinary writable globals, as in Deno.
 *
 * Natives (see sandboxExecution.ts, sandboxFrame.ts and pureNatives.ts):
 *   hostCall(method, argsJson) -> Promise<json>   rejects with JSON { message, code }
 *   localCall(method, argsJson) -> json           sync; throws JSON { message, code }
 *   setResponse(string), log(string)              sync; may end the run on a limit
 *   sleep(id, ms) -> Promise<void>, cancelSleep(id)
 *   fail(message)                                 ends the action with ACTION_ERROR
 *   pure helpers (no host, no state): utf8Encode/utf8Decode, base64Encode/base64Decode,
 *   digest/hmac, randomBytes, url/urlSet, jwtVerify/jwtSign, ethersManifest/ethersModule
 */
import { ETHERS_SOURCE } from "./prelude/ethers";
import { FETCH_SOURCE } from "./prelude/fetch";
import { HTTP_SOURCE } from "./prelude/http";
import { JWT_SOURCE } from "./prelude/jwt";
import { TEXT_SOURCE } from "./prelude/text";
import { URL_SOURCE } from "./prelude/url";
import { WEBCRYPTO_SOURCE } from "./prelude/webcrypto";

/**
 * Lit.Actions functions this oracle does not implement (none today: `claimKey`, the last one, is
 * a host method since claimed keys landed). Kept so a future gap rejects with a clear message.
 */
export const UNSUPPORTED_LIT_ACTIONS: readonly string[] = [];

/** Async Lit.Actions functions answered by the host (main thread). */
const HOST_METHODS = [
  "signEcdsa",
  "ethPersonalSignMessageEcdsa",
  "signAndCombineEcdsa",
  "sign",
  "signAndCombine",
  "signAsAction",
  "getActionPublicKey",
  "verifyActionSignature",
  "isPermittedAction",
  "isPermittedAddress",
  "isPermittedAuthMethod",
  "getPermittedActions",
  "getPermittedAddresses",
  "getPermittedAuthMethods",
  "getPermittedAuthMethodScopes",
  "getLatestNonce",
  "callContract",
  "getRpcUrl",
  "call",
  "checkConditions",
  "encrypt",
  "decryptAndCombine",
  "decryptToSingleNode",
  "claimKey",
];

/** Lit's limit on broadcastAndCollect per execution (datil's default). */
const MAX_BROADCASTS = 30;

/** Names jsParams may not overwrite, so the API itself stays reachable. */
const RESERVED_GLOBALS = ["Lit", "LitActions", "LitAuth", "LitHeaders", "jsParams"];

/** Global name → the lazy part that defines it. */
const LAZY_GLOBALS: Readonly<Record<string, string>> = {
  TextEncoder: "text",
  TextDecoder: "text",
  atob: "text",
  btoa: "text",
  URL: "url",
  URLSearchParams: "url",
  Headers: "http",
  Request: "http",
  Response: "http",
  DOMException: "webcrypto",
  crypto: "webcrypto",
  structuredClone: "webcrypto",
  fetch: "fetch",
  ethers: "ethers",
  jwt: "jwt",
};

const CORE_SOURCE = String.raw`(function installLitActionsPrelude(natives, lazySources) {
  "use strict";
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const objectKeys = Object.keys;
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const isArray = Array.isArray;
  const fromCharCode = String.fromCharCode;
  const ErrorCtor = Error;
  const TypeErrorCtor = TypeError;
  const Uint8ArrayCtor = Uint8Array;
  const ArrayBufferCtor = ArrayBuffer;
  const isView = ArrayBuffer.isView;
  const SetCtor = Set;
  const PromiseCtor = Promise;
  const evalGlobal = eval; // indirect: lazy parts compile in the global scope, not in this one
  const defineGlobal = (name, value) =>
    defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const defineFrozenGlobal = (name, value) =>
    defineProperty(globalThis, name, { value, writable: false, configurable: false, enumerable: false });
  function deepFreeze(value) {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
      freeze(value);
      for (const key of objectKeys(value)) deepFreeze(value[key]);
    }
    return value;
  }

  // ---- converting action values to plain JSON data -------------------------------------------
  const MAX_DEPTH = 64;
  function toPlain(value, depth) {
    if (depth > MAX_DEPTH) throw new TypeErrorCtor("argument is nested too deeply (or cyclic)");
    if (typeof value === "bigint") return value.toString();
    if (value instanceof ArrayBufferCtor) return bytesToArray(new Uint8ArrayCtor(value));
    if (isView(value)) return bytesToArray(new Uint8ArrayCtor(value.buffer, value.byteOffset, value.byteLength));
    if (isArray(value)) {
      const out = [];
      for (let i = 0; i < value.length; i++) out.push(toPlain(value[i], depth + 1));
      return out;
    }
    if (value !== null && typeof value === "object") {
      // ethers v5 BigNumber-like objects: { _hex, _isBigNumber }
      if (value._isBigNumber === true && typeof value._hex === "string") return value._hex;
      const out = {};
      const keys = objectKeys(value);
      for (let i = 0; i < keys.length; i++) out[keys[i]] = toPlain(value[keys[i]], depth + 1);
      return out;
    }
    return value;
  }
  function bytesToArray(bytes) {
    const out = new Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) out[i] = bytes[i];
    return out;
  }
  function encodeArgs(method, args) {
    try {
      return stringify(toPlain(args === undefined ? {} : args, 0));
    } catch (e) {
      throw new TypeErrorCtor("Lit.Actions." + method + ": arguments must be plain data (" + (e && e.message) + ")");
    }
  }
  function toError(raw) {
    let detail;
    try { detail = parse(raw); } catch (_) { detail = { message: String(raw) }; }
    const error = new ErrorCtor(detail.message);
    if (detail.code) error.code = detail.code;
    return error;
  }

  // ---- Lit.Actions ----------------------------------------------------------------------------
  async function callHost(method, args) {
    const argsJson = encodeArgs(method, args);
    let json;
    try {
      json = await natives.hostCall(method, argsJson);
    } catch (raw) {
      throw toError(raw);
    }
    return parse(json);
  }
  function callLocal(method, args) {
    const argsJson = encodeArgs(method, args);
    let json;
    try {
      json = natives.localCall(method, argsJson);
    } catch (raw) {
      throw toError(raw);
    }
    return parse(json);
  }

  // A part few actions use, compiled the first time it is needed. Parts may use each other.
  const parts = {};
  const partDeps = {
    natives, evalGlobal, stringify, parse, isArray, isView, fromCharCode, Uint8ArrayCtor,
    ArrayBufferCtor, TypeErrorCtor, ErrorCtor, SetCtor, PromiseCtor, callHost, toError, part,
    loadedPart, formatLogArg,
  };
  function part(name) {
    return parts[name] || (parts[name] = evalGlobal(lazySources[name])(partDeps));
  }
  // A part if it is compiled already, else undefined (without compiling it).
  function loadedPart(name) {
    return parts[name];
  }

  const api = {};
  for (const method of ${JSON.stringify(HOST_METHODS)}) {
    api[method] = (args) => callHost(method, args);
  }
  api.pubkeyToTokenId = (args) => callLocal("pubkeyToTokenId", args);
  api.aesDecrypt = async (args) => callLocal("aesDecrypt", args);
  api.setResponse = (args) => {
    const response = args === null || typeof args !== "object" ? undefined : args.response;
    if (typeof response !== "string") {
      throw new TypeErrorCtor("Lit.Actions.setResponse: { response } must be a string (use JSON.stringify for objects)");
    }
    natives.setResponse(response);
  };
  // One node here, the leader of every election: fn runs, its result as a string (Lit's rules).
  api.runOnce = async (params, fn) => {
    if (typeof fn !== "function") throw new TypeErrorCtor("Lit.Actions.runOnce: the second argument must be an async function");
    let response = "";
    try {
      response = await fn();
    } catch (e) {
      console.error("Error running function:", e);
      response = "[ERROR]";
    }
    try {
      response = response.toString();
    } catch (e) {
      console.error("Error converting response to string:", e);
      response = "";
    }
    return response;
  };
  let broadcasts = 0;
  api.broadcastAndCollect = async (args) => {
    const value = args === null || typeof args !== "object" ? undefined : args.value;
    if (typeof value !== "string") throw new TypeErrorCtor("Lit.Actions.broadcastAndCollect: { value } must be a string");
    if (++broadcasts > ${MAX_BROADCASTS}) {
      throw new ErrorCtor("You may not use broadcast and collect functionality more than ${MAX_BROADCASTS} times per session and you have attempted to exceed that limit.");
    }
    return [value]; // every node's value: here, this node's only
  };
  for (const method of ${JSON.stringify(UNSUPPORTED_LIT_ACTIONS)}) {
    api[method] = async () => {
      throw new ErrorCtor("Lit.Actions." + method + " is not supported by this oracle");
    };
  }
  api.uint8arrayToString = (bytes, encoding) => part("codecs").toString(bytes, encoding);
  api.uint8arrayFromString = (str, encoding) => part("codecs").fromString(str, encoding);
  freeze(api);

  // ---- console --------------------------------------------------------------------------------
  function formatLogArg(value) {
    if (typeof value === "string") return value;
    if (value instanceof ErrorCtor) return value.stack ? value.name + ": " + value.message + "\n" + value.stack : String(value);
    if (value === undefined || typeof value === "function" || typeof value === "symbol") return String(value);
    if (typeof value === "bigint") return value.toString() + "n";
    try {
      const json = stringify(toPlain(value, 0));
      return json === undefined ? String(value) : json;
    } catch (_) {
      return String(value);
    }
  }
  function logger() {
    return function () {
      let line = "";
      for (let i = 0; i < arguments.length; i++) line += (i ? " " : "") + formatLogArg(arguments[i]);
      natives.log(line + "\n");
    };
  }
  const console = {
    log: logger(), info: logger(), warn: logger(), error: logger(), debug: logger(), trace: logger(),
  };
  defineGlobal("console", console);

  // ---- timers: bounded by the run's deadline; compiled on first use (TIMERS_SOURCE) -----------
  defineGlobal("setTimeout", (callback, ms, ...args) => part("timers").startTimer(callback, ms, args, false));
  defineGlobal("setInterval", (callback, ms, ...args) => part("timers").startTimer(callback, ms, args, true));
  defineGlobal("clearTimeout", (id) => part("timers").stopTimer(id));
  defineGlobal("clearInterval", (id) => part("timers").stopTimer(id));

  // ---- web APIs, fetch, ethers, jwt: accessors until first use ---------------------------------
  const lazyGlobals = ${JSON.stringify(LAZY_GLOBALS)};
  for (const name of objectKeys(lazyGlobals)) {
    defineProperty(globalThis, name, {
      configurable: true,
      enumerable: false,
      get() {
        const value = part(lazyGlobals[name])[name];
        defineGlobal(name, value);
        return value;
      },
      set(value) {
        defineGlobal(name, value);
      },
    });
  }
  defineGlobal("global", globalThis);

  // ---- Lit's frozen globals and the jsParams, when the run begins ------------------------------
  const reserved = ${JSON.stringify(RESERVED_GLOBALS)};
  // Math.random draws from a generator seeded by the host at every start: QuickJS seeds its own
  // once per context, and a sandbox image (sandboxImage.ts) starts every run from the same bytes.
  const seedRandom = (seed) => {
    let x = seed[0] | 0, y = seed[1] | 0, z = seed[2] | 0, w = seed[3] | 1;
    const next = () => {
      const t = x ^ (x << 11);
      x = y; y = z; z = w;
      w = (w ^ (w >>> 19) ^ t ^ (t >>> 8)) | 0;
      return w >>> 0;
    };
    // 53 random bits, as V8 gives: 27 from one draw, 26 from the next.
    const random = { random() { return ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992; } }.random;
    defineProperty(Math, "random", { value: random, writable: true, configurable: true, enumerable: false });
  };
  function start(paramsJson, contextJson, seedJson) {
    seedRandom(parse(seedJson));
    const context = parse(contextJson);
    const auth = deepFreeze(context.auth);
    let headers;
    // Lit's LitHeaders is a Headers object of the client's request headers (read-only here).
    const litHeaders = () => headers || (headers = part("http").immutableHeaders(context.headers));
    const lit = {};
    defineProperty(lit, "Actions", { value: api, enumerable: true });
    defineProperty(lit, "Auth", { value: auth, enumerable: true });
    defineProperty(lit, "Headers", { get: litHeaders, enumerable: true });
    freeze(lit);
    defineFrozenGlobal("Lit", lit);
    defineFrozenGlobal("LitActions", api);
    defineFrozenGlobal("LitAuth", auth);
    defineProperty(globalThis, "LitHeaders", { get: litHeaders, configurable: false, enumerable: false });
    const params = parse(paramsJson);
    defineGlobal("jsParams", params);
    for (const key of objectKeys(params)) {
      if (reserved.indexOf(key) < 0) {
        defineProperty(globalThis, key, { value: params[key], writable: true, enumerable: true, configurable: true });
      }
    }
  }
  // Compiles parts and ethers modules ahead of any run (a sandbox image's warm-up): what a run
  // would otherwise compile on first use. Nothing of it is visible to the action but speed.
  start.warm = function warm(specJson) {
    const spec = parse(specJson);
    for (const name of spec.parts) if (name !== "ethers") part(name);
    if (spec.parts.indexOf("ethers") < 0) return;
    try {
      const utils = part("ethers").ethers.utils;
      for (const name of spec.ethersUtils) void utils[name];
    } catch (_) {
      // ethers is not available to this worker: an action touching it fails as in any sandbox.
    }
  };
  return start;
})`;

const CODECS_SOURCE = String.raw`(function uint8arrayCodecs(deps) {
  "use strict";
  const { stringify, isArray, isView, fromCharCode, Uint8ArrayCtor, ArrayBufferCtor, TypeErrorCtor } = deps;
  // ---- uint8arrayToString / uint8arrayFromString (uint8arrays package encodings) ---------------
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  function utf8Encode(str) {
    const out = [];
    for (let i = 0; i < str.length; i++) {
      let c = str.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
        const d = str.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8ArrayCtor(out);
  }
  function utf8Decode(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i];
      let need = 0, cp = 0, min = 0;
      if (b < 0x80) { out += fromCharCode(b); i++; continue; }
      else if ((b & 0xe0) === 0xc0) { need = 1; cp = b & 31; min = 0x80; }
      else if ((b & 0xf0) === 0xe0) { need = 2; cp = b & 15; min = 0x800; }
      else if ((b & 0xf8) === 0xf0) { need = 3; cp = b & 7; min = 0x10000; }
      else { out += "\ufffd"; i++; continue; }
      let j = 1;
      for (; j <= need; j++) {
        const n = bytes[i + j];
        if (n === undefined || (n & 0xc0) !== 0x80) break;
        cp = (cp << 6) | (n & 63);
      }
      if (j <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        out += "\ufffd"; i += j; continue;
      }
      i += need + 1;
      if (cp >= 0x10000) { cp -= 0x10000; out += fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023)); }
      else out += fromCharCode(cp);
    }
    return out;
  }
  function base64Encode(bytes, alphabet, pad) {
    let out = "";
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      const left = bytes.length - i;
      out += alphabet[(n >> 18) & 63] + alphabet[(n >> 12) & 63];
      out += left > 1 ? alphabet[(n >> 6) & 63] : pad ? "=" : "";
      out += left > 2 ? alphabet[n & 63] : pad ? "=" : "";
    }
    return out;
  }
  function base64Decode(str, alphabet) {
    const clean = str.replace(/=+$/, "");
    const out = [];
    let buffer = 0, bits = 0;
    for (let i = 0; i < clean.length; i++) {
      const v = alphabet.indexOf(clean[i]);
      if (v < 0) throw new TypeErrorCtor("uint8arrayFromString: invalid base64 character " + stringify(clean[i]));
      buffer = (buffer << 6) | v; bits += 6;
      if (bits >= 8) { bits -= 8; out.push((buffer >> bits) & 255); }
    }
    return new Uint8ArrayCtor(out);
  }
  function hexEncode(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }
  function hexDecode(str) {
    if (str.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(str)) {
      throw new TypeErrorCtor("uint8arrayFromString: invalid base16 string");
    }
    const out = new Uint8ArrayCtor(str.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(str.substr(i * 2, 2), 16);
    return out;
  }
  function latin1Decode(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; i++) out += fromCharCode(bytes[i]);
    return out;
  }
  function latin1Encode(str) {
    const out = new Uint8ArrayCtor(str.length);
    for (let i = 0; i < str.length; i++) out[i] = str.charCodeAt(i) & 255;
    return out;
  }
  function asBytes(value) {
    if (value instanceof Uint8ArrayCtor) return value;
    if (value instanceof ArrayBufferCtor) return new Uint8ArrayCtor(value);
    if (isView(value)) return new Uint8ArrayCtor(value.buffer, value.byteOffset, value.byteLength);
    if (isArray(value)) return new Uint8ArrayCtor(value);
    throw new TypeErrorCtor("uint8arrayToString: expected a Uint8Array");
  }
  const ENCODERS = {
    utf8: [utf8Decode, utf8Encode],
    base16: [hexEncode, hexDecode],
    base64: [(b) => base64Encode(b, B64, false), (s) => base64Decode(s, B64)],
    base64pad: [(b) => base64Encode(b, B64, true), (s) => base64Decode(s, B64)],
    base64url: [(b) => base64Encode(b, B64URL, false), (s) => base64Decode(s, B64URL)],
    base64urlpad: [(b) => base64Encode(b, B64URL, true), (s) => base64Decode(s, B64URL)],
    latin1: [latin1Decode, latin1Encode],
  };
  const ALIASES = { "utf-8": "utf8", hex: "base16", ascii: "latin1", binary: "latin1" };
  function codec(encoding) {
    const name = encoding === undefined ? "utf8" : ALIASES[encoding] || encoding;
    const pair = Object.prototype.hasOwnProperty.call(ENCODERS, name) ? ENCODERS[name] : undefined;
    if (!pair) throw new TypeErrorCtor("unsupported encoding " + stringify(String(encoding)));
    return pair;
  }
  return {
    toString: (bytes, encoding) => codec(encoding)[0](asBytes(bytes)),
    fromString: (str, encoding) => {
      if (typeof str !== "string") throw new TypeErrorCtor("uint8arrayFromString: expected a string");
      return codec(encoding)[1](str);
    },
  };
})`;

const TIMERS_SOURCE = String.raw`(function timers(deps) {
  "use strict";
  const { natives, TypeErrorCtor, SetCtor, formatLogArg } = deps;
  let nextTimerId = 1;
  const liveTimers = new SetCtor();
  function startTimer(callback, ms, args, repeat) {
    if (typeof callback !== "function") throw new TypeErrorCtor("timer callback must be a function");
    const id = nextTimerId++;
    const delay = ms > 0 ? Number(ms) : 0;
    liveTimers.add(id);
    const tick = () => {
      natives.sleep(id, delay).then(() => {
        if (!liveTimers.has(id)) return;
        if (!repeat) liveTimers.delete(id);
        try {
          callback.apply(undefined, args);
        } catch (error) {
          // Like an uncaught exception in a Node/Deno timer: it ends the whole execution.
          natives.fail("Uncaught (in timer callback) " + formatLogArg(error));
        }
        if (repeat && liveTimers.has(id)) tick();
      });
    };
    tick();
    return id;
  }
  function stopTimer(id) {
    if (liveTimers.delete(id)) natives.cancelSleep(id);
  }
  return { startTimer, stopTimer };
})`;

/**
 * Strips whole-line comments, indentation and blank lines. Safe for the sources of the prelude
 * only: none of their strings, regexes or template parts spans lines, and line breaks stay (ASI
 * unchanged).
 */
export function compact(source: string): string {
  return source
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("//"))
    .join("\n");
}

/**
 * Evaluates to installLitActionsPrelude(natives, lazySources) → start(paramsJson, contextJson,
 * seedJson), where seedJson is four random 32-bit integers (Math.random's seed), and
 * start.warm(specJson) with specJson `{ parts: LazyPart[], ethersUtils: string[] }`.
 */
export const PRELUDE_SOURCE = compact(CORE_SOURCE);

/** Names of the parts compiled on first use. */
export type LazyPart =
  "codecs" | "timers" | "text" | "url" | "http" | "webcrypto" | "fetch" | "ethers" | "jwt";

/** Sources of the parts compiled on first use, passed to the prelude as `lazySources`. */
export const LAZY_PRELUDE_SOURCES: Readonly<Record<LazyPart, string>> = {
  codecs: compact(CODECS_SOURCE),
  timers: compact(TIMERS_SOURCE),
  text: compact(TEXT_SOURCE),
  url: compact(URL_SOURCE),
  http: compact(HTTP_SOURCE),
  webcrypto: compact(WEBCRYPTO_SOURCE),
  fetch: compact(FETCH_SOURCE),
  ethers: compact(ETHERS_SOURCE),
  jwt: compact(JWT_SOURCE),
};
