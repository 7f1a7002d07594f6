/**
 * OidcVerifier against a dev issuer served over HTTP: discovery and JWKS fetching, the cache,
 * refresh on an unknown kid, and every refusal of an ID token with its code.
 */
import { expect } from "chai";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { AuthError } from "../../../src/oracle/auth/authErrors";
import { MAX_KEYS } from "../../../src/oracle/auth/jwks";
import {
  MAX_TOKEN_CHARS,
  OidcVerifier,
  googleIssuer,
  type OidcOptions,
} from "../../../src/oracle/auth/oidc";
import {
  createDevIssuer,
  startDevIssuer,
  type DevIssuerServer,
} from "../../../src/wallet/devIssuer";
import { expectRejection } from "../../helpers/expectRejection";
import { APP, refusedTokens } from "../../helpers/wallet";

function expectAuthError(promise: Promise<unknown>, code: string): Promise<AuthError> {
  return expectRejection(promise, AuthError, code);
}

describe("OidcVerifier (ID tokens, type 6)", () => {
  let server: DevIssuerServer;
  beforeEach(async () => {
    server = await startDevIssuer({ port: 0 });
  });
  afterEach(() => server.close());

  const verifier = (options: Partial<OidcOptions> = {}) =>
    new OidcVerifier({ issuers: [{ issuer: server.url, audiences: [APP] }], ...options });

  it("accepts a token of a trusted issuer for a configured audience, found through discovery", async () => {
    const token = await server.issuer.mint({ sub: "alice", aud: APP, email: "alice@example.com" });
    const verified = await verifier().verify(token);
    expect(verified).to.deep.include({
      issuer: server.url,
      iss: server.url,
      sub: "alice",
      aud: APP,
      email: "alice@example.com",
    });
  });

  for (const alg of ["RS256", "ES256"] as const) {
    it(`accepts ${alg}`, async () => {
      const es = await startDevIssuer({ port: 0, alg });
      try {
        const oidc = new OidcVerifier({ issuers: [{ issuer: es.url, audiences: [APP] }] });
        const token = await es.issuer.mint({ sub: "bob", aud: APP });
        expect((await oidc.verify(token)).sub).to.equal("bob");
      } finally {
        await es.close();
      }
    });
  }

  it("refuses every bad token with its code", async () => {
    const oidc = verifier();
    for (const [what, token, code] of await refusedTokens(server.issuer)) {
      const error = await expectAuthError(oidc.verify(token), code);
      expect(error.message, what).to.be.a("string").and.not.equal("");
    }
  });

  it("tolerates 60 s of clock skew on exp, and no more", async () => {
    const oidc = verifier();
    await oidc.verify(await server.issuer.mint({ sub: "a", aud: APP, expiresIn: -30 }));
    await expectAuthError(
      oidc.verify(await server.issuer.mint({ sub: "a", aud: APP, expiresIn: -90 })),
      "JWT_EXPIRED",
    );
  });

  it("fetches the JWKS once for many tokens (cached)", async () => {
    const oidc = verifier();
    for (let i = 0; i < 20; i++) {
      await oidc.verify(await server.issuer.mint({ sub: `user-${i}`, aud: APP }));
    }
    expect(oidc.jwksFetches()).to.equal(1);
  });

  it("fetches the JWKS again on an unknown kid, so a rotated key works at once", async () => {
    const oidc = verifier({ jwksRefreshCooldownMs: 0 });
    await oidc.verify(await server.issuer.mint({ sub: "alice", aud: APP }));
    await server.issuer.rotateKey();
    await oidc.verify(await server.issuer.mint({ sub: "alice", aud: APP }));
    expect(oidc.jwksFetches()).to.equal(2);
  });

  it("refetches on unknown kids at most once per cooldown (made-up kids cannot hammer the issuer)", async () => {
    const oidc = verifier({ jwksRefreshCooldownMs: 60_000 });
    await oidc.verify(await server.issuer.mint({ sub: "alice", aud: APP }));
    const unknownKid = (await refusedTokens(server.issuer)).find(
      ([, , c]) => c === "JWT_UNKNOWN_KEY",
    );
    for (let i = 0; i < 5; i++)
      await expectAuthError(oidc.verify(unknownKid![1]), "JWT_UNKNOWN_KEY");
    expect(oidc.jwksFetches()).to.equal(1);
  });

  it("keeps cached keys when the issuer becomes unreachable", async () => {
    const oidc = verifier({ jwksRefreshCooldownMs: 0, jwksMaxAgeMs: 0 });
    const token = await server.issuer.mint({ sub: "alice", aud: APP });
    await oidc.verify(token);
    await server.close();
    expect((await oidc.verify(token)).sub).to.equal("alice");
  });

  it("503 OIDC_UNAVAILABLE when the issuer cannot be reached and no keys are cached", async () => {
    const token = await server.issuer.mint({ sub: "alice", aud: APP });
    const oidc = verifier({ fetchTimeoutMs: 2_000 });
    await server.close();
    await expectAuthError(oidc.verify(token), "OIDC_UNAVAILABLE");
  });

  it("refuses a JWKS over the size limit, and a discovery document naming another issuer", async () => {
    const liar = http.createServer((request, response) => {
      if (request.url === "/.well-known/openid-configuration") {
        response.end(JSON.stringify({ issuer: "https://someone-else.example", jwks_uri: "x" }));
      } else {
        response.end(JSON.stringify({ keys: [], padding: "x".repeat(100_000) }));
      }
    });
    await new Promise<void>((resolve) => liar.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`;
    try {
      const token = await server.issuer.signClaims({
        iss: url,
        sub: "a",
        aud: APP,
        iat: 1,
        exp: 2e9,
      });
      const discovery = new OidcVerifier({ issuers: [{ issuer: url, audiences: [APP] }] });
      await expectAuthError(discovery.verify(token), "OIDC_UNAVAILABLE");
      const big = new OidcVerifier({
        issuers: [{ issuer: url, audiences: [APP], jwksUri: `${url}/jwks` }],
      });
      const error = await expectAuthError(big.verify(token), "OIDC_UNAVAILABLE");
      expect(error.message).to.match(/over 65536 bytes/);
    } finally {
      liar.closeAllConnections();
      await new Promise((resolve) => liar.close(resolve));
    }
  });

  it("refuses a JWKS of more than 32 keys: 503 OIDC_UNAVAILABLE", async () => {
    const [key] = server.issuer.jwks().keys;
    const withKeys = (count: number) =>
      new OidcVerifier({
        issuers: [
          {
            issuer: server.url,
            audiences: [APP],
            jwks: () => ({
              keys: [
                key,
                ...Array.from({ length: count - 1 }, (_, i) => ({ ...key, kid: `spare-${i}` })),
              ],
            }),
          },
        ],
      });
    const token = await server.issuer.mint({ sub: "alice", aud: APP });
    expect((await withKeys(MAX_KEYS).verify(token)).sub).to.equal("alice");
    const error = await expectAuthError(withKeys(MAX_KEYS + 1).verify(token), "OIDC_UNAVAILABLE");
    expect(error.message).to.include(`at most ${MAX_KEYS} keys`);
  });

  it("gives up on an issuer that does not answer within fetchTimeoutMs: 503 OIDC_UNAVAILABLE", async () => {
    const silent = http.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const oidc = new OidcVerifier({
        issuers: [{ issuer: url, audiences: [APP], jwksUri: `${url}/jwks` }],
        fetchTimeoutMs: 200,
      });
      const now = Math.floor(Date.now() / 1000);
      const token = await server.issuer.signClaims({
        iss: url,
        sub: "a",
        aud: APP,
        iat: now,
        exp: now + 60,
      });
      const error = await expectAuthError(oidc.verify(token), "OIDC_UNAVAILABLE");
      expect(error.message).to.match(/cannot fetch its JWKS/);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("fetches the JWKS again once the cached keys are jwksMaxAgeMs old (1 h), not before", async () => {
    let now = Date.now();
    const dev = await createDevIssuer({ now: () => now });
    const oidc = new OidcVerifier({ issuers: [dev.oidcIssuer([APP])], now: () => now });
    await oidc.verify(await dev.mint({ sub: "alice", aud: APP }));
    now += 60 * 60 * 1000 - 1;
    await oidc.verify(await dev.mint({ sub: "alice", aud: APP }));
    expect(oidc.jwksFetches()).to.equal(1);
    now += 1;
    await oidc.verify(await dev.mint({ sub: "alice", aud: APP }));
    expect(oidc.jwksFetches()).to.equal(2);
  });

  it("JWT_INVALID for a token over 16 KiB, before it is parsed", async () => {
    const token = await server.issuer.mint({ sub: "alice", aud: APP });
    const padded = `${token}${"A".repeat(MAX_TOKEN_CHARS + 1 - token.length)}`;
    const oidc = verifier();
    const error = await expectAuthError(oidc.verify(padded), "JWT_INVALID");
    expect(error.message).to.include(`at most ${MAX_TOKEN_CHARS} characters`);
    expect(oidc.jwksFetches()).to.equal(0);
  });

  it("refuses every token of an issuer configured without audiences, saying how to fix it", async () => {
    const oidc = new OidcVerifier({ issuers: [{ issuer: server.url, audiences: [] }] });
    const error = await expectAuthError(
      oidc.verify(await server.issuer.mint({ sub: "a", aud: APP })),
      "JWT_WRONG_AUDIENCE",
    );
    expect(error.message).to.match(/--oidc-audience/);
  });

  it("trusts Google by default (both spellings of its iss), and nobody else", async () => {
    const oidc = new OidcVerifier();
    expect(oidc.issuers()).to.deep.equal([
      { issuer: "https://accounts.google.com", audiences: [] },
    ]);
    const token = await server.issuer.mint({ sub: "a", aud: APP });
    await expectAuthError(oidc.verify(token), "JWT_UNTRUSTED_ISSUER");
    // Google's tokens say iss "https://accounts.google.com" or "accounts.google.com": one issuer.
    const google = new OidcVerifier({
      issuers: [{ ...googleIssuer([APP]), jwks: () => server.issuer.jwks() }],
    });
    const now = Math.floor(Date.now() / 1000);
    for (const iss of ["https://accounts.google.com", "accounts.google.com"]) {
      const signed = await server.issuer.signClaims({
        iss,
        sub: "g",
        aud: APP,
        iat: now,
        exp: now + 60,
      });
      expect(await google.verify(signed)).to.deep.include({
        issuer: "https://accounts.google.com",
        iss,
      });
    }
  });

  it("refuses plain-http issuers other than loopback, and an issuer configured twice", () => {
    expect(
      () => new OidcVerifier({ issuers: [{ issuer: "http://issuer.example", audiences: [APP] }] }),
    )
      .to.throw(AuthError)
      .with.property("code", "OIDC_UNAVAILABLE");
    const twice = { issuer: "https://issuer.example", audiences: [APP] };
    expect(() => new OidcVerifier({ issuers: [twice, twice] })).to.throw(/configured twice/);
  });
});
