/**
 * Crash-safe file replacement: after `writeFileDurably` resolves, the new content survives a
 * power loss and no reader ever sees a half-written file under the final name.
 *
 * Protocol: write to a unique `*.tmp` sibling (created exclusively) → fsync it → rename over the
 * final name (atomic on POSIX) → fsync the directory so the rename itself is on disk. A crash
 * before the rename leaves only a `*.tmp` file, which readers must ignore.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

export const TEMP_SUFFIX = ".tmp";

export interface DurableWriteOptions {
  /** File mode of the new file. Default 0600. */
  mode?: number;
  /**
   * false: fail with EEXIST instead of replacing an existing file (atomic create-once, done with
   * link(2) instead of rename(2)). Default true.
   */
  overwrite?: boolean;
}

export async function writeFileDurably(
  finalPath: string,
  data: string | Uint8Array,
  { mode = 0o600, overwrite = true }: DurableWriteOptions = {},
): Promise<void> {
  const tmpPath = `${finalPath}.${process.pid}.${randomBytes(4).toString("hex")}${TEMP_SUFFIX}`;
  try {
    // "wx": never reuse a stale temp file that another writer could still hold open.
    const handle = await fs.open(tmpPath, "wx", mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (overwrite) {
      await fs.rename(tmpPath, finalPath);
    } else {
      await fs.link(tmpPath, finalPath);
      await fs.rm(tmpPath);
    }
  } catch (err) {
    await fs.rm(tmpPath, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDirectory(path.dirname(finalPath));
}

/** Persists directory entries (creations, renames). A no-op where directories cannot be opened (Windows). */
export async function fsyncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
