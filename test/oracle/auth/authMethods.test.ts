/**
 * Auth methods on /pkp/sign and /execute (library and HTTP): a login signs with its PKP where the
 * chain permits its (type, id) with the scope; every refusal with its code and HTTP status.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { AuthContext } from "../../../src/oracle/auth/authContext";
import { startOracleServer, type OracleServer } from "../../../src/oracle/http/server";
import type { SigningOracle } from "../../../src/oracle/oracle";
import { ActionRuntime, type ActionRunInput } from "../../../src/oracle/runtime";
import { authMethodIdOf } from "../../../src/oracle/auth/authMethodId";
import { postJson, refusalOf } from "../http/client";
import { AUTH_METHOD_GOOGLE_JWT, SCOPE_SIGN_ANYTHING } from "../../helpers/stack";
import {
  APP,
  DIGEST,
  googleAuthMethod,
  refusedTokens,
  walletAuthMethod,
  walletWorld,
} from "../../helpers/wallet";

/** The runtime, remembering the AuthContext of the last run (what Lit.Auth shows the action). */
class SpyRuntime extends ActionRuntime {
  lastAuth: AuthContext | undefined;
  override run(input: ActionRunInput) {
    this.lastAuth = input.auth;
    return super.run(input);
  }
}

const SIGN_ACTION = `(async () => {
  await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.publicKey, sigName: "s" });
})();`;

describe("auth methods (EthWallet, GoogleJwt) on /pkp/sign and /execute", () => {
  const runtime = new SpyRuntime({ poolSize: 1 });
  const servers = new Map<SigningOracle, OracleServer>();
  after(async () => {
    for (const server of servers.values()) await server.close();
    await runtime.close();
  });

  /** The oracle's HTTP service (one per fixture oracle). */
  async function urlOf(oracle: SigningOracle): Promise<string> {
    let server = servers.get(oracle);
    if (server === undefined) {
      server = await startOracleServer({ oracle, port: 0 });
      servers.set(oracle, server);
    }
    return server.url;
  }

  async function fixture() {
    const world = await walletWorld(runtime);
    const alice = await world.mintForLogin("alice");
    return { ...world, alice, url: await urlOf(world.oracle) };
  }

  async function sign(url: string, body: Record<string, unknown>) {
    return postJson(url, "/pkp/sign", { toSign: DIGEST, ...body });
  }

  function expectSignedBy(answer: { status: number; json: unknown }, address: string) {
    expect(answer.status, JSON.stringify(answer.json)).to.equal(200);
    const { signature } = answer.json as { signature: { signature: string; dataSigned: string } };
    expect(ethers.recoverAddress(signature.dataSigned, signature.signature)).to.equal(address);
  }

  describe("GoogleJwt (type 6)", () => {
    it("signs on /pkp/sign for the PKP's login, over HTTP and in process", async () => {
      const { oracle, alice, url } = await loadFixture(fixture);
      const authMethods = [googleAuthMethod(alice.idToken)];
      expectSignedBy(await sign(url, { pubKey: alice.publicKey, authMethods }), alice.ethAddress);
      const result = await oracle.pkpSign({ pubKey: alice.publicKey, toSign: DIGEST, authMethods });
      if (!result.success) throw new Error(result.error.message);
      expect(ethers.recoverAddress(DIGEST, result.signature.signature)).to.equal(alice.ethAddress);
    });

    it("signs in an action on /execute, and the action sees the login in Lit.Auth", async () => {
      const { alice, url } = await loadFixture(fixture);
      const answer = await postJson(url, "/execute", {
        code: SIGN_ACTION,
        jsParams: { toSign: Array.from(ethers.getBytes(DIGEST)), publicKey: alice.publicKey },
        authMethods: [googleAuthMethod(alice.idToken)],
      });
      expect(answer.status, answer.text).to.equal(200);
      const { signatures } = answer.json as { signatures: Record<string, { signature: string }> };
      expect(ethers.recoverAddress(DIGEST, signatures.s.signature)).to.equal(alice.ethAddress);
      const auth = runtime.lastAuth as AuthContext;
      expect(auth.authSigAddress).to.equal(null);
      expect(auth.authMethodContexts).to.have.length(1);
      const [context] = auth.authMethodContexts;
      expect(context).to.deep.include({
        userId: "alice",
        appId: APP,
        authMethodType: 6,
        usedForSignSessionKeyRequest: false,
        authMethodId: authMethodIdOf("alice", APP),
      });
      expect(context.claims).to.deep.include({
        sub: "alice",
        aud: APP,
        email: "alice@example.com",
      });
    });

    it("refuses every bad token with its code and 401", async () => {
      const { issuer, alice, url } = await loadFixture(fixture);
      for (const [what, token, code] of await refusedTokens(issuer)) {
        const answer = await sign(url, {
          pubKey: alice.publicKey,
          authMethods: [googleAuthMethod(token)],
        });
        expect([answer.status, refusalOf(answer).code], what).to.deep.equal([401, code]);
      }
    });

    it("403 NOT_PERMITTED for a valid login the PKP does not permit", async () => {
      const { issuer, alice, url } = await loadFixture(fixture);
      const mallory = await issuer.mint({ sub: "mallory", aud: APP });
      const answer = await sign(url, {
        pubKey: alice.publicKey,
        authMethods: [googleAuthMethod(mallory)],
      });
      expect([answer.status, refusalOf(answer).code]).to.deep.equal([403, "NOT_PERMITTED"]);
    });

    it("403 NOT_PERMITTED for a login permitted without the scope (scope 2 only, /pkp/sign needs 1)", async () => {
      const { mintForLogin, url } = await loadFixture(fixture);
      const personal = await mintForLogin("paula", { scopes: [2n] });
      const answer = await sign(url, {
        pubKey: personal.publicKey,
        authMethods: [googleAuthMethod(personal.idToken)],
      });
      expect([answer.status, refusalOf(answer).code]).to.deep.equal([403, "NOT_PERMITTED"]);
      // Scope 2 is what personal signing needs: an action may personal-sign for that login.
      const ok = await postJson(url, "/execute", {
        code: `(async () => { await Lit.Actions.ethPersonalSignMessageEcdsa({ message: "hi", publicKey, sigName: "p" }); })();`,
        jsParams: { publicKey: personal.publicKey },
        authMethods: [googleAuthMethod(personal.idToken)],
      });
      expect(ok.status, ok.text).to.equal(200);
    });

    it("403 NOT_PERMITTED once the auth method is removed", async () => {
      const { mintForLogin, stack, url } = await loadFixture(fixture);
      const bobs = await mintForLogin("bob", { selfOwned: false }); // the deployer owns it
      const authMethods = [googleAuthMethod(bobs.idToken)];
      expectSignedBy(await sign(url, { pubKey: bobs.publicKey, authMethods }), bobs.ethAddress);
      await (
        await stack.permissions.removePermittedAuthMethod(
          bobs.tokenId,
          AUTH_METHOD_GOOGLE_JWT,
          authMethodIdOf("bob", APP),
        )
      ).wait();
      const answer = await sign(url, { pubKey: bobs.publicKey, authMethods });
      expect([answer.status, refusalOf(answer).code]).to.deep.equal([403, "NOT_PERMITTED"]);
    });

    it("still signs for a burned PKP whose auth method was granted before the burn, as on Lit", async () => {
      const { mintForLogin, stack, url } = await loadFixture(fixture);
      const carol = await mintForLogin("carol", { selfOwned: false });
      await (await stack.pkpNft.burn(carol.tokenId)).wait();
      expect(await stack.pkpNft.exists(carol.tokenId)).to.equal(false);
      expectSignedBy(
        await sign(url, {
          pubKey: carol.publicKey,
          authMethods: [googleAuthMethod(carol.idToken)],
        }),
        carol.ethAddress,
      );
    });

    it("503 OIDC_UNAVAILABLE when a trusted issuer's keys cannot be fetched", async () => {
      const world = await walletWorld(runtime, {
        oidc: {
          issuers: [{ issuer: "http://127.0.0.1:9", audiences: [APP] }],
          fetchTimeoutMs: 1_000,
        },
      });
      const token = await world.issuer.signClaims({
        iss: "http://127.0.0.1:9",
        sub: "a",
        aud: APP,
        iat: 1,
        exp: 4e9,
      });
      const answer = await sign(await urlOf(world.oracle), {
        pubKey: world.keystore.list()[0].publicKey,
        authMethods: [googleAuthMethod(token)],
      });
      expect([answer.status, refusalOf(answer).code]).to.deep.equal([503, "OIDC_UNAVAILABLE"]);
    });
  });

  describe("EthWallet (type 1)", () => {
    it("signs for the PKP's owner and for a wallet permitted under Lit's id keccak(address:lit)", async () => {
      const { mintForLogin, stack, url } = await loadFixture(fixture);
      const owned = await mintForLogin("dave", { selfOwned: false }); // owner: the deployer
      expectSignedBy(
        await sign(url, {
          pubKey: owned.publicKey,
          authMethods: [await walletAuthMethod(stack.deployer)],
        }),
        owned.ethAddress,
      );
      const carolId = authMethodIdOf(stack.carol.address, "lit");
      await (
        await stack.permissions.addPermittedAuthMethod(
          owned.tokenId,
          { authMethodType: 1n, id: carolId, userPubkey: "0x" },
          [SCOPE_SIGN_ANYTHING],
        )
      ).wait();
      expectSignedBy(
        await sign(url, {
          pubKey: owned.publicKey,
          authMethods: [await walletAuthMethod(stack.carol)],
        }),
        owned.ethAddress,
      );
      const stranger = await sign(url, {
        pubKey: owned.publicKey,
        authMethods: [await walletAuthMethod(stack.stranger)],
      });
      expect([stranger.status, refusalOf(stranger).code]).to.deep.equal([403, "NOT_PERMITTED"]);
    });

    it("401 INVALID_AUTH_SIG for a wallet auth method whose authSig does not verify", async () => {
      const { stack, alice, url } = await loadFixture(fixture);
      const method = await walletAuthMethod(stack.bob);
      const authSig = JSON.parse(method.accessToken) as { address: string };
      authSig.address = stack.carol.address;
      const answer = await sign(url, {
        pubKey: alice.publicKey,
        authMethods: [{ authMethodType: 1, accessToken: JSON.stringify(authSig) }],
      });
      expect([answer.status, refusalOf(answer).code]).to.deep.equal([401, "INVALID_AUTH_SIG"]);
      expect(refusalOf(answer).message).to.match(/authMethods\[0\] \(EthWallet\)/);
    });
  });

  describe("malformed and unsupported", () => {
    const cases: Array<[string, unknown, number, string]> = [
      [
        "an unsupported type (3, WebAuthn)",
        [{ authMethodType: 3, accessToken: "{}" }],
        400,
        "AUTH_METHOD_UNSUPPORTED",
      ],
      [
        "a token that is not a string",
        [{ authMethodType: 6, accessToken: 7 }],
        401,
        "INVALID_AUTH_METHOD",
      ],
      [
        "a type that is not a number",
        [{ authMethodType: "6", accessToken: "x" }],
        401,
        "INVALID_AUTH_METHOD",
      ],
      [
        "an EthWallet token that is not JSON",
        [{ authMethodType: 1, accessToken: "nope" }],
        401,
        "INVALID_AUTH_METHOD",
      ],
      [
        "a token over 16 KiB",
        [{ authMethodType: 6, accessToken: "x".repeat(17_000) }],
        401,
        "INVALID_AUTH_METHOD",
      ],
      ["authMethods that is not an array", { authMethodType: 6 }, 400, "INVALID_REQUEST"],
      [
        "more than 8 auth methods",
        Array(9).fill({ authMethodType: 6, accessToken: "x" }),
        413,
        "LIMIT_EXCEEDED",
      ],
    ];
    for (const [what, authMethods, status, code] of cases) {
      it(`${status} ${code} for ${what}`, async () => {
        const { alice, url } = await loadFixture(fixture);
        const answer = await sign(url, { pubKey: alice.publicKey, authMethods });
        expect([answer.status, refusalOf(answer).code]).to.deep.equal([status, code]);
      });
    }

    it("401 INVALID_AUTH_SIG for /pkp/sign with no credential at all", async () => {
      const { alice, url } = await loadFixture(fixture);
      const answer = await sign(url, { pubKey: alice.publicKey });
      expect([answer.status, refusalOf(answer).code]).to.deep.equal([401, "INVALID_AUTH_SIG"]);
    });
  });
});
