/**
 * Sandbox part `ethers` (compiled on first use of the `ethers` global): ethers v5.7.2 as Lit's
 * nodes ship it, loaded package by package. The worker holds the modules built from the npm
 * package (src/oracle/runtime/ethers/); this part is a small CommonJS loader over them and a
 * lazy `ethers` / `ethers.utils` whose names load their package on first access, so
 * `ethers.utils.keccak256` compiles @ethersproject/keccak256 and what it needs, not all of ethers.
 *
 * A module's `require` of another package is lazy too: it answers a Proxy that loads the package
 * on first use, so @ethersproject/strings (needed for toUtf8Bytes) does not load
 * @ethersproject/constants and bignumber just because one of its functions would use them.
 *
 * `ethers.providers.JsonRpcProvider` talks through the sandbox's `fetch`, i.e. through the host:
 * given a URL from `Lit.Actions.getRpcUrl`, the host answers its JSON-RPC (reads and
 * eth_sendRawTransaction only); any other URL is an ordinary fetch under the allow-list.
 */
export const ETHERS_SOURCE = String.raw`(function ethersPart(deps) {
  "use strict";
  const { natives, parse, evalGlobal, ErrorCtor, part } = deps;
  const text = part("text");
  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  let info;
  function manifest() {
    if (info === undefined) {
      try {
        info = parse(natives.ethersManifest());
      } catch (e) {
        throw new ErrorCtor("ethers is not available in this sandbox: " + e.message);
      }
    }
    return info;
  }
  const asNative = (value) => (value instanceof Uint8Array || value instanceof ArrayBuffer ? text.bufferOf(value, "secp256k1") : value);
  const native = Object.freeze({
    digest: (algorithm, bytes) => natives.digest(algorithm, text.bufferOf(bytes, "digest")),
    hmac: (algorithm, key, data) => natives.hmac(algorithm, text.bufferOf(key, "hmac"), text.bufferOf(data, "hmac")),
    secp256k1: (op, a, b, c, d) => natives.secp256k1(op, asNative(a), asNative(b), asNative(c), asNative(d)),
  });
  const cache = {};
  function load(id) {
    if (id === null) return {};
    if (id === "#native") return native;
    if (hasOwn(cache, id)) return cache[id].exports;
    const requires = manifest().deps[id];
    if (!requires) throw new ErrorCtor("ethers (sandbox): no module " + id);
    const module = { exports: {} };
    cache[id] = module;
    try {
      const factory = evalGlobal(natives.ethersModule(id));
      factory.call(module.exports, module, module.exports, (specifier) => {
        if (!hasOwn(requires, specifier)) throw new ErrorCtor("ethers (sandbox): " + id + " requires unknown module " + specifier);
        return lazy(requires[specifier]);
      });
    } catch (e) {
      delete cache[id];
      throw e;
    }
    return module.exports;
  }
  // The exports of a module, loaded the first time anything of them is used (see the top of the file).
  function lazy(id) {
    if (id === null || id === "#native" || hasOwn(cache, id)) return load(id);
    let target;
    const real = () => target || (target = load(id));
    return new Proxy({}, {
      get: (_, key) => real()[key],
      has: (_, key) => key in real(),
      ownKeys: () => Reflect.ownKeys(real()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
        if (descriptor) descriptor.configurable = true;
        return descriptor;
      },
      set: (_, key, value) => Reflect.set(real(), key, value),
      defineProperty: (_, key, descriptor) => Reflect.defineProperty(real(), key, descriptor),
      getPrototypeOf: () => Object.getPrototypeOf(real()),
    });
  }
  let ethers;
  let utils;
  function resolve(ref, name, inUtils) {
    switch (ref[0]) {
      case "module": return load(ref[1]);
      case "export": return load(ref[1])[ref[2]];
      case "instance": return new (load(ref[1])[ref[2]])(parse(ref[3]));
      case "value": return parse(ref[1]);
      case "self": return ethers;
      case "utils": return utils;
      default: {
        const full = load(manifest().entry);
        return inUtils ? full.utils[name] : full[name];
      }
    }
  }
  function lazyNamespace(refs, inUtils) {
    const target = {};
    const settle = (name, value) =>
      Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: true });
    for (const name of Object.keys(refs)) {
      Object.defineProperty(target, name, {
        configurable: true,
        enumerable: true,
        get() {
          const value = resolve(refs[name], name, inUtils);
          settle(name, value);
          return value;
        },
        set(value) {
          settle(name, value);
        },
      });
    }
    return target;
  }
  const { top, utils: utilsRefs } = manifest();
  utils = lazyNamespace(utilsRefs, true);
  ethers = lazyNamespace(top, false);
  return { ethers };
})`;
