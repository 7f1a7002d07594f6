/**
 * `npm run demo:social`: a backend with no god mode (docs/BACKEND.md), on the in-process Hardhat
 * network with no setup beyond `npm ci`:
 *
 *   deploy → mint a PKP, grant it actions/social/backend.js and burn it in one transaction → a
 *   stream store on a free port (temp SQLite file) → alice posts (a stream of its own, written by
 *   the PKP through the action) → bob likes it → bob's second like is refused by the action →
 *   mallory's like "as bob" is refused → dave, signed in with an ID token, likes it → carol's two
 *   likes sent at once end as one → the PKP's minter cannot sign a like without backend.js → the
 *   proof bundle of bob's like is verified, re-executing the action on the stream state and the
 *   caller it recorded → the stream's state.
 *
 * The oracle runs in this process (SigningOracle, in-memory keystore), allowed to fetch from the
 * store only, trusting ID tokens of a development issuer (in process, standing in for Google);
 * the store is the same library `npx hardhat pkp:streams` serves.
 */
import hre, { ethers } from "hardhat";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import path from "node:path";
import { cidToBytes } from "../src/cid";
import { mintGrantAndBurnNext } from "../src/pkpMint";
import { AUTH_METHOD_GOOGLE_JWT } from "../src/protocol";
import { createAuthSig } from "../src/oracle/authSig";
import { ActionRuntime } from "../src/oracle/runtime";
import {
  collectProofBundle,
  loadCompiledContracts,
  renderReport,
  verifyProof,
  writeProofBundle,
} from "../src/proof";
import { SocialBackend, type SocialOutcome } from "../src/social/backendClient";
import { StreamClient, StreamStore, commitHash, startStreamServer } from "../src/streams";
import { createDevIssuer } from "../src/wallet/devIssuer";
import { deployForDemo, startDemoOracle } from "./demoStack";

/** The client id the dev issuer's tokens are for, and the oracle accepts. */
const APP = "demo-social.apps.example";
const PROOF_FILE = path.join(__dirname, "..", "proofs", "demo-social-like.json");
const started = performance.now();

function step(text: string): void {
  console.log(`\n▸ ${text}`);
}

const short = (hex: string) => `${hex.slice(0, 6)}…${hex.slice(-4)}`;

function show(outcome: SocialOutcome): void {
  if (outcome.ok) {
    const written = outcome.receipt.created ? "written" : "already there (the same commit)";
    console.log(
      `  ✓ ${outcome.method}: commit ${short(outcome.hash)} on stream ${short(outcome.streamId)} — ${written}, ` +
        `stream length ${outcome.receipt.length}` +
        (outcome.attempts > 1 ? ` (after ${outcome.attempts - 1} re-run(s) on a newer head)` : ""),
    );
  } else {
    const signatures = Object.keys(outcome.execution.result.signatures).length;
    console.log(`  ✗ refused by the action: ${outcome.code} — ${outcome.reason}`);
    console.log(`    signatures: ${signatures}; nothing was written`);
  }
}

async function main(): Promise<void> {
  const [deployer, minter] = await ethers.getSigners();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "pkp-demo-social-"));
  const runtime = new ActionRuntime({ poolSize: 2 });
  const store = StreamStore.open({ file: path.join(tmp, "streams.sqlite") });
  const server = await startStreamServer({ store, port: 0 });
  try {
    step("Deploying the contracts; the oracle's keystore registers 2 keys for minting");
    const deployment = await deployForDemo(deployer, tmp);
    const { record, contracts } = deployment;
    // Logins: a development OpenID Connect issuer in this process, standing in for Google.
    const issuer = await createDevIssuer();
    const { oracle } = await startDemoOracle(deployment, 2, runtime, {
      // Actions may fetch from the stream store and nowhere else.
      fetch: { allow: [server.url] },
      oidc: { issuers: [issuer.oidcIssuer([APP])] },
    });
    console.log(`  stream store: ${server.url} (SQLite ${path.join(tmp, "streams.sqlite")}, WAL)`);
    console.log(`  the oracle trusts ID tokens of ${issuer.issuer} (the dev issuer) for ${APP}`);

    step(
      "Minting the backend PKP, granting it actions/social/backend.js only, burning it — one transaction",
    );
    const code = await fs.readFile(
      path.join(__dirname, "..", "actions", "social", "backend.js"),
      "utf8",
    );
    const { ipfsId } = await oracle.storeAction(code);
    const pkpNft = contracts.pkpNft.connect(minter);
    const {
      tokenId,
      publicKey,
      ethAddress: controller,
      receipt,
    } = await mintGrantAndBurnNext(pkpNft, cidToBytes(ipfsId));
    console.log(`  action      ${ipfsId}`);
    console.log(
      `  tx          ${short(receipt.hash)} (block ${receipt.blockNumber}, gas ${receipt.gasUsed})`,
    );
    console.log(`  PKP         ${controller} — the controller of every stream of the app`);
    console.log(
      `  burned      ${!(await contracts.pkpNft.exists(tokenId))}: nobody can grant it anything else`,
    );

    const social = new SocialBackend({
      oracle,
      streams: new StreamClient(server.url),
      ipfsId,
      publicKey,
      streamsUrl: server.url,
    });
    const chainId = Number(record.chainId);
    const user = async (name: string) => {
      const wallet = new ethers.Wallet(ethers.id(`demo:social ${name}`));
      return {
        name,
        id: `eth:${wallet.address.toLowerCase()}`,
        creds: { authSig: await createAuthSig(wallet, { chainId }) },
      };
    };
    const [alice, bob, carol, mallory] = await Promise.all(
      ["alice", "bob", "carol", "mallory"].map(user),
    );

    step(
      "alice posts — a new stream, its genesis signed by the PKP through backend.js (starting the sandbox takes a moment)",
    );
    const posted = await social.createPost(alice.creds, {
      text: "gm! first post on a backend nobody controls",
      nonce: "demo-1",
    });
    show(posted);
    if (!posted.ok) throw new Error(`alice's post was refused: ${posted.reason}`);
    const postId = posted.streamId;

    step("bob likes alice's post");
    const liked = await social.likePost(bob.creds, { postId });
    show(liked);
    if (!liked.ok) throw new Error(`bob's like was refused: ${liked.reason}`);

    step("bob likes it again");
    show(await social.likePost(bob.creds, { postId }));

    step('mallory likes it "as bob" (signed in as herself, jsParams.as = bob)');
    show(await social.likePost(mallory.creds, { postId, as: bob.id }));

    step("dave signs in with an ID token (the dev issuer, like Google's) and likes it");
    const daveToken = await issuer.mint({ sub: "dave-7", email: "dave@example.com", aud: APP });
    show(
      await social.likePost(
        {
          authMethods: [{ authMethodType: Number(AUTH_METHOD_GOOGLE_JWT), accessToken: daveToken }],
        },
        { postId },
      ),
    );
    console.log(`  Lit.Auth named him by the token's issuer and sub: oidc:${issuer.issuer}#dave-7`);

    step("carol sends two likes at once");
    const [first, second] = await Promise.all([
      social.likePost(carol.creds, { postId }),
      social.likePost(carol.creds, { postId }),
    ]);
    show(first);
    show(second);
    const carolsLikes = (await store.getStream(postId)).commits.filter(
      (c) => (c.payload as { by?: string }).by === carol.id,
    ).length;
    console.log(`  carol's likes in the stream: ${carolsLikes}`);

    step("No god mode: the PKP's minter tries to sign a like without backend.js");
    const forged = commitHash({
      streamId: postId,
      prev: (await store.getStream(postId)).head,
      payload: { type: "like", by: "eth:0x0000000000000000000000000000000000000000" },
    });
    const direct = await oracle.pkpSign({
      pubKey: publicKey,
      toSign: forged,
      authSig: await createAuthSig(minter, { chainId }),
    });
    const other = await oracle.execute({
      code: `(async () => { await Lit.Actions.signEcdsa({ toSign: ethers.utils.arrayify("${forged}"), publicKey, sigName: "commit" }); })();`,
      jsParams: { publicKey },
    });
    const refusal = (r: { success: boolean; error?: { code: string } }) =>
      r.success ? "SIGNED (this is a bug)" : `refused: ${r.error?.code}`;
    console.log(`  /pkp/sign with the minter's authSig: ${refusal(direct)}`);
    console.log(`  another action asking signEcdsa with the PKP: ${refusal(other)}`);
    const godModeRefused = !direct.success && !other.success;

    step("Writing the proof bundle of bob's like");
    const bundle = await collectProofBundle({
      record,
      provider: ethers.provider,
      tokenId,
      publicKey,
      code,
      ipfsId,
      jsParams: liked.execution.jsParams,
      result: liked.execution.result,
    });
    const file = await writeProofBundle(PROOF_FILE, bundle);
    console.log(
      `  ${path.relative(process.cwd(), file)}: the signature of commit ${short(liked.hash)},`,
    );
    console.log(`  with the stream state the action read (recorded fetch response) and its caller`);

    step("Verifying it as an auditor would (re-executing the action on the recorded state, twice)");
    const report = await verifyProof(bundle, {
      provider: ethers.provider,
      compiled: await loadCompiledContracts(hre.artifacts),
      reexecute: true,
      runtime,
    });
    console.log(renderReport(report, { source: path.relative(process.cwd(), file) }));

    step("The post's stream, as GET /streams/<id> serves it");
    const state = await store.getStream(postId);
    console.log(`  stream ${state.streamId}`);
    console.log(
      `  controller ${state.controller}, head ${short(state.head)}, ${state.length} commits`,
    );
    for (const [i, commit] of state.commits.entries()) {
      const payload = commit.payload as {
        type: string;
        author?: string;
        text?: string;
        by?: string;
      };
      const what =
        payload.type === "post"
          ? `post by ${payload.author}: ${JSON.stringify(payload.text)}`
          : `like by ${payload.by}`;
      console.log(
        `  #${i} ${short(commit.hash)} ← ${commit.prev === null ? "genesis" : short(commit.prev)}  ${what}`,
      );
    }
    await oracle.close();

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (report.ok && carolsLikes === 1 && godModeRefused) {
      console.log(
        `\nDone in ${seconds} s: every commit above was signed by a PKP that can only sign through ` +
          "backend.js, so its rules hold for everyone; the proof shows it from the chain and the code " +
          "(the caller it names is the oracle's word: docs/BACKEND.md).",
      );
    } else {
      console.log(`\nThe demo's own checks failed (${seconds} s): this is a bug.`);
      process.exitCode = 1;
    }
  } finally {
    await server.close();
    store.close();
    await runtime.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
