/**
 * This repository's compiled runtime code, to compare with what a chain holds.
 *
 * The runtime code a chain holds equals the compiler's `deployedBytecode` except where the
 * constructor wrote immutables (addresses of the wired contracts). solc reports exactly where:
 * `evm.deployedBytecode.immutableReferences` in the build info. Those byte ranges — and nothing
 * else — are masked before comparing, so one changed instruction, constant or metadata byte fails.
 */
import { ethers, type InterfaceAbi } from "ethers";
import type { Artifacts } from "hardhat/types";
import { PROOF_CONTRACT_NAMES, type ProofContractName } from "./bundle";

export interface ByteRange {
  start: number;
  length: number;
}

export interface CompiledContract {
  /** e.g. "contracts/PKPNFT.sol:PKPNFT". */
  fullyQualifiedName: string;
  /** 0x-hex runtime code as compiled, immutables zeroed. */
  deployedBytecode: string;
  /** Where the constructor writes immutables (solc's immutableReferences, flattened, sorted). */
  immutableRanges: ByteRange[];
  /** The contract's ABI, from the same artifact (the verifier reads the chain through it). */
  abi: InterfaceAbi;
}

export type CompiledContracts = Record<ProofContractName, CompiledContract>;

interface SolcContractOutput {
  evm?: { deployedBytecode?: { immutableReferences?: Record<string, ByteRange[]> } };
}

/**
 * Reads the five contracts' runtime code, immutable positions and ABIs from Hardhat's artifacts.
 * The result is plain JSON data: the explorer ships it with its page, so the browser compares the
 * chain with the same build as `pkp:verify-proof`.
 */
export async function loadCompiledContracts(
  artifacts: Pick<Artifacts, "readArtifact" | "getBuildInfo">,
): Promise<CompiledContracts> {
  const entries = await Promise.all(
    PROOF_CONTRACT_NAMES.map(async (name) => {
      const fullyQualifiedName = `contracts/${name}.sol:${name}`;
      const artifact = await artifacts.readArtifact(fullyQualifiedName);
      const buildInfo = await artifacts.getBuildInfo(fullyQualifiedName);
      if (buildInfo === undefined) {
        throw new Error(`no build info for ${fullyQualifiedName}: run \`npx hardhat compile\``);
      }
      if (Object.keys(artifact.deployedLinkReferences).length > 0) {
        // Linked libraries would be more unknown bytes; the contracts use internal libraries only.
        throw new Error(`${fullyQualifiedName} links external libraries, which is not supported`);
      }
      const output = buildInfo.output.contracts[artifact.sourceName]?.[artifact.contractName] as
        SolcContractOutput | undefined;
      const references = output?.evm?.deployedBytecode?.immutableReferences ?? {};
      const immutableRanges = Object.values(references)
        .flat()
        .sort((a, b) => a.start - b.start);
      const compiled: CompiledContract = {
        fullyQualifiedName,
        deployedBytecode: artifact.deployedBytecode.toLowerCase(),
        immutableRanges,
        abi: artifact.abi as InterfaceAbi,
      };
      return [name, compiled] as const;
    }),
  );
  return Object.fromEntries(entries) as CompiledContracts;
}

export interface CodeComparison {
  equal: boolean;
  /** Bytes of runtime code on chain. */
  length: number;
  /** keccak256 of the on-chain code with the immutables zeroed (equal to the artifact's when equal). */
  maskedHash: string;
  /** How many immutable ranges were masked. */
  maskedRanges: number;
  /** The immutable values found on chain (32-byte words, 0x-hex), in code order. */
  immutableValues: string[];
  /** Why the code differs (absent when equal). */
  difference?: string;
}

function zeroRanges(code: Uint8Array, ranges: readonly ByteRange[]): Uint8Array {
  const masked = Uint8Array.from(code);
  for (const { start, length } of ranges) masked.fill(0, start, start + length);
  return masked;
}

/** Compares on-chain runtime code with a compiled contract, immutables masked. */
export function compareRuntimeCode(onChainHex: string, compiled: CompiledContract): CodeComparison {
  const onChain = ethers.getBytes(onChainHex);
  const expected = ethers.getBytes(compiled.deployedBytecode);
  const ranges = compiled.immutableRanges;
  const base = { length: onChain.length, maskedRanges: ranges.length };
  const inBounds = ranges.every((r) => r.start + r.length <= onChain.length);
  const masked = inBounds ? zeroRanges(onChain, ranges) : onChain;
  const maskedHash = ethers.keccak256(masked);
  const immutableValues = inBounds
    ? ranges.map((r) => ethers.hexlify(onChain.subarray(r.start, r.start + r.length)))
    : [];
  if (onChain.length !== expected.length) {
    return {
      ...base,
      equal: false,
      maskedHash,
      immutableValues,
      difference: `${onChain.length} bytes on chain, ${expected.length} compiled`,
    };
  }
  const expectedMasked = zeroRanges(expected, ranges);
  for (let i = 0; i < masked.length; i++) {
    if (masked[i] !== expectedMasked[i]) {
      return {
        ...base,
        equal: false,
        maskedHash,
        immutableValues,
        difference: `first differing byte at offset ${i} (outside every immutable)`,
      };
    }
  }
  return { ...base, equal: true, maskedHash, immutableValues };
}
