/**
 * Sandbox part `http` (compiled on first use): the Fetch API's `Headers`, `Request` and
 * `Response`, with bodies held in memory (strings, ArrayBuffers, typed arrays, URLSearchParams;
 * no streams, Blob or FormData: those are a TypeError), and the helpers `fetch` and `LitHeaders`
 * need (an immutable Headers, a Response made from the host's answer, a Request's parts).
 */
export const HTTP_SOURCE = String.raw`(function httpPart(deps) {
  "use strict";
  const { natives, TypeErrorCtor, Uint8ArrayCtor, ArrayBufferCtor, isView, PromiseCtor, parse, part, loadedPart } = deps;
  const text = part("text");
  // The url part (URL, URLSearchParams) is not compiled for a plain fetch: a URL is normalized
  // by the same native the URL class uses, with the same error; and a body can only be a
  // URLSearchParams if the action loaded that part itself.
  function hrefOf(input) {
    const value = String(input);
    try {
      return parse(natives.url(value, null)).href;
    } catch (e) {
      throw new TypeErrorCtor("Invalid URL: " + JSON.stringify(value));
    }
  }
  const TOKEN = /^[!#$%&'*+\-.^_\x60|~0-9A-Za-z]+$/;
  function headerName(name) {
    const value = String(name);
    if (!TOKEN.test(value)) throw new TypeErrorCtor("Headers: invalid header name " + JSON.stringify(value));
    return value.toLowerCase();
  }
  function headerValue(value) {
    const normalized = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
    if (/[\0\r\n]/.test(normalized)) throw new TypeErrorCtor("Headers: invalid header value " + JSON.stringify(normalized));
    return normalized;
  }

  // ---- Headers ---------------------------------------------------------------------------------
  const headerLists = new WeakMap();
  const immutable = new WeakSet();
  function headerList(headers) {
    const list = headerLists.get(headers);
    if (!list) throw new TypeErrorCtor("Illegal invocation: not a Headers object");
    return list;
  }
  function mutable(headers) {
    const list = headerList(headers);
    if (immutable.has(headers)) throw new TypeErrorCtor("Headers are immutable");
    return list;
  }
  function fillHeaders(headers, init) {
    if (init === undefined || init === null) return;
    if (typeof init !== "object" && typeof init !== "function") {
      throw new TypeErrorCtor("Headers: init must be an object, an array of pairs or a Headers object");
    }
    if (typeof init[Symbol.iterator] === "function") {
      for (const pair of init) {
        const items = Array.from(pair);
        if (items.length !== 2) throw new TypeErrorCtor("Headers: each pair must have exactly two items");
        headers.append(items[0], items[1]);
      }
    } else {
      for (const key of Object.keys(init)) headers.append(key, init[key]);
    }
  }
  class Headers {
    constructor(init = undefined) {
      headerLists.set(this, []);
      fillHeaders(this, init);
    }
    append(name, value) {
      mutable(this).push([headerName(name), headerValue(value)]);
    }
    delete(name) {
      const list = mutable(this);
      const n = headerName(name);
      for (let i = list.length - 1; i >= 0; i--) if (list[i][0] === n) list.splice(i, 1);
    }
    get(name) {
      const n = headerName(name);
      const values = headerList(this).filter((pair) => pair[0] === n).map((pair) => pair[1]);
      return values.length === 0 ? null : values.join(", ");
    }
    getSetCookie() {
      return headerList(this).filter((pair) => pair[0] === "set-cookie").map((pair) => pair[1]);
    }
    has(name) {
      const n = headerName(name);
      return headerList(this).some((pair) => pair[0] === n);
    }
    set(name, value) {
      const list = mutable(this);
      const n = headerName(name);
      const v = headerValue(value);
      const index = list.findIndex((pair) => pair[0] === n);
      if (index < 0) list.push([n, v]);
      else {
        list[index][1] = v;
        for (let i = list.length - 1; i > index; i--) if (list[i][0] === n) list.splice(i, 1);
      }
    }
    // Sorted by name, values of one name combined (set-cookie kept apart), as the spec iterates.
    *entries() {
      const names = [];
      for (const pair of headerList(this)) if (names.indexOf(pair[0]) < 0) names.push(pair[0]);
      names.sort();
      for (const name of names) {
        if (name === "set-cookie") {
          for (const value of this.getSetCookie()) yield [name, value];
        } else {
          yield [name, this.get(name)];
        }
      }
    }
    *keys() { for (const pair of this.entries()) yield pair[0]; }
    *values() { for (const pair of this.entries()) yield pair[1]; }
    forEach(callback, thisArg = undefined) {
      for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
    }
    [Symbol.iterator]() { return this.entries(); }
  }
  function immutableHeaders(pairs) {
    const headers = new Headers(pairs);
    immutable.add(headers);
    return headers;
  }

  // ---- bodies ----------------------------------------------------------------------------------
  // A body is held as { text } or { bytes } (whichever it came as) and converted on demand.
  function extractBody(body) {
    if (body === undefined || body === null) return { body: null, type: null };
    if (typeof body === "string") return { body: { text: body }, type: "text/plain;charset=UTF-8" };
    const url = loadedPart("url");
    if (url !== undefined && body instanceof url.URLSearchParams) {
      return { body: { text: body.toString() }, type: "application/x-www-form-urlencoded;charset=UTF-8" };
    }
    if (body instanceof ArrayBufferCtor) return { body: { bytes: new Uint8ArrayCtor(body.slice(0)) }, type: null };
    if (isView(body)) {
      return { body: { bytes: new Uint8ArrayCtor(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) }, type: null };
    }
    throw new TypeErrorCtor("this sandbox's fetch bodies are strings, ArrayBuffers, typed arrays or URLSearchParams (no streams, Blob or FormData)");
  }
  function bodyBytes(body) {
    if (body === null) return new Uint8ArrayCtor(0);
    if (body.bytes === undefined) body.bytes = text.utf8Encode(body.text);
    return body.bytes;
  }
  function bodyText(body) {
    if (body === null) return "";
    if (body.text === undefined) body.text = text.utf8Decode(body.bytes.slice().buffer, false, false);
    return body.text;
  }
  const bodies = new WeakMap();
  function state(object) {
    const value = bodies.get(object);
    if (!value) throw new TypeErrorCtor("Illegal invocation");
    return value;
  }
  function consume(object) {
    const s = state(object);
    if (s.used) return PromiseCtor.reject(new TypeErrorCtor("Body is unusable: Body has already been consumed."));
    s.used = true;
    return PromiseCtor.resolve(s.body);
  }
  const bodyMethods = {
    get bodyUsed() { return state(this).used; },
    get body() { return null; },
    arrayBuffer() { return consume(this).then((body) => bodyBytes(body).slice().buffer); },
    bytes() { return consume(this).then((body) => bodyBytes(body).slice()); },
    text() { return consume(this).then(bodyText); },
    json() { return consume(this).then((body) => parse(bodyText(body))); },
    blob() { return PromiseCtor.reject(new TypeErrorCtor("Blob is not available in this sandbox: use arrayBuffer() or text()")); },
    formData() { return PromiseCtor.reject(new TypeErrorCtor("FormData is not available in this sandbox: use text()")); },
  };
  function mixBody(target) {
    for (const key of Object.getOwnPropertyNames(bodyMethods)) {
      Object.defineProperty(target.prototype, key, Object.getOwnPropertyDescriptor(bodyMethods, key));
    }
  }

  // ---- Request ---------------------------------------------------------------------------------
  const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
  const REDIRECTS = ["follow", "error", "manual"];
  class Request {
    constructor(input, init = undefined) {
      const options = init === undefined || init === null ? {} : init;
      let base;
      if (input instanceof Request) base = state(input);
      const href = base ? base.url : hrefOf(input);
      let method = options.method !== undefined ? String(options.method) : base ? base.method : "GET";
      if (METHODS.indexOf(method.toUpperCase()) >= 0) method = method.toUpperCase();
      if (!/^[!#$%&'*+\-.^_\x60|~0-9A-Za-z]+$/.test(method) || ["CONNECT", "TRACE", "TRACK"].indexOf(method.toUpperCase()) >= 0) {
        throw new TypeErrorCtor("Request: method " + JSON.stringify(method) + " is not allowed");
      }
      const headers = new Headers(options.headers !== undefined ? options.headers : base ? base.headers : undefined);
      let body = base ? base.body : null;
      if (options.body !== undefined && options.body !== null) {
        const extracted = extractBody(options.body);
        body = extracted.body;
        if (extracted.type && !headers.has("content-type")) headers.set("content-type", extracted.type);
      }
      if (body !== null && (method === "GET" || method === "HEAD")) {
        throw new TypeErrorCtor("Request with GET/HEAD method cannot have body.");
      }
      const redirect = options.redirect !== undefined ? String(options.redirect) : base ? base.redirect : "follow";
      if (REDIRECTS.indexOf(redirect) < 0) throw new TypeErrorCtor("Request: redirect must be follow, error or manual");
      bodies.set(this, {
        url: href, method, headers, body, redirect, used: false,
        mode: options.mode || "cors", credentials: options.credentials || "same-origin",
        cache: options.cache || "default", referrer: options.referrer === undefined ? "about:client" : String(options.referrer),
      });
    }
    get url() { return state(this).url; }
    get method() { return state(this).method; }
    get headers() { return state(this).headers; }
    get redirect() { return state(this).redirect; }
    get mode() { return state(this).mode; }
    get credentials() { return state(this).credentials; }
    get cache() { return state(this).cache; }
    get referrer() { return state(this).referrer; }
    get signal() { return null; }
    clone() {
      if (state(this).used) throw new TypeErrorCtor("Request.clone: the body was already consumed");
      return new Request(this);
    }
  }
  mixBody(Request);
  function requestParts(request) {
    const s = state(request);
    if (s.used) throw new TypeErrorCtor("fetch: the request's body was already consumed");
    s.used = s.body !== null;
    return { url: s.url, method: s.method, headers: Array.from(s.headers.entries()), body: s.body === null ? null : bodyBytes(s.body), redirect: s.redirect };
  }

  // ---- Response --------------------------------------------------------------------------------
  const NULL_BODY_STATUS = [101, 103, 204, 205, 304];
  const REDIRECT_STATUS = [301, 302, 303, 307, 308];
  function initResponse(response, fields) {
    bodies.set(response, Object.assign({ used: false, type: "default", url: "", redirected: false }, fields));
  }
  class Response {
    constructor(body = null, init = undefined) {
      const options = init === undefined || init === null ? {} : init;
      const status = options.status === undefined ? 200 : Number(options.status);
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new RangeError("Response: status must be an integer in [200, 599], got " + String(options.status));
      }
      const headers = new Headers(options.headers);
      const extracted = extractBody(body);
      if (extracted.body !== null && NULL_BODY_STATUS.indexOf(status) >= 0) {
        throw new TypeErrorCtor("Response with null body status cannot have body");
      }
      if (extracted.type && !headers.has("content-type")) headers.set("content-type", extracted.type);
      initResponse(this, { status, statusText: options.statusText === undefined ? "" : String(options.statusText), headers, body: extracted.body });
    }
    static json(data, init = undefined) {
      const body = JSON.stringify(data);
      if (body === undefined) throw new TypeErrorCtor("Response.json: the value is not JSON");
      const response = new Response(body, init);
      response.headers.set("content-type", "application/json");
      return response;
    }
    static error() {
      const response = Object.create(Response.prototype);
      initResponse(response, { status: 0, statusText: "", headers: immutableHeaders([]), body: null, type: "error" });
      return response;
    }
    static redirect(location, status = 302) {
      if (REDIRECT_STATUS.indexOf(status) < 0) throw new RangeError("Response.redirect: invalid status " + status);
      const response = Object.create(Response.prototype);
      initResponse(response, { status, statusText: "", headers: immutableHeaders([["location", hrefOf(location)]]), body: null });
      return response;
    }
    get status() { return state(this).status; }
    get ok() { const s = state(this).status; return s >= 200 && s <= 299; }
    get statusText() { return state(this).statusText; }
    get headers() { return state(this).headers; }
    get type() { return state(this).type; }
    get url() { return state(this).url; }
    get redirected() { return state(this).redirected; }
    clone() {
      const s = state(this);
      if (s.used) throw new TypeErrorCtor("Response.clone: the body was already consumed");
      const copy = Object.create(Response.prototype);
      initResponse(copy, Object.assign({}, s, { used: false, body: s.body === null ? null : Object.assign({}, s.body) }));
      return copy;
    }
  }
  mixBody(Response);
  // What fetch resolves with: built from the host's answer, headers immutable (as a browser's).
  function makeResponse(fields) {
    const response = Object.create(Response.prototype);
    initResponse(response, {
      status: fields.status, statusText: fields.statusText, headers: immutableHeaders(fields.headers),
      body: fields.body, type: "basic", url: fields.url, redirected: fields.redirected,
    });
    return response;
  }
  return { Headers, Request, Response, immutableHeaders, makeResponse, requestParts };
})`;
