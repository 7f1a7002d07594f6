/**
 * Durable, encrypted keystore: one JSON file per PKP key in a private directory.
 *
 * Layout of `dir` (0700):
 *   keystore.json              scrypt salt/cost + passphrase check value (see header.ts)
 *   root-secret.json           the sealed root of every derived secret (see rootSecret.ts)
 *   pkp-<64 hex tokenId>.json  public metadata in clear, private key sealed with AES-256-GCM (0600)
 *
 * Every write goes through `writeFileDurably`, so a crash leaves either the old file, the new
 * file, or an ignorable `*.tmp`. Unreadable files are skipped and reported in `problems` instead
 * of failing the whole oracle: one damaged file must not take every other PKP offline.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { ethers } from "ethers";

import { KEY_TYPE_ECDSA } from "../../protocol";
import { TEMP_SUFFIX, writeFileDurably } from "../durableFile";
import {
  type EntropySource,
  KeyRing,
  type StoredKey,
  describeKey,
  generateSigningKey,
  secureEntropy,
} from "./keyRing";
import {
  DEFAULT_SCRYPT_PARAMS,
  type ScryptParams,
  type SealedBox,
  isSealedBox,
  scryptParamsProblem,
  seal,
  unseal,
} from "./crypto";
import { KeystoreError, formatTokenId } from "./errors";
import { HEADER_FILE, openOrCreateHeader } from "./header";
import {
  ROOT_SECRET_FILE,
  deriveFromRoot,
  derivedEntropy,
  openOrCreateRootSecret,
} from "./rootSecret";
import type { LitSignature } from "../signing";
import type { Keystore } from "./types";
import { messageOf } from "../../errorText";

export interface FileKeystoreOptions {
  /** Keystore directory; created with mode 0700 if missing. Default `.oracle`. */
  dir?: string;
  /** Encrypts every key file. Never logged. */
  passphrase: string;
  /**
   * scrypt cost used only when a NEW keystore is created (an existing one keeps the cost in its
   * header). Default N=2^15, r=8, p=1; tests may pass e.g. { N: 2 ** 10, r: 8, p: 1 }.
   */
  scrypt?: ScryptParams;
  /**
   * Randomness for new keys; default node:crypto. Only tests should set this (to know a key's
   * bytes and prove they never reach the disk); weak entropy means stealable keys.
   */
  entropy?: EntropySource;
}

/** A file in the keystore directory that was skipped while opening. */
export interface KeystoreProblem {
  file: string;
  reason: string;
}

const KEY_FILE_FORMAT = "lit-pkp-oracle-key";
const KEY_FILE_VERSION = 1;
const KEY_FILE_PATTERN = /^pkp-([0-9a-f]{64})\.json$/;

interface KeyFile {
  format: typeof KEY_FILE_FORMAT;
  version: number;
  tokenId: string;
  publicKey: string;
  ethAddress: string;
  keyType: number;
  createdAt: string;
  retiredAt?: string;
  privateKey: SealedBox;
}

export class FileKeystore implements Keystore {
  readonly dir: string;
  /** Files skipped while opening, with the reason. Empty when everything loaded. */
  readonly problems: readonly KeystoreProblem[];
  readonly #fileKey: Buffer;
  readonly #ring: KeyRing;
  readonly #entropy: EntropySource;
  readonly #rootSecret: Buffer;

  private constructor(
    dir: string,
    fileKey: Buffer,
    rootSecret: Buffer,
    ring: KeyRing,
    problems: KeystoreProblem[],
    entropy: EntropySource,
  ) {
    this.dir = dir;
    this.#fileKey = fileKey;
    this.#rootSecret = rootSecret;
    this.#ring = ring;
    this.problems = Object.freeze(problems);
    this.#entropy = entropy;
  }

  /**
   * Opens (or creates) the keystore in `dir` and loads every readable key.
   * @throws WrongPassphraseError if the passphrase does not match (nothing is written)
   * @throws KeystoreHeaderError if the header is corrupt, or missing while key files exist
   */
  static async open(opts: FileKeystoreOptions): Promise<FileKeystore> {
    const dir = path.resolve(opts.dir ?? ".oracle");
    if (typeof opts.passphrase !== "string" || opts.passphrase.length === 0) {
      throw new KeystoreError("INVALID_OPTIONS", "a non-empty keystore passphrase is required");
    }
    const params = opts.scrypt ?? DEFAULT_SCRYPT_PARAMS;
    const paramsProblem = scryptParamsProblem(params);
    if (paramsProblem) throw new KeystoreError("INVALID_OPTIONS", paramsProblem);

    const entries = await prepareDirectory(dir);
    const keyFiles = entries.filter((name) => KEY_FILE_PATTERN.test(name));
    const fileKey = await openOrCreateHeader(dir, opts.passphrase, params, keyFiles.length > 0);

    const ring = new KeyRing();
    const problems: KeystoreProblem[] = [];
    for (const name of entries.sort()) {
      if (name === HEADER_FILE || name === ROOT_SECRET_FILE) continue;
      if (name.endsWith(TEMP_SUFFIX)) {
        // generate() only resolves after the rename, so a temp file belongs to a key that was
        // never handed out (and so never registered on chain): safe to ignore and delete.
        problems.push({
          file: name,
          reason: "leftover temporary file from an interrupted write; ignored (safe to delete)",
        });
        continue;
      }
      if (!KEY_FILE_PATTERN.test(name)) {
        problems.push({ file: name, reason: "not a keystore file; ignored" });
        continue;
      }
      try {
        const { info, signingKey } = await loadKeyFile(path.join(dir, name), name, fileKey);
        ring.add(info, signingKey);
      } catch (err) {
        problems.push({ file: name, reason: `unreadable key file; ignored: ${messageOf(err)}` });
      }
    }
    const entropy = opts.entropy ?? secureEntropy;
    const rootSecret = await openOrCreateRootSecret(dir, fileKey, entropy);
    return new FileKeystore(dir, fileKey, rootSecret, ring, problems, entropy);
  }

  async generate(keyType: number = Number(KEY_TYPE_ECDSA)): Promise<StoredKey> {
    const signingKey = generateSigningKey(keyType, this.#entropy);
    const info = describeKey(signingKey, keyType, new Date().toISOString());
    await this.#persist(info, signingKey);
    this.#ring.add(info, signingKey);
    return { ...info };
  }

  has(tokenId: bigint): boolean {
    return this.#ring.has(tokenId);
  }

  list(): StoredKey[] {
    return this.#ring.list();
  }

  get(tokenId: bigint): StoredKey | undefined {
    return this.#ring.get(tokenId);
  }

  signDigest(tokenId: bigint, digest: Uint8Array | string): LitSignature {
    return this.#ring.sign(tokenId, digest);
  }

  async retire(tokenId: bigint, at: Date = new Date()): Promise<StoredKey> {
    const current = this.#ring.get(tokenId);
    const info = this.#ring.retiredInfo(tokenId, at.toISOString());
    if (current?.retiredAt === undefined) {
      await this.#persist(info, this.#ring.signingKeyOf(tokenId));
      this.#ring.replaceInfo(info);
    }
    return { ...info };
  }

  deriveSecret(purpose: string, id: Uint8Array, length?: number): Uint8Array {
    return deriveFromRoot(this.#rootSecret, purpose, id, length);
  }

  async deriveKey(
    purpose: string,
    id: Uint8Array,
    keyType: number = Number(KEY_TYPE_ECDSA),
  ): Promise<StoredKey> {
    const signingKey = generateSigningKey(keyType, derivedEntropy(this.#rootSecret, purpose, id));
    const info = describeKey(signingKey, keyType, new Date().toISOString());
    const held = this.#ring.get(info.tokenId);
    if (held !== undefined) return held;
    // Stored like a generated key, so it signs after a restart without being derived again.
    await this.#persist(info, signingKey);
    this.#ring.add(info, signingKey);
    return { ...info };
  }

  /** Path of the file holding `tokenId`'s key (whether or not it exists). */
  keyFilePath(tokenId: bigint): string {
    return path.join(this.dir, keyFileName(tokenId));
  }

  async #persist(info: StoredKey, signingKey: ethers.SigningKey): Promise<void> {
    const file: KeyFile = {
      format: KEY_FILE_FORMAT,
      version: KEY_FILE_VERSION,
      tokenId: formatTokenId(info.tokenId),
      publicKey: info.publicKey,
      ethAddress: info.ethAddress,
      keyType: info.keyType,
      createdAt: info.createdAt,
      ...(info.retiredAt !== undefined ? { retiredAt: info.retiredAt } : {}),
      privateKey: seal(
        this.#fileKey,
        ethers.getBytes(signingKey.privateKey),
        associatedData(info.tokenId, info.keyType),
      ),
    };
    try {
      await writeFileDurably(this.keyFilePath(info.tokenId), JSON.stringify(file, null, 2) + "\n");
    } catch (err) {
      throw new KeystoreError(
        "WRITE_FAILED",
        `could not durably store key ${formatTokenId(info.tokenId)} in ${this.dir}: ` +
          `${messageOf(err)} (check free space and permissions; the key was not kept)`,
        { cause: err },
      );
    }
  }
}

function keyFileName(tokenId: bigint): string {
  return `pkp-${formatTokenId(tokenId).slice(2)}.json`;
}

/** Binds a sealed private key to its tokenId and type so files cannot be swapped or relabelled. */
function associatedData(tokenId: bigint, keyType: number): string {
  return `lit-pkp-oracle:key:v1:${formatTokenId(tokenId)}:${keyType}`;
}

/** Creates `dir` (0700) if needed, tightens its mode, and lists it. */
async function prepareDirectory(dir: string): Promise<string[]> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const stat = await fs.stat(dir);
    if ((stat.mode & 0o077) !== 0) await fs.chmod(dir, 0o700);
    return await fs.readdir(dir);
  } catch (err) {
    throw new KeystoreError(
      "INVALID_OPTIONS",
      `cannot use ${dir} as keystore directory: ${messageOf(err)}`,
      { cause: err },
    );
  }
}

async function loadKeyFile(
  filePath: string,
  name: string,
  fileKey: Buffer,
): Promise<{ info: StoredKey; signingKey: ethers.SigningKey }> {
  const raw = await fs.readFile(filePath, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error("not valid JSON (truncated or partially written?)");
  }
  const file = value as Partial<KeyFile> | null;
  if (typeof file !== "object" || file === null) throw new Error("not a JSON object");
  if (file.format !== KEY_FILE_FORMAT || file.version !== KEY_FILE_VERSION) {
    throw new Error(`unsupported format/version ${String(file.format)}/${String(file.version)}`);
  }
  if (typeof file.tokenId !== "string" || !/^0x[0-9a-f]{64}$/.test(file.tokenId)) {
    throw new Error("tokenId missing or malformed");
  }
  const tokenId = BigInt(file.tokenId);
  if (keyFileName(tokenId) !== name) throw new Error("tokenId does not match the file name");
  if (typeof file.keyType !== "number" || typeof file.createdAt !== "string") {
    throw new Error("keyType or createdAt missing");
  }
  if (!isSealedBox(file.privateKey)) throw new Error("sealed private key missing or malformed");

  let secret: Buffer;
  try {
    secret = unseal(fileKey, file.privateKey, associatedData(tokenId, file.keyType));
  } catch {
    // The passphrase was verified against the header, so this is damage or tampering.
    throw new Error("private key fails authentication (corrupted, tampered or moved file)");
  }
  const signingKey = new ethers.SigningKey(secret);
  secret.fill(0);
  const info = describeKey(signingKey, file.keyType, file.createdAt);
  if (info.tokenId !== tokenId || info.publicKey !== file.publicKey?.toLowerCase()) {
    throw new Error("stored public key or tokenId does not match the private key");
  }
  return typeof file.retiredAt === "string"
    ? { info: { ...info, retiredAt: file.retiredAt }, signingKey }
    : { info, signingKey };
}
