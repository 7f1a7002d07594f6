/**
 * Canonical JSON: the one text of a JSON value that every party hashes (the store, clients,
 * and Lit Actions inside the sandbox, which carry their own copy of these few lines).
 *
 * It is RFC 8785 (JCS) for the values it accepts: object keys sorted by UTF-16 code units, no
 * whitespace, strings and numbers as ECMAScript's JSON.stringify writes them. It accepts only
 * JSON data — null, booleans, finite numbers, well-formed strings, arrays and plain objects —
 * nested at most `maxDepth` levels, and refuses everything else by its path, so two parties can
 * never hash two different texts for one value (or one text for two values).
 */
import { StreamError } from "./errors";

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Nesting bound of a payload (objects and arrays), so canonicalising never overflows a stack. */
export const DEFAULT_MAX_DEPTH = 32;

/** A lone surrogate has no UTF-8 form: two strings would share one encoding. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function refuse(path: string, why: string): never {
  throw new StreamError("INVALID_COMMIT", `${path}: ${why}`);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function write(value: unknown, path: string, depth: number, maxDepth: number, out: string[]): void {
  switch (typeof value) {
    case "string":
      if (LONE_SURROGATE.test(value)) refuse(path, "a string with a lone surrogate (not Unicode)");
      out.push(JSON.stringify(value));
      return;
    case "number":
      if (!Number.isFinite(value)) refuse(path, `${value} is not a JSON number`);
      out.push(JSON.stringify(value));
      return;
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "object": {
      if (value === null) {
        out.push("null");
        return;
      }
      if (depth >= maxDepth) refuse(path, `nested deeper than ${maxDepth} levels`);
      if (Array.isArray(value)) {
        out.push("[");
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(",");
          if (!(i in value)) refuse(`${path}[${i}]`, "a hole in an array");
          write(value[i], `${path}[${i}]`, depth + 1, maxDepth, out);
        }
        out.push("]");
        return;
      }
      if (!isPlainObject(value)) refuse(path, "not a plain JSON object");
      const record = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, which is what RFC 8785 asks for.
      const keys = Object.keys(record).sort();
      out.push("{");
      keys.forEach((key, i) => {
        if (LONE_SURROGATE.test(key)) refuse(path, "a key with a lone surrogate (not Unicode)");
        if (i > 0) out.push(",");
        out.push(JSON.stringify(key), ":");
        write(record[key], `${path}.${key}`, depth + 1, maxDepth, out);
      });
      out.push("}");
      return;
    }
    default:
      refuse(path, `${typeof value} is not JSON data`);
  }
}

/**
 * The canonical text of `value`. Throws StreamError INVALID_COMMIT, naming the path (`payload.a[2]`),
 * for anything that is not JSON data or is nested deeper than `maxDepth`.
 */
export function canonicalJson(
  value: unknown,
  path = "value",
  maxDepth = DEFAULT_MAX_DEPTH,
): string {
  const out: string[] = [];
  write(value, path, 0, maxDepth, out);
  return out.join("");
}
