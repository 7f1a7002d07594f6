/** code: the bundle's code is exactly the action named by ipfsId (its CIDv0). */
import { cidOfCode, cidToBytes } from "../../cid";
import { CheckRecorder, type CheckContext, type CheckResult } from "./types";

/**
 * A lone surrogate is hashed as U+FFFD but is itself in the text, so such code shares its CID with
 * other code (the oracle refuses to run it for the same reason). No `u` flag: UTF-16 code units.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export async function checkCode(ctx: CheckContext): Promise<CheckResult> {
  const check = new CheckRecorder("code");
  const { code, ipfsId } = ctx.bundle.action;
  const computed = await cidOfCode(code);
  const bytes = new TextEncoder().encode(code).length;
  check.expect(
    computed === ipfsId,
    computed === ipfsId
      ? `the ${bytes} bytes of code hash to ${ipfsId} (CIDv0: UnixFS, sha2-256, as \`ipfs add --only-hash\`)`
      : `the ${bytes} bytes of code hash to ${computed}, not to the bundle's ipfsId ${ipfsId}`,
  );
  const lone = LONE_SURROGATE.exec(code);
  if (lone !== null) {
    check.fail(
      `the code is not well-formed text (a lone surrogate at index ${lone.index}): ` +
        "its CID is also the CID of other code",
    );
  }
  check.fact(`on chain the action is named by its multihash ${cidToBytes(ipfsId)}`);
  return check.result(`code hashes to ${ipfsId}`);
}
