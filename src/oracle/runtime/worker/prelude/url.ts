/**
 * Sandbox part `url` (compiled on first use): WHATWG `URL` and `URLSearchParams`. Parsing and
 * the setters are the worker's own WHATWG URL implementation (Node's), called natively, so the
 * sandbox's URL agrees with the one the host checks fetch requests with; `URLSearchParams` is
 * plain JavaScript (application/x-www-form-urlencoded), kept in sync with its URL's `search`.
 */
export const URL_SOURCE = String.raw`(function urlPart(deps) {
  "use strict";
  const { natives, parse, TypeErrorCtor, Uint8ArrayCtor, part } = deps;
  const text = part("text");
  const HEX = "0123456789ABCDEF";
  function percentEncodeForm(value) {
    const bytes = text.utf8Encode(value);
    let out = "";
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2a || b === 0x2d || b === 0x2e || b === 0x5f) {
        out += String.fromCharCode(b);
      } else if (b === 0x20) {
        out += "+";
      } else {
        out += "%" + HEX[b >> 4] + HEX[b & 15];
      }
    }
    return out;
  }
  function percentDecode(value) {
    const bytes = text.utf8Encode(value.replace(/\+/g, " "));
    const out = [];
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0x25 && i + 2 < bytes.length) {
        const pair = String.fromCharCode(bytes[i + 1], bytes[i + 2]);
        if (/^[0-9A-Fa-f]{2}$/.test(pair)) {
          out.push(parseInt(pair, 16));
          i += 2;
          continue;
        }
      }
      out.push(b);
    }
    return text.utf8Decode(new Uint8ArrayCtor(out).buffer, false, false);
  }
  function parseQuery(query) {
    const list = [];
    for (const piece of query.split("&")) {
      if (piece === "") continue;
      const eq = piece.indexOf("=");
      const name = eq < 0 ? piece : piece.slice(0, eq);
      const value = eq < 0 ? "" : piece.slice(eq + 1);
      list.push([percentDecode(name), percentDecode(value)]);
    }
    return list;
  }
  const lists = new WeakMap();
  const owners = new WeakMap();
  function listOf(params) {
    const list = lists.get(params);
    if (!list) throw new TypeErrorCtor("Illegal invocation: not a URLSearchParams");
    return list;
  }
  function changed(params) {
    const owner = owners.get(params);
    if (owner) owner(params.toString());
  }
  class URLSearchParams {
    constructor(init = undefined) {
      let list = [];
      if (init instanceof URLSearchParams) {
        list = listOf(init).map((pair) => [pair[0], pair[1]]);
      } else if (init !== undefined && init !== null && (typeof init === "object" || typeof init === "function")) {
        if (typeof init[Symbol.iterator] === "function") {
          for (const pair of init) {
            const items = Array.from(pair);
            if (items.length !== 2) throw new TypeErrorCtor("URLSearchParams: each pair must have exactly two items");
            list.push([String(items[0]), String(items[1])]);
          }
        } else {
          for (const key of Object.keys(init)) list.push([key, String(init[key])]);
        }
      } else if (init !== undefined && init !== null) {
        let query = String(init);
        if (query[0] === "?") query = query.slice(1);
        list = parseQuery(query);
      }
      lists.set(this, list);
    }
    get size() { return listOf(this).length; }
    append(name, value) { listOf(this).push([String(name), String(value)]); changed(this); }
    delete(name, value = undefined) {
      const list = listOf(this);
      const n = String(name);
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i][0] === n && (value === undefined || list[i][1] === String(value))) list.splice(i, 1);
      }
      changed(this);
    }
    get(name) {
      const n = String(name);
      const found = listOf(this).find((pair) => pair[0] === n);
      return found ? found[1] : null;
    }
    getAll(name) {
      const n = String(name);
      return listOf(this).filter((pair) => pair[0] === n).map((pair) => pair[1]);
    }
    has(name, value = undefined) {
      const n = String(name);
      return listOf(this).some((pair) => pair[0] === n && (value === undefined || pair[1] === String(value)));
    }
    set(name, value) {
      const list = listOf(this);
      const n = String(name);
      const index = list.findIndex((pair) => pair[0] === n);
      if (index < 0) list.push([n, String(value)]);
      else {
        list[index][1] = String(value);
        for (let i = list.length - 1; i > index; i--) if (list[i][0] === n) list.splice(i, 1);
      }
      changed(this);
    }
    sort() {
      const list = listOf(this);
      const sorted = list.map((pair, index) => [pair, index]).sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]));
      list.splice(0, list.length, ...sorted.map((entry) => entry[0]));
      changed(this);
    }
    forEach(callback, thisArg = undefined) {
      for (const [name, value] of listOf(this).slice()) callback.call(thisArg, value, name, this);
    }
    *keys() { for (const pair of listOf(this).slice()) yield pair[0]; }
    *values() { for (const pair of listOf(this).slice()) yield pair[1]; }
    *entries() { for (const pair of listOf(this).slice()) yield [pair[0], pair[1]]; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return listOf(this).map((pair) => percentEncodeForm(pair[0]) + "=" + percentEncodeForm(pair[1])).join("&"); }
  }
  function parseUrl(url, base) {
    try {
      return parse(natives.url(String(url), base === undefined ? null : String(base)));
    } catch (e) {
      throw new TypeErrorCtor("Invalid URL: " + JSON.stringify(String(url)) + (base === undefined ? "" : " (base " + JSON.stringify(String(base)) + ")"));
    }
  }
  const parts = new WeakMap();
  const searchParams = new WeakMap();
  function partsOf(url) {
    const value = parts.get(url);
    if (!value) throw new TypeErrorCtor("Illegal invocation: not a URL");
    return value;
  }
  function update(url, field, value) {
    let next;
    try {
      next = parse(natives.urlSet(partsOf(url).href, field, String(value)));
    } catch (e) {
      if (field === "href") throw new TypeErrorCtor("Invalid URL: " + JSON.stringify(String(value)));
      return; // other setters ignore invalid values, as in the spec
    }
    parts.set(url, next);
    const params = searchParams.get(url);
    if (params && (field === "href" || field === "search")) {
      lists.set(params, parseQuery(next.search.slice(1)));
    }
  }
  function accessor(field, writable) {
    const descriptor = { configurable: true, enumerable: true, get() { return partsOf(this)[field]; } };
    if (writable) descriptor.set = function (value) { update(this, field, value); };
    return descriptor;
  }
  class URL {
    constructor(url, base = undefined) {
      if (arguments.length < 1) throw new TypeErrorCtor("URL: 1 argument required");
      parts.set(this, parseUrl(url, base));
    }
    static canParse(url, base = undefined) {
      try {
        parseUrl(url, base);
        return true;
      } catch (_) {
        return false;
      }
    }
    static parse(url, base = undefined) {
      try {
        return new URL(url, base);
      } catch (_) {
        return null;
      }
    }
    get searchParams() {
      let params = searchParams.get(this);
      if (!params) {
        params = new URLSearchParams(partsOf(this).search);
        const url = this;
        owners.set(params, (query) => update(url, "search", query));
        searchParams.set(this, params);
      }
      return params;
    }
    toString() { return partsOf(this).href; }
    toJSON() { return partsOf(this).href; }
  }
  for (const field of ["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"]) {
    Object.defineProperty(URL.prototype, field, accessor(field, true));
  }
  Object.defineProperty(URL.prototype, "origin", accessor("origin", false));
  return { URL, URLSearchParams };
})`;
