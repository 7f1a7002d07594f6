// backend.js — a Lit Action: the whole backend of a tiny social app (docs/BACKEND.md).
//
// The app's data lives in signed streams (`pkp:streams`) whose controller is one PKP, minted,
// granted this action and burned in one transaction: the only way to write the app's data is
// to run this code, so its rules hold for everyone — there is no admin who can bypass them.
//
//   createPost  a post is a stream of its own; its genesis commit is { type: "post", author,
//               text, nonce }, author = the caller
//   likePost    appends { type: "like", by } to the post's stream, by = the caller, at most once
//               per caller and post
//
// Who the caller is comes only from Lit.Auth — a verified Google ID token's `sub` (auth method
// type 6; another issuer's tokens are told apart by their `iss`) or the verified authSig /
// wallet address (type 1) — never from jsParams. The action
// reads the post's stream with fetch, checks that what it read hashes to the stream's head,
// applies the rules and only then signs the next commit's hash with signEcdsa (sigName
// "commit"). The client submits the signed commit to the store; if somebody wrote first (409),
// it runs the action again on the new head.
//
// jsParams: { method: "createPost" | "likePost", publicKey: the PKP's "0x04…",
//             streamsUrl: "http://127.0.0.1:8791" (the store; the oracle must allow its origin),
//             text, nonce (createPost), postId (likePost), as? (optional: the caller's user id,
//             refused if it is not the caller's) }
// response: JSON { ok: true, method, streamId, controller, hash, commit: { streamId, prev,
//           payload } } with the signature in `signatures.commit`, or { ok: false, code, reason }
//           and no signature.

const MAX_TEXT_CHARACTERS = 280;
const NONCE = /^[A-Za-z0-9_-]{1,64}$/;
const STREAM_ID = /^0x[0-9a-f]{64}$/;
const PARAMS = ["method", "publicKey", "streamsUrl", "text", "nonce", "postId", "as"];
const AUTH_METHOD_ETH_WALLET = 1;
const AUTH_METHOD_GOOGLE_JWT = 6;
const GOOGLE_ISSUERS = ["https://accounts.google.com", "accounts.google.com"];
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

class Refusal {
  constructor(code, reason) {
    this.code = code;
    this.reason = reason;
  }
}
const refuse = (code, reason) => {
  throw new Refusal(code, reason);
};

// The store's commit format (src/streams/commit.ts), in full: canonical JSON (keys sorted by
// UTF-16 code units, no whitespace, JSON.stringify's strings and numbers) under keccak256.
const canonical = (value) => {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
};
// UTF-8 through the runtime's TextEncoder: the same bytes as ethers.utils.toUtf8Bytes for any
// canonical JSON (JSON.stringify escapes lone surrogates, so the text is always well-formed), at
// a fraction of the cost — a like hashes every commit of its post (readPost).
const utf8 = new TextEncoder();
const keccakOf = (text) => ethers.utils.keccak256(utf8.encode(text));
// canonical({ streamId, prev, payload }) with its keys already in order (payload < prev <
// streamId): one commit's preimage without sorting three keys per commit.
const commitHash = (streamId, prev, payload) =>
  keccakOf(
    `{"payload":${canonical(payload)},"prev":${JSON.stringify(prev)},"streamId":${JSON.stringify(streamId)}}`,
  );
const streamIdOf = (controller, genesis) =>
  keccakOf(canonical({ controller: controller.toLowerCase(), genesis }));

/**
 * The PKP's address: ethers.utils.computeAddress's own steps (the key checked to be a point of
 * secp256k1, keccak256 of its coordinates, checksummed), without loading the transactions
 * package computeAddress lives in — a third of the ethers a like would otherwise compile.
 */
const controllerOf = (publicKey) => {
  const { computePublicKey, getAddress, hexDataSlice, keccak256 } = ethers.utils;
  return getAddress(hexDataSlice(keccak256(hexDataSlice(computePublicKey(publicKey), 1)), 12));
};

/**
 * An ID token's user: `google:<sub>` for Google's issuer; for any other issuer the oracle trusts
 * (a development issuer, say), `oidc:<iss>#<sub>` — two issuers' subs never name one user.
 */
const jwtUserOf = (method) => {
  const iss = method.claims && method.claims.iss;
  if (iss === undefined || GOOGLE_ISSUERS.includes(iss)) return `google:${method.userId}`;
  return `oidc:${iss}#${method.userId}`;
};

/** The caller's one user id, from what the oracle verified (Lit.Auth). */
const callerOf = (auth) => {
  const ids = new Set();
  if (typeof auth.authSigAddress === "string") ids.add(`eth:${auth.authSigAddress.toLowerCase()}`);
  for (const method of auth.authMethodContexts || []) {
    if (method.authMethodType === AUTH_METHOD_GOOGLE_JWT) ids.add(jwtUserOf(method));
    if (method.authMethodType === AUTH_METHOD_ETH_WALLET) {
      ids.add(`eth:${String(method.userId).toLowerCase()}`);
    }
  }
  if (ids.size === 0) {
    refuse(
      "NOT_SIGNED_IN",
      "sign in first: send a Google ID token (auth method 6) or an authSig / wallet signature",
    );
  }
  if (ids.size > 1) {
    refuse(
      "AMBIGUOUS_CALLER",
      `the request proves several users (${[...ids].join(", ")}): send one`,
    );
  }
  return [...ids][0];
};

const checkParams = (params) => {
  const unknown = Object.keys(params).filter((key) => !PARAMS.includes(key));
  if (unknown.length > 0) refuse("BAD_REQUEST", `unknown jsParams: ${unknown.join(", ")}`);
  if (typeof params.publicKey !== "string")
    refuse("BAD_REQUEST", "publicKey (the PKP's) is required");
  if (typeof params.streamsUrl !== "string" || !/^https?:\/\/[^/?#]+$/.test(params.streamsUrl)) {
    refuse("BAD_REQUEST", "streamsUrl must be the store's origin, e.g. http://127.0.0.1:8791");
  }
};

const postOf = (author, params) => {
  const { text, nonce } = params;
  if (typeof text !== "string" || text.trim() === "") refuse("EMPTY_POST", "a post needs text");
  if (LONE_SURROGATE.test(text)) refuse("BAD_REQUEST", "text is not valid Unicode");
  const characters = Array.from(text).length;
  if (characters > MAX_TEXT_CHARACTERS) {
    refuse(
      "POST_TOO_LONG",
      `a post has at most ${MAX_TEXT_CHARACTERS} characters; this one has ${characters}`,
    );
  }
  if (typeof nonce !== "string" || !NONCE.test(nonce)) {
    refuse(
      "BAD_REQUEST",
      "nonce must be 1-64 letters, digits, '-' or '_' (it makes each post's stream id unique)",
    );
  }
  return { type: "post", author, text, nonce };
};

/** The post's stream as the store serves it, checked against its head and its id. */
const readPost = async (params, controller) => {
  const postId = params.postId;
  if (typeof postId !== "string" || !STREAM_ID.test(postId)) {
    refuse("BAD_REQUEST", "postId must be a post's stream id (0x + 64 lowercase hex digits)");
  }
  let response;
  try {
    response = await fetch(`${params.streamsUrl}/streams/${postId}?view=payloads`);
  } catch (error) {
    refuse("STORE_UNAVAILABLE", `the stream store did not answer: ${error.message}`);
  }
  if (response.status === 404) refuse("NO_SUCH_POST", `there is no post ${postId}`);
  if (response.status !== 200) {
    refuse("STORE_UNAVAILABLE", `the stream store answered HTTP ${response.status}`);
  }
  const state = await response.json();
  if (state.streamId !== postId || !Array.isArray(state.payloads) || state.payloads.length === 0) {
    refuse("STATE_UNVERIFIED", "the store's answer is not the stream asked for");
  }
  if (String(state.controller).toLowerCase() !== controller.toLowerCase()) {
    refuse(
      "NOT_THIS_BACKEND",
      `stream ${postId} is not written by this backend's PKP ${controller}`,
    );
  }
  const [genesis] = state.payloads;
  if (genesis === null || typeof genesis !== "object" || genesis.type !== "post") {
    refuse("NOT_A_POST", `stream ${postId} is not a post`);
  }
  // What was read must be exactly the stream up to its head: its id follows from the genesis,
  // each commit's hash from the one before. A store that left out or altered a commit (say,
  // the caller's earlier like) is caught here, before anything is signed.
  if (streamIdOf(controller, genesis) !== postId) {
    refuse("STATE_UNVERIFIED", "the post's genesis does not hash to its stream id");
  }
  let prev = null;
  for (const payload of state.payloads) prev = commitHash(postId, prev, payload);
  if (prev !== state.head || state.length !== state.payloads.length) {
    refuse("STATE_UNVERIFIED", "the store's commits do not hash to the head it names");
  }
  return {
    head: state.head,
    post: genesis,
    likes: state.payloads.slice(1).filter((p) => p !== null && p.type === "like"),
  };
};

const go = async () => {
  const params = jsParams;
  const auth = (typeof Lit !== "undefined" && Lit.Auth) || {};
  checkParams(params);
  const caller = callerOf(auth);
  if (params.as !== undefined && params.as !== caller) {
    refuse("NOT_YOUR_IDENTITY", `you are signed in as ${caller}; nobody may act as ${params.as}`);
  }
  let controller;
  try {
    controller = controllerOf(params.publicKey);
  } catch {
    refuse("BAD_REQUEST", "publicKey is not a secp256k1 public key");
  }

  let commit;
  if (params.method === "createPost") {
    const post = postOf(caller, params);
    commit = { streamId: streamIdOf(controller, post), prev: null, payload: post };
  } else if (params.method === "likePost") {
    const { head, likes } = await readPost(params, controller);
    if (likes.some((like) => like.by === caller)) {
      refuse("ALREADY_LIKED", `${caller} already likes post ${params.postId}`);
    }
    commit = { streamId: params.postId, prev: head, payload: { type: "like", by: caller } };
  } else {
    refuse("BAD_REQUEST", "method must be createPost or likePost");
  }

  const hash = commitHash(commit.streamId, commit.prev, commit.payload);
  await Lit.Actions.signEcdsa({
    toSign: ethers.utils.arrayify(hash),
    publicKey: params.publicKey,
    sigName: "commit",
  });
  Lit.Actions.setResponse({
    response: JSON.stringify({
      ok: true,
      method: params.method,
      streamId: commit.streamId,
      controller,
      hash,
      commit,
    }),
  });
};

go().catch((error) => {
  if (!(error instanceof Refusal)) throw error;
  Lit.Actions.setResponse({
    response: JSON.stringify({ ok: false, code: error.code, reason: error.reason }),
  });
});
