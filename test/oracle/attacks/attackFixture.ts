/**
 * The stage every oracle attack runs on: a real chain (Hardhat's in-process network), PKPs minted
 * through the real contracts, and a keystore that records every signature it makes, so each case
 * can assert that nothing was signed that the chain does not permit.
 *
 * Actors and PKPs:
 * - `victim`: minted, granted GOOD_ACTION only and burned in one transaction (mintGrantAndBurnNext):
 *   only GOOD_ACTION may ever sign with it.
 * - `alicePkp`: owned by alice, no grants: only alice (through an authSig) may sign with it.
 * - `own`: owned by mallory, the attacker, who may legitimately sign with it through her authSig
 *   (`mallorySig`); attacks use it where a permitted signing path is needed to try a trick.
 * - `unmintedKey`: routed in the pool, held by the oracle, not minted yet: nobody may sign.
 * - `unroutedKey`: held by the oracle but never registered on chain: UNKNOWN_PKP.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { cidOfCode, cidToBytes } from "../../../src/cid";
import { createAuthSig, type AuthSig } from "../../../src/oracle/authSig";
import { MemoryKeystore, type Keystore, type StoredKey } from "../../../src/oracle/keystore";
import { SigningOracle, type ExecuteResult } from "../../../src/oracle/oracle";
import { ActionRuntime } from "../../../src/oracle/runtime";
import type { LitSignature } from "../../../src/oracle/signing";
import {
  deployStack,
  mintGrantAndBurn,
  mintTo,
  oracleContracts,
  registerKeystoreKeys,
} from "../../helpers/stack";

export const CHAIN_ID = 31337;
const MiB = 1024 * 1024;

/** The only action permitted on the victim PKP: signs jsParams.toSign and says "good". */
export const GOOD_ACTION = `(async () => {
  await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.publicKey, sigName: "good" });
  Lit.Actions.setResponse({ response: "good" });
})();`;

export const DIGEST = ethers.keccak256(ethers.toUtf8Bytes("attack suite digest"));
export const DIGEST_BYTES = Array.from(ethers.getBytes(DIGEST));

/** A keystore that records every signature it makes (the oracle's only way to sign). */
export class RecordingKeystore implements Keystore {
  readonly signed: Array<{ tokenId: bigint; digest: string }> = [];
  constructor(private readonly inner: Keystore) {}
  generate(keyType?: number): Promise<StoredKey> {
    return this.inner.generate(keyType);
  }
  has(tokenId: bigint): boolean {
    return this.inner.has(tokenId);
  }
  list(): StoredKey[] {
    return this.inner.list();
  }
  get(tokenId: bigint): StoredKey | undefined {
    return this.inner.get(tokenId);
  }
  signDigest(tokenId: bigint, digest: Uint8Array | string): LitSignature {
    const signature = this.inner.signDigest(tokenId, digest);
    this.signed.push({ tokenId, digest: signature.dataSigned });
    return signature;
  }
  retire(tokenId: bigint, at?: Date): Promise<StoredKey> {
    return this.inner.retire(tokenId, at);
  }
  deriveSecret(purpose: string, id: Uint8Array, length?: number): Uint8Array {
    return this.inner.deriveSecret(purpose, id, length);
  }
}

export interface Pkp {
  tokenId: bigint;
  publicKey: string;
  ethAddress: string;
}

export interface AttackStage {
  keystore: RecordingKeystore;
  victim: Pkp;
  alicePkp: Pkp;
  own: Pkp;
  unmintedKey: StoredKey;
  unroutedKey: StoredKey;
  alice: HardhatEthersSigner;
  mallory: HardhatEthersSigner;
  mallorySig: AuthSig;
  contracts: ConstructorParameters<typeof SigningOracle>[0]["contracts"];
}

async function pkpOf(
  pkpNft: Awaited<ReturnType<typeof deployStack>>["pkpNft"],
  tokenId: bigint,
): Promise<Pkp> {
  return {
    tokenId,
    publicKey: await pkpNft.getPubkey(tokenId),
    ethAddress: await pkpNft.getEthAddress(tokenId),
  };
}

/** Deploys the stack and mints the PKPs described above (one loadFixture snapshot). */
export async function attackStageFixture(): Promise<AttackStage> {
  const stack = await deployStack();
  const keystore = new RecordingKeystore(new MemoryKeystore());
  const keys = await registerKeystoreKeys(stack.router, keystore, 4);
  const unroutedKey = await keystore.generate();
  const goodCid = cidToBytes(await cidOfCode(GOOD_ACTION));
  const { tokenId: victimId } = await mintGrantAndBurn(
    { ...stack, poolKeys: [] },
    stack.alice,
    goodCid,
  );
  const aliceId = await mintTo(stack, stack.alice);
  const ownId = await mintTo(stack, stack.stranger);
  const minted = new Set([victimId, aliceId, ownId]);
  const unmintedKey = keys.find((k) => !minted.has(k.tokenId));
  if (!unmintedKey) throw new Error("fixture: no unminted pool key left");
  return {
    keystore,
    victim: await pkpOf(stack.pkpNft, victimId),
    alicePkp: await pkpOf(stack.pkpNft, aliceId),
    own: await pkpOf(stack.pkpNft, ownId),
    unmintedKey,
    unroutedKey,
    alice: stack.alice,
    mallory: stack.stranger,
    mallorySig: await createAuthSig(stack.stranger, { chainId: CHAIN_ID }),
    contracts: oracleContracts(stack),
  };
}

/** Runtime limits of the attack suites: small enough to keep every abuse case short. */
export const ATTACK_LIMITS = { timeoutMs: 1_500, memoryBytes: 16 * MiB } as const;

export function attackRuntime(): ActionRuntime {
  return new ActionRuntime({ poolSize: 2, limits: ATTACK_LIMITS, watchdogGraceMs: 500 });
}

export interface Arena extends AttackStage {
  oracle: SigningOracle;
}

/** The stage (reverted to its snapshot) with a fresh oracle on `runtime` and an empty record. */
export async function arena(runtime: ActionRuntime): Promise<Arena> {
  const stage = await loadFixture(attackStageFixture);
  stage.keystore.signed.length = 0;
  const oracle = new SigningOracle({
    contracts: stage.contracts,
    provider: ethers.provider,
    chainId: CHAIN_ID,
    keystore: stage.keystore,
    runtime,
  });
  return { ...stage, oracle };
}

/** The refusal has `code`, carries no signatures, and its message matches `message` if given. */
export function expectRefused(
  result: ExecuteResult | { success: boolean },
  code: string,
  message?: RegExp,
): string {
  const shown = JSON.stringify(result);
  expect(result.success, shown).to.equal(false);
  const error = (result as { error: { code: string; message: string } }).error;
  expect(error.code, shown).to.equal(code);
  expect(result, shown).not.to.have.property("signatures");
  if (message) expect(error.message).to.match(message);
  return error.message;
}

/**
 * Nothing was signed with a key outside `allowed` (default: the attacker's own PKP, which she may
 * legitimately sign with): the chain-level property every attack must keep.
 */
export function expectOnlyPermittedSignatures(a: Arena, allowed: bigint[] = [a.own.tokenId]): void {
  const foreign = a.keystore.signed.filter((s) => !allowed.includes(s.tokenId));
  expect(foreign, "signatures made with keys the attack may not use").to.deep.equal([]);
}

/** The oracle still serves the one permitted request on the victim PKP, with a valid signature. */
export async function expectStillServing(a: Arena): Promise<void> {
  const result = await a.oracle.execute({
    code: GOOD_ACTION,
    jsParams: { toSign: DIGEST_BYTES, publicKey: a.victim.publicKey },
  });
  if (!result.success) throw new Error(`oracle stopped serving: ${JSON.stringify(result.error)}`);
  expect(result.response).to.equal("good");
  expect(ethers.recoverAddress(DIGEST, result.signatures.good.signature)).to.equal(
    a.victim.ethAddress,
  );
}

/** The usual ending of a case: no foreign signature, and the oracle keeps serving. */
export async function expectContained(a: Arena, allowed?: bigint[]): Promise<void> {
  expectOnlyPermittedSignatures(a, allowed);
  await expectStillServing(a);
}
