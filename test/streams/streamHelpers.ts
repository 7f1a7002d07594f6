/**
 * Building and signing commits in the store's tests: a controller key, its genesis and the
 * commits after it, exactly as a client holding the key would (src/streams/commit.ts).
 */
import { ethers } from "ethers";
import { signCommit, streamIdOf, type JsonValue, type SignedCommit } from "../../src/streams";
import { makeTempDir } from "../helpers/tempDir";
import * as path from "node:path";

/** A deterministic key per name (test-only keys). */
export function keyOf(name: string): ethers.SigningKey {
  return new ethers.SigningKey(ethers.id(`stream test key: ${name}`));
}

export function addressOf(key: ethers.SigningKey): string {
  return ethers.computeAddress(key.publicKey);
}

/** The body of `POST /streams` for a stream of `key` whose genesis payload is `payload`. */
export function genesisOf(
  key: ethers.SigningKey,
  payload: JsonValue,
  signer: ethers.SigningKey = key,
): { controller: string; commit: SignedCommit } {
  const controller = addressOf(key);
  const streamId = streamIdOf(controller, payload);
  return { controller, commit: signCommit({ streamId, prev: null, payload }, signer) };
}

export function nextOf(
  key: ethers.SigningKey,
  streamId: string,
  prev: string,
  payload: JsonValue,
): SignedCommit {
  return signCommit({ streamId, prev, payload }, key);
}

/** A temp directory holding one database file; `remove()` after the test. */
export async function tempDb(): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await makeTempDir("pkp-streams-");
  return { file: path.join(dir.path, "streams.sqlite"), remove: () => dir.remove() };
}
