/**
 * The checks every run's input passes before any sandbox is involved (code size, jsParams as
 * bounded JSON). One module so that the worker-thread ActionRuntime and the explorer's browser
 * runner refuse exactly the same inputs with exactly the same failures.
 */
import { messageOf } from "../../errorText";
import { ActionFailure } from "./actionFailure";
import type { ActionLimits } from "./limits";

/** UTF-8 size of `text`, as Buffer.byteLength gives it (lone surrogates count as U+FFFD). */
function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Checks `code` and `jsParams` against `limits` and returns jsParams as JSON object text (what the
 * sandbox receives). Throws ActionFailure INVALID_INPUT or LIMIT_EXCEEDED.
 */
export function checkRunInput(
  input: { code: unknown; jsParams?: Record<string, unknown> },
  limits: Pick<ActionLimits, "codeBytes">,
): string {
  if (typeof input.code !== "string") {
    throw new ActionFailure("INVALID_INPUT", "code must be a string");
  }
  const codeBytes = utf8Length(input.code);
  if (codeBytes > limits.codeBytes) {
    throw new ActionFailure(
      "LIMIT_EXCEEDED",
      `action code is ${codeBytes} bytes, more than the limit of ${limits.codeBytes}`,
    );
  }
  return encodeJsParams(input.jsParams, limits.codeBytes);
}

/** jsParams → JSON object text; size-bounded like code, since it is evaluated alongside it. */
function encodeJsParams(jsParams: Record<string, unknown> | undefined, maxBytes: number): string {
  if (jsParams === undefined) return "{}";
  if (typeof jsParams !== "object" || jsParams === null || Array.isArray(jsParams)) {
    throw new ActionFailure("INVALID_INPUT", "jsParams must be a plain object");
  }
  let json: string;
  try {
    json = JSON.stringify(jsParams);
  } catch (error) {
    throw new ActionFailure("INVALID_INPUT", `jsParams must be JSON data: ${messageOf(error)}`);
  }
  const size = utf8Length(json);
  if (size > maxBytes) {
    throw new ActionFailure(
      "LIMIT_EXCEEDED",
      `jsParams are ${size} bytes of JSON, more than the limit of ${maxBytes}`,
    );
  }
  return json;
}

/**
 * The client's request headers (Lit.Headers) as [name, value] pairs: a repeated header's values
 * joined with ", ", as Node joins them; undefined values left out.
 */
export function headerPairs(
  headers: Record<string, string | string[] | undefined> | Array<[string, string]> | undefined,
): Array<[string, string]> {
  if (headers === undefined) return [];
  const entries = Array.isArray(headers) ? headers : Object.entries(headers);
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    pairs.push([String(name), Array.isArray(value) ? value.join(", ") : String(value)]);
  }
  return pairs;
}
