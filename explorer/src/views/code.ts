/**
 * An action's code next to its CID: the code (from the oracle, or pasted) is hashed again in the
 * browser — the same cidOfCode as the oracle and the verifier — and shown with ✓ when it hashes
 * to the CID, ✗ otherwise. The oracle is never trusted for that.
 */
import { cidOfCode } from "../../../src/cid";
import { ApiError, loadActionCode } from "../api";
import type { App } from "../app";
import { h, mark, notice } from "../dom";
import { highlight } from "../highlight";
import { oracleNotConfigured } from "./states";

/** ✓ or ✗ with what `code` hashes to, compared with `ipfsId`. */
export async function hashVerdict(code: string, ipfsId: string): Promise<HTMLElement> {
  const computed = await cidOfCode(code);
  const bytes = new TextEncoder().encode(code).length;
  const ok = computed === ipfsId;
  return h(
    "p",
    { class: `verdict ${ok ? "ok" : "bad"}`, "data-test": "hash-verdict", "data-ok": String(ok) },
    mark(ok ? "pass" : "fail"),
    ok
      ? ` The ${bytes} bytes of code hash to ${ipfsId}.`
      : ` The ${bytes} bytes of code hash to ${computed}, not to ${ipfsId}.`,
  );
}

export function codeBlock(code: string): HTMLElement {
  return h("pre", { class: "code", tabindex: "0", "aria-label": "Action code" }, highlight(code));
}

/** The oracle's code for `ipfsId`, checked against it; a notice when there is none. */
export async function oracleCode(app: App, ipfsId: string): Promise<HTMLElement> {
  if (!app.config.oracle.configured) return oracleNotConfigured();
  let code: string;
  try {
    code = (await loadActionCode(ipfsId)).code;
  } catch (error) {
    const apiError = error instanceof ApiError ? error : undefined;
    if (apiError?.code === "ACTION_NOT_FOUND") {
      return notice(
        "empty",
        "The oracle does not have this action's code",
        h("p", {}, `${apiError.message}. Paste the code below to check it against its CID.`),
      );
    }
    return notice("error", "The oracle could not be asked", h("p", {}, (error as Error).message));
  }
  return h(
    "div",
    { class: "oracle-code" },
    h("p", { class: "muted" }, `From the oracle at ${app.config.oracle.origin}:`),
    await hashVerdict(code, ipfsId),
    codeBlock(code),
  );
}
