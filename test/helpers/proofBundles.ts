import { ethers } from "ethers";
import type { ProofBundle } from "../../src/proof";
import { toLitSignature } from "../../src/oracle/signing";
import { testKey } from "./keys";

/** The action CID the schema suites' bundles name. */
export const BUNDLE_CID = "QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeXN";

/**
 * A well-formed proof bundle for schema tests: its claims are true on no chain (the schema checks
 * shapes, not truth). One signature, named `signatureName`, by the test key of `seed` over
 * `digest`.
 */
export function wellFormedBundle(options: {
  seed: string;
  digest: string;
  jsParams: Record<string, unknown>;
  signatureName: string;
}): ProofBundle {
  const key = testKey(1, options.seed);
  const signature = toLitSignature(
    new ethers.SigningKey(key.privateKey).sign(options.digest),
    key.publicKey,
    options.digest,
  );
  const address = (n: number) => ethers.getAddress(ethers.toBeHex(n, 20));
  return {
    version: 1,
    chainId: 31337,
    contracts: {
      PubkeyRouter: { address: address(1), deployedBlock: 1 },
      PKPNFT: { address: address(2), deployedBlock: 2 },
      PKPPermissions: { address: address(3), deployedBlock: 3 },
    },
    pkp: { tokenId: key.tokenId.toString(), publicKey: key.publicKey, ethAddress: key.ethAddress },
    action: { ipfsId: BUNDLE_CID, code: "go();" },
    mintTxHash: ethers.keccak256("0x01"),
    execution: {
      jsParams: options.jsParams,
      response: "ok",
      signatures: { [options.signatureName]: signature },
    },
  };
}

/** A verification report's `[check id, status]` pairs when every check passed, in report order. */
export const ALL_CHECKS_PASSED = [
  ["contracts", "pass"],
  ["key", "pass"],
  ["code", "pass"],
  ["grants", "pass"],
  ["one-transaction", "pass"],
  ["signatures", "pass"],
  ["reproduction", "pass"],
] as const;
