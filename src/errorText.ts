/**
 * Text of a thrown value, for the one-line reports of tasks, the provisioner's events and the
 * keystore's problems. Anything can be thrown in JavaScript; these never throw themselves.
 */

/** The message of an Error, or the thrown value as a string. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `message` on one line (Hardhat's and ethers' connection errors span several). */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ");
}
