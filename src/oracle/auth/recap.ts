/**
 * ReCap (EIP-5573) resources in SIWE messages, as far as Lit's session capabilities use them:
 * `urn:recap:` + base64url (no padding) of the JSON `{ att: { <resource>: { <ability>: [<nb>…] } },
 * prf: [] }`, keys in sorted order. Lit's nodes add `lit-resolvedauthcontext://*` →
 * `Auth/Auth` → `[{ auth_context }]` to the session's capability (LIT-AUTH.md A.4).
 */
import { AuthError } from "./authErrors";

export const RECAP_PREFIX = "urn:recap:";

export interface Recap {
  att: Record<string, Record<string, unknown[]>>;
  prf: unknown[];
}

/** The resource and ability under which the resolved auth context travels. */
export const AUTH_CONTEXT_RESOURCE = "lit-resolvedauthcontext://*";
export const AUTH_CONTEXT_ABILITY = "Auth/Auth";

export function encodeRecap(recap: Recap): string {
  return RECAP_PREFIX + Buffer.from(canonicalJson(recap), "utf8").toString("base64url");
}

export function decodeRecap(uri: string): Recap {
  if (!uri.startsWith(RECAP_PREFIX)) {
    throw new AuthError("INVALID_SESSION", `${uri.slice(0, 40)}… is not a ReCap URI`);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(uri.slice(RECAP_PREFIX.length), "base64url").toString("utf8"));
  } catch {
    throw new AuthError("INVALID_SESSION", "a ReCap resource is not base64url JSON");
  }
  const recap = value as Partial<Recap> | null;
  if (
    typeof recap !== "object" ||
    recap === null ||
    typeof recap.att !== "object" ||
    recap.att === null ||
    Array.isArray(recap.att)
  ) {
    throw new AuthError("INVALID_SESSION", "a ReCap resource has no att object");
  }
  return { att: recap.att, prf: Array.isArray(recap.prf) ? recap.prf : [] };
}

/**
 * The resources with `entry` added under `resource`/`ability`: merged into the last resource if
 * it is a ReCap (EIP-5573 puts it last), else appended as a new one.
 */
export function withCapability(
  resources: readonly string[],
  resource: string,
  ability: string,
  entry: unknown,
): string[] {
  const last = resources[resources.length - 1];
  const merged = last?.startsWith(RECAP_PREFIX) ? decodeRecap(last) : { att: {}, prf: [] };
  merged.att[resource] = { ...(merged.att[resource] ?? {}), [ability]: [entry] };
  const rest = last?.startsWith(RECAP_PREFIX) ? resources.slice(0, -1) : [...resources];
  return [...rest, encodeRecap(merged)];
}

/** The one entry under `resource`/`ability` of the message's ReCap, if any. */
export function capabilityEntry(
  resources: readonly string[] | undefined,
  resource: string,
  ability: string,
): unknown {
  const last = resources?.[resources.length - 1];
  if (last === undefined || !last.startsWith(RECAP_PREFIX)) return undefined;
  const entries = decodeRecap(last).att[resource]?.[ability];
  return Array.isArray(entries) ? entries[0] : undefined;
}

/** JSON with object keys sorted at every level (what ReCap and our tags hash). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}
