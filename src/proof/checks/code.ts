/** code: the bundle's code is exactly the action named by ipfsId (its CIDv0). */
import { cidOfCode, cidToBytes } from "../../cid";
import { CheckRecorder, type CheckContext, type CheckResult } from "./types";

export async function checkCode(ctx: CheckContext): Promise<CheckResult> {
  const check = new CheckRecorder("code");
  const { code, ipfsId } = ctx.bundle.action;
  const computed = await cidOfCode(code);
  const bytes = Buffer.byteLength(code, "utf8");
  check.expect(
    computed === ipfsId,
    computed === ipfsId
      ? `the ${bytes} bytes of code hash to ${ipfsId} (CIDv0: UnixFS, sha2-256, as \`ipfs add --only-hash\`)`
      : `the ${bytes} bytes of code hash to ${computed}, not to the bundle's ipfsId ${ipfsId}`,
  );
  check.fact(`on chain the action is named by its multihash ${cidToBytes(ipfsId)}`);
  return check.result(`code hashes to ${ipfsId}`);
}
