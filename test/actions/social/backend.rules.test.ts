/**
 * The rules of actions/social/backend.js, each refusal and each write, against a stubbed host
 * (./stubbedHost.ts): the caller comes from Lit.Auth, the stream from a store in this process,
 * signatures from a test key standing in for the backend PKP. Every write is submitted to the
 * store, which checks the PKP's signature and the head.
 */
import { expect } from "chai";
import { ethers } from "ethers";
import { basicAuthContext, type AuthContext } from "../../../src/oracle/auth/authContext";
import { createAuthSig, type AuthSig } from "../../../src/oracle/authSig";
import {
  SocialBackend,
  SocialBackendError,
  type Credentials,
} from "../../../src/social/backendClient";
import { expectRejection } from "../../helpers/expectRejection";
import {
  commitHash,
  signCommit,
  streamIdOf,
  StreamStore,
  type JsonValue,
} from "../../../src/streams";
import { tempDb } from "../../streams/streamHelpers";
import {
  BACKEND_CID,
  CHAIN_ID,
  STREAMS_URL,
  StubOracle,
  runBackend,
  storeFetch,
  type StubFetch,
  type StubRun,
} from "./stubbedHost";

const PKP = new ethers.SigningKey(ethers.id("social backend test PKP"));
const CONTROLLER = ethers.computeAddress(PKP.publicKey);
const wallet = (name: string) => new ethers.Wallet(ethers.id(`social user ${name}`));
const alice = wallet("alice");
const bob = wallet("bob");
const carol = wallet("carol");
const mallory = wallet("mallory");
const idOf = (user: ethers.Wallet) => `eth:${user.address.toLowerCase()}`;

function as(user: ethers.Wallet | undefined): AuthContext {
  return basicAuthContext(BACKEND_CID, user?.address);
}
function google(sub: string, aud = "app.example"): AuthContext {
  return {
    ...basicAuthContext(BACKEND_CID, undefined),
    authMethodContexts: [
      { userId: sub, appId: aud, authMethodType: 6, usedForSignSessionKeyRequest: false },
    ],
  };
}

describe("actions/social/backend.js: the rules (stubbed host)", function () {
  let db: Awaited<ReturnType<typeof tempDb>>;
  let store: StreamStore;
  let fetch: StubFetch;
  const authSigs = new Map<string, AuthSig>();

  before(async function () {
    for (const user of [alice, bob, carol, mallory]) {
      authSigs.set(user.address, await createAuthSig(user, { chainId: CHAIN_ID }));
    }
  });

  beforeEach(async function () {
    db = await tempDb();
    store = StreamStore.open({ file: db.file });
    fetch = storeFetch(store);
  });

  afterEach(async function () {
    store.close();
    await db.remove();
  });

  const base = { publicKey: PKP.publicKey, streamsUrl: STREAMS_URL };
  const run = (auth: AuthContext, params: Record<string, unknown>, over: StubFetch = fetch) =>
    runBackend({ jsParams: { ...base, ...params }, auth, fetch: over, pkp: PKP });

  function expectRefused(result: StubRun, code: string, reason?: RegExp): void {
    expect(result.answer, result.response).to.deep.include({ ok: false, code });
    if (reason) expect(result.answer.reason).to.match(reason);
    expect(result.signatures, "a refusal carries no signature").to.deep.equal({});
  }

  /** Submits a run's signed commit to the store, as the client does. */
  async function submit(result: StubRun) {
    const { commit } = result.answer;
    const signed = {
      ...commit!,
      payload: commit!.payload as JsonValue,
      signature: result.signatures.commit.signature,
    };
    return signed.prev === null
      ? store.createStream({ controller: CONTROLLER, commit: signed })
      : store.appendCommit(signed.streamId, signed);
  }

  async function post(by: AuthContext = as(alice), text = "gm", nonce = "n1") {
    const result = await run(by, { method: "createPost", text, nonce });
    return submit(result);
  }

  describe("createPost", function () {
    it("signs a post's genesis by the caller: its hash, under the PKP, and the store takes it", async function () {
      const result = await run(as(alice), {
        method: "createPost",
        text: "hello, world",
        nonce: "p-1",
      });
      const payload = { type: "post", author: idOf(alice), text: "hello, world", nonce: "p-1" };
      const streamId = streamIdOf(CONTROLLER, payload);
      expect(result.answer).to.deep.include({ ok: true, method: "createPost", streamId });
      expect(result.answer.commit).to.deep.equal({ streamId, prev: null, payload });
      const hash = commitHash({ streamId, prev: null, payload });
      expect(result.answer.hash).to.equal(hash);
      expect(result.signatures.commit.dataSigned).to.equal(hash);
      expect(ethers.recoverAddress(hash, result.signatures.commit.signature)).to.equal(CONTROLLER);
      expect(result.fetched, "a post reads nothing").to.deep.equal([]);
      const receipt = await submit(result);
      expect(receipt).to.deep.include({ streamId, length: 1, created: true });
    });

    it("accepts 280 characters (counted as code points) and refuses 281 (POST_TOO_LONG)", async function () {
      const emoji = "😀".repeat(280); // 560 UTF-16 units, 280 characters
      expect(
        (await run(as(alice), { method: "createPost", text: emoji, nonce: "a" })).answer.ok,
      ).to.equal(true);
      expectRefused(
        await run(as(alice), { method: "createPost", text: "x".repeat(281), nonce: "a" }),
        "POST_TOO_LONG",
        /at most 280 characters; this one has 281/,
      );
    });

    it("refuses a post with no text (EMPTY_POST) and a malformed nonce or text (BAD_REQUEST)", async function () {
      expectRefused(
        await run(as(alice), { method: "createPost", text: "  \n", nonce: "a" }),
        "EMPTY_POST",
      );
      expectRefused(await run(as(alice), { method: "createPost", nonce: "a" }), "EMPTY_POST");
      for (const nonce of [undefined, "", "has space", "x".repeat(65), 7]) {
        expectRefused(
          await run(as(alice), { method: "createPost", text: "hi", nonce }),
          "BAD_REQUEST",
        );
      }
      expectRefused(
        await run(as(alice), { method: "createPost", text: "\uD800", nonce: "a" }),
        "BAD_REQUEST",
      );
    });

    it("makes the post's author the caller; nobody posts as someone else (NOT_YOUR_IDENTITY)", async function () {
      const own = await run(as(alice), {
        method: "createPost",
        text: "mine",
        nonce: "a",
        as: idOf(alice),
      });
      expect((own.answer.commit!.payload as { author: string }).author).to.equal(idOf(alice));
      expectRefused(
        await run(as(mallory), {
          method: "createPost",
          text: "by bob, honest",
          nonce: "a",
          as: idOf(bob),
        }),
        "NOT_YOUR_IDENTITY",
        new RegExp(`you are signed in as ${idOf(mallory)}; nobody may act as ${idOf(bob)}`),
      );
    });
  });

  describe("likePost", function () {
    it("signs a like by the caller on the post's head, after reading the post's payloads", async function () {
      const posted = await post();
      const result = await run(as(bob), { method: "likePost", postId: posted.streamId });
      expect(result.fetched).to.deep.equal([
        `${STREAMS_URL}/streams/${posted.streamId}?view=payloads`,
      ]);
      expect(result.answer.commit).to.deep.equal({
        streamId: posted.streamId,
        prev: posted.head,
        payload: { type: "like", by: idOf(bob) },
      });
      expect((await submit(result)).length).to.equal(2);
    });

    it("lets a user like a post once (ALREADY_LIKED), others still can", async function () {
      const { streamId } = await post();
      await submit(await run(as(bob), { method: "likePost", postId: streamId }));
      expectRefused(
        await run(as(bob), { method: "likePost", postId: streamId }),
        "ALREADY_LIKED",
        new RegExp(`${idOf(bob)} already likes post ${streamId}`),
      );
      await submit(await run(as(alice), { method: "likePost", postId: streamId })); // her own post
      expect((await store.getStream(streamId)).length).to.equal(3);
    });

    it("identifies a Google user by the token's sub, whichever app it was issued to", async function () {
      const { streamId } = await post();
      const first = await run(google("1234567890"), { method: "likePost", postId: streamId });
      expect((first.answer.commit!.payload as { by: string }).by).to.equal("google:1234567890");
      await submit(first);
      expectRefused(
        await run(google("1234567890", "another.app"), { method: "likePost", postId: streamId }),
        "ALREADY_LIKED",
      );
    });

    it("tells ID tokens of other issuers apart by their iss: oidc:<iss>#<sub>", async function () {
      const { streamId } = await post();
      const dev = google("alice");
      dev.authMethodContexts[0] = {
        ...dev.authMethodContexts[0],
        claims: { iss: "http://127.0.0.1:8790", sub: "alice", aud: "app.example", exp: 1 },
      };
      const result = await run(dev, { method: "likePost", postId: streamId });
      expect((result.answer.commit!.payload as { by: string }).by).to.equal(
        "oidc:http://127.0.0.1:8790#alice",
      );
      await submit(result);
      const fromGoogle = google("alice");
      fromGoogle.authMethodContexts[0] = {
        ...fromGoogle.authMethodContexts[0],
        claims: { iss: "https://accounts.google.com", sub: "alice", aud: "app.example", exp: 1 },
      };
      const google2 = await run(fromGoogle, { method: "likePost", postId: streamId });
      expect((google2.answer.commit!.payload as { by: string }).by).to.equal("google:alice");
    });

    it("refuses a like on someone else's behalf (NOT_YOUR_IDENTITY): identity is Lit.Auth's, not a parameter", async function () {
      const { streamId } = await post();
      expectRefused(
        await run(as(mallory), { method: "likePost", postId: streamId, as: idOf(bob) }),
        "NOT_YOUR_IDENTITY",
      );
      expectRefused(
        await run(as(mallory), { method: "likePost", postId: streamId, by: idOf(bob) }),
        "BAD_REQUEST",
        /unknown jsParams: by/,
      );
    });

    it("refuses a like of a stream that does not exist (NO_SUCH_POST), is not a post (NOT_A_POST) or is not this backend's (NOT_THIS_BACKEND)", async function () {
      expectRefused(
        await run(as(bob), { method: "likePost", postId: `0x${"00".repeat(32)}` }),
        "NO_SUCH_POST",
      );
      const notePayload = { type: "note", text: "not a post" };
      const noteId = streamIdOf(CONTROLLER, notePayload);
      await store.createStream({
        controller: CONTROLLER,
        commit: signCommit({ streamId: noteId, prev: null, payload: notePayload }, PKP),
      });
      expectRefused(await run(as(bob), { method: "likePost", postId: noteId }), "NOT_A_POST");
      const other = new ethers.SigningKey(ethers.id("another backend"));
      const foreign = { type: "post", author: idOf(alice), text: "elsewhere", nonce: "x" };
      const foreignId = streamIdOf(ethers.computeAddress(other.publicKey), foreign);
      await store.createStream({
        controller: ethers.computeAddress(other.publicKey),
        commit: signCommit({ streamId: foreignId, prev: null, payload: foreign }, other),
      });
      expectRefused(
        await run(as(bob), { method: "likePost", postId: foreignId }),
        "NOT_THIS_BACKEND",
      );
    });

    it("refuses to sign on a doctored history (STATE_UNVERIFIED): a like left out, a post altered, another stream served", async function () {
      const { streamId } = await post();
      await submit(await run(as(bob), { method: "likePost", postId: streamId }));
      const honest = JSON.parse(store.readStreamJson(streamId, "payloads")) as {
        payloads: unknown[];
        length: number;
      };
      const lying =
        (edit: (state: typeof honest) => unknown): StubFetch =>
        async () => ({
          status: 200,
          body: JSON.stringify(edit(structuredClone(honest))),
        });
      // Bob's like left out (same head), to get a second one signed.
      expectRefused(
        await run(
          as(bob),
          { method: "likePost", postId: streamId },
          lying((s) => ({ ...s, payloads: s.payloads.slice(0, 1), length: 1 })),
        ),
        "STATE_UNVERIFIED",
        /do not hash to the head/,
      );
      expectRefused(
        await run(
          as(bob),
          { method: "likePost", postId: streamId },
          lying((s) => ({
            ...s,
            payloads: [{ ...(s.payloads[0] as object), text: "edited" }, ...s.payloads.slice(1)],
          })),
        ),
        "STATE_UNVERIFIED",
        /genesis does not hash to its stream id/,
      );
      expectRefused(
        await run(
          as(bob),
          { method: "likePost", postId: streamId },
          lying((s) => ({ ...s, streamId: `0x${"11".repeat(32)}` })),
        ),
        "STATE_UNVERIFIED",
      );
    });

    it("refuses when the store cannot be read (STORE_UNAVAILABLE)", async function () {
      const { streamId } = await post();
      expectRefused(
        await run(as(bob), { method: "likePost", postId: streamId }, async () => ({
          status: 503,
          body: "{}",
        })),
        "STORE_UNAVAILABLE",
        /HTTP 503/,
      );
      expectRefused(
        await run(as(bob), { method: "likePost", postId: streamId }, () =>
          Promise.reject(new Error("connection refused")),
        ),
        "STORE_UNAVAILABLE",
        /connection refused/,
      );
    });
  });

  describe("who is calling", function () {
    it("refuses a caller Lit.Auth does not name (NOT_SIGNED_IN)", async function () {
      expectRefused(
        await run(as(undefined), { method: "createPost", text: "hi", nonce: "a" }),
        "NOT_SIGNED_IN",
      );
      const unsupported: AuthContext = {
        ...as(undefined),
        authMethodContexts: [
          { userId: "x", appId: "y", authMethodType: 99, usedForSignSessionKeyRequest: false },
        ],
      };
      expectRefused(
        await run(unsupported, { method: "createPost", text: "hi", nonce: "a" }),
        "NOT_SIGNED_IN",
      );
    });

    it("refuses credentials that prove two users (AMBIGUOUS_CALLER), accepts two proofs of one", async function () {
      const two = { ...google("42"), authSigAddress: alice.address };
      expectRefused(
        await run(two, { method: "createPost", text: "hi", nonce: "a" }),
        "AMBIGUOUS_CALLER",
      );
      const same: AuthContext = {
        ...as(alice),
        authMethodContexts: [
          {
            userId: alice.address,
            appId: "lit",
            authMethodType: 1,
            usedForSignSessionKeyRequest: false,
          },
        ],
      };
      expect(
        (await run(same, { method: "createPost", text: "hi", nonce: "a" })).answer.ok,
      ).to.equal(true);
    });
  });

  it("refuses malformed requests (BAD_REQUEST): unknown method or parameter, no publicKey, a bad store URL or post id", async function () {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ method: "deletePost" }, /method must be createPost or likePost/],
      [{ method: "createPost", text: "hi", nonce: "a", admin: true }, /unknown jsParams: admin/],
      [{ method: "createPost", text: "hi", nonce: "a", publicKey: undefined }, /publicKey/],
      [
        { method: "createPost", text: "hi", nonce: "a", publicKey: "0x1234" },
        /not a secp256k1 public key/,
      ],
      [{ method: "likePost", postId: "0x12" }, /postId must be/],
      [
        { method: "likePost", postId: "x", streamsUrl: "http://a/b?c" },
        /streamsUrl must be the store's origin/,
      ],
    ];
    for (const [params, reason] of cases) {
      expectRefused(await run(as(bob), params), "BAD_REQUEST", reason);
    }
  });

  it("is deterministic: the same inputs and state give the same commit and digest", async function () {
    const { streamId } = await post();
    const one = await run(as(carol), { method: "likePost", postId: streamId });
    const two = await run(as(carol), { method: "likePost", postId: streamId });
    expect(two.response).to.equal(one.response);
    expect(two.signatures.commit.dataSigned).to.equal(one.signatures.commit.dataSigned);
  });

  describe("through the client (SocialBackend)", function () {
    let oracle: StubOracle;
    let social: SocialBackend;
    const creds = (user: ethers.Wallet): Credentials => ({ authSig: authSigs.get(user.address)! });

    beforeEach(function () {
      oracle = new StubOracle(PKP, fetch);
      social = new SocialBackend({
        oracle,
        streams: store,
        ipfsId: BACKEND_CID,
        publicKey: PKP.publicKey,
        streamsUrl: STREAMS_URL,
      });
    });

    it("posts, likes, and refuses a second like with the action's code and reason", async function () {
      const posted = await social.createPost(creds(alice), { text: "gm" });
      expect(posted.ok).to.equal(true);
      if (!posted.ok) return;
      const liked = await social.likePost(creds(bob), { postId: posted.streamId });
      expect(liked).to.deep.include({ ok: true, method: "likePost", attempts: 1 });
      const again = await social.likePost(creds(bob), { postId: posted.streamId });
      expect(again).to.deep.include({ ok: false, code: "ALREADY_LIKED", attempts: 1 });
      const forged = await social.likePost(creds(mallory), {
        postId: posted.streamId,
        as: idOf(bob),
      });
      expect(forged).to.deep.include({ ok: false, code: "NOT_YOUR_IDENTITY" });
      expect((await store.getStream(posted.streamId)).length).to.equal(2);
    });

    /** A SocialBackend whose action's first read waits until `release` is called. */
    function heldFirstRead() {
      const gate = deferred();
      const read = deferred();
      let reads = 0;
      const held = new StubOracle(PKP, async (url) => {
        reads += 1;
        const answer = await fetch(url); // read now …
        if (reads === 1) {
          read.resolve();
          await gate.promise; // … answer later
        }
        return answer;
      });
      const client = new SocialBackend({
        oracle: held,
        streams: store,
        ipfsId: BACKEND_CID,
        publicKey: PKP.publicKey,
        streamsUrl: STREAMS_URL,
      });
      return { client, oracle: held, firstReadDone: read.promise, release: gate.resolve };
    }

    it("ends two likes by one user built on one head as one like: the same commit, written once", async function () {
      const posted = await social.createPost(creds(alice), { text: "twice" });
      if (!posted.ok) expect.fail(posted.reason);
      const outcomes = await Promise.all([
        social.likePost(creds(carol), { postId: posted.streamId }),
        social.likePost(creds(carol), { postId: posted.streamId }),
      ]);
      expect(outcomes.map((o) => o.ok && o.receipt.created).sort()).to.deep.equal([false, true]);
      const likes = (await store.getStream(posted.streamId)).commits.slice(1);
      expect(likes.map((c) => c.payload)).to.deep.equal([{ type: "like", by: idOf(carol) }]);
    });

    it("re-runs a like refused with 409 on the new head, where the rules see what was written meanwhile", async function () {
      const posted = await social.createPost(creds(alice), { text: "race me" });
      if (!posted.ok) expect.fail(posted.reason);
      const { client, oracle: held, firstReadDone, release } = heldFirstRead();
      const slow = client.likePost(creds(carol), { postId: posted.streamId }); // reads the genesis head
      await firstReadDone;
      await social.likePost(creds(bob), { postId: posted.streamId }); // the head moves
      const fast = await social.likePost(creds(carol), { postId: posted.streamId }); // carol likes
      expect(fast).to.deep.include({ ok: true, attempts: 1 });
      release();
      const outcome = await slow; // built on the old head: 409, re-run, now already liked
      expect(outcome).to.deep.include({ ok: false, code: "ALREADY_LIKED", attempts: 2 });
      expect(held.runs).to.equal(2);
      const likes = (await store.getStream(posted.streamId)).commits.slice(1);
      expect(likes.map((c) => c.payload)).to.deep.equal([
        { type: "like", by: idOf(bob) },
        { type: "like", by: idOf(carol) },
      ]);
    });

    it("writes both of two users' likes racing on one head (the loser re-runs)", async function () {
      const posted = await social.createPost(creds(alice), { text: "both" });
      if (!posted.ok) expect.fail(posted.reason);
      const { client, firstReadDone, release } = heldFirstRead();
      const slow = client.likePost(creds(carol), { postId: posted.streamId });
      await firstReadDone;
      expect(await social.likePost(creds(bob), { postId: posted.streamId })).to.deep.include({
        ok: true,
      });
      release();
      expect(await slow).to.deep.include({ ok: true, attempts: 2 });
      expect((await store.getStream(posted.streamId)).length).to.equal(3);
    });

    it("gives up with CONTENDED when the head moves on every attempt", async function () {
      const posted = await social.createPost(creds(alice), { text: "busy" });
      if (!posted.ok) expect.fail(posted.reason);
      let n = 0;
      const busy = new SocialBackend({
        // Every run reads the head, then somebody else writes before the commit is submitted.
        oracle: new StubOracle(PKP, async (url) => {
          const answer = await fetch(url);
          const state = await store.getStream(posted.streamId);
          n += 1;
          await store.appendCommit(
            posted.streamId,
            signCommit(
              {
                streamId: posted.streamId,
                prev: state.head,
                payload: { type: "like", by: `eth:other-${n}` },
              },
              PKP,
            ),
          );
          return answer;
        }),
        streams: store,
        ipfsId: BACKEND_CID,
        publicKey: PKP.publicKey,
        streamsUrl: STREAMS_URL,
        maxAttempts: 3,
      });
      const error = await expectRejection(
        busy.likePost(creds(carol), { postId: posted.streamId }),
        SocialBackendError,
        "CONTENDED",
      );
      expect(error.message).to.match(/moved on 3 times/);
    });
  });
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
