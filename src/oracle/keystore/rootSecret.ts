/**
 * The keystore's root secret: 32 random bytes, created once with the keystore and sealed like a
 * private key (`root-secret.json`, AES-256-GCM under the passphrase's file key). Everything the
 * oracle must derive deterministically comes from it through `deriveSecret(purpose, id)`
 * (HKDF-SHA256): a claimed key from its derivedKeyId, an action's own key from its CID, the
 * encryption key. The same keystore always derives the same bytes; another keystore never does.
 *
 * Like the header, the file is created exclusively and never rewritten: replacing it would change
 * every derived secret (claimed PKPs, per-action keys, what was encrypted).
 */
import { hkdfSync } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { messageOf } from "../../errorText";
import { writeFileDurably } from "../durableFile";
import { type SealedBox, isSealedBox, seal, unseal } from "./crypto";
import { KeystoreError } from "./errors";
import type { EntropySource } from "./keyRing";

export const ROOT_SECRET_FILE = "root-secret.json";
const FORMAT = "lit-pkp-oracle-root-secret";
const VERSION = 1;
const AAD = "lit-pkp-oracle:root-secret:v1";
const ROOT_LENGTH = 32;
/** Domain separation of this project's derivations from any other use of the same bytes. */
const HKDF_SALT = "lit-pkp-local:derive:v1";

interface RootSecretFile {
  format: typeof FORMAT;
  version: number;
  secret: SealedBox;
  createdAt: string;
}

/** Reads the root secret of the keystore in `dir`, creating it if the keystore has none yet. */
export async function openOrCreateRootSecret(
  dir: string,
  fileKey: Buffer,
  entropy: EntropySource,
): Promise<Buffer> {
  const file = path.join(dir, ROOT_SECRET_FILE);
  let raw: string | undefined;
  try {
    raw = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw unreadable(file, err);
  }
  if (raw === undefined) {
    const secret = Buffer.from(entropy(ROOT_LENGTH));
    const content: RootSecretFile = {
      format: FORMAT,
      version: VERSION,
      secret: seal(fileKey, secret, AAD),
      createdAt: new Date().toISOString(),
    };
    try {
      await writeFileDurably(file, JSON.stringify(content, null, 2) + "\n", { overwrite: false });
      return secret;
    } catch (err) {
      // Another process created it first: use theirs, never replace it.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw unreadable(file, err);
      raw = await fs.readFile(file, "utf8");
    }
  }
  return parseRootSecret(raw, file, fileKey);
}

function parseRootSecret(raw: string, file: string, fileKey: Buffer): Buffer {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw corrupt(file, "not valid JSON");
  }
  const content = value as Partial<RootSecretFile> | null;
  if (typeof content !== "object" || content === null) throw corrupt(file, "not a JSON object");
  if (content.format !== FORMAT || content.version !== VERSION) {
    throw corrupt(file, `unsupported format/version ${String(content.format)}/${content.version}`);
  }
  if (!isSealedBox(content.secret)) throw corrupt(file, "sealed secret missing or malformed");
  let secret: Buffer;
  try {
    secret = unseal(fileKey, content.secret, AAD);
  } catch {
    throw corrupt(file, "the secret fails authentication (corrupted or tampered file)");
  }
  if (secret.length !== ROOT_LENGTH) throw corrupt(file, "the secret is not 32 bytes");
  return secret;
}

/**
 * HKDF-SHA256 of the root secret for one (purpose, id): 32 bytes (or `length`). `purpose` names
 * what the bytes are for, so no two uses ever share a secret.
 */
export function deriveFromRoot(
  root: Uint8Array,
  purpose: string,
  id: Uint8Array,
  length = 32,
): Uint8Array {
  if (!/^[a-z0-9][a-z0-9:-]*$/.test(purpose)) {
    throw new KeystoreError(
      "INVALID_OPTIONS",
      `derivation purpose "${purpose}" is not a lowercase name`,
    );
  }
  const info = Buffer.concat([Buffer.from(`${purpose}\0`, "utf8"), Buffer.from(id)]);
  return new Uint8Array(hkdfSync("sha256", root, HKDF_SALT, info, length));
}

/**
 * A deterministic entropy source for one (purpose, id): the n-th call answers the HKDF bytes of
 * (purpose, id ‖ n as 4 bytes). Fed to `generateSigningKey`, whose rejection sampling may ask
 * again, it turns a derived secret into a valid key without bias; same inputs, same key.
 */
export function derivedEntropy(
  root: Uint8Array,
  purpose: string,
  id: Uint8Array,
): (length: number) => Uint8Array {
  let counter = 0;
  return (length) => {
    const suffix = Buffer.alloc(4);
    suffix.writeUInt32BE(counter);
    counter += 1;
    return deriveFromRoot(root, purpose, Buffer.concat([Buffer.from(id), suffix]), length);
  };
}

function corrupt(file: string, why: string): KeystoreError {
  return new KeystoreError(
    "ROOT_SECRET_CORRUPT",
    `the keystore's root secret ${file} is unusable (${why}); restore it from backup — do not ` +
      "delete it: claimed keys, per-action keys and encrypted data depend on it",
  );
}

function unreadable(file: string, err: unknown): KeystoreError {
  return new KeystoreError(
    "WRITE_FAILED",
    `cannot read or create the keystore's root secret ${file}: ${messageOf(err)}`,
    { cause: err },
  );
}
