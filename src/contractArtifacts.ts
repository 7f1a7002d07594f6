/**
 * The contracts' compiled artifacts, from wherever they are: Hardhat's `hre.artifacts` in a
 * checkout of this repository, or the copy the package ships in `dist/artifacts/` (read by
 * ArtifactsDirectory). Deployment and verification take a `ContractArtifacts`, never a path, so
 * they work the same in both places — and never with a user's own compilation of our sources.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Artifact, Artifacts, BuildInfo } from "hardhat/types";
import { CodedError } from "./codedError";

/** What deployment and verification read: Hardhat's `hre.artifacts` satisfies it. */
export type ContractArtifacts = Pick<Artifacts, "readArtifact" | "getBuildInfo">;

export class ArtifactNotFoundError extends CodedError<"ARTIFACT_NOT_FOUND"> {}

/** "contracts/PKPNFT.sol:PKPNFT" for "PKPNFT"; a fully qualified name is kept as it is. */
export function fullyQualifiedName(name: string): string {
  return name.includes(":") ? name : `contracts/${name}.sol:${name}`;
}

/** What to do about a missing artifact in the package's copy. */
const PACKAGE_REMEDY = "the package was built without it; rebuild it with `npm pack`";

/**
 * Artifacts in Hardhat's layout under `dir`: `<sourceName>/<Contract>.json`, next to it
 * `<Contract>.dbg.json` naming its build info (`build-info/<id>.json`). The package's build
 * writes this layout (scripts/build-package.mjs); a checkout's `artifacts/` has it too, and is
 * read through this class as well: each build info (8 MB for our sources) is read and parsed
 * once, where `hre.artifacts` reads it again for every contract Ignition deploys.
 */
export class ArtifactsDirectory implements ContractArtifacts {
  readonly #buildInfos = new Map<string, Promise<BuildInfo>>();

  /** `remedy` ends the error of a missing artifact: what the user should do about it. */
  constructor(
    readonly dir: string,
    private readonly remedy: string = PACKAGE_REMEDY,
  ) {}

  async readArtifact(name: string): Promise<Artifact> {
    return (await this.#readJson(this.#artifactFile(name), name)) as Artifact;
  }

  async getBuildInfo(name: string): Promise<BuildInfo | undefined> {
    const debugFile = this.#artifactFile(name).replace(/\.json$/, ".dbg.json");
    const debug = (await this.#readJson(debugFile, name)) as { buildInfo?: unknown };
    if (typeof debug.buildInfo !== "string") return undefined;
    const file = path.resolve(path.dirname(debugFile), debug.buildInfo);
    let buildInfo = this.#buildInfos.get(file);
    if (buildInfo === undefined) {
      buildInfo = this.#readJson(file, name) as Promise<BuildInfo>;
      this.#buildInfos.set(file, buildInfo);
    }
    return buildInfo;
  }

  #artifactFile(name: string): string {
    const fqn = fullyQualifiedName(name);
    const colon = fqn.lastIndexOf(":");
    return path.join(this.dir, fqn.slice(0, colon), `${fqn.slice(colon + 1)}.json`);
  }

  async #readJson(file: string, name: string): Promise<unknown> {
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (error) {
      throw new ArtifactNotFoundError(
        "ARTIFACT_NOT_FOUND",
        `no artifact of ${name} in ${this.dir} (${path.basename(file)} is missing): ${this.remedy}`,
        { cause: error },
      );
    }
    return JSON.parse(text) as unknown;
  }
}
