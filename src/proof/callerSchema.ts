/**
 * Validation of a bundle's `execution.caller` (src/oracle/auth/callerRecord.ts), in the style of
 * ./schema.ts: every problem names its field, unknown fields are refused, sizes are bounded (a
 * bundle is untrusted input). No node-only import.
 */
import type { AuthMethodContext } from "../oracle/auth/authContext";
import type { RecordedCaller } from "../oracle/auth/callerRecord";
import type { SchemaProblems } from "./recordingsSchema";

/** More than any request carries (Lit sends a handful of auth methods at most). */
export const MAX_CALLER_AUTH_METHODS = 16;
export const MAX_CALLER_RESOURCES = 64;
/** Longest string in a recorded caller (ids, claims, resources). */
export const MAX_CALLER_STRING = 2048;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isText = (value: unknown): value is string =>
  typeof value === "string" && value.length <= MAX_CALLER_STRING;

function claimsAt(p: SchemaProblems, field: string, value: unknown): void {
  if (!isObject(value)) {
    p.bad(field, "{ iss, sub, aud, email?, exp }", value);
    return;
  }
  p.unknownFields(field, value, ["iss", "sub", "aud", "email", "exp"]);
  for (const key of ["iss", "sub", "aud"] as const) {
    if (!isText(value[key])) p.bad(`${field}.${key}`, "a string", value[key]);
  }
  if (value.email !== undefined && !isText(value.email)) {
    p.bad(`${field}.email`, "a string", value.email);
  }
  if (typeof value.exp !== "number" || !Number.isSafeInteger(value.exp)) {
    p.bad(`${field}.exp`, "seconds since 1970", value.exp);
  }
}

function authMethodAt(p: SchemaProblems, field: string, value: unknown): void {
  if (!isObject(value)) {
    p.bad(field, "{ userId, appId, authMethodType, usedForSignSessionKeyRequest }", value);
    return;
  }
  p.unknownFields(field, value, [
    "userId",
    "appId",
    "authMethodType",
    "usedForSignSessionKeyRequest",
    "authMethodId",
    "claims",
  ]);
  if (!isText(value.userId)) p.bad(`${field}.userId`, "a string", value.userId);
  if (!isText(value.appId)) p.bad(`${field}.appId`, "a string", value.appId);
  if (typeof value.authMethodType !== "number" || !Number.isSafeInteger(value.authMethodType)) {
    p.bad(`${field}.authMethodType`, "an integer", value.authMethodType);
  }
  if (typeof value.usedForSignSessionKeyRequest !== "boolean") {
    p.bad(`${field}.usedForSignSessionKeyRequest`, "a boolean", value.usedForSignSessionKeyRequest);
  }
  if (
    value.authMethodId !== undefined &&
    !(typeof value.authMethodId === "string" && /^0x[0-9a-fA-F]{64}$/.test(value.authMethodId))
  ) {
    p.bad(`${field}.authMethodId`, "0x + 32 bytes", value.authMethodId);
  }
  if (value.claims !== undefined) claimsAt(p, `${field}.claims`, value.claims);
}

/** The recorded caller, or undefined when absent or malformed (then `p` says why). */
export function callerAt(
  p: SchemaProblems,
  field: string,
  value: unknown,
): RecordedCaller | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    p.bad(field, "{ authSigAddress, authMethodContexts, resources, customAuthResource }", value);
    return undefined;
  }
  // Counts this field's problems (SchemaProblems does not expose its list).
  let problems = 0;
  const counting: SchemaProblems = {
    bad: (f, expected, got) => {
      problems += 1;
      p.bad(f, expected, got);
    },
    unknownFields: (f, v, allowed) => {
      for (const key of Object.keys(v)) if (!allowed.includes(key)) problems += 1;
      p.unknownFields(f, v, allowed);
    },
  };
  counting.unknownFields(field, value, [
    "authSigAddress",
    "authMethodContexts",
    "resources",
    "customAuthResource",
  ]);
  const address = value.authSigAddress;
  if (address !== null && !(typeof address === "string" && /^0x[0-9a-fA-F]{40}$/.test(address))) {
    counting.bad(`${field}.authSigAddress`, "an address or null", address);
  }
  const methods = value.authMethodContexts;
  if (!Array.isArray(methods) || methods.length > MAX_CALLER_AUTH_METHODS) {
    counting.bad(
      `${field}.authMethodContexts`,
      `an array of at most ${MAX_CALLER_AUTH_METHODS} auth methods`,
      methods,
    );
  } else {
    methods.forEach((method, i) =>
      authMethodAt(counting, `${field}.authMethodContexts[${i}]`, method),
    );
  }
  const resources = value.resources;
  if (
    !Array.isArray(resources) ||
    resources.length > MAX_CALLER_RESOURCES ||
    !resources.every(isText)
  ) {
    counting.bad(
      `${field}.resources`,
      `an array of at most ${MAX_CALLER_RESOURCES} strings`,
      resources,
    );
  }
  if (value.customAuthResource !== null && !isText(value.customAuthResource)) {
    counting.bad(`${field}.customAuthResource`, "a string or null", value.customAuthResource);
  }
  if (problems > 0) return undefined;
  return {
    authSigAddress: address as string | null,
    authMethodContexts: methods as AuthMethodContext[],
    resources: resources as string[],
    customAuthResource: value.customAuthResource as string | null,
  };
}
