/**
 * signatures: each signature in the bundle is the PKP's: it recovers to the PKP's ethAddress over
 * its dataSigned, names the PKP's publicKey, and its r, s and recid agree with its packed
 * signature (with a canonical low s). A bundle without any signature proves nothing and fails.
 */
import { verifyLitSignature } from "../../oracle/signing";
import { CheckRecorder, type CheckContext, type CheckResult } from "./types";

export async function checkSignatures(ctx: CheckContext): Promise<CheckResult> {
  const check = new CheckRecorder("signatures");
  const { pkp, execution } = ctx.bundle;
  const entries = Object.entries(execution.signatures);
  if (entries.length === 0) {
    check.fail("the bundle holds no signature (the action signed nothing)");
  }
  for (const [name, signature] of entries) {
    const verdict = verifyLitSignature(signature);
    const samePublicKey = signature.publicKey.toLowerCase() === pkp.publicKey;
    const recoversToPkp = verdict.recovered === pkp.ethAddress;
    if (verdict.ok && samePublicKey && recoversToPkp) {
      check.fact(
        `${name}: over dataSigned ${signature.dataSigned} recovers to ${verdict.recovered} = ethAddress; ` +
          `r, s, recid ${signature.recid} agree with signature; low s`,
      );
      continue;
    }
    const reasons: string[] = [];
    if (!verdict.ok) reasons.push(verdict.reason ?? "invalid");
    if (!samePublicKey) reasons.push(`it names publicKey ${signature.publicKey}, not the PKP's`);
    if (verdict.ok && !recoversToPkp) {
      reasons.push(`it recovers to ${verdict.recovered}, not the PKP's ${pkp.ethAddress}`);
    } else if (!verdict.ok && verdict.recovered !== "" && !recoversToPkp) {
      reasons.push(`it recovers to ${verdict.recovered}, not the PKP's ${pkp.ethAddress}`);
    }
    check.fail(`${name}: ${reasons.join("; ")}`);
  }
  return check.result(
    `${entries.length} signature${entries.length === 1 ? "" : "s"} by ${pkp.ethAddress}`,
  );
}
