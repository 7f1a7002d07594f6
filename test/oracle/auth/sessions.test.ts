/**
 * Sessions (Lit's signSessionKey + sessionSigs): POST /pkp/session, then /pkp/sign and /execute
 * with sessionSigs; every refusal with its code and HTTP status. The test signs its own
 * sessionSigs (noble ed25519) so that it can make them wrong in every way.
 */
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { ed25519 } from "@noble/curves/ed25519";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { AuthContext } from "../../../src/oracle/auth/authContext";
import { authMethodIdOf } from "../../../src/oracle/auth/authMethodId";
import {
  AUTH_CONTEXT_RESOURCE,
  capabilityEntry,
  decodeRecap,
} from "../../../src/oracle/auth/recap";
import type { SessionSigPayload } from "../../../src/oracle/auth/sessionFormat";
import type { AuthSig } from "../../../src/oracle/authSig";
import { startOracleServer, type OracleServer } from "../../../src/oracle/http/server";
import { MemoryKeystore, type Keystore } from "../../../src/oracle/keystore";
import { SigningOracle } from "../../../src/oracle/oracle";
import { ActionRuntime, type ActionRunInput } from "../../../src/oracle/runtime";
import { formatSiweMessage, parseSiweMessage } from "../../../src/oracle/siwe";
import { PkpSession } from "../../../src/wallet/session";
import { postJson, refusalOf, type HttpAnswer } from "../http/client";
import { AUTH_METHOD_GOOGLE_JWT, oracleContracts } from "../../helpers/stack";
import {
  APP,
  CHAIN_ID,
  DIGEST,
  googleAuthMethod,
  walletAuthMethod,
  walletWorld,
} from "../../helpers/wallet";

class SpyRuntime extends ActionRuntime {
  lastAuth: AuthContext | undefined;
  override run(input: ActionRunInput) {
    this.lastAuth = input.auth;
    return super.run(input);
  }
}

const ABILITIES = [
  { resource: { resource: "*", resourcePrefix: "lit-pkp" }, ability: "pkp-signing" },
  { resource: { resource: "*", resourcePrefix: "lit-litaction" }, ability: "lit-action-execution" },
];
const OTHER_DIGEST = ethers.keccak256(ethers.toUtf8Bytes("another digest"));

/** A session key held by the test, which signs sessionSigs however it is told. */
class TestSessionKey {
  readonly secret = ed25519.utils.randomPrivateKey();
  readonly publicKey = Buffer.from(ed25519.getPublicKey(this.secret)).toString("hex");
  readonly uri = `lit:session:${this.publicKey}`;

  /** A SIWE for `pkpPublicKey`'s address and this key, nonce = the latest block hash. */
  async siwe(pkpPublicKey: string, overrides: Record<string, unknown> = {}): Promise<string> {
    const latest = await ethers.provider.getBlock("latest");
    const now = Date.now();
    return formatSiweMessage({
      domain: "localhost",
      address: ethers.computeAddress(pkpPublicKey),
      uri: this.uri,
      version: "1",
      chainId: CHAIN_ID,
      nonce: latest!.hash!,
      issuedAt: new Date(now).toISOString(),
      expirationTime: new Date(now + 3600_000).toISOString(),
      ...overrides,
    });
  }

  sessionSig(capability: AuthSig, nodeAddress: string, overrides: Partial<SessionSigPayload> = {}) {
    const now = Date.now();
    const payload: SessionSigPayload = {
      sessionKey: this.publicKey,
      resourceAbilityRequests: ABILITIES,
      capabilities: [capability],
      issuedAt: new Date(now).toISOString(),
      expiration: new Date(now + 60_000).toISOString(),
      nodeAddress,
      ...overrides,
    };
    const signedMessage = JSON.stringify(payload);
    return {
      sig: Buffer.from(ed25519.sign(new TextEncoder().encode(signedMessage), this.secret)).toString(
        "hex",
      ),
      derivedVia: "litSessionSignViaNacl",
      signedMessage,
      address: this.publicKey,
      algo: "ed25519",
    };
  }
}

function expectRefused(answer: HttpAnswer, status: number, code: string) {
  expect([answer.status, refusalOf(answer).code], answer.text).to.deep.equal([status, code]);
}

describe("sessions: POST /pkp/session, then sessionSigs on /pkp/sign and /execute", () => {
  const runtime = new SpyRuntime({ poolSize: 1 });
  const servers: OracleServer[] = [];
  after(async () => {
    for (const server of servers) await server.close();
    await runtime.close();
  });

  async function serve(oracle: SigningOracle): Promise<string> {
    const server = await startOracleServer({ oracle, port: 0 });
    servers.push(server);
    return server.url;
  }

  async function fixture() {
    const world = await walletWorld(runtime);
    const alice = await world.mintForLogin("alice");
    const bob = await world.mintForLogin("bob", { selfOwned: false });
    const url = await serve(world.oracle);
    /** Opens a session for `pkp` with the test's own session key. */
    const open = async (
      pkp: { publicKey: string; idToken: string },
      key = new TestSessionKey(),
    ) => {
      const result = await world.oracle.createSession({
        sessionKey: key.uri,
        authMethods: [googleAuthMethod(pkp.idToken)],
        pkpPublicKey: pkp.publicKey,
        siweMessage: await key.siwe(pkp.publicKey),
      });
      if (!result.success) throw new Error(result.error.message);
      return { key, capability: result.authSig, nodeAddress: result.nodeAddress, result };
    };
    return { ...world, alice, bob, url, open };
  }

  const signWith = (url: string, pubKey: string, sessionSigs: unknown, toSign = DIGEST) =>
    postJson(url, "/pkp/sign", { pubKey, toSign, sessionSigs });

  describe("the positive path", () => {
    it("a session opened with a Google login signs many times, in process and over HTTP", async () => {
      const { oracle, alice, url } = await loadFixture(fixture);
      const session = await PkpSession.open({
        oracle,
        provider: ethers.provider,
        pkpPublicKey: alice.publicKey,
        authMethods: [googleAuthMethod(alice.idToken)],
      });
      for (const toSign of [DIGEST, OTHER_DIGEST]) {
        const answer = await signWith(url, alice.publicKey, session.sessionSigs(), toSign);
        expect(answer.status, answer.text).to.equal(200);
        const { signature } = answer.json as { signature: { signature: string } };
        expect(ethers.recoverAddress(toSign, signature.signature)).to.equal(alice.ethAddress);
      }
      const inProcess = await oracle.pkpSign({
        pubKey: alice.publicKey,
        toSign: DIGEST,
        sessionSigs: session.sessionSigs(),
      });
      expect(inProcess.success, JSON.stringify(inProcess)).to.equal(true);
    });

    it("/execute takes the auth context from the capability, as on Lit", async () => {
      const { alice, url, open } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(alice);
      const answer = await postJson(url, "/execute", {
        code: `(async () => { await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.publicKey, sigName: "s" }); })();`,
        jsParams: { toSign: Array.from(ethers.getBytes(DIGEST)), publicKey: alice.publicKey },
        sessionSigs: { [nodeAddress]: key.sessionSig(capability, nodeAddress) },
      });
      expect(answer.status, answer.text).to.equal(200);
      const auth = runtime.lastAuth as AuthContext;
      expect(auth.authSigAddress).to.equal(alice.ethAddress);
      expect(auth.authMethodContexts).to.have.length(1);
      expect(auth.authMethodContexts[0]).to.deep.include({
        userId: "alice",
        appId: APP,
        authMethodType: 6,
        usedForSignSessionKeyRequest: true,
      });
    });

    it("answers a capability: an EIP-191 authSig of the PKP for the session key, with Lit's ReCap auth context", async () => {
      const { alice, open } = await loadFixture(fixture);
      const { key, capability, result } = await open(alice);
      expect(capability.address).to.equal(alice.ethAddress);
      expect(capability.derivedVia).to.equal("lit.pkp.eip191");
      expect(ethers.verifyMessage(capability.signedMessage, capability.sig)).to.equal(
        alice.ethAddress,
      );
      const siwe = parseSiweMessage(capability.signedMessage);
      expect(siwe.uri).to.equal(key.uri);
      expect(siwe.expirationTime).to.equal(result.expiration);
      const recap = decodeRecap(siwe.resources!.at(-1)!);
      expect(Object.keys(recap.att)).to.deep.equal([AUTH_CONTEXT_RESOURCE]);
      const entry = capabilityEntry(siwe.resources, AUTH_CONTEXT_RESOURCE, "Auth/Auth") as {
        auth_context: AuthContext;
        pkp_public_key: string;
      };
      expect(entry.pkp_public_key).to.equal(alice.publicKey.toLowerCase());
      expect(entry.auth_context.authMethodContexts[0].authMethodId).to.equal(
        authMethodIdOf("alice", APP),
      );
    });

    it("accepts Lit's map of sessionSigs by node URL once the URL is accepted", async () => {
      const { oracle, alice, url, open } = await loadFixture(fixture);
      const { key, capability } = await open(alice);
      oracle.sessions.acceptNodeAddress(url);
      const answer = await signWith(url, alice.publicKey, {
        "https://some-other-node:443": key.sessionSig(capability, "https://some-other-node:443"),
        [url]: key.sessionSig(capability, url),
      });
      expect(answer.status, answer.text).to.equal(200);
    });

    it("cuts a capability's lifetime to 24 h", async () => {
      const { oracle, alice } = await loadFixture(fixture);
      const key = new TestSessionKey();
      const result = await oracle.createSession({
        sessionKey: key.uri,
        authMethods: [googleAuthMethod(alice.idToken)],
        pkpPublicKey: alice.publicKey,
        siweMessage: await key.siwe(alice.publicKey, {
          expirationTime: new Date(Date.now() + 7 * 86400_000).toISOString(),
        }),
      });
      if (!result.success) throw new Error(result.error.message);
      expect(Date.parse(result.expiration) - Date.now()).to.be.lessThanOrEqual(86400_000);
    });
  });

  describe("POST /pkp/session refusals", () => {
    let loaded: Awaited<ReturnType<typeof fixture>> | undefined;
    beforeEach(async () => {
      loaded = await loadFixture(fixture);
    });

    /** POST /pkp/session for alice's PKP (the fixture is loaded before each test). */
    async function openOverHttp(
      overrides: Record<string, unknown>,
      siwe: Record<string, unknown> = {},
    ) {
      const { alice, url } = loaded!;
      const key = new TestSessionKey();
      return postJson(url, "/pkp/session", {
        sessionKey: key.uri,
        authMethods: [googleAuthMethod(alice.idToken)],
        pkpPublicKey: alice.publicKey,
        siweMessage: await key.siwe(alice.publicKey, siwe),
        ...overrides,
      });
    }

    it("400 INVALID_SESSION_REQUEST when the SIWE's address is not the PKP's", async () => {
      const { stack } = await loadFixture(fixture);
      expectRefused(
        await openOverHttp({}, { address: stack.bob.address }),
        400,
        "INVALID_SESSION_REQUEST",
      );
    });

    it("400 INVALID_SESSION_REQUEST when the SIWE's uri is not the session key's", async () => {
      expectRefused(
        await openOverHttp({}, { uri: new TestSessionKey().uri }),
        400,
        "INVALID_SESSION_REQUEST",
      );
    });

    it("400 INVALID_SESSION_REQUEST for another chain, or no Expiration Time", async () => {
      expectRefused(await openOverHttp({}, { chainId: 1 }), 400, "INVALID_SESSION_REQUEST");
      expectRefused(
        await openOverHttp({}, { expirationTime: undefined }),
        400,
        "INVALID_SESSION_REQUEST",
      );
    });

    it("401 SESSION_NONCE_INVALID for a nonce that is no block hash, or an old one", async () => {
      expectRefused(
        await openOverHttp({}, { nonce: ethers.hexlify(ethers.randomBytes(32)) }),
        401,
        "SESSION_NONCE_INVALID",
      );
      expectRefused(
        await openOverHttp({}, { nonce: "abcdefgh12345678" }),
        401,
        "SESSION_NONCE_INVALID",
      );
      const old = (await ethers.provider.getBlock("latest"))!.hash!;
      await network.provider.send("hardhat_mine", ["0x120"]); // 288 blocks
      expectRefused(await openOverHttp({}, { nonce: old }), 401, "SESSION_NONCE_INVALID");
    });

    it("403 NOT_PERMITTED for a login the PKP does not permit, or without scope 1 or 2", async () => {
      const { issuer, mintForLogin, url } = await loadFixture(fixture);
      const mallory = await issuer.mint({ sub: "mallory", aud: APP });
      expectRefused(
        await openOverHttp({ authMethods: [googleAuthMethod(mallory)] }),
        403,
        "NOT_PERMITTED",
      );
      const third = await mintForLogin("scope-three", { scopes: [3n] });
      const key = new TestSessionKey();
      const answer = await postJson(url, "/pkp/session", {
        sessionKey: key.uri,
        authMethods: [googleAuthMethod(third.idToken)],
        pkpPublicKey: third.publicKey,
        siweMessage: await key.siwe(third.publicKey),
      });
      expectRefused(answer, 403, "NOT_PERMITTED");
    });

    it("401 JWT_EXPIRED for an expired login; 400 for an authSig or custom-auth code", async () => {
      const { issuer } = await loadFixture(fixture);
      const expired = await issuer.mint({ sub: "alice", aud: APP, expiresIn: -600 });
      expectRefused(
        await openOverHttp({ authMethods: [googleAuthMethod(expired)] }),
        401,
        "JWT_EXPIRED",
      );
      expectRefused(await openOverHttp({ authSig: {} }), 400, "INVALID_REQUEST");
      expectRefused(await openOverHttp({ code: "x" }), 400, "INVALID_REQUEST");
      expectRefused(await openOverHttp({ authMethods: [] }), 400, "INVALID_SESSION_REQUEST");
    });
  });

  describe("sessionSig refusals", () => {
    it("401 SESSION_EXPIRED for an expired sessionSig", async () => {
      const { alice, url, open } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(alice);
      const past = (ms: number) => new Date(Date.now() - ms).toISOString();
      const sig = key.sessionSig(capability, nodeAddress, {
        issuedAt: past(120_000),
        expiration: past(1),
      });
      expectRefused(await signWith(url, alice.publicKey, sig), 401, "SESSION_EXPIRED");
    });

    it("401 SESSION_EXPIRED once the capability has expired", async () => {
      const world = await walletWorld(runtime, { sessions: { maxLifetimeMs: 800 } });
      const alice = await world.mintForLogin("alice");
      const key = new TestSessionKey();
      const result = await world.oracle.createSession({
        sessionKey: key.uri,
        authMethods: [googleAuthMethod(alice.idToken)],
        pkpPublicKey: alice.publicKey,
        siweMessage: await key.siwe(alice.publicKey),
      });
      if (!result.success) throw new Error(result.error.message);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const answer = await signWith(
        await serve(world.oracle),
        alice.publicKey,
        key.sessionSig(result.authSig, result.nodeAddress),
      );
      expectRefused(answer, 401, "SESSION_EXPIRED");
    });

    it("401 SESSION_EXPIRED for a sessionSig issued before the oracle started (no replay across restarts)", async () => {
      const { alice, open, keystore, stack } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(alice);
      const before = key.sessionSig(capability, nodeAddress);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const restarted = new SigningOracle({
        contracts: oracleContracts(stack),
        provider: ethers.provider,
        chainId: CHAIN_ID,
        keystore,
        runtime,
      });
      expect(restarted.nodeAddress).to.equal(nodeAddress);
      expectRefused(
        await signWith(await serve(restarted), alice.publicKey, before),
        401,
        "SESSION_EXPIRED",
      );
    });

    it("403 SESSION_WRONG_TARGET for a session of another PKP", async () => {
      const { alice, bob, url, open } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(alice);
      expectRefused(
        await signWith(url, bob.publicKey, key.sessionSig(capability, nodeAddress)),
        403,
        "SESSION_WRONG_TARGET",
      );
    });

    it("403 SESSION_WRONG_TARGET for a sessionSig made for another node", async () => {
      const { alice, url, open } = await loadFixture(fixture);
      const { key, capability } = await open(alice);
      expectRefused(
        await signWith(
          url,
          alice.publicKey,
          key.sessionSig(capability, "https://node.example:443"),
        ),
        403,
        "SESSION_WRONG_TARGET",
      );
    });

    it("403 SESSION_WRONG_TARGET for a capability of another oracle on the same chain", async () => {
      const { alice, url, open, keystore, stack } = await loadFixture(fixture);
      const { nodeAddress } = await open(alice);
      // Another oracle that can sign with the same PKPs, but has its own root secret.
      const otherRoot = new MemoryKeystore();
      const sharing: Keystore = {
        generate: (t) => keystore.generate(t),
        has: (id) => keystore.has(id),
        list: () => keystore.list(),
        get: (id) => keystore.get(id),
        signDigest: (id, d) => keystore.signDigest(id, d),
        retire: (id, at) => keystore.retire(id, at),
        deriveSecret: (p, id, l) => otherRoot.deriveSecret(p, id, l),
      };
      const other = new SigningOracle({
        contracts: oracleContracts(stack),
        provider: ethers.provider,
        chainId: CHAIN_ID,
        keystore: sharing,
        runtime,
        oidc: { issuers: [(await loadFixture(fixture)).issuer.oidcIssuer([APP])] },
      });
      const key = new TestSessionKey();
      const theirs = await other.createSession({
        sessionKey: key.uri,
        authMethods: [googleAuthMethod(alice.idToken)],
        pkpPublicKey: alice.publicKey,
        siweMessage: await key.siwe(alice.publicKey),
      });
      if (!theirs.success) throw new Error(theirs.error.message);
      expect(theirs.nodeAddress).to.not.equal(nodeAddress);
      const answer = await signWith(
        url,
        alice.publicKey,
        key.sessionSig(theirs.authSig, nodeAddress),
      );
      expectRefused(answer, 403, "SESSION_WRONG_TARGET");
      expect(refusalOf(answer).message).to.match(/not issued by this oracle/);
    });

    it("403 SESSION_WRONG_TARGET for a capability of another chain", async () => {
      const { alice, url, open, keystore, stack, issuer } = await loadFixture(fixture);
      const { nodeAddress } = await open(alice);
      const otherChain = new SigningOracle({
        contracts: oracleContracts(stack),
        provider: ethers.provider,
        chainId: 1,
        keystore,
        runtime,
        oidc: { issuers: [issuer.oidcIssuer([APP])] },
      });
      const key = new TestSessionKey();
      const theirs = await otherChain.createSession({
        sessionKey: key.uri,
        authMethods: [googleAuthMethod(alice.idToken)],
        pkpPublicKey: alice.publicKey,
        siweMessage: await key.siwe(alice.publicKey, { chainId: 1 }),
      });
      if (!theirs.success) throw new Error(theirs.error.message);
      const answer = await signWith(
        url,
        alice.publicKey,
        key.sessionSig(theirs.authSig, nodeAddress),
      );
      expectRefused(answer, 403, "SESSION_WRONG_TARGET");
      expect(refusalOf(answer).message).to.match(/chain 1/);
    });

    it("403 SESSION_WRONG_TARGET for a capability forged by someone who may make the PKP sign anything", async () => {
      const { oracle, alice, url, open } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(alice);
      // Alice may sign any digest with her PKP: she rewrites her capability's auth context
      // (another identity, for actions that trust Lit.Auth) and signs it with the PKP.
      const forgedMessage = capability.signedMessage.replace(/urn:recap:\S+/, (recap) => {
        const decoded = decodeRecap(recap);
        const entry = decoded.att[AUTH_CONTEXT_RESOURCE]["Auth/Auth"][0] as {
          auth_context: AuthContext;
        };
        entry.auth_context.authMethodContexts[0].userId = "the-admin";
        return `urn:recap:${Buffer.from(JSON.stringify(decoded)).toString("base64url")}`;
      });
      const signed = await oracle.pkpSign({
        pubKey: alice.publicKey,
        toSign: ethers.hashMessage(forgedMessage),
        authMethods: [googleAuthMethod(alice.idToken)],
      });
      if (!signed.success) throw new Error(signed.error.message);
      const forged = {
        ...capability,
        signedMessage: forgedMessage,
        sig: signed.signature.signature,
      };
      expectRefused(
        await signWith(url, alice.publicKey, key.sessionSig(forged, nodeAddress)),
        403,
        "SESSION_WRONG_TARGET",
      );
    });

    it("403 SESSION_WRONG_TARGET when the sessionSig does not request pkp-signing", async () => {
      const { alice, url, open } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(alice);
      const sig = key.sessionSig(capability, nodeAddress, {
        resourceAbilityRequests: [ABILITIES[1]],
      });
      expectRefused(await signWith(url, alice.publicKey, sig), 403, "SESSION_WRONG_TARGET");
    });

    it("409 SESSION_REPLAYED for a sessionSig replayed with another body; the same body again is a retry", async () => {
      const { alice, url, open } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(alice);
      const sig = key.sessionSig(capability, nodeAddress);
      expect((await signWith(url, alice.publicKey, sig, DIGEST)).status).to.equal(200);
      expect((await signWith(url, alice.publicKey, sig, DIGEST)).status).to.equal(200);
      expectRefused(
        await signWith(url, alice.publicKey, sig, OTHER_DIGEST),
        409,
        "SESSION_REPLAYED",
      );
    });

    it("403 SESSION_AUTH_METHOD_REVOKED once the session's auth method is removed from the PKP", async () => {
      const { bob, stack, url, open } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(bob);
      expect(
        (await signWith(url, bob.publicKey, key.sessionSig(capability, nodeAddress))).status,
      ).to.equal(200);
      await (
        await stack.permissions.removePermittedAuthMethod(
          bob.tokenId,
          AUTH_METHOD_GOOGLE_JWT,
          authMethodIdOf("bob", APP),
        )
      ).wait();
      expectRefused(
        await signWith(url, bob.publicKey, key.sessionSig(capability, nodeAddress)),
        403,
        "SESSION_AUTH_METHOD_REVOKED",
      );
    });

    it("401 INVALID_SESSION for a session key signature that does not verify, or no capability", async () => {
      const { alice, url, open } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(alice);
      const sig = key.sessionSig(capability, nodeAddress);
      const flipped = { ...sig, sig: (sig.sig[0] === "0" ? "1" : "0") + sig.sig.slice(1) };
      expectRefused(await signWith(url, alice.publicKey, flipped), 401, "INVALID_SESSION");
      const bare = key.sessionSig(capability, nodeAddress, { capabilities: [] });
      expectRefused(await signWith(url, alice.publicKey, bare), 401, "INVALID_SESSION");
      expectRefused(await signWith(url, alice.publicKey, { sig: "00" }), 401, "INVALID_SESSION");
    });

    it("400 INVALID_REQUEST for sessionSigs together with authMethods", async () => {
      const { alice, url, open } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(alice);
      const answer = await postJson(url, "/pkp/sign", {
        pubKey: alice.publicKey,
        toSign: DIGEST,
        sessionSigs: key.sessionSig(capability, nodeAddress),
        authMethods: [googleAuthMethod(alice.idToken)],
      });
      expectRefused(answer, 400, "INVALID_REQUEST");
    });

    it("the capability is no authSig: 401 INVALID_AUTH_SIG when sent as one", async () => {
      const { alice, url, open } = await loadFixture(fixture);
      const { capability } = await open(alice);
      const answer = await postJson(url, "/pkp/sign", {
        pubKey: alice.publicKey,
        toSign: DIGEST,
        authSig: capability,
      });
      expectRefused(answer, 401, "INVALID_AUTH_SIG");
    });

    it("401 INVALID_SESSION past a sessionSig's bounds: 24 h of life, issued ≤ 60 s ahead, 16 sessionSigs, 8 capabilities, 64 KiB", async () => {
      const { alice, url, open } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(alice);
      const now = Date.now();
      const at = (ms: number) => new Date(now + ms).toISOString();
      const DAY = 24 * 60 * 60 * 1000;
      const lifetime = (ms: number) =>
        key.sessionSig(capability, nodeAddress, { issuedAt: at(0), expiration: at(ms) });
      expect((await signWith(url, alice.publicKey, lifetime(DAY))).status).to.equal(200);
      const issuedIn = (ms: number) =>
        key.sessionSig(capability, nodeAddress, { issuedAt: at(ms), expiration: at(ms + 60_000) });
      expect((await signWith(url, alice.publicKey, issuedIn(50_000))).status).to.equal(200);
      const sigs = (count: number) =>
        Object.fromEntries(
          Array.from({ length: count }, (_, i) => [
            `https://node-${i}.example`,
            key.sessionSig(capability, nodeAddress, { expiration: at(60_000 + i) }),
          ]),
        );
      expect((await signWith(url, alice.publicKey, sigs(16))).status).to.equal(200);
      const capabilities = (count: number) =>
        key.sessionSig(capability, nodeAddress, {
          capabilities: Array.from({ length: count }, () => capability),
        });
      expect((await signWith(url, alice.publicKey, capabilities(8))).status).to.equal(200);
      const padding = { padding: "x".repeat(64 * 1024) } as Partial<SessionSigPayload>;
      const refused: Array<[string, unknown]> = [
        ["a lifetime of 24 h and 1 ms", lifetime(DAY + 1)],
        ["an issuedAt 61 s ahead of the clock", issuedIn(61_000)],
        ["17 sessionSigs", sigs(17)],
        ["9 capabilities", capabilities(9)],
        ["a signedMessage over 64 KiB", key.sessionSig(capability, nodeAddress, padding)],
      ];
      for (const [what, sessionSigs] of refused) {
        const answer = await signWith(url, alice.publicKey, sessionSigs);
        expect([answer.status, refusalOf(answer).code], what).to.deep.equal([
          401,
          "INVALID_SESSION",
        ]);
      }
    });

    it("400 INVALID_SESSION_REQUEST for a session SIWE over 16 KiB", async () => {
      const { alice, url } = await loadFixture(fixture);
      const key = new TestSessionKey();
      const siwe = await key.siwe(alice.publicKey, { statement: "x".repeat(16 * 1024) });
      const answer = await postJson(url, "/pkp/session", {
        sessionKey: key.uri,
        authMethods: [googleAuthMethod(alice.idToken)],
        pkpPublicKey: alice.publicKey,
        siweMessage: siwe,
      });
      expectRefused(answer, 400, "INVALID_SESSION_REQUEST");
      expect(refusalOf(answer).message).to.match(/at most 16384 characters/);
    });

    it("503 BUSY once the replay memory is full of unexpired sessionSigs", async () => {
      const world = await walletWorld(runtime, { sessions: { maxReplayEntries: 2 } });
      const alice = await world.mintForLogin("alice");
      const session = await PkpSession.open({
        oracle: world.oracle,
        provider: ethers.provider,
        pkpPublicKey: alice.publicKey,
        authMethods: [googleAuthMethod(alice.idToken)],
      });
      const url = await serve(world.oracle);
      for (let i = 0; i < 2; i++) {
        expect((await signWith(url, alice.publicKey, session.sessionSigs())).status).to.equal(200);
      }
      expectRefused(await signWith(url, alice.publicKey, session.sessionSigs()), 503, "BUSY");
    });
  });

  describe("POST /decrypt with a session or an auth method (:userAddress)", () => {
    /** Conditions that hold for `address` only (Lit's "a specific wallet" condition). */
    const onlyFor = (address: string) => [
      {
        contractAddress: "",
        standardContractType: "",
        chain: "localhost",
        method: "",
        parameters: [":userAddress"],
        returnValueTest: { comparator: "=", value: address },
      },
    ];
    const DECRYPTION = {
      resource: { resource: "*", resourcePrefix: "lit-accesscontrolcondition" },
      ability: "access-control-condition-decryption",
    };

    async function sealedFor(url: string, address: string, text: string) {
      const accessControlConditions = onlyFor(address);
      const answer = await postJson(url, "/encrypt", {
        accessControlConditions,
        dataToEncrypt: text,
      });
      expect(answer.status, answer.text).to.equal(200);
      const { ciphertext, dataToEncryptHash } = answer.json as {
        ciphertext: string;
        dataToEncryptHash: string;
      };
      return { accessControlConditions, ciphertext, dataToEncryptHash, chain: "localhost" };
    }

    it("decrypts for a session whose PKP address the conditions name, and for no other session", async () => {
      const { oracle, alice, bob, url } = await loadFixture(fixture);
      const sessionOf = (pkp: { publicKey: string; idToken: string }) =>
        PkpSession.open({
          oracle,
          provider: ethers.provider,
          pkpPublicKey: pkp.publicKey,
          authMethods: [googleAuthMethod(pkp.idToken)],
          resourceAbilityRequests: [...ABILITIES, DECRYPTION],
        });
      const sealed = await sealedFor(url, alice.ethAddress, "alice's secret");
      const mine = await postJson(url, "/decrypt", {
        ...sealed,
        sessionSigs: (await sessionOf(alice)).sessionSigs(),
      });
      expect(mine.status, mine.text).to.equal(200);
      expect((mine.json as { decryptedString: string }).decryptedString).to.equal("alice's secret");
      const theirs = await postJson(url, "/decrypt", {
        ...sealed,
        sessionSigs: (await sessionOf(bob)).sessionSigs(),
      });
      expectRefused(theirs, 403, "CONDITIONS_NOT_MET");
    });

    it("403 SESSION_WRONG_TARGET for a session that did not request access-control-condition-decryption", async () => {
      const { alice, url, open } = await loadFixture(fixture);
      const { key, capability, nodeAddress } = await open(alice);
      const sealed = await sealedFor(url, alice.ethAddress, "x");
      const answer = await postJson(url, "/decrypt", {
        ...sealed,
        sessionSigs: { [nodeAddress]: key.sessionSig(capability, nodeAddress) }, // ABILITIES only
      });
      expectRefused(answer, 403, "SESSION_WRONG_TARGET");
      expect(refusalOf(answer).message).to.match(/access-control-condition-decryption/);
    });

    it("takes :userAddress from an EthWallet auth method; a Google login proves no address", async () => {
      const { alice, url } = await loadFixture(fixture);
      const [, , , , , carol] = await ethers.getSigners();
      const sealed = await sealedFor(url, carol.address, "carol's secret");
      const byWallet = await postJson(url, "/decrypt", {
        ...sealed,
        authMethods: [await walletAuthMethod(carol)],
      });
      expect(byWallet.status, byWallet.text).to.equal(200);
      expect((byWallet.json as { decryptedString: string }).decryptedString).to.equal(
        "carol's secret",
      );
      const byGoogle = await postJson(url, "/decrypt", {
        ...sealed,
        authMethods: [googleAuthMethod(alice.idToken)],
      });
      expect(byGoogle.status, byGoogle.text).to.not.equal(200);
      expect(refusalOf(byGoogle).message).to.match(/proved no address/);
    });
  });
});
