/**
 * reproduction (--reexecute): the action, run again with the recorded jsParams in the oracle's own
 * sandbox and authorization path, asks to sign exactly the recorded digests and gives the recorded
 * response. Instead of a key it has a signer that records what the action asks to sign. It runs
 * twice: runs that disagree with each other are reported as a non-deterministic action, never as
 * a pass (nothing recorded can then be reproduced).
 *
 * What the action received from outside the chain (fetch responses, JSON-RPC answers, child
 * actions' code) is replayed from the bundle's recordings (../replayWorld.ts), never fetched again:
 * a request the bundle has no recording for ends the run with NOT_REPRODUCIBLE and says which.
 * Recordings the re-execution did not use are reported too.
 */
import type { RecordedCaller } from "../../oracle/auth/callerRecord";
import type { ExecuteResult } from "../../oracle/oracle";
import type { LitSignature } from "../../oracle/signing";
import { ActionReplayer } from "../replay";
import { ReplayWorld } from "../replayWorld";
import { CheckRecorder, reasonOf, type CheckContext, type CheckResult } from "./types";

/** What one re-execution produced, in comparable form. */
interface Run {
  ok: boolean;
  failure?: string;
  response: string;
  /** sigName → digest, sorted by sigName. */
  signed: Array<[string, string]>;
  /** Every digest asked for, in order. */
  requested: string[];
  /** Recordings replayed, of how many. */
  replayed: { used: number; recorded: number };
}

function signedOf(signatures: Record<string, LitSignature>): Array<[string, string]> {
  return Object.entries(signatures)
    .map(([name, s]) => [name, s.dataSigned.toLowerCase()] as [string, string])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const show = (signed: Array<[string, string]>) =>
  signed.length === 0 ? "nothing" : signed.map(([name, digest]) => `${name}: ${digest}`).join(", ");

function sameRun(a: Run, b: Run): boolean {
  return (
    JSON.stringify([a.ok, a.failure, a.response, a.signed, a.requested]) ===
    JSON.stringify([b.ok, b.failure, b.response, b.signed, b.requested])
  );
}

async function runOnce(ctx: CheckContext, replayer: ActionReplayer): Promise<Run> {
  const { bundle } = ctx;
  const recorded = Object.values(bundle.execution.signatures);
  const requested: string[] = [];
  // Hands the action the recorded signature for a digest it recorded (so an action that reads its
  // signature behaves as it did), a recognisable placeholder for any other digest.
  const recorder = (_tokenId: bigint, digest: string): LitSignature => {
    requested.push(digest.toLowerCase());
    const match = recorded.find((s) => s.dataSigned.toLowerCase() === digest.toLowerCase());
    return (
      match ?? {
        r: "0".repeat(64),
        s: "0".repeat(64),
        recid: 0,
        signature: `0x${"0".repeat(130)}`,
        publicKey: bundle.pkp.publicKey,
        dataSigned: digest,
      }
    );
  };
  const world = new ReplayWorld(bundle.execution.recordings ?? []);
  const result: ExecuteResult = await replayer.execute(
    {
      code: bundle.action.code,
      ipfsId: bundle.action.ipfsId,
      jsParams: bundle.execution.jsParams,
      caller: bundle.execution.caller,
    },
    recorder,
    world,
  );
  if (!result.success) {
    return {
      ok: false,
      failure: `${result.error.code}: ${result.error.message}`,
      response: "",
      signed: [],
      requested,
      replayed: world.usage(),
    };
  }
  return {
    ok: true,
    response: result.response,
    signed: signedOf(result.signatures),
    requested,
    replayed: world.usage(),
  };
}

/** Who Lit.Auth named in the re-executions: the recorded caller (the oracle's word) or nobody. */
function callerFact(caller: RecordedCaller | undefined): string {
  if (caller === undefined) return "Lit.Auth named no caller (none recorded)";
  const names: string[] = [];
  if (caller.authSigAddress !== null) names.push(`authSig address ${caller.authSigAddress}`);
  for (const method of caller.authMethodContexts) {
    names.push(`auth method type ${method.authMethodType} user ${method.userId}`);
  }
  if (caller.resources.length > 0) names.push(`${caller.resources.length} session resource(s)`);
  if (caller.customAuthResource !== null) names.push("a custom-auth resource");
  return `Lit.Auth named the recorded caller (${names.join(", ")}): as the oracle verified it, not re-verified`;
}

export async function checkReproduction(ctx: CheckContext): Promise<CheckResult> {
  if (ctx.reexecute === undefined) {
    return {
      id: "reproduction",
      status: "skip",
      summary: "not run (add --reexecute to run the action again and compare)",
      evidence: [],
    };
  }
  const check = new CheckRecorder("reproduction");
  const { bundle } = ctx;
  const replayer = new ActionReplayer({
    contracts: {
      pkpNft: ctx.pkpNft,
      pkpPermissions: ctx.pkpPermissions,
      pubkeyRouter: ctx.pubkeyRouter,
    },
    provider: ctx.provider,
    runner: ctx.reexecute.runner,
    tokenId: ctx.tokenId,
    chainId: BigInt(bundle.chainId),
  });
  let first: Run;
  let second: Run;
  try {
    first = await runOnce(ctx, replayer);
    second = await runOnce(ctx, replayer);
  } catch (error) {
    check.fail(`the action could not be run again: ${reasonOf(error)}`);
    return check.result("");
  }
  const recordedSigned = signedOf(bundle.execution.signatures);
  check.fact(
    `re-executed twice with the recorded jsParams, against block ${ctx.latestBlock} or later`,
  );
  check.fact(callerFact(bundle.execution.caller));

  if (!sameRun(first, second)) {
    const differences: string[] = [];
    if (first.response !== second.response) {
      differences.push(
        `responses ${JSON.stringify(first.response)} and ${JSON.stringify(second.response)}`,
      );
    }
    if (
      JSON.stringify(first.signed) !== JSON.stringify(second.signed) ||
      JSON.stringify(first.requested) !== JSON.stringify(second.requested)
    ) {
      differences.push(`signing requests ${show(first.signed)} and ${show(second.signed)}`);
    }
    if (first.failure !== second.failure) {
      differences.push(`outcomes ${first.failure ?? "success"} and ${second.failure ?? "success"}`);
    }
    check.fail(
      `non-deterministic action: two re-executions disagree (${differences.join("; ")}); ` +
        "what it signed cannot be reproduced",
    );
    return { ...check.result(""), nondeterministic: true };
  }
  if (!first.ok) {
    check.fail(`the re-execution was refused: ${first.failure}`);
    return check.result("");
  }
  const sameSignatures =
    JSON.stringify(first.signed) === JSON.stringify(recordedSigned) &&
    first.requested.length === recordedSigned.length;
  check.expect(
    sameSignatures,
    sameSignatures
      ? `asks to sign exactly the recorded digests (${show(recordedSigned)})`
      : `asks to sign ${show(first.signed)} (${first.requested.length} request(s)), ` +
          `but the bundle records ${show(recordedSigned)}`,
  );
  const { used, recorded } = first.replayed;
  if (recorded > 0) {
    check.expect(
      used === recorded,
      used === recorded
        ? `replays the ${recorded} recorded response(s) of fetch, JSON-RPC and child actions, in order`
        : `uses ${used} of the ${recorded} recorded responses: the action asked for less than it did when the bundle was made`,
    );
  }
  const sameResponse = first.response === bundle.execution.response;
  check.expect(
    sameResponse,
    sameResponse
      ? `gives the recorded response ${JSON.stringify(first.response)}`
      : `gives the response ${JSON.stringify(first.response)}, ` +
          `but the bundle records ${JSON.stringify(bundle.execution.response)}`,
  );
  return check.result(
    "the action, run again, asks for the recorded digests and gives the recorded response",
  );
}
