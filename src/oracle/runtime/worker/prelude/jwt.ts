/**
 * Sandbox part `jwt` (compiled on first use): the `jwt` global of Lit's runtime, the
 * jsonwebtoken API — `jwt.decode(token, { complete, json })`, `jwt.verify(token, key, options?,
 * callback?)`, `jwt.sign(payload, key, options?, callback?)` and its error classes — with
 * jsonwebtoken's messages. Signatures are checked and made natively by the worker (node:crypto):
 * HS256/384/512 with a secret, RS/PS/ES 256/384/512 with a PEM key. A JWK object is also accepted
 * as the key (jsonwebtoken needs a KeyObject for that; Lit actions verifying Google ID tokens fetch
 * JWKs), which is this sandbox's only extension.
 */
export const JWT_SOURCE = String.raw`(function jwtPart(deps) {
  "use strict";
  const { natives, parse, stringify, ErrorCtor, TypeErrorCtor, Uint8ArrayCtor, isView, ArrayBufferCtor, part } = deps;
  const text = part("text");
  class JsonWebTokenError extends ErrorCtor {
    constructor(message, error = undefined) {
      super(message);
      Object.defineProperty(this, "name", { value: "JsonWebTokenError", configurable: true, writable: true });
      if (error) this.inner = error;
    }
  }
  class TokenExpiredError extends JsonWebTokenError {
    constructor(message, expiredAt) {
      super(message);
      Object.defineProperty(this, "name", { value: "TokenExpiredError", configurable: true, writable: true });
      this.expiredAt = expiredAt;
    }
  }
  class NotBeforeError extends JsonWebTokenError {
    constructor(message, date) {
      super(message);
      Object.defineProperty(this, "name", { value: "NotBeforeError", configurable: true, writable: true });
      this.date = date;
    }
  }
  function fromBase64Url(segment) {
    if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new ErrorCtor("not base64url");
    let b64 = segment.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4 !== 0) b64 += "=";
    return new Uint8ArrayCtor(natives.base64Decode(b64.replace(/=+$/, "")));
  }
  function toBase64Url(bytes) {
    return natives.base64Encode(text.bufferOf(bytes, "jwt")).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function segmentJson(segment) {
    return parse(text.utf8Decode(fromBase64Url(segment).buffer, false, false));
  }
  function decodeParts(token) {
    if (typeof token !== "string") return null;
    const pieces = token.split(".");
    if (pieces.length !== 3) return null;
    try {
      const header = segmentJson(pieces[0]);
      let payload;
      const raw = text.utf8Decode(fromBase64Url(pieces[1]).buffer, false, false);
      try { payload = parse(raw); } catch (_) { payload = raw; }
      if (header === null || typeof header !== "object") return null;
      return { header, payload, signature: pieces[2], pieces };
    } catch (_) {
      return null;
    }
  }
  function decode(token, options = undefined) {
    const decoded = decodeParts(token);
    if (!decoded) return null;
    let payload = decoded.payload;
    if (typeof payload === "string" && options && options.json) {
      try { payload = parse(payload); } catch (_) { return null; }
    }
    if (options && options.complete) return { header: decoded.header, payload, signature: decoded.signature };
    return payload;
  }
  function keyMaterial(key) {
    if (typeof key === "string") {
      return /-----BEGIN [A-Z ]*KEY-----/.test(key) ? { kind: "pem", pem: key } : { kind: "secret", base64: natives.base64Encode(text.utf8Encode(key).buffer) };
    }
    if (key instanceof ArrayBufferCtor || isView(key)) return { kind: "secret", base64: natives.base64Encode(text.bufferOf(key, "jwt key")) };
    if (key && typeof key === "object" && typeof key.kty === "string") return { kind: "jwk", jwk: key };
    return null;
  }
  const HMAC = ["HS256", "HS384", "HS512"];
  const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];
  function timespan(value, now) {
    if (typeof value === "number") return now + value;
    const match = /^(-?\d+(?:\.\d+)?)\s*(ms|msecs?|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|y|yrs?|years?)?$/i.exec(String(value).trim());
    if (!match) return undefined;
    const n = parseFloat(match[1]);
    const unit = (match[2] || "ms").toLowerCase();
    const seconds = unit[0] === "y" ? 31557600 : unit[0] === "w" ? 604800 : unit[0] === "d" ? 86400 : unit[0] === "h" ? 3600 : unit === "m" || unit.startsWith("min") ? 60 : unit.startsWith("ms") || unit.startsWith("milli") ? 0.001 : 1;
    return now + Math.round(n * seconds);
  }
  function matches(expected, actual) {
    const list = Array.isArray(expected) ? expected : [expected];
    const values = Array.isArray(actual) ? actual : [actual];
    return values.some((v) => list.some((e) => (e instanceof RegExp ? e.test(v) : e === v)));
  }
  function verifySync(token, key, options) {
    const opts = options || {};
    if (!token) throw new JsonWebTokenError("jwt must be provided");
    if (typeof token !== "string") throw new JsonWebTokenError("jwt must be a string");
    if (token.split(".").length !== 3) throw new JsonWebTokenError("jwt malformed");
    const decoded = decodeParts(token);
    if (!decoded) throw new JsonWebTokenError("invalid token");
    const { header, payload, signature, pieces } = decoded;
    if (!signature && !(opts.algorithms && opts.algorithms.indexOf("none") >= 0)) throw new JsonWebTokenError("jwt signature is required");
    if (key === undefined || key === null || key === "") throw new JsonWebTokenError("secret or public key must be provided");
    const material = keyMaterial(key);
    if (!material) throw new JsonWebTokenError("secretOrPublicKey must be a string, bytes or a JWK object");
    const algorithms = opts.algorithms || (material.kind === "secret" ? HMAC : ASYMMETRIC);
    if (typeof header.alg !== "string" || algorithms.indexOf(header.alg) < 0) throw new JsonWebTokenError("invalid algorithm");
    if (material.kind === "secret" ? HMAC.indexOf(header.alg) < 0 : ASYMMETRIC.indexOf(header.alg) < 0) {
      throw new JsonWebTokenError(material.kind === "secret" ? "secretOrPublicKey must be an asymmetric key when using " + header.alg : "secretOrPublicKey must be a symmetric key when using " + header.alg);
    }
    let valid;
    try {
      valid = natives.jwtVerify(header.alg, text.utf8Encode(pieces[0] + "." + pieces[1]).buffer, fromBase64Url(signature).buffer, stringify(material));
    } catch (e) {
      throw new JsonWebTokenError("invalid signature", e);
    }
    if (!valid) throw new JsonWebTokenError("invalid signature");
    const now = opts.clockTimestamp !== undefined ? opts.clockTimestamp : Math.floor(Date.now() / 1000);
    const tolerance = opts.clockTolerance || 0;
    if (payload !== null && typeof payload === "object") {
      if (payload.nbf !== undefined && !opts.ignoreNotBefore) {
        if (typeof payload.nbf !== "number") throw new JsonWebTokenError("invalid nbf value");
        if (payload.nbf > now + tolerance) throw new NotBeforeError("jwt not active", new Date(payload.nbf * 1000));
      }
      if (payload.exp !== undefined && !opts.ignoreExpiration) {
        if (typeof payload.exp !== "number") throw new JsonWebTokenError("invalid exp value");
        if (now >= payload.exp + tolerance) throw new TokenExpiredError("jwt expired", new Date(payload.exp * 1000));
      }
      if (opts.audience !== undefined && !matches(opts.audience, payload.aud)) {
        throw new JsonWebTokenError("jwt audience invalid. expected: " + [].concat(opts.audience).join(" or "));
      }
      if (opts.issuer !== undefined && !matches(opts.issuer, payload.iss)) {
        throw new JsonWebTokenError("jwt issuer invalid. expected: " + [].concat(opts.issuer).join(","));
      }
      if (opts.subject !== undefined && payload.sub !== opts.subject) throw new JsonWebTokenError("jwt subject invalid. expected: " + opts.subject);
      if (opts.jwtid !== undefined && payload.jti !== opts.jwtid) throw new JsonWebTokenError("jwt jwtid invalid. expected: " + opts.jwtid);
      if (opts.nonce !== undefined && payload.nonce !== opts.nonce) throw new JsonWebTokenError("jwt nonce invalid. expected: " + opts.nonce);
      if (opts.maxAge !== undefined) {
        if (typeof payload.iat !== "number") throw new JsonWebTokenError("iat required when maxAge is specified");
        const limit = timespan(opts.maxAge, payload.iat);
        if (limit === undefined) throw new JsonWebTokenError('"maxAge" should be a number of seconds or string representing a timespan eg: "1d", "20h", 60');
        if (now >= limit + tolerance) throw new TokenExpiredError("maxAge exceeded", new Date(limit * 1000));
      }
    }
    return opts.complete ? { header, payload, signature } : payload;
  }
  function withCallback(fn, args) {
    const callback = typeof args[args.length - 1] === "function" ? args[args.length - 1] : undefined;
    if (!callback) return fn();
    let result;
    try {
      result = fn();
    } catch (e) {
      callback(e);
      return undefined;
    }
    callback(null, result);
    return undefined;
  }
  function verify(token, key, options, callback) {
    const opts = typeof options === "function" ? undefined : options;
    return withCallback(() => verifySync(token, key, opts), [token, key, options, callback].filter((a) => a !== undefined));
  }
  function signSync(payload, key, options) {
    const opts = options || {};
    const alg = opts.algorithm || "HS256";
    const material = keyMaterial(key);
    if (!material) throw new ErrorCtor("secretOrPrivateKey must have a value");
    if (HMAC.indexOf(alg) < 0 && ASYMMETRIC.indexOf(alg) < 0) throw new ErrorCtor('"algorithm" must be a valid string enum value');
    if ((material.kind === "secret") !== (HMAC.indexOf(alg) >= 0)) throw new ErrorCtor("secretOrPrivateKey must be " + (material.kind === "secret" ? "an asymmetric key" : "a symmetric key") + " when using " + alg);
    let body = payload;
    if (payload !== null && typeof payload === "object") {
      body = Object.assign({}, payload);
      const now = Math.floor(Date.now() / 1000);
      if (!opts.noTimestamp && body.iat === undefined) body.iat = now;
      const iat = typeof body.iat === "number" ? body.iat : now;
      if (opts.expiresIn !== undefined) body.exp = timespan(opts.expiresIn, iat);
      if (opts.notBefore !== undefined) body.nbf = timespan(opts.notBefore, iat);
      if (opts.audience !== undefined) body.aud = opts.audience;
      if (opts.issuer !== undefined) body.iss = opts.issuer;
      if (opts.subject !== undefined) body.sub = opts.subject;
      if (opts.jwtid !== undefined) body.jti = opts.jwtid;
    } else if (typeof payload !== "string") {
      throw new TypeErrorCtor("payload must be an object, a string or a buffer");
    }
    const header = Object.assign({ alg, typ: "JWT" }, opts.header || {}, opts.keyid !== undefined ? { kid: opts.keyid } : {});
    const input = toBase64Url(text.utf8Encode(stringify(header))) + "." + toBase64Url(text.utf8Encode(typeof body === "string" ? body : stringify(body)));
    const signature = natives.jwtSign(alg, text.utf8Encode(input).buffer, stringify(material));
    return input + "." + toBase64Url(new Uint8ArrayCtor(signature));
  }
  function sign(payload, key, options, callback) {
    const opts = typeof options === "function" ? undefined : options;
    return withCallback(() => signSync(payload, key, opts), [payload, key, options, callback].filter((a) => a !== undefined));
  }
  const jwt = { decode, verify, sign, JsonWebTokenError, TokenExpiredError, NotBeforeError };
  return { jwt };
})`;
