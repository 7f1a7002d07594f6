/**
 * Action code by CID, like pinning it to IPFS: `put` hashes the code and stores it under its
 * CIDv0; `get` returns it. The file store writes each action durably (temp file, fsync, rename)
 * into `<dir>/actions/<cid>.js`, so stored code survives restarts and a crash never leaves a
 * half-written action behind.
 */
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { cidOfCode, isCidV0 } from "../cid";
import { writeFileDurably } from "./durableFile";

export interface ActionStore {
  put(code: string): Promise<string>;
  get(ipfsId: string): Promise<string | undefined>;
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

  constructor(baseDir: string) {
    this.dir = path.join(baseDir, "actions");
  }

  async put(code: string): Promise<string> {
    const ipfsId = await cidOfCode(code);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileDurably(this.fileOf(ipfsId), code);
    return ipfsId;
  }

  async get(ipfsId: string): Promise<string | undefined> {
    if (!isCidV0(ipfsId)) return undefined;
    try {
      const code = await readFile(this.fileOf(ipfsId), "utf8");
      // A file edited by hand no longer matches its name: treat it as absent, never run it.
      return (await cidOfCode(code)) === ipfsId ? code : undefined;
    } catch {
      return undefined;
    }
  }

  private fileOf(ipfsId: string): string {
    return path.join(this.dir, `${ipfsId}.js`);
  }
}
