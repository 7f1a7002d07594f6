/**
 * Shared setup of the wallet suites: the stack, an oracle that trusts an in-process dev issuer
 * for `APP` (keys handed in process), PKPs minted for logins, and tokens crafted to be refused.
 */
import { ethers } from "hardhat";
import type { Signer } from "ethers";
import {
  SignJWT,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JWTPayload,
  type KeyLike,
} from "jose";
import { MemoryKeystore } from "../../src/oracle/keystore";
import { SigningOracle, type SigningOracleOptions } from "../../src/oracle/oracle";
import type { ActionRuntime } from "../../src/oracle/runtime";
import { createDevIssuer, type DevIssuer } from "../../src/wallet/devIssuer";
import { mintForIdToken, type MintedPkp } from "../../src/wallet/mintForAuth";
import { createAuthSig } from "../../src/oracle/authSig";
import { deployStack, oracleContracts, registerKeystoreKeys, type Stack } from "./stack";

export const CHAIN_ID = 31337;
/** The client id the oracle accepts from the dev issuer. */
export const APP = "wallet-tests.apps.example";

export interface WalletWorld {
  stack: Omit<Stack, "poolKeys">;
  keystore: MemoryKeystore;
  issuer: DevIssuer;
  oracle: SigningOracle;
  /** A self-owned PKP whose only auth method is `sub`'s login (type 6) with `scopes`. */
  mintForLogin: (
    sub: string,
    options?: { scopes?: bigint[]; selfOwned?: boolean },
  ) => Promise<MintedPkp & { idToken: string }>;
}

/**
 * Builds the world; call inside a named fixture function (loadFixture). `oracleOptions` may be
 * computed from the deployed stack (e.g. claims routed by the real router).
 */
export async function walletWorld(
  runtime: ActionRuntime,
  oracleOptions:
    | Partial<SigningOracleOptions>
    | ((stack: WalletWorld["stack"]) => Partial<SigningOracleOptions>) = {},
): Promise<WalletWorld> {
  const stack = await deployStack();
  const keystore = new MemoryKeystore();
  await registerKeystoreKeys(stack.router, keystore, 8);
  const issuer = await createDevIssuer();
  const oracle = new SigningOracle({
    contracts: oracleContracts(stack),
    provider: ethers.provider,
    chainId: CHAIN_ID,
    keystore,
    runtime,
    oidc: { issuers: [issuer.oidcIssuer([APP])] },
    ...(typeof oracleOptions === "function" ? oracleOptions(stack) : oracleOptions),
  });
  return {
    stack,
    keystore,
    issuer,
    oracle,
    mintForLogin: async (sub, options = {}) => {
      const idToken = await issuer.mint({ sub, aud: APP, email: `${sub}@example.com` });
      const minted = await mintForIdToken({
        helper: stack.helper.connect(stack.deployer),
        pkpNft: stack.pkpNft,
        idToken,
        scopes: options.scopes,
        selfOwned: options.selfOwned ?? true,
      });
      return { ...minted, idToken };
    },
  };
}

export function googleAuthMethod(idToken: string) {
  return { authMethodType: 6, accessToken: idToken };
}

export async function walletAuthMethod(signer: Signer) {
  const authSig = await createAuthSig(signer, { chainId: CHAIN_ID });
  return { authMethodType: 1, accessToken: JSON.stringify(authSig) };
}

export const DIGEST = ethers.keccak256(ethers.toUtf8Bytes("a wallet digest"));

/** Tokens of every kind the oracle must refuse, each with the code it must answer. */
export async function refusedTokens(issuer: DevIssuer): Promise<Array<[string, string, string]>> {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: issuer.issuer,
    sub: "alice",
    aud: APP,
    iat: now,
    exp: now + 600,
  };
  const stranger = await generateKeyPair("RS256");
  const foreign = (kid: string, extra: JWTPayload = {}) =>
    new SignJWT({ ...claims, ...extra })
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .sign(stranger.privateKey);
  const publicJwk = issuer.jwks().keys[0];
  const pem = await exportSPKI((await importJWK(publicJwk, "RS256")) as KeyLike);
  const hs256 = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", kid: issuer.kid, typ: "JWT" })
    .sign(new TextEncoder().encode(pem));
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const none = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
  return [
    ["a wrong signature", await foreign(issuer.kid), "JWT_BAD_SIGNATURE"],
    [
      "a wrong iss",
      await issuer.signClaims({ ...claims, iss: "https://evil.example" }),
      "JWT_UNTRUSTED_ISSUER",
    ],
    ["a wrong aud", await issuer.mint({ sub: "alice", aud: "another-app" }), "JWT_WRONG_AUDIENCE"],
    [
      "an expired token",
      await issuer.mint({ sub: "alice", aud: APP, expiresIn: -120 }),
      "JWT_EXPIRED",
    ],
    [
      "a token not yet valid (nbf)",
      await issuer.mint({ sub: "alice", aud: APP, notBefore: 600 }),
      "JWT_NOT_YET_VALID",
    ],
    [
      "a token issued in the future (iat)",
      await issuer.signClaims({ ...claims, iat: now + 600 }),
      "JWT_NOT_YET_VALID",
    ],
    ["alg: none", none, "JWT_ALG_NOT_ALLOWED"],
    ["HS256 keyed with the JWKS's public key", hs256, "JWT_ALG_NOT_ALLOWED"],
    ["an unknown kid", await foreign("no-such-kid"), "JWT_UNKNOWN_KEY"],
    ["not a JWT", "not.a.jwt", "JWT_INVALID"],
    ["a token without sub", await issuer.signClaims({ ...claims, sub: undefined }), "JWT_INVALID"],
  ];
}
