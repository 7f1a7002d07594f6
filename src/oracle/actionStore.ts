/**
 * Action code by CID, like pinning it to IPFS: `put` hashes the code and stores it under its
 * CIDv0; `get` returns it. The file store writes each action durably (temp file, fsync, rename)
 * into `<dir>/actions/<cid>.js`, so stored code survives restarts and a crash never leaves a
 * half-written action behind.
 *
 * Code is immutable under its CID, so code once verified (hashed to its CID) is kept in memory
 * (`VerifiedCodeCache`, bounded): a stored action is read from disk and hashed once, not on every
 * execution.
 *
 * Both stores have a quota (`maxBytes`, default 256 MiB of code, UTF-8): a `put` that would go
 * past it fails with ActionStoreFullError (STORE_FULL) and changes nothing; storing code that is
 * already stored costs nothing. Nothing stored is ever removed or overwritten with other bytes.
 */
import { mkdir, readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { cidOfCode, isCidV0 } from "../cid";
import { OracleError } from "./errors";
import { TEMP_SUFFIX, writeFileDurably } from "./durableFile";

export interface ActionStore {
  /** Stores `code` under its CID and returns the CID. Throws ActionStoreFullError. */
  put(code: string): Promise<string>;
  get(ipfsId: string): Promise<string | undefined>;
}

/** The store's quota would be exceeded (or its disk is full); nothing was stored. */
export class ActionStoreFullError extends OracleError {
  constructor(message: string) {
    super("STORE_FULL", message);
  }
}

export const DEFAULT_ACTION_STORE_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

function checkMaxBytes(maxBytes: number): number {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(
      `the action store's maxBytes must be a non-negative integer, got ${maxBytes}`,
    );
  }
  return maxBytes;
}

function fullError(size: number, used: number, maxBytes: number): ActionStoreFullError {
  return new ActionStoreFullError(
    `the action store holds ${used} of its ${maxBytes} bytes; ${size} more do not fit ` +
      "(raise --action-store-max-bytes, or store the code elsewhere and send it with the request)",
  );
}

/**
 * CID → code, only for code this process hashed to that CID itself. Bounded by the UTF-16 size of
 * the code kept (default 16 MiB); least recently used goes first.
 */
export class VerifiedCodeCache {
  private readonly codes = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_CACHE_BYTES) {}

  get(ipfsId: string): string | undefined {
    const code = this.codes.get(ipfsId);
    if (code !== undefined) {
      this.codes.delete(ipfsId);
      this.codes.set(ipfsId, code);
    }
    return code;
  }

  /** Call only with `ipfsId === await cidOfCode(code)`. */
  add(ipfsId: string, code: string): void {
    const size = code.length * 2;
    if (size > this.maxBytes || this.codes.has(ipfsId)) return;
    this.codes.set(ipfsId, code);
    this.bytes += size;
    for (const [oldest, oldCode] of this.codes) {
      if (this.bytes <= this.maxBytes) break;
      this.codes.delete(oldest);
      this.bytes -= oldCode.length * 2;
    }
  }

  /** The CID of `code`: from the cache when `ipfsId` names this very code, else hashed. */
  async cidOf(code: string, ipfsId?: string): Promise<string> {
    if (ipfsId !== undefined && this.get(ipfsId) === code) return ipfsId;
    const computed = await cidOfCode(code);
    this.add(computed, code);
    return computed;
  }
}

export class MemoryActionStore implements ActionStore {
  private readonly codes = new Map<string, string>();
  private readonly maxBytes: number;
  private used = 0;

  constructor(options: { maxBytes?: number } = {}) {
    this.maxBytes = checkMaxBytes(options.maxBytes ?? DEFAULT_ACTION_STORE_MAX_BYTES);
  }

  /** UTF-8 bytes of code stored. */
  get usedBytes(): number {
    return this.used;
  }

  async put(code: string): Promise<string> {
    const ipfsId = await cidOfCode(code);
    if (this.codes.has(ipfsId)) return ipfsId;
    const size = Buffer.byteLength(code, "utf8");
    if (this.used + size > this.maxBytes) throw fullError(size, this.used, this.maxBytes);
    this.codes.set(ipfsId, code);
    this.used += size;
    return ipfsId;
  }

  async get(ipfsId: string): Promise<string | undefined> {
    return this.codes.get(ipfsId);
  }
}

export class FileActionStore implements ActionStore {
  private readonly dir: string;
  private readonly verified: VerifiedCodeCache;
  private readonly maxBytes: number;
  /** Bytes of the action files, counted from the directory on first use; then kept here. */
  private used: number | undefined;
  private measuring: Promise<number> | undefined;
  /** CIDs being written now: a second put of the same code waits for the first. */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(baseDir: string, options: { cacheBytes?: number; maxBytes?: number } = {}) {
    this.dir = path.join(baseDir, "actions");
    this.verified = new VerifiedCodeCache(options.cacheBytes);
    this.maxBytes = checkMaxBytes(options.maxBytes ?? DEFAULT_ACTION_STORE_MAX_BYTES);
  }

  /** UTF-8 bytes of code stored (the sizes of the action files). */
  async usedBytes(): Promise<number> {
    return this.measured();
  }

  async put(code: string): Promise<string> {
    const ipfsId = await cidOfCode(code);
    const inFlight = this.writing.get(ipfsId);
    if (inFlight !== undefined) {
      await inFlight;
      return ipfsId;
    }
    if ((await this.get(ipfsId)) !== undefined) return ipfsId; // stored already: costs nothing
    const size = Buffer.byteLength(code, "utf8");
    await this.measured();
    // Read after the await, in the same synchronous step as the reservation below.
    const used = this.used ?? 0;
    if (this.writing.has(ipfsId)) {
      await this.writing.get(ipfsId);
      return ipfsId;
    }
    // Checked and reserved in one synchronous step (puts run concurrently); given back if the
    // write fails.
    if (used + size > this.maxBytes) throw fullError(size, used, this.maxBytes);
    this.used = used + size;
    const write = (async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileDurably(this.fileOf(ipfsId), code);
    })();
    this.writing.set(ipfsId, write);
    try {
      await write;
    } catch (error) {
      this.used = (this.used ?? size) - size;
      if ((error as NodeJS.ErrnoException).code === "ENOSPC") {
        throw new ActionStoreFullError("the disk of the action store is full; nothing was stored");
      }
      throw error;
    } finally {
      this.writing.delete(ipfsId);
    }
    this.verified.add(ipfsId, code);
    return ipfsId;
  }

  /** The bytes stored now; measured from the directory once, then kept up to date here. */
  private async measured(): Promise<number> {
    if (this.used === undefined) {
      this.measuring ??= this.measure();
      const measured = await this.measuring;
      this.used ??= measured;
    }
    return this.used;
  }

  private async measure(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0; // nothing stored yet
    }
    let total = 0;
    for (const name of names) {
      if (!name.endsWith(".js") || name.endsWith(TEMP_SUFFIX)) continue;
      try {
        total += (await stat(path.join(this.dir, name))).size;
      } catch {
        // removed meanwhile
      }
    }
    return total;
  }

  async get(ipfsId: string): Promise<string | undefined> {
    if (!isCidV0(ipfsId)) return undefined;
    // Verified code is what the CID names, whatever happens to the file since.
    const known = this.verified.get(ipfsId);
    if (known !== undefined) return known;
    try {
      const code = await readFile(this.fileOf(ipfsId), "utf8");
      // A file edited by hand no longer matches its name: treat it as absent, never run it.
      if ((await cidOfCode(code)) !== ipfsId) return undefined;
      this.verified.add(ipfsId, code);
      return code;
    } catch {
      return undefined;
    }
  }

  private fileOf(ipfsId: string): string {
    return path.join(this.dir, `${ipfsId}.js`);
  }
}
