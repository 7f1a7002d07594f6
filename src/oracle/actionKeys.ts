/**
 * A key per Lit Action (naga's `signAsAction`, `getActionPublicKey`, `verifyActionSignature`):
 * no PKP needed, the action's CID is its identity. Lit derives it from its network's root keys
 * with the key id `keccak256("lit_action_" + cid)`; here the same key id goes into the keystore's
 * root secret: `deriveSecret("action-key", keccak256("lit_action_" + cid) ‖ ":" + curve)`, reduced
 * to a scalar of the scheme's curve. Same oracle keystore and CID → same key, for every run;
 * another keystore → another key (as another Lit network would give).
 *
 * The ECDSA schemes sign `toSign` as the digest (32 bytes for K256/P256, 48 for P384), low-s,
 * deterministic (RFC 6979). `signOutput` is naga's SignedDataOutput as JSON:
 * `{ signature: r‖s hex, verifying_key: compressed key hex, signed_data: toSign hex,
 * recovery_id }` (hex without 0x).
 */
import { p256 } from "@noble/curves/p256";
import { p384 } from "@noble/curves/p384";
import { secp256k1 } from "@noble/curves/secp256k1";
import { keccak256, toUtf8Bytes, getBytes } from "ethers";
import type { Keystore } from "./keystore";
import { toHex } from "../bytes";
import type { EcdsaSigningScheme } from "./runtime/hostRequest";

export const ACTION_KEY_PURPOSE = "action-key";

/** The three curves share noble's curve type. */
type Curve = typeof secp256k1;

const CURVES: Record<EcdsaSigningScheme, { curve: Curve; name: string; scalarBytes: number }> = {
  EcdsaK256Sha256: { curve: secp256k1, name: "k256", scalarBytes: 32 },
  EcdsaP256Sha256: { curve: p256, name: "p256", scalarBytes: 32 },
  EcdsaP384Sha384: { curve: p384, name: "p384", scalarBytes: 48 },
};

const hex = toHex;

/** Lit's key id of an action: keccak256("lit_action_" + cid). */
export function actionKeyId(cid: string): Uint8Array {
  return getBytes(keccak256(toUtf8Bytes(`lit_action_${cid}`)));
}

function privateKey(keystore: Keystore, scheme: EcdsaSigningScheme, cid: string): Uint8Array {
  const { curve, name, scalarBytes } = CURVES[scheme];
  const id = new Uint8Array([...actionKeyId(cid), ...toUtf8Bytes(`:${name}`)]);
  // 16 bytes more than the scalar: the reduction's bias is below 2^-128.
  const wide = keystore.deriveSecret(ACTION_KEY_PURPOSE, id, scalarBytes + 16);
  const order = curve.CURVE.n;
  const scalar = (BigInt(`0x${hex(wide)}`) % (order - 1n)) + 1n;
  return getBytes(`0x${scalar.toString(16).padStart(scalarBytes * 2, "0")}`);
}

/** The action's public key for `scheme`: compressed SEC1, hex without 0x. */
export function actionPublicKey(
  keystore: Keystore,
  scheme: EcdsaSigningScheme,
  cid: string,
): string {
  return hex(CURVES[scheme].curve.getPublicKey(privateKey(keystore, scheme, cid), true));
}

export interface ActionSignature {
  /** What the action gets (naga's SignedDataOutput as JSON). */
  signOutput: string;
  /** What the outcome gets under the sigName: Lit's signature shape (+ sigType off secp256k1). */
  signature: Record<string, string | number>;
}

export function signAsAction(
  keystore: Keystore,
  scheme: EcdsaSigningScheme,
  cid: string,
  digest: Uint8Array,
): ActionSignature {
  const { curve, scalarBytes } = CURVES[scheme];
  const key = privateKey(keystore, scheme, cid);
  const sig = curve.sign(digest, key, { lowS: true });
  const r = sig.r.toString(16).padStart(scalarBytes * 2, "0");
  const s = sig.s.toString(16).padStart(scalarBytes * 2, "0");
  const recid = sig.recovery ?? 0;
  const compressed = hex(curve.getPublicKey(key, true));
  const signOutput = JSON.stringify({
    signature: r + s,
    verifying_key: compressed,
    signed_data: hex(digest),
    recovery_id: recid,
  });
  const signature: Record<string, string | number> = {
    r,
    s,
    recid,
    signature: `0x${r}${s}${(27 + recid).toString(16)}`,
    publicKey: `0x${hex(curve.getPublicKey(key, false))}`,
    dataSigned: `0x${hex(digest)}`,
  };
  if (scheme !== "EcdsaK256Sha256") signature.sigType = scheme;
  return { signOutput, signature };
}

/**
 * Whether `signOutput` is a signature made by `signAsAction` of `cid` under `scheme` over
 * `toSign`. Stricter than naga, which does not compare the signed data with `toSign`.
 */
export function verifyActionSignature(
  keystore: Keystore,
  scheme: EcdsaSigningScheme,
  cid: string,
  toSign: Uint8Array,
  signOutput: string,
): boolean {
  let output: { signature?: unknown; verifying_key?: unknown; signed_data?: unknown };
  try {
    output = JSON.parse(signOutput) as typeof output;
  } catch {
    return false;
  }
  if (
    typeof output?.signature !== "string" ||
    typeof output.verifying_key !== "string" ||
    typeof output.signed_data !== "string"
  ) {
    return false;
  }
  if (output.verifying_key.toLowerCase() !== actionPublicKey(keystore, scheme, cid)) return false;
  if (output.signed_data.toLowerCase() !== hex(toSign)) return false;
  const { curve, scalarBytes } = CURVES[scheme];
  if (!new RegExp(`^[0-9a-fA-F]{${scalarBytes * 4}}$`).test(output.signature)) return false;
  try {
    return curve.verify(
      getBytes(`0x${output.signature}`),
      toSign,
      getBytes(`0x${output.verifying_key}`),
      { lowS: false, format: "compact" },
    );
  } catch {
    return false;
  }
}
