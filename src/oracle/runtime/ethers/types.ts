/**
 * The sandbox's ethers as built by ./build.ts and cached by ./bundleFile.ts: a table of CommonJS
 * modules (one per npm package) and a manifest of where each public name lives.
 */

export interface SandboxModule {
  /** CommonJS body: runs as `function (module, exports, require) { … }`. */
  source: string;
  /** Each `require(specifier)` of the body → module id (null: an empty module). */
  deps: Record<string, string | null>;
}

/**
 * Where one name of `ethers` / `ethers.utils` comes from:
 * - `["module", id]`: the module's exports object (e.g. `ethers.providers`);
 * - `["export", id, name]`: one export of a module;
 * - `["instance", id, export, argJson]`: `new (module[export])(arg)` (`ethers.logger`);
 * - `["value", json]`: a constant (e.g. `ethers.version`);
 * - `["self"]` / `["utils"]`: the namespace itself / `ethers.utils`;
 * - `["full"]`: found nowhere else: read from the whole `ethers` module (loads everything).
 */
export type ManifestRef =
  | ["module", string]
  | ["export", string, string]
  | ["instance", string, string, string]
  | ["value", string]
  | ["self"]
  | ["utils"]
  | ["full"];

export interface EthersSandboxBundle {
  format: number;
  /** The ethers version bundled (5.7.2, as Lit's nodes). */
  ethersVersion: string;
  /** Id of the module that is `ethers` as a whole (loads every package). */
  entry: string;
  modules: Record<string, SandboxModule>;
  manifest: { top: Record<string, ManifestRef>; utils: Record<string, ManifestRef> };
}
