/**
 * The package as a stranger gets it: `npm pack` of this checkout (which runs the `prepack` build),
 * and Hardhat projects outside the repository that install the tarball.
 *
 * Installing is offline and fast: the tarball is unpacked into the project's
 * node_modules/lit-pkp-local (what npm does with it), and every other package the project or the
 * package declares — the project's dependencies, the package's dependencies and peer
 * dependencies, nothing else — is a link into this checkout's node_modules. A package the
 * package's code imports without declaring it is therefore missing, as it would be for a user.
 */
import { execFile, spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT, hardhatChildEnv } from "../helpers/hardhatNode";
import { makeTempDir } from "../helpers/tempDir";

const run = promisify(execFile);

export const PACKAGE_NAME = "lit-pkp-local";

export interface PackedPackage {
  tarball: string;
  /** Packed size in bytes. */
  size: number;
  unpackedSize: number;
  /** The paths in the tarball (relative to the package root). */
  files: string[];
}

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

let packing: Promise<PackedPackage> | undefined;
const temporary: Array<() => Promise<void>> = [];

/** Removes the tarball's and the projects' temporary folders (call from a root `after`). */
export async function removePackageTemporaries(): Promise<void> {
  while (temporary.length > 0) await temporary.pop()?.();
}

/** `npm pack` of this checkout, once per test run (the tests share one tarball). */
export function packedPackage(): Promise<PackedPackage> {
  packing ??= pack().catch((error: unknown) => {
    packing = undefined;
    throw error;
  });
  return packing;
}

async function pack(): Promise<PackedPackage> {
  const dir = await makeTempDir("pkp-pack-");
  temporary.push(() => dir.remove());
  const { stdout } = await run(
    "npm",
    ["pack", "--json", "--foreground-scripts", "--pack-destination", dir.path],
    { cwd: PROJECT_ROOT, env: hardhatChildEnv(), maxBuffer: 64 * 1024 * 1024 },
  );
  // The prepack build prints first; npm's JSON report is the last thing on stdout.
  const json = stdout.slice(stdout.lastIndexOf("\n[\n") + 1);
  const [report] = JSON.parse(json) as Array<{
    filename: string;
    size: number;
    unpackedSize: number;
    files: Array<{ path: string }>;
  }>;
  return {
    tarball: path.join(dir.path, report.filename),
    size: report.size,
    unpackedSize: report.unpackedSize,
    files: report.files.map((file) => file.path),
  };
}

export interface CommandResult {
  code: number | null;
  output: string;
}

export interface InstalledProject {
  readonly path: string;
  /** Runs a command in the project (e.g. `npx hardhat test`); resolves with its exit code. */
  run(command: string, args: readonly string[], timeoutMs?: number): Promise<CommandResult>;
}

/**
 * A copy of `source` (a project folder) in a temporary folder, with `files` added, the package
 * installed from the tarball and the declared packages linked (see above).
 */
export async function installedProject(opts: {
  source?: string;
  files?: Record<string, string>;
}): Promise<InstalledProject> {
  const packed = await packedPackage();
  const dir = await makeTempDir("pkp-project-");
  temporary.push(() => dir.remove());
  const root = path.join(dir.path, "project");
  if (opts.source !== undefined) {
    await fs.cp(opts.source, root, {
      recursive: true,
      filter: (file) => !/[\\/](node_modules|artifacts|cache|typechain-types)$/.test(file),
    });
  }
  for (const [file, text] of Object.entries(opts.files ?? {})) {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), text);
  }

  const modules = path.join(root, "node_modules");
  const installed = path.join(modules, PACKAGE_NAME);
  await fs.mkdir(installed, { recursive: true });
  await run("tar", ["-xzf", packed.tarball, "-C", installed, "--strip-components=1"]);

  const project = JSON.parse(
    await fs.readFile(path.join(root, "package.json"), "utf8"),
  ) as PackageJson;
  const ours = JSON.parse(
    await fs.readFile(path.join(installed, "package.json"), "utf8"),
  ) as PackageJson;
  const declared = new Set([
    ...Object.keys(project.dependencies ?? {}),
    ...Object.keys(project.devDependencies ?? {}),
    ...Object.keys(ours.dependencies ?? {}),
    ...Object.keys(ours.peerDependencies ?? {}),
  ]);
  declared.delete(PACKAGE_NAME);
  for (const name of declared) {
    const target = path.join(PROJECT_ROOT, "node_modules", name);
    await fs.access(target); // every declared package must exist in this checkout
    await fs.mkdir(path.dirname(path.join(modules, name)), { recursive: true });
    await fs.symlink(target, path.join(modules, name), "dir");
  }
  const bin = path.join(modules, ".bin");
  await fs.mkdir(bin, { recursive: true });
  for (const name of ["hardhat", "tsc"]) {
    await fs.symlink(path.join(PROJECT_ROOT, "node_modules", ".bin", name), path.join(bin, name));
  }
  return { path: root, run: (command, args, timeoutMs) => runIn(root, command, args, timeoutMs) };
}

function runIn(
  cwd: string,
  command: string,
  args: readonly string[],
  timeoutMs = 240_000,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], {
      cwd,
      env: hardhatChildEnv({
        PATH: `${path.join(cwd, "node_modules", ".bin")}:${process.env.PATH}`,
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, output: `${output}\n${error.message}` });
    });
  });
}
