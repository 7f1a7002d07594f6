/**
 * Natives of the sandbox's web APIs, `ethers` and `jwt` (worker side): pure functions of their
 * arguments — no host, no keys, no network, no run state — so they are installed in every
 * sandbox context as they are, and run synchronously in the worker. They are closure variables
 * of the prelude, never globals (see sandboxPrelude.ts). Byte arguments and results are
 * ArrayBuffers; a failure is an Error thrown into the sandbox with a message only.
 *
 * No node-only import: the same sandbox runs in the explorer's browser Web Worker. What needs
 * more than web APIs and @noble comes in as SandboxNatives: the ethers modules and the JWT
 * algorithms beyond HMAC (node:crypto in the oracle's worker threads, ./jwtCrypto.ts).
 */
import { hmac } from "@noble/hashes/hmac";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2";
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten";
import { fromBase64, toBase64 } from "../../../bytes";
import { secp256k1Op } from "../ethers/nativeCurve";
import { isHashAlgorithm, nativeHashes } from "../ethers/nativeHashes";

/** The key of a jwt.sign / jwt.verify call, as the sandbox's jwt part passes it. */
export type JwtKeyMaterial =
  | { kind: "secret"; base64: string }
  | { kind: "pem"; pem: string }
  | { kind: "jwk"; jwk: Record<string, unknown> };

/** JOSE signatures for the sandbox's `jwt` (HS/RS/PS/ES 256/384/512). */
export interface JwtCrypto {
  verify(alg: string, input: Uint8Array, signature: Uint8Array, key: JwtKeyMaterial): boolean;
  sign(alg: string, input: Uint8Array, key: JwtKeyMaterial): Uint8Array;
}

/** Where `ethers` comes from (./ethersModules.ts). */
export interface EthersSource {
  manifest(): string;
  moduleSource(id: string): string;
}

/** What a worker gives its sandboxes beyond the pure natives. */
export interface SandboxNatives {
  /** Absent: using `ethers` throws "ethers is not available in this sandbox: …". */
  ethers?: EthersSource;
  /** Absent: HMAC algorithms only (hmacJwtCrypto). */
  jwt?: JwtCrypto;
}

const HMACS = { HS256: sha256, HS384: sha384, HS512: sha512 } as const;

function hmacOf(alg: string, input: Uint8Array, key: JwtKeyMaterial): Uint8Array {
  const hash = (HMACS as Record<string, typeof sha256 | undefined>)[alg];
  if (hash === undefined) {
    throw new Error(
      `JWT algorithm ${alg} is not available in this sandbox (HS256/384/512 only; the oracle's worker threads verify every algorithm)`,
    );
  }
  if (key.kind !== "secret") throw new Error("HS algorithms need a secret");
  return hmac(hash, fromBase64(key.base64) ?? new Uint8Array(0), input);
}

/** HMAC JWTs only (@noble): what a sandbox without node:crypto has. */
export const hmacJwtCrypto: JwtCrypto = {
  verify(alg, input, signature, key) {
    const expected = hmacOf(alg, input, key);
    if (expected.length !== signature.length) return false;
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff |= expected[i] ^ signature[i];
    return diff === 0;
  },
  sign: hmacOf,
};

const NO_ETHERS: EthersSource = {
  manifest() {
    throw new Error("this worker was given no ethers bundle");
  },
  moduleSource() {
    throw new Error("this worker was given no ethers bundle");
  },
};

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
  natives: SandboxNatives,
): void {
  const ethers = natives.ethers ?? NO_ETHERS;
  const jwt = natives.jwt ?? hmacJwtCrypto;
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
    guarded((text) => buffer(new TextEncoder().encode(string(text)))),
  );
  define(
    "utf8Decode",
    guarded((data, fatal, ignoreBOM) =>
      context.newString(
        new TextDecoder("utf-8", {
          fatal: context.dump(fatal) === true,
          ignoreBOM: context.dump(ignoreBOM) === true,
        }).decode(bytes(data)),
      ),
    ),
  );
  define(
    "base64Encode",
    guarded((data) => context.newString(toBase64(bytes(data)))),
  );
  define(
    "base64Decode",
    guarded((text) => {
      const data = fromBase64(string(text));
      if (data === undefined) throw new Error("The string to be decoded is not correctly encoded.");
      return buffer(data);
    }),
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
      return buffer(crypto.getRandomValues(new Uint8Array(n)));
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
      jwt.verify(string(alg), bytes(input), bytes(signature), keyMaterial(string(key)))
        ? context.true
        : context.false,
    ),
  );
  define(
    "jwtSign",
    guarded((alg, input, key) =>
      buffer(jwt.sign(string(alg), bytes(input), keyMaterial(string(key)))),
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
