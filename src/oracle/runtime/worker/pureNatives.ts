/**
 * Natives of the sandbox's web APIs, `ethers` and `jwt` (worker side): pure functions of their
 * arguments — no host, no keys, no network, no run state — so they are installed in every
 * sandbox context as they are, and run synchronously in the worker. They are closure variables
 * of the prelude, never globals (see sandboxPrelude.ts). Byte arguments and results are
 * ArrayBuffers; a failure is an Error thrown into the sandbox with a message only.
 */
import { randomBytes } from "node:crypto";
import { TextDecoder as NodeTextDecoder } from "node:util";
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten";
import { secp256k1Op } from "../ethers/nativeCurve";
import { isHashAlgorithm, nativeHashes } from "../ethers/nativeHashes";
import type { EthersModules } from "./ethersModules";
import { jwtSign, jwtVerify, type JwtKeyMaterial } from "./jwtCrypto";

type NativeResult = QuickJSHandle | { error: QuickJSHandle } | void;
export type DefineNative = (name: string, fn: (...args: QuickJSHandle[]) => NativeResult) => void;

/** crypto.getRandomValues' quota, per call. */
const MAX_RANDOM_BYTES = 65536;

interface UrlParts {
  href: string;
  origin: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
}

const URL_FIELDS = new Set([
  "href",
  "protocol",
  "username",
  "password",
  "host",
  "hostname",
  "port",
  "pathname",
  "search",
  "hash",
]);

function partsOf(url: URL): UrlParts {
  return {
    href: url.href,
    origin: url.origin,
    protocol: url.protocol,
    username: url.username,
    password: url.password,
    host: url.host,
    hostname: url.hostname,
    port: url.port,
    pathname: url.pathname,
    search: url.search,
    hash: url.hash,
  };
}

export function installPureNatives(
  context: QuickJSContext,
  define: DefineNative,
  ethers: EthersModules,
): void {
  const bytes = (handle: QuickJSHandle): Uint8Array => {
    const view = context.getArrayBuffer(handle);
    try {
      return new Uint8Array(view.value);
    } finally {
      view.dispose();
    }
  };
  const buffer = (data: Uint8Array): QuickJSHandle =>
    context.newArrayBuffer(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  /** Runs `fn`; a host exception becomes an Error in the sandbox (message only). */
  const guarded =
    (fn: (...args: QuickJSHandle[]) => QuickJSHandle) =>
    (...args: QuickJSHandle[]): NativeResult => {
      try {
        return fn(...args);
      } catch (error) {
        return { error: context.newError(error instanceof Error ? error.message : String(error)) };
      }
    };
  const string = (handle: QuickJSHandle) => context.getString(handle);

  define(
    "utf8Encode",
    guarded((text) => buffer(new Uint8Array(Buffer.from(string(text), "utf8")))),
  );
  define(
    "utf8Decode",
    guarded((data, fatal, ignoreBOM) =>
      context.newString(
        new NodeTextDecoder("utf-8", {
          fatal: context.dump(fatal) === true,
          ignoreBOM: context.dump(ignoreBOM) === true,
        }).decode(bytes(data)),
      ),
    ),
  );
  define(
    "base64Encode",
    guarded((data) => context.newString(Buffer.from(bytes(data)).toString("base64"))),
  );
  define(
    "base64Decode",
    guarded((text) => buffer(new Uint8Array(Buffer.from(string(text), "base64")))),
  );
  define(
    "digest",
    guarded((algorithm, data) =>
      context.newString(nativeHashes.digest(string(algorithm), bytes(data))),
    ),
  );
  define(
    "hmac",
    guarded((algorithm, key, data) => {
      const name = string(algorithm);
      if (!isHashAlgorithm(name)) throw new Error(`unknown hash ${name}`);
      return context.newString(nativeHashes.hmac(name, bytes(key), bytes(data)));
    }),
  );
  define(
    "randomBytes",
    guarded((count) => {
      const n = context.getNumber(count);
      if (!Number.isInteger(n) || n < 0 || n > MAX_RANDOM_BYTES) {
        throw new Error(`at most ${MAX_RANDOM_BYTES} random bytes at a time`);
      }
      return buffer(new Uint8Array(randomBytes(n)));
    }),
  );
  define(
    "url",
    guarded((input, base) => {
      const baseValue = context.typeof(base) === "string" ? string(base) : undefined;
      return context.newString(JSON.stringify(partsOf(new URL(string(input), baseValue))));
    }),
  );
  define(
    "urlSet",
    guarded((href, field, value) => {
      const name = string(field);
      if (!URL_FIELDS.has(name)) throw new Error(`URL has no settable field ${name}`);
      const url = new URL(string(href));
      (url as unknown as Record<string, string>)[name] = string(value);
      return context.newString(JSON.stringify(partsOf(url)));
    }),
  );
  define(
    "secp256k1",
    guarded((op, ...args) =>
      context.newString(
        secp256k1Op(
          string(op),
          ...args.map((arg) => {
            const type = context.typeof(arg);
            if (type === "number") return context.getNumber(arg);
            if (type === "boolean") return context.dump(arg) === true;
            if (type === "undefined") return false;
            return bytes(arg);
          }),
        ),
      ),
    ),
  );
  define(
    "jwtVerify",
    guarded((alg, input, signature, key) =>
      jwtVerify(string(alg), bytes(input), bytes(signature), keyMaterial(string(key)))
        ? context.true
        : context.false,
    ),
  );
  define(
    "jwtSign",
    guarded((alg, input, key) =>
      buffer(jwtSign(string(alg), bytes(input), keyMaterial(string(key)))),
    ),
  );
  define(
    "ethersManifest",
    guarded(() => context.newString(ethers.manifest())),
  );
  define(
    "ethersModule",
    guarded((id) => context.newString(ethers.moduleSource(string(id)))),
  );
}

function keyMaterial(json: string): JwtKeyMaterial {
  const parsed = JSON.parse(json) as JwtKeyMaterial;
  if (parsed === null || typeof parsed !== "object") throw new Error("invalid key");
  return parsed;
}
