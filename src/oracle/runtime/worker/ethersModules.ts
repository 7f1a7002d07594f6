/**
 * The sandbox's ethers modules as one worker holds them: the bundle file (built by the main
 * thread before the worker started, src/oracle/runtime/ethers/) is read the first time an action
 * in this worker touches `ethers`, then kept for every later run.
 */
import { readEthersBundle } from "../ethers/bundleFile";
import type { EthersSandboxBundle } from "../ethers/types";

/** Where the bundle is, or why there is none (workerData.ethersBundle). */
export type EthersBundleLocation = { file: string } | { error: string };

export class EthersModules {
  private bundle: EthersSandboxBundle | undefined;
  private manifestJson: string | undefined;
  private readonly wrapped = new Map<string, string>();

  constructor(private readonly location: EthersBundleLocation | undefined) {}

  /** JSON `{ entry, top, utils, deps }`; throws Error with the reason ethers is unavailable. */
  manifest(): string {
    if (this.manifestJson === undefined) {
      const bundle = this.load();
      const deps: Record<string, Record<string, string | null>> = {};
      for (const [id, module] of Object.entries(bundle.modules)) deps[id] = module.deps;
      this.manifestJson = JSON.stringify({ entry: bundle.entry, ...bundle.manifest, deps });
    }
    return this.manifestJson;
  }

  /** `(function (module, exports, require) { … })` for one module. */
  moduleSource(id: string): string {
    const cached = this.wrapped.get(id);
    if (cached !== undefined) return cached;
    const module = Object.prototype.hasOwnProperty.call(this.load().modules, id)
      ? this.load().modules[id]
      : undefined;
    if (module === undefined) throw new Error(`no ethers module ${id}`);
    const source = `(function (module, exports, require) {${module.source}\n})`;
    this.wrapped.set(id, source);
    return source;
  }

  private load(): EthersSandboxBundle {
    if (this.bundle === undefined) {
      const location = this.location;
      if (location === undefined) throw new Error("this worker was started without it");
      if ("error" in location) throw new Error(location.error);
      this.bundle = readEthersBundle(location.file);
    }
    return this.bundle;
  }
}
