/**
 * Action code by CID, like pinning it to IPFS: `put` hashes the code and stores it under its
 * CIDv0; `get` returns it. The file store writes each action durably (temp file, fsync, rename)
 * into `<dir>/actions/<cid>.js`, so stored code survives restarts and a crash never leaves a
 * half-written action behind.
 *
 * Code is immutable under its CID, so code once verified (hashed to its CID) is kept in memory
 * (`VerifiedCodeCache`, bounded): a stored action is read from disk and hashed once, not on every
 * execution.
 */
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { cidOfCode, isCidV0 } from "../cid";
import { writeFileDurably } from "./durableFile";

export interface ActionStore {
  put(code: string): Promise<string>;
  get(ipfsId: string): Promise<string | undefined>;
}

const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

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

  async put(code: string): Promise<string> {
    const ipfsId = await cidOfCode(code);
    this.codes.set(ipfsId, code);
    return ipfsId;
  }

  async get(ipfsId: string): Promise<string | undefined> {
    return this.codes.get(ipfsId);
  }
}

export class FileActionStore implements ActionStore {
  private readonly dir: string;
  private readonly verified: VerifiedCodeCache;

  constructor(baseDir: string, options: { cacheBytes?: number } = {}) {
    this.dir = path.join(baseDir, "actions");
    this.verified = new VerifiedCodeCache(options.cacheBytes);
  }

  async put(code: string): Promise<string> {
    const ipfsId = await cidOfCode(code);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileDurably(this.fileOf(ipfsId), code);
    this.verified.add(ipfsId, code);
    return ipfsId;
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
