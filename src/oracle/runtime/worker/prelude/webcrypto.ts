/**
 * Sandbox part `webcrypto` (compiled on first use): `crypto.getRandomValues`, `crypto.randomUUID`,
 * `crypto.subtle.digest` (SHA-1/256/384/512, native), `structuredClone` and `DOMException`.
 * The other `crypto.subtle` methods reject with NotSupportedError: Lit's Deno has them, this
 * sandbox has digest only (docs/ORACLE.md). Randomness comes from the worker's CSPRNG; an action
 * that uses it is not reproducible by the proof verifier (which reports it as non-deterministic).
 */
export const WEBCRYPTO_SOURCE = String.raw`(function webcryptoPart(deps) {
  "use strict";
  const { natives, TypeErrorCtor, ErrorCtor, Uint8ArrayCtor, ArrayBufferCtor, isView, PromiseCtor } = deps;
  const CODES = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
    SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
    TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
    QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
  };
  class DOMException extends ErrorCtor {
    constructor(message = "", name = "Error") {
      super(String(message));
      Object.defineProperty(this, "name", { value: String(name), configurable: true, writable: true });
    }
    get code() { return CODES[this.name] || 0; }
  }
  const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
  function getRandomValues(array) {
    if (!INTEGER_ARRAYS.some((Ctor) => array instanceof Ctor)) {
      throw new DOMException("crypto.getRandomValues: the argument must be an integer typed array", "TypeMismatchError");
    }
    if (array.byteLength > 65536) {
      throw new DOMException("crypto.getRandomValues: at most 65536 bytes at a time", "QuotaExceededError");
    }
    const random = new Uint8ArrayCtor(natives.randomBytes(array.byteLength));
    new Uint8ArrayCtor(array.buffer, array.byteOffset, array.byteLength).set(random);
    return array;
  }
  function randomUUID() {
    const b = new Uint8ArrayCtor(natives.randomBytes(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = "";
    for (let i = 0; i < 16; i++) hex += (b[i] < 16 ? "0" : "") + b[i].toString(16);
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  const DIGESTS = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
  function hexToBuffer(hex) {
    const out = new Uint8ArrayCtor(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out.buffer;
  }
  function bufferOf(data) {
    if (data instanceof ArrayBufferCtor) return data;
    if (isView(data)) return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    throw new TypeErrorCtor("crypto.subtle.digest: data must be an ArrayBuffer or a typed array");
  }
  const subtle = {
    digest(algorithm, data) {
      try {
        const name = String(algorithm && typeof algorithm === "object" ? algorithm.name : algorithm).toUpperCase();
        const native = DIGESTS[name];
        if (!native) throw new DOMException("crypto.subtle.digest: unsupported algorithm " + JSON.stringify(name) + " (SHA-1, SHA-256, SHA-384, SHA-512)", "NotSupportedError");
        return PromiseCtor.resolve(hexToBuffer(natives.digest(native, bufferOf(data))));
      } catch (e) {
        return PromiseCtor.reject(e);
      }
    },
  };
  for (const method of ["encrypt", "decrypt", "sign", "verify", "generateKey", "deriveKey", "deriveBits", "importKey", "exportKey", "wrapKey", "unwrapKey"]) {
    subtle[method] = () => PromiseCtor.reject(new DOMException("crypto.subtle." + method + " is not available in this sandbox (only digest is): see docs/ORACLE.md", "NotSupportedError"));
  }
  const crypto = { getRandomValues, randomUUID, subtle: Object.freeze(subtle) };

  // ---- structuredClone -------------------------------------------------------------------------
  const TYPED = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];
  const ERRORS = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  function structuredClone(value, options = undefined) {
    if (options && options.transfer && options.transfer.length) {
      throw new DOMException("structuredClone: transfer is not supported in this sandbox", "DataCloneError");
    }
    const memory = new Map();
    function clone(input) {
      if (input === null || (typeof input !== "object" && typeof input !== "function")) {
        if (typeof input === "symbol") throw new DOMException("structuredClone: a Symbol cannot be cloned", "DataCloneError");
        return input;
      }
      if (typeof input === "function") throw new DOMException("structuredClone: a function cannot be cloned", "DataCloneError");
      if (memory.has(input)) return memory.get(input);
      let out;
      if (Array.isArray(input)) {
        out = new Array(input.length);
        memory.set(input, out);
        for (const key of Object.keys(input)) out[key] = clone(input[key]);
        return out;
      }
      if (input instanceof Date) out = new Date(input.getTime());
      else if (input instanceof RegExp) out = new RegExp(input.source, input.flags);
      else if (input instanceof ArrayBufferCtor) out = input.slice(0);
      else if (input instanceof DataView) out = new DataView(clone(input.buffer), input.byteOffset, input.byteLength);
      else if (isView(input)) {
        const Ctor = TYPED.find((T) => input instanceof T);
        out = new Ctor(clone(input.buffer), input.byteOffset, input.length);
      } else if (input instanceof Boolean || input instanceof Number || input instanceof String) out = Object(input.valueOf());
      else if (typeof BigInt !== "undefined" && input instanceof BigInt) out = Object(input.valueOf());
      else if (input instanceof ErrorCtor) {
        const Ctor = ERRORS[input.name] || ErrorCtor;
        out = new Ctor(input.message);
        if (input.stack !== undefined) Object.defineProperty(out, "stack", { value: String(input.stack), configurable: true, writable: true });
      } else if (input instanceof Map) {
        out = new Map();
        memory.set(input, out);
        for (const [k, v] of input) out.set(clone(k), clone(v));
        return out;
      } else if (input instanceof Set) {
        out = new Set();
        memory.set(input, out);
        for (const v of input) out.add(clone(v));
        return out;
      } else if (input instanceof Promise || input instanceof WeakMap || input instanceof WeakSet) {
        throw new DOMException("structuredClone: " + Object.prototype.toString.call(input) + " cannot be cloned", "DataCloneError");
      } else {
        out = {};
        memory.set(input, out);
        for (const key of Object.keys(input)) {
          Object.defineProperty(out, key, { value: clone(input[key]), enumerable: true, writable: true, configurable: true });
        }
        return out;
      }
      memory.set(input, out);
      return out;
    }
    return clone(value);
  }
  return { DOMException, crypto, structuredClone };
})`;
