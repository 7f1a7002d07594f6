/**
 * Who an action's `fetch` may reach, and how much it may take: the allow-list of origins, the
 * limits, and the classification of IP addresses the host connects to.
 *
 * - Default: nothing is allowed, so a plain oracle cannot be turned into a request forwarder.
 *   `pkp:oracle --fetch-allow <origin>` (repeatable) adds an origin: scheme, host and port exactly
 *   (`https://api.example.com`, `http://127.0.0.1:9000`); no wildcards, paths or credentials.
 * - A host NAME in the list must resolve only to public addresses: a name whose DNS answer is a
 *   loopback, private, link-local, unspecified or multicast address is refused (no DNS-rebinding
 *   path to the oracle's own machine or network), and the connection goes to the address that
 *   was checked, never to a second lookup. To reach a local service, allow its IP literal
 *   (`http://127.0.0.1:9000`) or `localhost` (which must then resolve to loopback only).
 * - Every redirect is checked again, as a new request, against all of the above.
 */
import { isIP } from "node:net";
import { CodedError } from "../../codedError";

export { DEFAULT_FETCH_LIMITS, type FetchLimits } from "./limits";

export class FetchConfigError extends CodedError<"INVALID_FETCH_ORIGIN"> {
  constructor(message: string) {
    super("INVALID_FETCH_ORIGIN", message);
  }
}

/** `scheme://host[:port]` as the allow-list keeps it (URL.origin form), or FetchConfigError. */
export function parseAllowedOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FetchConfigError(
      `--fetch-allow ${JSON.stringify(text)} is not an origin (e.g. https://api.example.com)`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new FetchConfigError(`--fetch-allow ${text}: only http and https origins can be allowed`);
  }
  if (
    url.username ||
    url.password ||
    (url.pathname !== "/" && url.pathname !== "") ||
    url.search ||
    url.hash
  ) {
    throw new FetchConfigError(
      `--fetch-allow ${text}: give an origin only (scheme, host and port), without path, query or credentials`,
    );
  }
  if (url.hostname.includes("*")) {
    throw new FetchConfigError(
      `--fetch-allow ${text}: wildcards are not supported; list each origin`,
    );
  }
  return url.origin;
}

export type AddressClass =
  "public" | "loopback" | "private" | "link-local" | "unspecified" | "multicast" | "reserved";

function ipv4Class(address: string): AddressClass {
  const [a, b] = address.split(".").map(Number);
  if (a === 127) return "loopback";
  if (a === 0) return "unspecified";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 100 && b >= 64 && b <= 127) return "private"; // carrier-grade NAT
  if (a === 169 && b === 254) return "link-local";
  if (a >= 224 && a <= 239) return "multicast";
  if (a >= 240) return "reserved";
  return "public";
}

/** What kind of address `address` (an IP literal) is; throws for a non-IP. */
export function classifyAddress(address: string): AddressClass {
  const version = isIP(address);
  if (version === 4) return ipv4Class(address);
  if (version !== 6) throw new TypeError(`${address} is not an IP address`);
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return ipv4Class(mapped[1]);
  if (lower === "::1") return "loopback";
  if (lower === "::") return "unspecified";
  const first = parseInt(lower.split(":")[0] || "0", 16);
  if ((first & 0xfe00) === 0xfc00) return "private"; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return "link-local";
  if ((first & 0xff00) === 0xff00) return "multicast";
  return "public";
}

/** Strips IPv6 brackets from a URL hostname. */
export function bareHost(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

/**
 * Whether the resolved `address` of `hostname` may be connected to. An IP literal host was
 * allowed as such by the operator; `localhost` must be loopback; any other name must be public.
 */
export function addressAllowed(hostname: string, address: string): boolean {
  const host = bareHost(hostname).toLowerCase();
  if (isIP(host) !== 0) return true;
  const kind = classifyAddress(address);
  if (host === "localhost") return kind === "loopback";
  return kind === "public";
}
