/**
 * The web APIs of Lit's Deno runtime inside the sandbox (TextEncoder/TextDecoder, atob/btoa, URL,
 * Headers/Request/Response, crypto, structuredClone, global), the `jwt` global, Lit.Auth and
 * Lit.Headers, and runOnce/broadcastAndCollect: shapes as Lit's, refusals as the platform's.
 */
import { expect } from "chai";
import { createHash, createHmac, generateKeyPairSync, sign as nodeSign } from "node:crypto";
import { ActionRuntime } from "../../../src/oracle/runtime";
import { basicAuthContext } from "../../../src/oracle/auth/authContext";
import { FakeHost, IPFS_ID, expectFailure } from "./fakeHost";

describe("ActionRuntime: web APIs, jwt, Lit.Auth and Lit.Headers inside the sandbox", function () {
  let runtime: ActionRuntime;
  before(() => {
    runtime = new ActionRuntime({ poolSize: 2, limits: { timeoutMs: 10_000 } });
  });
  after(() => runtime.close());

  async function value(
    expression: string,
    extra: Partial<Parameters<ActionRuntime["run"]>[0]> = {},
  ): Promise<unknown> {
    const outcome = await runtime.run({
      code: `(async () => { Lit.Actions.setResponse({ response: JSON.stringify(await (async () => ${expression})()) }); })();`,
      ipfsId: IPFS_ID,
      host: new FakeHost(),
      ...extra,
    });
    return JSON.parse(outcome.response) as unknown;
  }

  /** What `fn` throws: "Name: message". */
  const thrown = (body: string) =>
    `(() => { try { ${body}; return "no error"; } catch (e) { return e.name + ": " + e.message; } })()`;

  describe("TextEncoder, TextDecoder, atob, btoa", function () {
    it("encodes and decodes UTF-8 like the platform, with fatal and BOM handling", async function () {
      expect(
        await value(`[
          Array.from(new TextEncoder().encode("h€llo 🚀")),
          new TextDecoder().decode(new TextEncoder().encode("h€llo 🚀")),
          new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])),
          new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])).length,
          new TextDecoder().decode(new Uint8Array([0xff])),
          ${thrown(`new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff]))`)},
          ${thrown(`new TextDecoder("latin1")`)},
          new TextEncoder().encodeInto("héllo", new Uint8Array(3)),
          new TextEncoder().encoding,
        ]`),
      ).to.deep.equal([
        Array.from(Buffer.from("h€llo 🚀")),
        "h€llo 🚀",
        "a",
        2,
        "\ufffd",
        "TypeError: The encoded data was not valid utf-8",
        'RangeError: TextDecoder: encoding "latin1" is not supported in this sandbox (utf-8 only)',
        { read: 2, written: 3 },
        "utf-8",
      ]);
    });

    it("atob and btoa follow the forgiving-base64 rules and throw InvalidCharacterError", async function () {
      expect(
        await value(`[btoa("hello"), atob("aGVs bG8="), atob("aGVsbG8"), btoa(String.fromCharCode(255)),
          ${thrown(`btoa("€")`)}, ${thrown(`atob("a")`)}, ${thrown(`atob("a$b=")`)}]`),
      ).to.deep.equal([
        "aGVsbG8=",
        "hello",
        "hello",
        "/w==",
        "InvalidCharacterError: btoa: the string has characters outside of the Latin1 range",
        "InvalidCharacterError: atob: the string is not correctly base64-encoded",
        "InvalidCharacterError: atob: the string is not correctly base64-encoded",
      ]);
    });
  });

  describe("URL and URLSearchParams", function () {
    it("parse, resolve and set like WHATWG URL, and keep searchParams in sync", async function () {
      const result = (await value(`(() => {
        const url = new URL("../b?x=1&y=2#frag", "https://user:pw@example.com:8443/a/c");
        const parts = [url.href, url.origin, url.host, url.pathname, url.search, url.hash, url.username];
        url.searchParams.append("z", "a b&c");
        url.pathname = "/new path";
        url.port = "99999";
        const params = new URLSearchParams({ q: "é", r: "1" });
        params.sort();
        return [parts, url.href, url.searchParams.get("z"), params.toString(), [...new URLSearchParams("a=1&a=2&b=%20+")],
          URL.canParse("nope"), ${thrown(`new URL("/relative")`)}, JSON.stringify({ u: new URL("http://x/") })];
      })()`)) as unknown[];
      expect(result[0]).to.deep.equal([
        "https://user:pw@example.com:8443/b?x=1&y=2#frag",
        "https://example.com:8443",
        "example.com:8443",
        "/b",
        "?x=1&y=2",
        "#frag",
        "user",
      ]);
      expect(result[1]).to.equal(
        "https://user:pw@example.com:8443/new%20path?x=1&y=2&z=a+b%26c#frag",
      );
      expect(result.slice(2)).to.deep.equal([
        "a b&c",
        "q=%C3%A9&r=1",
        [
          ["a", "1"],
          ["a", "2"],
          ["b", "  "],
        ],
        false,
        'TypeError: Invalid URL: "/relative"',
        '{"u":"http://x/"}',
      ]);
    });
  });

  describe("Headers, Request, Response", function () {
    it("behave like the Fetch API's: validation, combining, bodies used once, Response.json", async function () {
      expect(
        await value(`(async () => {
          const h = new Headers({ "Content-Type": "text/plain" });
          h.append("x-a", "1"); h.append("X-A", "2");
          const res = Response.json({ a: 1 }, { status: 201, headers: { "x-b": "3" } });
          const text = await res.clone().text();
          const data = await res.json();
          const used = await res.text().then(() => "read twice", (e) => e.name);
          const req = new Request("https://example.com/x", { method: "post", body: new Uint8Array([1, 2]) });
          const bytes = Array.from(new Uint8Array(await req.arrayBuffer()));
          return [[...h], h.get("x-a"), res.status, res.ok, res.headers.get("content-type"), text, data, used,
            req.method, bytes, ${thrown(`new Headers({ "bad name": "x" })`)},
            ${thrown(`new Response("x", { status: 99 })`)},
            ${thrown(`new Request("https://e.com", { method: "GET", body: "x" })`)},
            ${thrown(`new Response(new Blob())`)}];
        })()`),
      ).to.deep.equal([
        [
          ["content-type", "text/plain"],
          ["x-a", "1, 2"],
        ],
        "1, 2",
        201,
        true,
        "application/json",
        '{"a":1}',
        { a: 1 },
        "TypeError",
        "POST",
        [1, 2],
        'TypeError: Headers: invalid header name "bad name"',
        "RangeError: Response: status must be an integer in [200, 599], got 99",
        "TypeError: Request with GET/HEAD method cannot have body.",
        "ReferenceError: 'Blob' is not defined",
      ]);
    });

    it("parse URLs as URL does before and after the URL part is loaded, URLSearchParams bodies included", async function () {
      // The first three run before anything loads URL/URLSearchParams (Request and
      // Response.redirect parse with the same native and error), the last two after.
      expect(
        await value(`(async () => [
          new Request("HTTPS://Example.com/a b").url,
          ${thrown(`new Request("/relative")`)},
          Response.redirect("http://x/y z").headers.get("location"),
          await new Request("https://e.com", { method: "POST", body: new URLSearchParams({ a: "1 2" }) }).text(),
          new Request("https://e.com", { method: "POST", body: new URLSearchParams({ a: "1" }) }).headers.get("content-type"),
        ])()`),
      ).to.deep.equal([
        "https://example.com/a%20b",
        'TypeError: Invalid URL: "/relative"',
        "http://x/y%20z",
        "a=1+2",
        "application/x-www-form-urlencoded;charset=UTF-8",
      ]);
    });

    it("fetch sends method, headers and body to the host and builds the Response from its answer", async function () {
      const host = new FakeHost((request) => {
        if (request.method !== "fetch") throw new Error("unexpected");
        return {
          status: 404,
          statusText: "Not Found",
          url: request.url,
          redirected: true,
          headers: [["x-answer", "yes"]],
          bodyBase64: Buffer.from([0, 255, 1]).toString("base64"),
        };
      });
      const result = await value(
        `(async () => {
          const r = await fetch("https://api.example/p", { method: "PUT", headers: { "X-Mine": "1" }, body: "héllo" });
          return [r.status, r.statusText, r.ok, r.redirected, r.url, r.headers.get("x-answer"), Array.from(new Uint8Array(await r.arrayBuffer())),
            ${thrown(`r.headers.set("x", "1")`)}];
        })()`,
        { host },
      );
      expect(result).to.deep.equal([
        404,
        "Not Found",
        false,
        true,
        "https://api.example/p",
        "yes",
        [0, 255, 1],
        "TypeError: Headers are immutable",
      ]);
      const request = host.requests[0];
      expect(request).to.deep.include({
        method: "fetch",
        url: "https://api.example/p",
        httpMethod: "PUT",
        redirect: "follow",
        body: `0x${Buffer.from("héllo").toString("hex")}`,
      });
      expect(request.method === "fetch" && request.headers).to.deep.equal([
        ["content-type", "text/plain;charset=UTF-8"],
        ["x-mine", "1"],
      ]);
    });

    it("turns a host refusal into a TypeError with the host's message and code", async function () {
      const host = new FakeHost(() => {
        throw Object.assign(new Error("fetch to https://x is not allowed"), {
          code: "FETCH_REFUSED",
        });
      });
      expect(
        await value(`fetch("https://x/").then(() => "ok", (e) => [e.name, e.message, e.code])`, {
          host,
        }),
      ).to.deep.equal(["TypeError", "fetch to https://x is not allowed", "FETCH_REFUSED"]);
    });
  });

  describe("crypto and structuredClone", function () {
    it("digests like node:crypto, fills random values with quotas, and refuses what it lacks", async function () {
      const result = (await value(`(async () => {
        const data = new TextEncoder().encode("abc");
        const hex = async (alg) => Array.from(new Uint8Array(await crypto.subtle.digest(alg, data))).map((b) => b.toString(16).padStart(2, "0")).join("");
        const filled = crypto.getRandomValues(new Uint32Array(4));
        return [await hex("SHA-256"), await hex({ name: "sha-512" }), await hex("SHA-1"),
          filled.length, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
          ${thrown(`crypto.getRandomValues(new Uint8Array(65537))`)}, ${thrown(`crypto.getRandomValues(new Float32Array(1))`)},
          await crypto.subtle.digest("MD5", data).then(() => "ok", (e) => e.name),
          await crypto.subtle.sign("HMAC", null, data).then(() => "ok", (e) => e.name + ": " + e.message)];
      })()`)) as unknown[];
      const digest = (alg: string) => createHash(alg).update("abc").digest("hex");
      expect(result).to.deep.equal([
        digest("sha256"),
        digest("sha512"),
        digest("sha1"),
        4,
        true,
        "QuotaExceededError: crypto.getRandomValues: at most 65536 bytes at a time",
        "TypeMismatchError: crypto.getRandomValues: the argument must be an integer typed array",
        "NotSupportedError",
        "NotSupportedError: crypto.subtle.sign is not available in this sandbox (only digest is): see docs/ORACLE.md",
      ]);
    });

    it("structuredClone copies cycles, Maps, Sets, Dates, typed arrays, and refuses functions", async function () {
      expect(
        await value(`(() => {
          const a = { m: new Map([[1, { d: new Date(5) }]]), s: new Set([1]), t: new Uint16Array([1, 2]) };
          a.self = a;
          const b = structuredClone(a);
          return [b !== a, b.self === b, b.m.get(1).d.getTime(), b.m.get(1).d !== a.m.get(1).d, [...b.s], Array.from(b.t),
            b.t instanceof Uint16Array, ${thrown(`structuredClone({ f() {} })`)}];
        })()`),
      ).to.deep.equal([
        true,
        true,
        5,
        true,
        [1],
        [1, 2],
        true,
        "DataCloneError: structuredClone: a function cannot be cloned",
      ]);
    });
  });

  describe("jwt (jsonwebtoken's API)", function () {
    const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const hs256 = (payload: object, secret: string) => {
      const input = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(payload)}`;
      return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
    };
    const now = () => Math.floor(Date.now() / 1000);

    it("verifies HS256 and RS256/ES256 (PEM and JWK keys), and decodes complete tokens", async function () {
      const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const signed = (alg: "RS256" | "ES256", key: typeof rsa.privateKey, payload: object) => {
        const input = `${b64url({ alg, kid: "k1" })}.${b64url(payload)}`;
        const signature = nodeSign(
          "sha256",
          Buffer.from(input),
          alg === "ES256" ? { key, dsaEncoding: "ieee-p1363" } : key,
        );
        return `${input}.${signature.toString("base64url")}`;
      };
      const payload = { sub: "user-1", aud: "app", iss: "https://issuer", exp: now() + 60 };
      const result = await value(
        `[jwt.verify(hs, "secret").sub, jwt.verify(rs, rsaPem, { algorithms: ["RS256"], audience: "app", issuer: "https://issuer" }).sub,
          jwt.verify(es, ecJwk).sub, jwt.decode(rs, { complete: true }).header, jwt.decode("garbage")]`,
        {
          jsParams: {
            hs: hs256(payload, "secret"),
            rs: signed("RS256", rsa.privateKey, payload),
            es: signed("ES256", ec.privateKey, payload),
            rsaPem: rsa.publicKey.export({ type: "spki", format: "pem" }).toString(),
            ecJwk: ec.publicKey.export({ format: "jwk" }),
          },
        },
      );
      expect(result).to.deep.equal([
        "user-1",
        "user-1",
        "user-1",
        { alg: "RS256", kid: "k1" },
        null,
      ]);
    });

    it("refuses bad signatures, expired, not-yet-valid, wrong audience/issuer and wrong algorithms, with jsonwebtoken's errors", async function () {
      const result = await value(
        `[${["bad", "expired", "future", "aud", "iss", "alg", "malformed", "maxAge"].map((k) => thrown(`verify_${k}()`)).join(", ")}]`.replace(
          /verify_(\w+)\(\)/g,
          (_m, k: string) =>
            ({
              bad: `jwt.verify(ok, "wrong")`,
              expired: `jwt.verify(expired, "s")`,
              future: `jwt.verify(future, "s")`,
              aud: `jwt.verify(ok, "s", { audience: "other" })`,
              iss: `jwt.verify(ok, "s", { issuer: "x" })`,
              alg: `jwt.verify(ok, "s", { algorithms: ["RS256"] })`,
              malformed: `jwt.verify("a.b", "s")`,
              maxAge: `jwt.verify(old, "s", { maxAge: "1h" })`,
            })[k] ?? "",
        ),
        {
          jsParams: {
            ok: hs256({ aud: "app", iss: "me", exp: now() + 60 }, "s"),
            expired: hs256({ exp: now() - 10 }, "s"),
            future: hs256({ nbf: now() + 3600 }, "s"),
            old: hs256({ iat: now() - 7200 }, "s"),
          },
        },
      );
      expect(result).to.deep.equal([
        "JsonWebTokenError: invalid signature",
        "TokenExpiredError: jwt expired",
        "NotBeforeError: jwt not active",
        "JsonWebTokenError: jwt audience invalid. expected: other",
        "JsonWebTokenError: jwt issuer invalid. expected: x",
        "JsonWebTokenError: invalid algorithm",
        "JsonWebTokenError: jwt malformed",
        "TokenExpiredError: maxAge exceeded",
      ]);
    });

    it("signs tokens that verify, and supports the callback form", async function () {
      expect(
        await value(`(() => {
          const token = jwt.sign({ a: 1 }, "k", { expiresIn: "1h", issuer: "me" });
          let viaCallback;
          jwt.verify(token, "k", (error, decoded) => { viaCallback = error ? error.message : decoded.a; });
          const decoded = jwt.verify(token, "k");
          return [decoded.a, decoded.iss, decoded.exp - decoded.iat, viaCallback, token.split(".").length];
        })()`),
      ).to.deep.equal([1, "me", 3600, 1, 3]);
    });
  });

  describe("Lit.Auth, Lit.Headers, global", function () {
    it("are Lit's frozen, non-writable globals, Lit.Auth being the AuthContext the oracle passed", async function () {
      const auth = {
        ...basicAuthContext(IPFS_ID, "0x000000000000000000000000000000000000dEaD"),
        resources: ["lit-litaction://*"],
      };
      const result = (await value(
        `[Lit.Auth, LitAuth === Lit.Auth, Object.isFrozen(Lit.Auth), Object.isFrozen(Lit.Auth.actionIpfsIdStack),
          Lit.Headers === LitHeaders, Lit.Headers.get("x-client"), [...Lit.Headers.keys()],
          (() => { LitAuth.authSigAddress = "me"; return LitAuth.authSigAddress; })(), ${thrown(`Lit.Headers.set("x", "1")`)},
          Object.getOwnPropertyDescriptor(globalThis, "Lit").writable, Object.getOwnPropertyDescriptor(globalThis, "LitActions").configurable,
          (() => { LitActions = 1; Lit = 2; return typeof Lit.Actions.signEcdsa; })(), global === globalThis]`,
        { auth, headers: { "X-Client": "sdk", accept: "*/*" } },
      )) as unknown[];
      expect(result[0]).to.deep.equal(auth);
      expect(result.slice(1)).to.deep.equal([
        true,
        true,
        true,
        true,
        "sdk",
        ["accept", "x-client"],
        "0x000000000000000000000000000000000000dEaD",
        "TypeError: Headers are immutable",
        false,
        false,
        "function",
        true,
      ]);
    });

    it("runOnce runs the function once and returns its string (Lit's leader semantics); broadcastAndCollect returns [value]", async function () {
      const outcome = await runtime.run({
        code: `(async () => {
          let runs = 0;
          const a = await Lit.Actions.runOnce({ waitForResponse: true, name: "a" }, async () => { runs++; return { toString: () => "obj" }; });
          const b = await Lit.Actions.runOnce({ waitForResponse: false }, async () => { runs++; throw new Error("boom"); });
          const c = await Lit.Actions.runOnce({ waitForResponse: true }, async () => { runs++; });
          const d = await Lit.Actions.broadcastAndCollect({ name: "x", value: "mine" });
          Lit.Actions.setResponse({ response: JSON.stringify([a, b, c, d, runs]) });
        })();`,
        ipfsId: IPFS_ID,
        host: new FakeHost(),
      });
      expect(JSON.parse(outcome.response)).to.deep.equal(["obj", "[ERROR]", "", ["mine"], 3]);
      expect(outcome.logs).to.match(/^Error running function: Error: boom/);
    });

    it("refuses a broadcastAndCollect value that is not a string and more than 30 of them", async function () {
      await expectFailure(
        runtime.run({
          code: `(async () => { for (let i = 0; i < 31; i++) await Lit.Actions.broadcastAndCollect({ name: "n", value: "v" }); })();`,
          ipfsId: IPFS_ID,
          host: new FakeHost(),
        }),
        "ACTION_ERROR",
        /more than 30 times per session/,
      );
      expect(
        await value(
          `Lit.Actions.broadcastAndCollect({ name: "n", value: 1 }).then(() => "ok", (e) => e.message)`,
        ),
      ).to.match(/\{ value \} must be a string/);
    });
  });
});
