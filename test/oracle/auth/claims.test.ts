/**
 * Claimed keys, the oracle's side (Lit's claimKey / claimKeyId, LIT-AUTH.md B): the key of a
 * derivedKeyId is derived from the keystore's root secret (same id, same key; stored durably),
 * routed before the claim is answered, and the derivedKeyId signed (EIP-191) by the oracle's
 * validator account — in an action (Lit.Actions.claimKey) and on POST /pkp/claim for an auth
 * method. The router here is an in-memory stand-in with the router's claim ABI; the contracts'
 * own tests cover setDerivedRoutingData and claimAndMint.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  ClaimIssuer,
  derivedKeyIdOfAction,
  type ClaimRouter,
  type KeyClaim,
} from "../../../src/oracle/auth/claims";
import { AuthError } from "../../../src/oracle/auth/authErrors";
import { authMethodIdOf } from "../../../src/oracle/auth/authMethodId";
import { startOracleServer, type OracleServer } from "../../../src/oracle/http/server";
import { FileKeystore, MemoryKeystore, type Keystore } from "../../../src/oracle/keystore";
import { ActionRuntime } from "../../../src/oracle/runtime";
import { MAX_CLAIMS_PER_RUN } from "../../../src/oracle/executionHost";
import { cidOfCode } from "../../../src/cid";
import { makeTempDir } from "../../helpers/tempDir";
import { postJson, refusalOf } from "../http/client";
import { APP, googleAuthMethod, walletWorld } from "../../helpers/wallet";

/** The router's claim ABI over a map: counts routing transactions. */
class MemoryClaimRouter implements ClaimRouter {
  readonly routed = new Map<string, string>();
  transactions = 0;
  async getDerivedPubkey(_staking: string, derivedKeyId: string): Promise<string> {
    return this.routed.get(derivedKeyId.toLowerCase()) ?? "0x";
  }
  async setDerivedRoutingData(derivedKeyId: string, pubkey: string) {
    this.transactions += 1;
    await new Promise((resolve) => setTimeout(resolve, 5)); // a transaction takes a while
    if (this.routed.has(derivedKeyId)) throw new Error(`DerivedKeyAlreadyRouted(${derivedKeyId})`);
    this.routed.set(derivedKeyId.toLowerCase(), pubkey);
    return { wait: async () => undefined };
  }
}

const ID = ethers.id("some derived key id");

function recoverClaimSigner(claim: KeyClaim): string {
  const [signature] = claim.signatures;
  return ethers.verifyMessage(
    ethers.getBytes(claim.derivedKeyId),
    ethers.Signature.from(signature),
  );
}

async function expectAuthError(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(AuthError);
    expect((error as AuthError).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("claimed keys: the oracle's side", () => {
  describe("ClaimIssuer", () => {
    const validator = ethers.Wallet.createRandom();

    it("derives the same key for the same id, routes it once, and signs the id as validator", async () => {
      const router = new MemoryClaimRouter();
      const rootSecret = ethers.getBytes(ethers.id("root"));
      const issuer = new ClaimIssuer(new MemoryKeystore({ rootSecret }), { router, validator });
      const first = await issuer.claim(ID);
      const again = await issuer.claim(ID);
      expect(again.publicKey).to.equal(first.publicKey);
      expect(router.transactions).to.equal(1);
      expect(await router.getDerivedPubkey(ethers.ZeroAddress, ID)).to.equal(first.publicKey);
      expect(first.tokenId).to.equal(BigInt(ethers.keccak256(first.publicKey)));
      expect(recoverClaimSigner(first)).to.equal(validator.address);
      expect(first.signatures[0].v).to.be.oneOf([27, 28]);

      // Another keystore with the same root secret derives the same key; another root does not.
      const twin = await new MemoryKeystore({ rootSecret }).deriveKey(
        "claim-key",
        ethers.getBytes(ID),
      );
      expect(twin.publicKey).to.equal(first.publicKey);
      const stranger = await new MemoryKeystore().deriveKey("claim-key", ethers.getBytes(ID));
      expect(stranger.publicKey).to.not.equal(first.publicKey);
      const other = await issuer.claim(ethers.id("another id"));
      expect(other.publicKey).to.not.equal(first.publicKey);
    });

    it("stores a claimed key like a pool key: it signs after the keystore is reopened", async () => {
      const dir = await makeTempDir("pkp-claims-");
      try {
        const open = () =>
          FileKeystore.open({
            dir: dir.path,
            passphrase: "claims test",
            scrypt: { N: 2 ** 10, r: 8, p: 1 },
          });
        const issuer = new ClaimIssuer(await open(), {
          router: new MemoryClaimRouter(),
          validator,
        });
        const claim = await issuer.claim(ID);
        const reopened = await open();
        expect(reopened.has(claim.tokenId)).to.equal(true);
        const signature = reopened.signDigest(claim.tokenId, ID);
        expect(ethers.recoverAddress(ID, signature.signature)).to.equal(
          ethers.computeAddress(claim.publicKey),
        );
        const derived = await reopened.deriveKey("claim-key", ethers.getBytes(ID));
        expect(derived.publicKey).to.equal(claim.publicKey);
      } finally {
        await dir.remove();
      }
    });

    it("shares one routing transaction between concurrent claims of one id", async () => {
      const router = new MemoryClaimRouter();
      const issuer = new ClaimIssuer(new MemoryKeystore(), { router, validator });
      const claims = await Promise.all([issuer.claim(ID), issuer.claim(ID), issuer.claim(ID)]);
      expect(new Set(claims.map((c) => c.publicKey)).size).to.equal(1);
      expect(router.transactions).to.equal(1);
    });

    it("CLAIM_CONFLICT when the id is routed to a key this oracle did not derive", async () => {
      const router = new MemoryClaimRouter();
      router.routed.set(ID.toLowerCase(), ethers.Wallet.createRandom().signingKey.publicKey);
      const issuer = new ClaimIssuer(new MemoryKeystore(), { router, validator });
      await expectAuthError(issuer.claim(ID), "CLAIM_CONFLICT");
      expect(router.transactions).to.equal(0);
    });

    it("CLAIMS_RATE_LIMITED past the new keys a minute allows; known keys still answer", async () => {
      const router = new MemoryClaimRouter();
      let now = 1_000_000;
      const issuer = new ClaimIssuer(new MemoryKeystore(), {
        router,
        validator,
        maxNewPerMinute: 2,
        now: () => now,
      });
      await issuer.claim(ethers.id("a"));
      await issuer.claim(ethers.id("b"));
      await expectAuthError(issuer.claim(ethers.id("c")), "CLAIMS_RATE_LIMITED");
      await issuer.claim(ethers.id("a")); // routed already: no new transaction
      now += 61_000;
      await issuer.claim(ethers.id("c"));
      expect(router.transactions).to.equal(3);
    });

    it("CLAIMS_UNAVAILABLE for a keystore that cannot derive keys, or a router that fails", async () => {
      const noDerive: Keystore = { ...new MemoryKeystore(), deriveKey: undefined } as Keystore;
      await expectAuthError(
        new ClaimIssuer(noDerive, { router: new MemoryClaimRouter(), validator }).claim(ID),
        "CLAIMS_UNAVAILABLE",
      );
      const broken: ClaimRouter = {
        getDerivedPubkey: () => Promise.reject(new Error("chain down")),
        setDerivedRoutingData: () => Promise.reject(new Error("chain down")),
      };
      await expectAuthError(
        new ClaimIssuer(new MemoryKeystore(), { router: broken, validator }).claim(ID),
        "CLAIMS_UNAVAILABLE",
      );
    });
  });

  describe("Lit.Actions.claimKey and POST /pkp/claim", () => {
    const runtime = new ActionRuntime({ poolSize: 1 });
    let server: OracleServer | undefined;
    let bare: OracleServer | undefined;
    after(async () => {
      await server?.close();
      await bare?.close();
      await runtime.close();
    });

    async function fixture() {
      const router = new MemoryClaimRouter();
      const validator = ethers.Wallet.createRandom();
      const world = await walletWorld(runtime, { claims: { router, validator } });
      server ??= await startOracleServer({ oracle: world.oracle, port: 0 });
      return { ...world, router, validator, url: server.url };
    }

    const CLAIM_ACTION = `(async () => {
      const result = await Lit.Actions.claimKey({ keyId: jsParams.keyId });
      Lit.Actions.setResponse({ response: result });
    })();`;

    it('claimKey in an action: claims[keyId] in Lit\'s shape, derivedKeyId = keccak256("<cid>_<keyId>")', async () => {
      const { oracle, router, validator } = await loadFixture(fixture);
      const ipfsId = await cidOfCode(CLAIM_ACTION);
      const result = await oracle.execute({
        code: CLAIM_ACTION,
        jsParams: { keyId: "alice@example.com" },
      });
      if (!result.success) throw new Error(result.error.message);
      expect(result.response).to.equal("success");
      const expectedId = ethers.keccak256(ethers.toUtf8Bytes(`${ipfsId}_alice@example.com`));
      expect(derivedKeyIdOfAction(ipfsId, "alice@example.com")).to.equal(expectedId);
      const claim = result.claims?.["alice@example.com"];
      expect(claim?.derivedKeyId).to.equal(expectedId.slice(2)); // no 0x, as Lit's SDK
      expect(claim?.signatures).to.have.length(1);
      const [signature] = claim?.signatures ?? [];
      expect(Object.keys(signature).sort()).to.deep.equal(["r", "s", "v"]);
      expect(
        ethers.verifyMessage(ethers.getBytes(expectedId), ethers.Signature.from(signature)),
      ).to.equal(validator.address);
      expect(router.routed.has(expectedId)).to.equal(true);
    });

    it("a claimKey with a blank keyId rejects inside the action, catchable", async () => {
      const { oracle } = await loadFixture(fixture);
      const result = await oracle.execute({
        code: `(async () => {
          try { await Lit.Actions.claimKey({ keyId: "  " }); }
          catch (e) { Lit.Actions.setResponse({ response: String(e.code) }); }
        })();`,
      });
      if (!result.success) throw new Error(result.error.message);
      expect(result.response).to.equal("INVALID_ARGUMENT");
      expect(result.claims).to.equal(undefined);
    });

    it("LIMIT_EXCEEDED past 16 distinct keyIds in one execution (a keyId claimed again counts once)", async () => {
      const { oracle } = await loadFixture(fixture);
      const claimMany = (count: number) => `(async () => {
        for (let i = 0; i < ${count}; i++) await Lit.Actions.claimKey({ keyId: "many-" + i });
        await Lit.Actions.claimKey({ keyId: "many-0" });
      })();`;
      const atBound = await oracle.execute({ code: claimMany(MAX_CLAIMS_PER_RUN) });
      if (!atBound.success) throw new Error(atBound.error.message);
      expect(Object.keys(atBound.claims ?? {})).to.have.length(MAX_CLAIMS_PER_RUN);
      const past = await oracle.execute({ code: claimMany(MAX_CLAIMS_PER_RUN + 1) });
      expect(past.success ? "success" : past.error.code).to.equal("LIMIT_EXCEEDED");
    });

    it("a keyId over 256 characters rejects inside the action with INVALID_ARGUMENT, catchable", async () => {
      const { oracle } = await loadFixture(fixture);
      const result = await oracle.execute({
        code: `(async () => {
          await Lit.Actions.claimKey({ keyId: "k".repeat(256) });
          try { await Lit.Actions.claimKey({ keyId: "k".repeat(257) }); }
          catch (e) { Lit.Actions.setResponse({ response: String(e.code) }); }
        })();`,
      });
      if (!result.success) throw new Error(result.error.message);
      expect(result.response).to.equal("INVALID_ARGUMENT");
      expect(Object.keys(result.claims ?? {})).to.deep.equal(["k".repeat(256)]);
    });

    it("POST /pkp/claim for a login: the key of its auth method id, routed and signed", async () => {
      const { issuer, router, validator, url } = await loadFixture(fixture);
      const idToken = await issuer.mint({ sub: "dora", aud: APP });
      const answer = await postJson(url, "/pkp/claim", { authMethod: googleAuthMethod(idToken) });
      expect(answer.status, answer.text).to.equal(200);
      const body = answer.json as {
        claimedKeyId: string;
        pubkey: string;
        signatures: Array<{ r: string; s: string; v: number }>;
      };
      const authMethodId = authMethodIdOf("dora", APP);
      expect(body.claimedKeyId).to.equal(authMethodId.slice(2));
      expect(router.routed.get(authMethodId)).to.equal(body.pubkey);
      expect(
        ethers.verifyMessage(
          ethers.getBytes(authMethodId),
          ethers.Signature.from(body.signatures[0]),
        ),
      ).to.equal(validator.address);
      // The same login again: the same key, no new transaction.
      const transactions = router.transactions;
      const again = await postJson(url, "/pkp/claim", { authMethod: googleAuthMethod(idToken) });
      expect((again.json as { pubkey: string }).pubkey).to.equal(body.pubkey);
      expect(router.transactions).to.equal(transactions);
    });

    it("POST /pkp/claim refusals: a bad token 401, a bad body 400, no claims configured 503", async () => {
      const { issuer, url, stack, keystore } = await loadFixture(fixture);
      const expired = await issuer.mint({ sub: "dora", aud: APP, expiresIn: -120 });
      const refused = await postJson(url, "/pkp/claim", { authMethod: googleAuthMethod(expired) });
      expect([refused.status, refusalOf(refused).code]).to.deep.equal([401, "JWT_EXPIRED"]);
      const extra = await postJson(url, "/pkp/claim", {
        authMethod: googleAuthMethod(expired),
        x: 1,
      });
      expect([extra.status, refusalOf(extra).code]).to.deep.equal([400, "INVALID_REQUEST"]);
      const unsupported = await postJson(url, "/pkp/claim", {
        authMethod: { authMethodType: 3, accessToken: "{}" },
      });
      expect([unsupported.status, refusalOf(unsupported).code]).to.deep.equal([
        400,
        "AUTH_METHOD_UNSUPPORTED",
      ]);

      const { SigningOracle } = await import("../../../src/oracle/oracle");
      const { oracleContracts } = await import("../../helpers/stack");
      const withoutClaims = new SigningOracle({
        contracts: oracleContracts(stack),
        provider: ethers.provider,
        chainId: 31337,
        keystore,
        runtime,
      });
      bare ??= await startOracleServer({ oracle: withoutClaims, port: 0 });
      const token = await issuer.mint({ sub: "dora", aud: APP });
      const off = await postJson(bare.url, "/pkp/claim", { authMethod: googleAuthMethod(token) });
      expect([off.status, refusalOf(off).code]).to.deep.equal([503, "CLAIMS_UNAVAILABLE"]);
      const inAction = await withoutClaims.execute({
        code: CLAIM_ACTION,
        jsParams: { keyId: "k" },
      });
      expect(inAction.success ? "success" : inAction.error.code).to.equal("CLAIMS_UNAVAILABLE");
    });
  });
});
