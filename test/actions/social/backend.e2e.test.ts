/**
 * actions/social/backend.js end to end (issue 15): a `hardhat node`, `pkp:deploy`, `pkp:oracle`
 * as its own process with the stream store's origin on its fetch allow-list, the store over HTTP,
 * the backend PKP minted, granted backend.js and burned in one transaction, SocialBackend as a
 * user's client — and a like's proof bundle through `pkp:verify-proof --reexecute`.
 *
 * One node, one oracle and one store for the whole suite (each process costs seconds); the rules
 * themselves are tested against a stubbed host (./backend.rules.test.ts).
 */
import { expect } from "chai";
import { ethers } from "ethers";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import hre from "hardhat";
import { cidToBytes } from "../../../src/cid";
import { mintGrantAndBurnNext } from "../../../src/pkpMint";
import { loadDeployment, type LoadedDeployment } from "../../../src/deployments";
import { createAuthSig, type AuthSig } from "../../../src/oracle/authSig";
import { ActionRuntime } from "../../../src/oracle/runtime";
import {
  collectProofBundle,
  loadCompiledContracts,
  verifyProof,
  writeProofBundle,
  type ProofBundle,
  type VerificationReport,
} from "../../../src/proof";
import { OracleClient } from "../../../src/proof/oracleClient";
import { SocialBackend, type SocialOutcome } from "../../../src/social/backendClient";
import {
  StreamClient,
  StreamStore,
  commitHash,
  startStreamServer,
  type StreamServer,
} from "../../../src/streams";
import {
  freePort,
  runHardhat,
  startHardhatNode,
  type HardhatNode,
} from "../../helpers/hardhatNode";
import { makeTempDir } from "../../helpers/tempDir";
import { startDevIssuer, type DevIssuerServer } from "../../../src/wallet/devIssuer";
import { spawnOracle, type OracleProcess } from "../../oracle/http/oracleProcess";
import { ALL_CHECKS_PASSED } from "../../helpers/proofBundles";

const BACKEND = path.join(__dirname, "..", "..", "..", "actions", "social", "backend.js");
/** The client id the dev issuer's tokens are for, and the oracle accepts. */
const APP = "social-e2e.apps.example";
/** Hardhat's well-known account #1 (test-only): mints the backend PKP. */
const MINTER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

interface User {
  id: string;
  authSig: AuthSig;
}

function expectWritten(outcome: SocialOutcome): asserts outcome is SocialOutcome & { ok: true } {
  expect(outcome.ok, JSON.stringify(outcome.ok ? {} : { code: outcome.code })).to.equal(true);
}

function expectRefused(outcome: SocialOutcome, code: string): void {
  expect(outcome.ok).to.equal(false);
  if (outcome.ok) return;
  expect(outcome.code).to.equal(code);
  expect(outcome.execution.result.signatures).to.deep.equal({});
}

describe("backend.js end to end: hardhat node, pkp:oracle with fetch, the stream store, verify-proof", function () {
  this.timeout(300_000);
  let dir: { path: string; remove(): Promise<void> };
  let node: HardhatNode;
  let oracle: OracleProcess;
  let store: StreamStore;
  let streams: StreamServer;
  let issuer: DevIssuerServer;
  let deployment: LoadedDeployment;
  let provider: ethers.JsonRpcProvider;
  let env: NodeJS.ProcessEnv;
  let code: string;
  let ipfsId: string;
  let tokenId: bigint;
  let publicKey: string;
  let social: SocialBackend;
  let users: Record<"alice" | "bob" | "carol" | "mallory", User>;
  let postId: string;
  let bobsLike: SocialOutcome & { ok: true };
  let davesLike: SocialOutcome & { ok: true };

  before(async function () {
    dir = await makeTempDir("pkp-social-e2e-");
    node = await startHardhatNode();
    env = { HARDHAT_VAR_LOCALHOST_RPC_URL: node.url };
    const deployed = await runHardhat(
      ["pkp:deploy", "--network", "localhost", "--no-compile", "--deployments-dir", dir.path],
      { env },
    );
    expect(deployed.code, deployed.stdout + deployed.stderr).to.equal(0);

    store = StreamStore.open({ file: path.join(dir.path, "streams.sqlite") });
    streams = await startStreamServer({ store, port: 0 });
    issuer = await startDevIssuer({ port: 0 });
    oracle = await spawnOracle(
      [
        "--network",
        "localhost",
        "--port",
        String(await freePort()),
        "--deployments-dir",
        dir.path,
        "--data-dir",
        path.join(dir.path, "oracle"),
        "--pool-target",
        "2",
        "--fetch-allow",
        streams.url,
        "--oidc-issuer",
        issuer.url,
        "--oidc-audience",
        APP,
      ],
      { env },
    );
    const client = new OracleClient(oracle.url);
    for (let i = 0; (await client.health()).pool.unminted === 0; i++) {
      if (i > 600) throw new Error(`the oracle provisioned no key:\n${oracle.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    provider = new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    const minter = new ethers.Wallet(MINTER_KEY, provider);
    deployment = await loadDeployment({ network: "localhost", runner: minter, dir: dir.path });
    code = await fs.readFile(BACKEND, "utf8");
    ipfsId = await client.storeAction(code);
    const { pkpNft } = deployment.contracts;
    ({ tokenId, publicKey } = await mintGrantAndBurnNext(pkpNft, cidToBytes(ipfsId)));

    social = new SocialBackend({
      oracle: client,
      streams: new StreamClient(streams.url),
      ipfsId,
      publicKey,
      streamsUrl: streams.url,
    });
    const chainId = Number(deployment.record.chainId);
    const userOf = async (name: string): Promise<User> => {
      const wallet = new ethers.Wallet(ethers.id(`social e2e ${name}`));
      return {
        id: `eth:${wallet.address.toLowerCase()}`,
        authSig: await createAuthSig(wallet, { chainId }),
      };
    };
    const [alice, bob, carol, mallory] = await Promise.all(
      ["alice", "bob", "carol", "mallory"].map(userOf),
    );
    users = { alice, bob, carol, mallory };
  });

  after(async function () {
    await oracle?.stop();
    await streams?.close();
    await issuer?.close();
    store?.close();
    await node?.stop();
    await dir?.remove();
  });

  it("writes alice's post and bob's like through the oracle: commits signed by the burned PKP", async function () {
    const post = await social.createPost(
      { authSig: users.alice.authSig },
      { text: "gm", nonce: "e2e-1" },
    );
    expectWritten(post);
    postId = post.streamId;
    const like = await social.likePost({ authSig: users.bob.authSig }, { postId });
    expectWritten(like);
    bobsLike = like;

    const state = await store.getStream(postId);
    expect(state.controller).to.equal(ethers.computeAddress(publicKey));
    expect(state.commits.map((c) => c.payload)).to.deep.equal([
      { type: "post", author: users.alice.id, text: "gm", nonce: "e2e-1" },
      { type: "like", by: users.bob.id },
    ]);
    for (const commit of state.commits) {
      expect(ethers.recoverAddress(commit.hash, commit.signature)).to.equal(state.controller);
    }
    expect(await deployment.contracts.pkpNft.exists(tokenId)).to.equal(false);
  });

  it("refuses bob's second like and mallory's like as bob, signing nothing", async function () {
    expectRefused(
      await social.likePost({ authSig: users.bob.authSig }, { postId }),
      "ALREADY_LIKED",
    );
    expectRefused(
      await social.likePost({ authSig: users.mallory.authSig }, { postId, as: users.bob.id }),
      "NOT_YOUR_IDENTITY",
    );
    expectRefused(await social.likePost({}, { postId }), "NOT_SIGNED_IN");
    expect((await store.getStream(postId)).length).to.equal(2);
  });

  it("ends two likes by carol sent at once as exactly one like", async function () {
    const outcomes = await Promise.all([
      social.likePost({ authSig: users.carol.authSig }, { postId }),
      social.likePost({ authSig: users.carol.authSig }, { postId }),
    ]);
    // Either both built the same commit on one head (one written, one found already there), or
    // one lost the race and its re-run saw carol's like.
    const written = outcomes.filter((o) => o.ok && o.receipt.created);
    expect(written).to.have.length(1);
    for (const outcome of outcomes) {
      if (!outcome.ok) expect(outcome.code).to.equal("ALREADY_LIKED");
    }
    const likes = (await store.getStream(postId)).commits.filter(
      (c) => (c.payload as { by?: string }).by === users.carol.id,
    );
    expect(likes).to.have.length(1);
  });

  it("knows a user signed in with an ID token (dev issuer, Lit.Auth type 6) as oidc:<iss>#<sub>", async function () {
    const token = await issuer.issuer.mint({ sub: "dave-7", aud: APP });
    const dave = { authMethods: [{ authMethodType: 6, accessToken: token }] };
    const daveId = `oidc:${issuer.url}#dave-7`;
    const post = await social.createPost(dave, { text: "signed in with a token", nonce: "e2e-2" });
    expectWritten(post);
    expect((post.commit.payload as { author: string }).author).to.equal(daveId);
    const like = await social.likePost(dave, { postId });
    expectWritten(like);
    expect(like.commit.payload).to.deep.equal({ type: "like", by: daveId });
    davesLike = like;
    expectRefused(await social.likePost(dave, { postId }), "ALREADY_LIKED");
    // The same person also proving a wallet is two identities to the action: refused.
    expectRefused(
      await social.likePost({ ...dave, authSig: users.mallory.authSig }, { postId }),
      "AMBIGUOUS_CALLER",
    );
    const expired = await issuer.issuer.mint({ sub: "dave-7", aud: APP, expiresIn: -60 });
    const refused = await new OracleClient(oracle.url).execute({
      ipfsId,
      authMethods: [{ authMethodType: 6, accessToken: expired }],
      jsParams: { method: "likePost", postId, publicKey, streamsUrl: streams.url },
    });
    expect(refused.success).to.equal(false);
  });

  it("reads the store only through the oracle's fetch allow-list: another origin is refused", async function () {
    const elsewhere = new SocialBackend({
      oracle: new OracleClient(oracle.url),
      streams: new StreamClient(streams.url),
      ipfsId,
      publicKey,
      streamsUrl: "http://127.0.0.1:9", // not on --fetch-allow
    });
    const outcome = await elsewhere.likePost({ authSig: users.mallory.authSig }, { postId });
    expectRefused(outcome, "STORE_UNAVAILABLE");
    if (!outcome.ok) expect(outcome.reason).to.match(/FETCH_NOT_ALLOWED|not allowed/i);
  });

  it("gives no god mode: the PKP signs no commit outside backend.js, for its minter or other code", async function () {
    const minter = new ethers.Wallet(MINTER_KEY);
    const forged = commitHash({ streamId: postId, prev: null, payload: { type: "like", by: "x" } });
    const response = await fetch(`${oracle.url}/pkp/sign`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        pubKey: publicKey,
        toSign: forged,
        authSig: await createAuthSig(minter, { chainId: Number(deployment.record.chainId) }),
      }),
    });
    const signed = (await response.json()) as { success: boolean; error?: { code: string } };
    expect(signed.success).to.equal(false);
    expect(signed.error?.code).to.equal("NOT_PERMITTED");

    const godMode = `(async () => {
      await Lit.Actions.signEcdsa({ toSign: ethers.utils.arrayify("${forged}"), publicKey, sigName: "commit" });
    })();`;
    const run = await new OracleClient(oracle.url).execute({
      code: godMode,
      jsParams: { publicKey },
    });
    expect(run.success).to.equal(false);
    if (!run.success) expect(run.error.code).to.equal("NOT_PERMITTED");
  });

  describe("the proof bundle of bob's like", function () {
    let bundle: ProofBundle;
    let file: string;

    before(async function () {
      bundle = await collectProofBundle({
        record: deployment.record,
        provider,
        tokenId,
        publicKey,
        code,
        ipfsId,
        jsParams: bobsLike.execution.jsParams,
        result: bobsLike.execution.result,
      });
      file = await writeProofBundle(path.join(dir.path, "like.json"), bundle);
    });

    it("records the stream state the action read and the caller it saw, not the credential", function () {
      const [read] = bundle.execution.recordings ?? [];
      expect(read?.kind).to.equal("fetch");
      expect(JSON.stringify(read)).to.include(`/streams/${postId}?view=payloads`);
      expect(bundle.execution.caller?.authSigAddress?.toLowerCase()).to.equal(
        users.bob.id.slice("eth:".length),
      );
      expect(JSON.stringify(bundle)).not.to.include(users.bob.authSig.sig);
    });

    it("passes pkp:verify-proof --reexecute: the action signs the same commit on the recorded state", async function () {
      // More likes were written since: the replay must not read the store again.
      const result = await runHardhat(
        [
          "pkp:verify-proof",
          "--network",
          "localhost",
          "--proof",
          file,
          "--no-compile",
          "--json",
          "--reexecute",
        ],
        { env },
      );
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      const report = JSON.parse(result.stdout) as VerificationReport;
      expect(report.checks.map((c) => [c.id, c.status])).to.deep.equal(ALL_CHECKS_PASSED);
      expect(bundle.execution.signatures.commit.dataSigned).to.equal(bobsLike.hash);
    });

    it("reproduces a like by an ID-token caller, and fails without the recorded caller (NOT_SIGNED_IN)", async function () {
      const runtime = new ActionRuntime({ poolSize: 1 });
      try {
        const verify = async (proof: ProofBundle) => {
          const report = await verifyProof(proof, {
            provider,
            compiled: await loadCompiledContracts(hre.artifacts),
            reexecute: true,
            runtime,
          });
          return report.checks.find((c) => c.id === "reproduction");
        };
        const daves = await collectProofBundle({
          record: deployment.record,
          provider,
          tokenId,
          publicKey,
          code,
          ipfsId,
          jsParams: davesLike.execution.jsParams,
          result: davesLike.execution.result,
        });
        expect(daves.execution.caller?.authMethodContexts[0]?.userId).to.equal("dave-7");
        expect((await verify(daves))?.status).to.equal("pass");

        const { caller: _dropped, ...execution } = bundle.execution;
        const reproduction = await verify({ ...bundle, execution });
        expect(reproduction?.status).to.equal("fail");
        expect(JSON.stringify(reproduction)).to.include("NOT_SIGNED_IN");
      } finally {
        await runtime.close();
      }
    });
  });
});
