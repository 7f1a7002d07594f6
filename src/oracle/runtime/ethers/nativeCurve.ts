/**
 * secp256k1 for the sandbox's ethers (the `elliptic` shim in ./shims.ts), worker side: public
 * keys, deterministic low-s signatures (RFC 6979, as elliptic's `sign(…, { canonical: true })`),
 * point addition, recovery and ECDH, with @noble/curves. Byte arguments, hex results.
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { toHex } from "../../../bytes";

const hex = toHex;
const pad32 = (value: bigint) => value.toString(16).padStart(64, "0");

export type CurveOp = "publicKey" | "sign" | "add" | "convert" | "recover" | "ecdh";

/** One secp256k1 operation; throws (a message for the sandbox) on invalid input. */
export function secp256k1Op(op: string, ...args: Array<Uint8Array | number | boolean>): string {
  const bytes = (i: number): Uint8Array => {
    const value = args[i];
    if (!(value instanceof Uint8Array))
      throw new TypeError(`secp256k1 ${op}: argument ${i} must be bytes`);
    return value;
  };
  switch (op) {
    case "publicKey":
      return hex(secp256k1.getPublicKey(bytes(0), args[1] === true));
    case "sign": {
      const signature = secp256k1.sign(bytes(1), bytes(0), { lowS: true });
      return (
        pad32(signature.r) + pad32(signature.s) + signature.recovery.toString(16).padStart(2, "0")
      );
    }
    case "add":
      return secp256k1.ProjectivePoint.fromHex(hex(bytes(0)))
        .add(secp256k1.ProjectivePoint.fromHex(hex(bytes(1))))
        .toHex(true);
    case "convert":
      return secp256k1.ProjectivePoint.fromHex(hex(bytes(0))).toHex(args[1] === true);
    case "recover": {
      const recovery = Number(args[3]);
      const r = BigInt(`0x${hex(bytes(1)) || "0"}`);
      const s = BigInt(`0x${hex(bytes(2)) || "0"}`);
      return new secp256k1.Signature(r, s)
        .addRecoveryBit(recovery)
        .recoverPublicKey(bytes(0))
        .toHex(false);
    }
    case "ecdh":
      return hex(secp256k1.getSharedSecret(bytes(0), bytes(1), true).slice(1));
    default:
      throw new TypeError(`unknown secp256k1 operation ${op}`);
  }
}
