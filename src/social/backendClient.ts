/**
 * The client side of the social backend (actions/social/backend.js, docs/BACKEND.md): runs the
 * action through the signing oracle, puts the PKP's signature on the commit the action built,
 * submits it to the stream store, and — when somebody else wrote first (409 STALE_PREV) — runs
 * the action again on the new head. Works with the oracle in process (SigningOracle) or over
 * HTTP (OracleClient), and the store in process (StreamStore) or over HTTP (StreamClient).
 *
 *   const social = new SocialBackend({ oracle, streams, ipfsId, publicKey, streamsUrl });
 *   const post = await social.createPost({ authSig: alice }, { text: "gm" });
 *   const like = await social.likePost({ authSig: bob }, { postId: post.streamId });
 *   if (!like.ok) console.log(like.code, like.reason);   // e.g. ALREADY_LIKED
 *
 * The action's refusals (`ok: false`, with its code and reason) are answers, not errors. Errors
 * are the oracle's refusals (SocialBackendError EXECUTION_REFUSED), an answer that does not add
 * up (BAD_ANSWER), a head that kept moving (CONTENDED), and the store's refusals (StreamError).
 */
import { randomBytes } from "node:crypto";
import { ethers } from "ethers";
import { CodedError } from "../codedError";
import type { ExecuteRequest, ExecuteResult, ExecuteSuccess } from "../oracle/oracle";
import { commitHash, type CommitBody, type SignedCommit } from "../streams/commit";
import { StreamError } from "../streams/errors";
import type { StreamService, WriteReceipt } from "../streams/service";

export type SocialBackendErrorCode =
  /** The oracle refused to run the action or to sign (its code and message are quoted). */
  | "EXECUTION_REFUSED"
  /** The action's answer or signature does not match the commit it describes. */
  | "BAD_ANSWER"
  /** Others kept writing first: still 409 after every attempt. */
  | "CONTENDED";

export class SocialBackendError extends CodedError<SocialBackendErrorCode> {}

/** What runs the action: SigningOracle (in process) and OracleClient (HTTP) both do. */
export interface ActionExecutor {
  execute(request: ExecuteRequest): Promise<ExecuteResult>;
}

/** Who the caller is, as the oracle verifies it (an authSig; auth methods where supported). */
export type Credentials = Omit<ExecuteRequest, "code" | "ipfsId" | "jsParams">;

export interface SocialBackendOptions {
  oracle: ActionExecutor;
  streams: StreamService;
  /** The CID of actions/social/backend.js, stored with the oracle. */
  ipfsId: string;
  /** The backend PKP's public key (0x04…): the controller of every stream of the app. */
  publicKey: string;
  /** The store's origin as the action fetches it (the oracle's fetch allow-list must hold it). */
  streamsUrl: string;
  /** Runs of the action for one call when others write first (default 8). */
  maxAttempts?: number;
}

/** One run of the action: what it was given and what the oracle answered (for proof bundles). */
export interface SocialExecution {
  jsParams: Record<string, unknown>;
  result: ExecuteSuccess;
}

export type SocialOutcome =
  | {
      ok: true;
      method: "createPost" | "likePost";
      streamId: string;
      /** The signed commit, as submitted. */
      commit: SignedCommit;
      hash: string;
      receipt: WriteReceipt;
      /** Runs of the action it took (> 1 when others wrote first). */
      attempts: number;
      /** The run whose commit was written. */
      execution: SocialExecution;
    }
  | {
      ok: false;
      /** The action's refusal code (ALREADY_LIKED, NOT_YOUR_IDENTITY, …). */
      code: string;
      reason: string;
      attempts: number;
      execution: SocialExecution;
    };

interface ActionAnswer {
  ok: boolean;
  code?: string;
  reason?: string;
  method?: "createPost" | "likePost";
  streamId?: string;
  hash?: string;
  commit?: CommitBody;
}

export class SocialBackend {
  readonly #options: SocialBackendOptions;

  constructor(options: SocialBackendOptions) {
    this.#options = options;
  }

  /** A new post by the caller: a stream of its own. `nonce` defaults to a random one. */
  createPost(
    credentials: Credentials,
    post: { text: string; nonce?: string },
  ): Promise<SocialOutcome> {
    const nonce = post.nonce ?? randomBytes(8).toString("hex");
    return this.#run(credentials, { method: "createPost", text: post.text, nonce });
  }

  /** The caller likes a post (at most once; the action refuses a second like). */
  likePost(
    credentials: Credentials,
    like: { postId: string; as?: string },
  ): Promise<SocialOutcome> {
    const params: Record<string, unknown> = { method: "likePost", postId: like.postId };
    if (like.as !== undefined) params.as = like.as;
    return this.#run(credentials, params);
  }

  async #run(credentials: Credentials, params: Record<string, unknown>): Promise<SocialOutcome> {
    const { oracle, streams, ipfsId, publicKey, streamsUrl } = this.#options;
    const maxAttempts = this.#options.maxAttempts ?? 8;
    const jsParams = { ...params, publicKey, streamsUrl };
    for (let attempt = 1; ; attempt++) {
      const result = await oracle.execute({ ...credentials, ipfsId, jsParams });
      if (!result.success) {
        throw new SocialBackendError(
          "EXECUTION_REFUSED",
          `the oracle refused to run the backend action: ${result.error.code}: ${result.error.message}`,
        );
      }
      const execution = { jsParams, result };
      const answer = parseAnswer(result.response);
      if (!answer.ok) {
        return {
          ok: false,
          code: answer.code ?? "REFUSED",
          reason: answer.reason ?? "",
          attempts: attempt,
          execution,
        };
      }
      const commit = signedCommitOf(answer, result);
      try {
        const receipt =
          commit.prev === null
            ? await streams.createStream({ controller: ethers.computeAddress(publicKey), commit })
            : await streams.appendCommit(commit.streamId, commit);
        return {
          ok: true,
          method: answer.method!,
          streamId: commit.streamId,
          commit,
          hash: receipt.hash,
          receipt,
          attempts: attempt,
          execution,
        };
      } catch (error) {
        if (!(error instanceof StreamError) || error.code !== "STALE_PREV") throw error;
        if (attempt >= maxAttempts) {
          throw new SocialBackendError(
            "CONTENDED",
            `stream ${commit.streamId} moved on ${attempt} times while this commit was built; ` +
              "try again",
            { cause: error },
          );
        }
        // Somebody wrote first: back off a little (others are re-running too), then rebuild.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }
}

function parseAnswer(response: string): ActionAnswer {
  try {
    const answer = JSON.parse(response) as ActionAnswer;
    if (typeof answer === "object" && answer !== null && typeof answer.ok === "boolean") {
      return answer;
    }
  } catch {
    // reported below
  }
  throw new SocialBackendError(
    "BAD_ANSWER",
    `the backend action answered ${JSON.stringify(response.slice(0, 200))}, not { ok, … }`,
  );
}

/** The commit the action built, with the PKP's signature — checked to belong together. */
function signedCommitOf(answer: ActionAnswer, result: ExecuteSuccess): SignedCommit {
  const signature = result.signatures.commit;
  const commit = answer.commit;
  if (commit === undefined || signature === undefined) {
    throw new SocialBackendError(
      "BAD_ANSWER",
      "the action said ok but returned no commit or no signature",
    );
  }
  const hash = commitHash(commit);
  if (hash !== answer.hash || signature.dataSigned.toLowerCase() !== hash) {
    throw new SocialBackendError(
      "BAD_ANSWER",
      `the action's commit hashes to ${hash}, but it named ${String(answer.hash)} and the PKP signed ${signature.dataSigned}`,
    );
  }
  // Whose signature it is, the store checks (WRONG_SIGNER): not recovered twice.
  return {
    streamId: commit.streamId,
    prev: commit.prev,
    payload: commit.payload,
    signature: signature.signature,
  };
}
