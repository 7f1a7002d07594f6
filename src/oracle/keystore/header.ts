/**
 * The keystore header (`keystore.json`): the scrypt salt and cost plus an encrypted check value.
 * It is created once and never rewritten, because replacing the salt would make every existing
 * key file undecryptable. The check value lets `open` tell a wrong passphrase apart from a
 * corrupt key file before touching anything.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { writeFileDurably } from "../durableFile";
import {
  type ScryptParams,
  type SealedBox,
  deriveKey,
  isSealedBox,
  scryptParamsProblem,
  seal,
  unseal,
} from "./crypto";
import { KeystoreHeaderError, WrongPassphraseError } from "./errors";

export const HEADER_FILE = "keystore.json";
const HEADER_FORMAT = "lit-pkp-oracle-keystore";
const HEADER_VERSION = 1;
const CHECK_PLAINTEXT = "lit-pkp-oracle keystore passphrase check v1";
const CHECK_AAD = "lit-pkp-oracle:header-check:v1";
const SALT_LENGTH = 32;

interface HeaderFile {
  format: typeof HEADER_FORMAT;
  version: number;
  kdf: { name: "scrypt"; salt: string } & ScryptParams;
  check: SealedBox;
  createdAt: string;
}

/** Creates the header (if `dir` has none) or verifies the passphrase against it; returns the file key. */
export async function openOrCreateHeader(
  dir: string,
  passphrase: string,
  paramsForNewKeystore: ScryptParams,
  hasExistingKeyFiles: boolean,
): Promise<Buffer> {
  const headerPath = path.join(dir, HEADER_FILE);
  let raw: string | undefined;
  try {
    raw = await fs.readFile(headerPath, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }

  if (raw === undefined) {
    if (hasExistingKeyFiles) {
      // A fresh salt could never decrypt the existing files; refuse rather than orphan them.
      throw new KeystoreHeaderError(
        "HEADER_MISSING",
        `keystore ${dir} contains key files but no ${HEADER_FILE}; restore the header from backup ` +
          `(a new one would not decrypt the existing keys)`,
      );
    }
    try {
      return await createHeader(headerPath, passphrase, paramsForNewKeystore);
    } catch (err) {
      // Another process created the header first: verify against theirs, never replace it.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      raw = await fs.readFile(headerPath, "utf8");
    }
  }

  const header = parseHeader(raw, headerPath);
  const key = await deriveKey(passphrase, Buffer.from(header.kdf.salt, "hex"), header.kdf);
  let check: Buffer;
  try {
    check = unseal(key, header.check, CHECK_AAD);
  } catch {
    throw new WrongPassphraseError(dir);
  }
  if (check.toString("utf8") !== CHECK_PLAINTEXT) throw new WrongPassphraseError(dir);
  return key;
}

async function createHeader(
  headerPath: string,
  passphrase: string,
  params: ScryptParams,
): Promise<Buffer> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await deriveKey(passphrase, salt, params);
  const header: HeaderFile = {
    format: HEADER_FORMAT,
    version: HEADER_VERSION,
    kdf: { name: "scrypt", salt: salt.toString("hex"), N: params.N, r: params.r, p: params.p },
    check: seal(key, Buffer.from(CHECK_PLAINTEXT, "utf8"), CHECK_AAD),
    createdAt: new Date().toISOString(),
  };
  await writeFileDurably(headerPath, JSON.stringify(header, null, 2) + "\n", { overwrite: false });
  return key;
}

function parseHeader(raw: string, headerPath: string): HeaderFile {
  const corrupt = (why: string): KeystoreHeaderError =>
    new KeystoreHeaderError(
      "HEADER_CORRUPT",
      `keystore header ${headerPath} is unusable (${why}); restore it from backup — ` +
        `do not delete it, the key files cannot be decrypted without its salt`,
    );
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw corrupt("not valid JSON");
  }
  if (typeof value !== "object" || value === null) throw corrupt("not a JSON object");
  const header = value as Partial<HeaderFile>;
  if (header.format !== HEADER_FORMAT) throw corrupt(`format is not "${HEADER_FORMAT}"`);
  if (header.version !== HEADER_VERSION) throw corrupt(`unsupported version ${header.version}`);
  const kdf = header.kdf;
  if (
    !kdf ||
    kdf.name !== "scrypt" ||
    typeof kdf.salt !== "string" ||
    !/^[0-9a-f]{64}$/.test(kdf.salt)
  ) {
    throw corrupt("kdf must be scrypt with a 32-byte hex salt");
  }
  const paramsProblem = scryptParamsProblem(kdf);
  if (paramsProblem) throw corrupt(paramsProblem);
  if (!isSealedBox(header.check)) throw corrupt("check value missing");
  return header as HeaderFile;
}
