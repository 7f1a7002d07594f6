/**
 * Minimal Sign-In with Ethereum (EIP-4361) message parser and formatter, enough to verify the
 * `signedMessage` of a Lit AuthSig. Follows the EIP's ABNF line order:
 *
 *   ${scheme://}?${domain} wants you to sign in with your Ethereum account:
 *   ${address}
 *
 *   ${statement}            (optional, followed by an empty line)
 *
 *   URI: ${uri}
 *   Version: 1
 *   Chain ID: ${chainId}
 *   Nonce: ${nonce}
 *   Issued At: ${RFC 3339}
 *   Expiration Time: ${RFC 3339}   (optional)
 *   Not Before: ${RFC 3339}        (optional)
 *   Request ID: ${requestId}       (optional)
 *   Resources:                     (optional)
 *   - ${uri}
 *
 * Parsing only checks syntax. Signature, chain and time checks live in authSig.ts.
 */
import { ethers } from "ethers";
import { CodedError } from "../codedError";

export interface SiweMessage {
  scheme?: string;
  domain: string;
  /** As written in the message (EIP-55 checksummed when mixed case). */
  address: string;
  statement?: string;
  uri: string;
  version: "1";
  chainId: number;
  nonce: string;
  issuedAt: string;
  expirationTime?: string;
  notBefore?: string;
  requestId?: string;
  resources?: string[];
}

/** Thrown for syntactically invalid messages; `field` names the offending line. */
export class SiweParseError extends CodedError<"MALFORMED_SIWE_MESSAGE"> {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super("MALFORMED_SIWE_MESSAGE", message);
  }
}

const HEADER_SUFFIX = " wants you to sign in with your Ethereum account:";
const HEADER_PATTERN = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?([^\s/?#]+)$/;
const URI_PATTERN = /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/;
const NONCE_PATTERN = /^[a-zA-Z0-9]{8,}$/;
const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseSiweMessage(text: string): SiweMessage {
  const lines = text.split("\n");
  let index = 0;
  const next = (): string | undefined => lines[index++];

  const header = next() ?? "";
  if (!header.endsWith(HEADER_SUFFIX)) {
    throw new SiweParseError("domain", `first line must be "<domain>${HEADER_SUFFIX}"`);
  }
  const origin = HEADER_PATTERN.exec(header.slice(0, -HEADER_SUFFIX.length));
  if (!origin) throw new SiweParseError("domain", "domain is missing or contains whitespace");
  const [, scheme, domain] = origin;

  const address = next() ?? "";
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new SiweParseError("address", "second line must be a 0x-prefixed 20-byte address");
  }
  try {
    ethers.getAddress(address);
  } catch {
    throw new SiweParseError("address", `address ${address} has an invalid EIP-55 checksum`);
  }

  // Between the address and "URI:" there are empty lines and at most one statement line.
  let statement: string | undefined;
  while (index < lines.length && !lines[index].startsWith("URI: ")) {
    const line = lines[index++];
    if (line === "") continue;
    if (statement !== undefined) {
      throw new SiweParseError("statement", "statement must be a single line");
    }
    statement = line;
  }

  const tagged = (tag: string, field: string, optional: boolean): string | undefined => {
    const line = lines[index];
    if (line !== undefined && line.startsWith(`${tag}: `)) {
      index++;
      return line.slice(tag.length + 2);
    }
    if (optional) return undefined;
    throw new SiweParseError(field, `missing or misplaced "${tag}: " line`);
  };
  const required = (tag: string, field: string): string => tagged(tag, field, false) as string;

  const uri = required("URI", "uri");
  if (!URI_PATTERN.test(uri))
    throw new SiweParseError("uri", `URI "${uri}" is not an absolute URI`);

  const version = required("Version", "version");
  if (version !== "1") throw new SiweParseError("version", `Version must be 1, got "${version}"`);

  const chainIdText = required("Chain ID", "chainId");
  if (!/^[1-9][0-9]*$/.test(chainIdText) || !Number.isSafeInteger(Number(chainIdText))) {
    throw new SiweParseError(
      "chainId",
      `Chain ID must be a positive integer, got "${chainIdText}"`,
    );
  }

  const nonce = required("Nonce", "nonce");
  if (!NONCE_PATTERN.test(nonce)) {
    throw new SiweParseError("nonce", "Nonce must be at least 8 alphanumeric characters");
  }

  const issuedAt = timestamp(required("Issued At", "issuedAt"), "issuedAt");
  const expirationTime = optionalTimestamp(
    tagged("Expiration Time", "expirationTime", true),
    "expirationTime",
  );
  const notBefore = optionalTimestamp(tagged("Not Before", "notBefore", true), "notBefore");
  const requestId = tagged("Request ID", "requestId", true);

  let resources: string[] | undefined;
  if (lines[index] === "Resources:") {
    index++;
    resources = [];
    while (index < lines.length && lines[index].startsWith("- ")) {
      const resource = lines[index++].slice(2);
      if (!URI_PATTERN.test(resource)) {
        throw new SiweParseError("resources", `resource "${resource}" is not an absolute URI`);
      }
      resources.push(resource);
    }
  }
  if (index < lines.length && !(index === lines.length - 1 && lines[index] === "")) {
    throw new SiweParseError("trailing", `unexpected line ${index + 1}: "${lines[index]}"`);
  }

  return {
    ...(scheme !== undefined ? { scheme } : {}),
    domain,
    address,
    ...(statement !== undefined ? { statement } : {}),
    uri,
    version: "1",
    chainId: Number(chainIdText),
    nonce,
    issuedAt,
    ...(expirationTime !== undefined ? { expirationTime } : {}),
    ...(notBefore !== undefined ? { notBefore } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    ...(resources !== undefined ? { resources } : {}),
  };
}

/** Renders a message exactly as EIP-4361 prescribes (the inverse of `parseSiweMessage`). */
export function formatSiweMessage(message: SiweMessage): string {
  const origin = message.scheme ? `${message.scheme}://${message.domain}` : message.domain;
  const lines = [`${origin}${HEADER_SUFFIX}`, message.address, ""];
  if (message.statement !== undefined) lines.push(message.statement);
  lines.push(
    "",
    `URI: ${message.uri}`,
    `Version: ${message.version}`,
    `Chain ID: ${message.chainId}`,
    `Nonce: ${message.nonce}`,
    `Issued At: ${message.issuedAt}`,
  );
  if (message.expirationTime !== undefined)
    lines.push(`Expiration Time: ${message.expirationTime}`);
  if (message.notBefore !== undefined) lines.push(`Not Before: ${message.notBefore}`);
  if (message.requestId !== undefined) lines.push(`Request ID: ${message.requestId}`);
  if (message.resources !== undefined) {
    lines.push("Resources:", ...message.resources.map((resource) => `- ${resource}`));
  }
  return lines.join("\n");
}

function timestamp(value: string, field: string): string {
  if (!RFC3339_PATTERN.test(value) || Number.isNaN(Date.parse(value))) {
    throw new SiweParseError(field, `${field} must be an RFC 3339 date-time, got "${value}"`);
  }
  return value;
}

function optionalTimestamp(value: string | undefined, field: string): string | undefined {
  return value === undefined ? undefined : timestamp(value, field);
}
