/**
 * The signature checks and signatures behind the sandbox's `jwt` in the oracle's worker threads
 * (node:crypto): JOSE algorithms HS/RS/PS/ES 256/384/512. ES signatures are r ‖ s (IEEE P1363),
 * as JWS wants. Given to the sandbox as SandboxNatives.jwt (sandboxWorker.ts).
 */
import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from "node:crypto";
import type { JwtCrypto, JwtKeyMaterial } from "./pureNatives";

const DIGEST: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

function algorithmParts(alg: string): { family: "HS" | "RS" | "PS" | "ES"; digest: string } {
  const match = /^(HS|RS|PS|ES)(256|384|512)$/.exec(alg);
  if (!match) throw new Error(`unsupported JWT algorithm ${alg}`);
  return { family: match[1] as "HS" | "RS" | "PS" | "ES", digest: DIGEST[match[2]] };
}

function publicKeyOf(material: JwtKeyMaterial): KeyObject {
  if (material.kind === "pem") return createPublicKey(material.pem);
  if (material.kind === "jwk") return createPublicKey({ key: material.jwk, format: "jwk" });
  throw new Error("an asymmetric algorithm needs a PEM or JWK key");
}

function privateKeyOf(material: JwtKeyMaterial): KeyObject {
  if (material.kind === "pem") return createPrivateKey(material.pem);
  if (material.kind === "jwk") return createPrivateKey({ key: material.jwk, format: "jwk" });
  throw new Error("an asymmetric algorithm needs a PEM or JWK private key");
}

function options(family: "RS" | "PS" | "ES", key: KeyObject) {
  if (family === "PS") {
    return {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    };
  }
  if (family === "ES") return { key, dsaEncoding: "ieee-p1363" as const };
  return { key };
}

export function jwtVerify(
  alg: string,
  input: Uint8Array,
  signature: Uint8Array,
  material: JwtKeyMaterial,
): boolean {
  const { family, digest } = algorithmParts(alg);
  if (family === "HS") {
    if (material.kind !== "secret") throw new Error("HS algorithms need a secret");
    const expected = createHmac(digest, Buffer.from(material.base64, "base64"))
      .update(input)
      .digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  }
  return verify(digest, input, options(family, publicKeyOf(material)), signature);
}

export function jwtSign(alg: string, input: Uint8Array, material: JwtKeyMaterial): Uint8Array {
  const { family, digest } = algorithmParts(alg);
  if (family === "HS") {
    if (material.kind !== "secret") throw new Error("HS algorithms need a secret");
    return new Uint8Array(
      createHmac(digest, Buffer.from(material.base64, "base64")).update(input).digest(),
    );
  }
  return new Uint8Array(sign(digest, input, options(family, privateKeyOf(material))));
}

export const nodeJwtCrypto: JwtCrypto = { verify: jwtVerify, sign: jwtSign };
