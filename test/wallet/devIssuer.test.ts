/**
 * The development OIDC issuer's bounds over HTTP (POST /token): the body size, the claims'
 * lengths and the token's lifetime, each refused with its code and an answer (never a reset).
 * test/tasks/wallet.test.ts runs it as `pkp:dev-issuer`; test/oracle/auth/oidc.test.ts verifies
 * its tokens.
 */
import { expect } from "chai";
import { decodeJwt } from "jose";
import {
  DEV_ISSUER_MAX_BODY_BYTES,
  DEV_ISSUER_MAX_CLAIM_CHARS,
  DEV_ISSUER_MAX_SECONDS,
  startDevIssuer,
  type DevIssuerServer,
} from "../../src/wallet/devIssuer";
import { postJson, type HttpAnswer } from "../oracle/http/client";

/** The dev issuer's refusal: `{ error: { code, message } }` (an OIDC endpoint, not the oracle). */
function refusalOf(answer: HttpAnswer): { code: string; message: string } {
  const error = (answer.json as { error?: { code: string; message: string } } | undefined)?.error;
  if (error === undefined)
    throw new Error(`expected a refusal, got ${answer.status} ${answer.text}`);
  return error;
}

describe("dev issuer: POST /token bounds", () => {
  let server: DevIssuerServer;
  before(async () => {
    server = await startDevIssuer({ port: 0 });
  });
  after(() => server.close());

  const token = (body: unknown) => postJson(server.url, "/token", body);

  it("mints at the bounds: 256-character sub, aud and email, a lifetime of 366 days", async () => {
    const longest = "a".repeat(DEV_ISSUER_MAX_CLAIM_CHARS);
    const answer = await token({
      sub: longest,
      aud: longest,
      email: longest,
      expiresIn: DEV_ISSUER_MAX_SECONDS,
    });
    expect(answer.status, answer.text).to.equal(200);
    const claims = decodeJwt((answer.json as { id_token: string }).id_token);
    expect([claims.sub, claims.aud, claims.email]).to.deep.equal([longest, longest, longest]);
    expect((claims.exp as number) - (claims.iat as number)).to.equal(DEV_ISSUER_MAX_SECONDS);
  });

  it("400 INVALID_REQUEST past them: 257 characters of sub, aud or email, 366 days and a second", async () => {
    const over = "a".repeat(DEV_ISSUER_MAX_CLAIM_CHARS + 1);
    const cases: Array<[string, Record<string, unknown>]> = [
      ["sub", { sub: over, aud: "app" }],
      ["aud", { sub: "alice", aud: over }],
      ["email", { sub: "alice", aud: "app", email: over }],
      ["expiresIn", { sub: "alice", aud: "app", expiresIn: DEV_ISSUER_MAX_SECONDS + 1 }],
      ["notBefore", { sub: "alice", aud: "app", notBefore: -DEV_ISSUER_MAX_SECONDS - 1 }],
    ];
    for (const [field, body] of cases) {
      const answer = await token(body);
      expect([answer.status, refusalOf(answer).code], field).to.deep.equal([
        400,
        "INVALID_REQUEST",
      ]);
      expect(refusalOf(answer).message, field).to.include(field);
    }
  });

  it("413 LIMIT_EXCEEDED for a body over 16 KiB, answered (not reset), and it serves on", async () => {
    const body = JSON.stringify({ sub: "a".repeat(DEV_ISSUER_MAX_BODY_BYTES), aud: "app" });
    const answer = await token(body);
    expect([answer.status, refusalOf(answer).code]).to.deep.equal([413, "LIMIT_EXCEEDED"]);
    expect((await token({ sub: "alice", aud: "app" })).status).to.equal(200);
  });
});
