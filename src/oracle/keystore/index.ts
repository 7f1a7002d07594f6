/**
 * The oracle's keystore: the only place PKP private keys exist.
 * - `Keystore` (./types): the contract every keystore keeps.
 * - `FileKeystore` (./fileKeystore): durable, encrypted at rest; what the service uses.
 * - `MemoryKeystore` (./memoryKeystore): same contract without persistence, for unit tests and
 *   throwaway demos.
 * Inside: `KeyRing` (keys in memory), `crypto` (scrypt + AES-256-GCM), `header` (the keystore's
 * passphrase check), `errors` (typed refusals).
 */
export type { Keystore } from "./types";
export { type EntropySource, type StoredKey } from "./keyRing";
export { MemoryKeystore } from "./memoryKeystore";
export { FileKeystore, type FileKeystoreOptions, type KeystoreProblem } from "./fileKeystore";
export * from "./errors";
