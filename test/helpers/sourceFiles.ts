import { promises as fs } from "node:fs";
import * as path from "node:path";

/**
 * The files under `dir`, at any depth, whose names match `name` (node_modules left out): the
 * source trees that the repository-wide guard tests read.
 */
export async function sourceFiles(dir: string, name: RegExp): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        return entry.name === "node_modules" ? Promise.resolve([]) : sourceFiles(full, name);
      }
      return Promise.resolve(name.test(entry.name) ? [full] : []);
    }),
  );
  return nested.flat();
}
