/**
 * The sandbox's ethers modules as one worker holds them: the bundle (src/oracle/runtime/ethers/)
 * is loaded the first time an action in this worker touches `ethers`, then kept for every later
 * run. How it is loaded is the worker's business: a worker thread reads the file the main thread
 * built (sandboxWorker.ts); the explorer's Web Worker asks its server for it. No node-only import.
 */
import type { EthersSandboxBundle } from "../ethers/types";

/** Where the bundle is, or why there is none (workerData.ethersBundle). */
export type EthersBundleLocation = { file: string } | { error: string };

export class EthersModules {
  private bundle: EthersSandboxBundle | undefined;
  private manifestJson: string | undefined;
  private readonly wrapped = new Map<string, string>();

  /** `load` returns the bundle, or throws an Error saying why ethers is unavailable. */
  constructor(private readonly load: () => EthersSandboxBundle) {}

  /** JSON `{ entry, top, utils, deps }`; throws Error with the reason ethers is unavailable. */
  manifest(): string {
    if (this.manifestJson === undefined) {
      const bundle = this.loaded();
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
    const modules = this.loaded().modules;
    const module = Object.prototype.hasOwnProperty.call(modules, id) ? modules[id] : undefined;
    if (module === undefined) throw new Error(`no ethers module ${id}`);
    const source = `(function (module, exports, require) {${module.source}\n})`;
    this.wrapped.set(id, source);
    return source;
  }

  private loaded(): EthersSandboxBundle {
    this.bundle ??= this.load();
    return this.bundle;
  }
}
