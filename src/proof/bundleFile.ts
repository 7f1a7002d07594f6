/** Reading and writing proof bundle files. Reading always validates (schema.ts). */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { ProofBundle } from "./bundle";
import { ProofBundleError, parseProofBundle } from "./schema";

/** Reads and validates the bundle in `file`. Throws ProofBundleError with a message to act on. */
export async function readProofBundle(file: string): Promise<ProofBundle> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ProofBundleError(
      "PROOF_NOT_FOUND",
      code === "ENOENT"
        ? `no proof bundle at ${file}`
        : `cannot read the proof bundle ${file}: ${(error as Error).message}`,
      [],
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProofBundleError(
      "PROOF_NOT_JSON",
      `${file} is not JSON (${(error as Error).message}); a proof bundle is a JSON document`,
      [],
      { cause: error },
    );
  }
  return parseProofBundle(json, file);
}

/**
 * Writes `bundle` to `file` (creating its directory), validated first so that a writer bug never
 * produces a file the verifier would refuse. Atomic: a temporary file, then a rename.
 */
export async function writeProofBundle(file: string, bundle: ProofBundle): Promise<string> {
  const checked = parseProofBundle(bundle, "the proof bundle to write");
  const target = path.resolve(file);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(checked, null, 2)}\n`, "utf8");
  await fs.rename(temporary, target);
  return target;
}
