/**
 * `npm run demo:wallet`: a login controls a PKP wallet — no seed phrase, no wallet key anywhere —
 * on the in-process Hardhat network, with nothing listening on any port:
 *
 *   the dev issuer logs alice in → a self-owned PKP is minted for her Google-style identity →
 *   its address is funded → PkpSigner sends 1 ETH to bob with alice's token and a session → the
 *   chain shows the transfer from the PKP's address. Then, each with its code: mallory's token,
 *   alice's expired token, a token for another app and a token from an issuer the oracle does not
 *   trust are refused; alice adds a wallet as recovery and removes Google, in transactions the PKP
 *   signs itself; from then on her Google token is refused and the wallet signs.
 *
 * The oracle (SigningOracle, in-memory keystore) and the dev issuer run in this process; the
 * oracle gets the issuer's keys in process (docs/WALLET.md).
 */
import { ethers } from "hardhat";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import path from "node:path";
import { messageOf } from "../src/errorText";
import { AUTH_METHOD_ADDRESS, AUTH_METHOD_GOOGLE_JWT, SCOPE_SIGN_ANYTHING } from "../src/protocol";
import { authMethodIdOf } from "../src/oracle/auth/authMethodId";
import { createAuthSig } from "../src/oracle/authSig";
import { ActionRuntime } from "../src/oracle/runtime";
import { createDevIssuer } from "../src/wallet/devIssuer";
import { mintForIdToken } from "../src/wallet/mintForAuth";
import { WalletError } from "../src/wallet/oracleEndpoint";
import { PkpSigner, type PkpAuthorization } from "../src/wallet/pkpSigner";
import { PkpSession } from "../src/wallet/session";
import { deployForDemo, startDemoOracle } from "./demoStack";

const APP = "demo-wallet.apps.example";

function step(text: string): void {
  console.log(`\n▸ ${text}`);
}

const eth = (wei: bigint) => `${ethers.formatEther(wei)} ETH`;

async function main(): Promise<void> {
  const started = performance.now();
  const [deployer, bob] = await ethers.getSigners();
  const recordDir = await fs.mkdtemp(path.join(os.tmpdir(), "pkp-demo-wallet-"));
  const runtime = new ActionRuntime({ poolSize: 1 });
  try {
    step("Deploying the PKP contracts; the oracle's keystore registers keys for minting");
    const deployment = await deployForDemo(deployer, recordDir);
    const { record, contracts } = deployment;

    const issuer = await createDevIssuer();
    const { oracle } = await startDemoOracle(deployment, 3, runtime, {
      oidc: { issuers: [issuer.oidcIssuer([APP])] },
    });
    console.log(`  the oracle trusts ID tokens of ${issuer.issuer} (the dev issuer) for ${APP}`);

    step("The dev issuer logs alice in (an OpenID Connect ID token, like Google's)");
    const aliceToken = await issuer.mint({
      sub: "alice-1042",
      email: "alice@example.com",
      aud: APP,
    });
    const googleId = authMethodIdOf("alice-1042", APP);
    console.log(`  sub alice-1042, email alice@example.com, aud ${APP}`);
    console.log(`  Lit's auth method id keccak256("alice-1042:${APP}") = ${googleId}`);

    step("Minting a self-owned PKP for alice's login (PKPHelper.mintNextAndAddAuthMethods)");
    const pkp = await mintForIdToken({
      helper: contracts.pkpHelper,
      pkpNft: contracts.pkpNft,
      idToken: aliceToken,
      scopes: [SCOPE_SIGN_ANYTHING],
      selfOwned: true,
    });
    console.log(`  tokenId  ${pkp.tokenId}`);
    console.log(`  address  ${pkp.ethAddress}`);
    console.log(`  owner    ${pkp.owner} (itself: no wallet key exists for this PKP)`);

    step("Funding the PKP's address with 2 ETH");
    await (
      await deployer.sendTransaction({ to: pkp.ethAddress, value: ethers.parseEther("2") })
    ).wait();
    console.log(`  balance  ${eth(await ethers.provider.getBalance(pkp.ethAddress))}`);

    step("Alice opens a session with her token; PkpSigner sends 1 ETH to bob");
    const session = await PkpSession.open({
      oracle,
      provider: ethers.provider,
      pkpPublicKey: pkp.publicKey,
      authMethods: [{ authMethodType: 6, accessToken: aliceToken }],
    });
    console.log(
      `  session key ${session.sessionPublicKey.slice(0, 16)}… until ${session.expiration}`,
    );
    const signerFor = (auth: PkpAuthorization) =>
      new PkpSigner({ pkpPublicKey: pkp.publicKey, oracle, auth }, ethers.provider);
    const alice = signerFor({ session });
    const bobBefore = await ethers.provider.getBalance(bob.address);
    const sent = await alice.sendTransaction({ to: bob.address, value: ethers.parseEther("1") });
    const receipt = await sent.wait();
    if (receipt?.status !== 1) throw new Error("the transfer failed");
    console.log(`  tx ${receipt.hash} in block ${receipt.blockNumber}`);
    console.log(`  from ${receipt.from} (the PKP) to ${receipt.to} (bob)`);
    console.log(`  bob +${eth((await ethers.provider.getBalance(bob.address)) - bobBefore)}`);

    step("What the oracle refuses, each with its code");
    const other = await createDevIssuer({ issuer: "http://evil-issuer.localhost" });
    const attempts: Array<[string, Promise<string>]> = [
      ["mallory's token", issuer.mint({ sub: "mallory-7", aud: APP })],
      ["alice's expired token", issuer.mint({ sub: "alice-1042", aud: APP, expiresIn: -3600 })],
      ["alice's token for another app", issuer.mint({ sub: "alice-1042", aud: "other-app" })],
      [
        "alice's token from an issuer the oracle does not trust",
        other.mint({ sub: "alice-1042", aud: APP }),
      ],
    ];
    for (const [what, token] of attempts) {
      const signer = signerFor({ authMethods: [{ authMethodType: 6, accessToken: await token }] });
      console.log(
        `  ${what}: ${await refusalOf(signer.sendTransaction({ to: bob.address, value: 1n }))}`,
      );
    }

    step("Alice adds a wallet as recovery, in a transaction the PKP signs itself");
    const recovery = ethers.Wallet.createRandom();
    const walletId = authMethodIdOf(recovery.address, "lit");
    const added = await contracts.pkpPermissions
      .connect(alice)
      .addPermittedAuthMethod(
        pkp.tokenId,
        { authMethodType: AUTH_METHOD_ADDRESS, id: walletId, userPubkey: "0x" },
        [SCOPE_SIGN_ANYTHING],
      );
    console.log(
      `  wallet ${recovery.address} (type 1, id ${walletId}); tx ${(await added.wait())?.hash}`,
    );

    step("…and removes Google the same way");
    const removed = await contracts.pkpPermissions
      .connect(signerFor({ authMethods: [{ authMethodType: 6, accessToken: aliceToken }] }))
      .removePermittedAuthMethod(pkp.tokenId, AUTH_METHOD_GOOGLE_JWT, googleId);
    console.log(`  tx ${(await removed.wait())?.hash}`);
    const methods = await contracts.pkpPermissions.getPermittedAuthMethods(pkp.tokenId);
    const label = (m: { authMethodType: bigint; id: string }) =>
      m.id === walletId
        ? "the recovery wallet (scope 1)"
        : m.id === pkp.ethAddress.toLowerCase()
          ? "the PKP's own address (no scopes, as Lit adds it)"
          : `type ${m.authMethodType} ${m.id}`;
    console.log(`  auth methods now: ${methods.map((m) => label(m)).join("; ")}`);

    step("From now on her Google login is refused, and the wallet signs");
    const googleAgain = signerFor({
      authMethods: [{ authMethodType: 6, accessToken: aliceToken }],
    });
    console.log(
      `  Google token: ${await refusalOf(googleAgain.sendTransaction({ to: bob.address, value: 1n }))}`,
    );
    console.log(
      `  Google session: ${await refusalOf(alice.sendTransaction({ to: bob.address, value: 1n }))}`,
    );
    const authSig = await createAuthSig(recovery, { chainId: Number(record.chainId) });
    const wallet = signerFor({
      authMethods: [{ authMethodType: 1, accessToken: JSON.stringify(authSig) }],
    });
    const recovered = await (
      await wallet.sendTransaction({ to: bob.address, value: ethers.parseEther("0.5") })
    ).wait();
    console.log(
      `  the wallet sends 0.5 ETH to bob: tx ${recovered?.hash}, status ${recovered?.status}`,
    );

    await oracle.close();
    console.log(
      `\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s: a login controlled a PKP ` +
        "wallet with no key of its own, and the chain — not the oracle — decided each time.",
    );
  } finally {
    await runtime.close();
    await fs.rm(recordDir, { recursive: true, force: true });
  }
}

/** "refused: CODE — message" for a promise that must reject with the oracle's refusal. */
async function refusalOf(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof WalletError && error.oracleCode !== undefined) {
      const detail = error.message.split(`${error.oracleCode}: `)[1] ?? "";
      return `refused: ${error.oracleCode} — ${detail.slice(0, 110)}${detail.length > 110 ? "…" : ""}`;
    }
    throw error;
  }
  throw new Error("expected the oracle to refuse, but it signed: this is a bug");
}

main().catch((error: unknown) => {
  console.error(messageOf(error));
  process.exitCode = 1;
});
