/**
 * Sandbox part `text` (compiled on first use): `TextEncoder`, `TextDecoder` (UTF-8, as Deno's
 * default; other labels are a RangeError), `atob`, `btoa`, and the byte helpers the other parts
 * share. Encoding and decoding are native (the worker's), so large inputs cost no interpreted
 * loops.
 */
export const TEXT_SOURCE = String.raw`(function textPart(deps) {
  "use strict";
  const { natives, TypeErrorCtor, Uint8ArrayCtor, ArrayBufferCtor, isView, fromCharCode, part } = deps;
  // An ArrayBuffer holding exactly the bytes of a BufferSource (copied only when it is a slice).
  function bufferOf(source, what) {
    if (source instanceof ArrayBufferCtor) return source;
    if (isView(source)) {
      const buffer = source.buffer;
      if (source.byteOffset === 0 && source.byteLength === buffer.byteLength) return buffer;
      return buffer.slice(source.byteOffset, source.byteOffset + source.byteLength);
    }
    throw new TypeErrorCtor(what + ": expected an ArrayBuffer or a typed array");
  }
  function utf8Encode(text) {
    return new Uint8ArrayCtor(natives.utf8Encode(String(text)));
  }
  function utf8Decode(buffer, fatal, ignoreBOM) {
    try {
      return natives.utf8Decode(buffer, !!fatal, !!ignoreBOM);
    } catch (e) {
      throw new TypeErrorCtor("The encoded data was not valid utf-8");
    }
  }
  function utf8Length(codePoint) {
    return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  }
  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(input = "") { return utf8Encode(input); }
    encodeInto(source, destination) {
      if (!(destination instanceof Uint8ArrayCtor)) {
        throw new TypeErrorCtor("TextEncoder.encodeInto: the destination must be a Uint8Array");
      }
      const text = String(source);
      let read = 0;
      let written = 0;
      for (const char of text) {
        let codePoint = char.codePointAt(0);
        if (codePoint >= 0xd800 && codePoint <= 0xdfff) codePoint = 0xfffd;
        const size = utf8Length(codePoint);
        if (written + size > destination.length) break;
        destination.set(utf8Encode(String.fromCodePoint(codePoint)), written);
        written += size;
        read += char.length;
      }
      return { read, written };
    }
  }
  const UTF8_LABELS = ["utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"];
  const decoderOptions = new WeakMap();
  class TextDecoder {
    constructor(label = "utf-8", options = undefined) {
      const name = String(label).trim().toLowerCase();
      if (UTF8_LABELS.indexOf(name) < 0) {
        throw new RangeError("TextDecoder: encoding " + JSON.stringify(String(label)) + " is not supported in this sandbox (utf-8 only)");
      }
      decoderOptions.set(this, { fatal: !!(options && options.fatal), ignoreBOM: !!(options && options.ignoreBOM) });
    }
    get encoding() { return "utf-8"; }
    get fatal() { return decoderOptions.get(this).fatal; }
    get ignoreBOM() { return decoderOptions.get(this).ignoreBOM; }
    decode(input = undefined, options = undefined) {
      if (options && options.stream) {
        throw new TypeErrorCtor("TextDecoder.decode: { stream: true } is not supported in this sandbox");
      }
      if (input === undefined || input === null) return "";
      const { fatal, ignoreBOM } = decoderOptions.get(this);
      return utf8Decode(bufferOf(input, "TextDecoder.decode"), fatal, ignoreBOM);
    }
  }
  function invalidCharacter(message) {
    const DOMException = part("webcrypto").DOMException;
    return new DOMException(message, "InvalidCharacterError");
  }
  function btoa(data) {
    if (arguments.length < 1) throw new TypeErrorCtor("btoa: 1 argument required");
    const text = String(data);
    const bytes = new Uint8ArrayCtor(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 255) throw invalidCharacter("btoa: the string has characters outside of the Latin1 range");
      bytes[i] = code;
    }
    return natives.base64Encode(bytes.buffer);
  }
  function latin1(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; i += 8192) out += fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    return out;
  }
  function atob(data) {
    if (arguments.length < 1) throw new TypeErrorCtor("atob: 1 argument required");
    let text = String(data).replace(/[\t\n\f\r ]+/g, "");
    if (text.length % 4 === 0) text = text.replace(/==?$/, "");
    if (text.length % 4 === 1 || !/^[A-Za-z0-9+/]*$/.test(text)) {
      throw invalidCharacter("atob: the string is not correctly base64-encoded");
    }
    return latin1(new Uint8ArrayCtor(natives.base64Decode(text)));
  }
  return { TextEncoder, TextDecoder, atob, btoa, bufferOf, utf8Encode, utf8Decode, latin1 };
})`;
