import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A fresh private directory under the OS temp dir; call `remove()` in afterEach. */
export async function makeTempDir(prefix = "pkp-test-"): Promise<{
  path: string;
  remove(): Promise<void>;
}> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}
