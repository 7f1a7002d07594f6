/**
 * `npm run demo`: the whole mint/grant/burn story on the in-process Hardhat network, with no setup
 * beyond `npm ci`:
 *
 *   deploy → the oracle's keystore registers keys → mint a PKP, grant it actions/isPrime.js and
 *   burn it in one transaction → ask it to sign 7919 (prime: signed) and 7918 (refused, and why)
 *   → write proofs/demo-prime-7919.json → verify that proof (re-executing the action) and print
 *   the verifier's report.
 *
 * The oracle runs in this process (the SigningOracle library with an in-memory keystore); the
 * verifier is the same library function `npx hardhat pkp:verify-proof` runs.
 */
import hre, { ethers } from "hardhat";
import { readFile } from "node:fs/promises";
import * as os from "node:os";
import path from "node:path";
import { promises as fs } from "node:fs";
import { cidToBytes } from "../src/cid";
import { mintGrantAndBurnNext } from "../src/pkpMint";
import { ActionRuntime } from "../src/oracle/runtime";
import {
  collectProofBundle,
  loadCompiledContracts,
  renderReport,
  verifyProof,
  writeProofBundle,
} from "../src/proof";
import { deployForDemo, startDemoOracle } from "./demoStack";

const POOL_SIZE = 3;
const PRIME = 7919;
const NOT_PRIME = 7918;
const PROOF_FILE = path.join(__dirname, "..", "proofs", `demo-prime-${PRIME}.json`);

const started = performance.now();
let stepStarted = started;

function step(text: string): void {
  console.log(`\n▸ ${text}`);
  stepStarted = performance.now();
}

function took(): string {
  return `${((performance.now() - stepStarted) / 1000).toFixed(1)} s`;
}

async function main(): Promise<void> {
  const [deployer, minter] = await ethers.getSigners();
  const recordDir = await fs.mkdtemp(path.join(os.tmpdir(), "pkp-demo-"));
  // One sandbox runtime for the oracle and the verifier's re-execution: workers boot once.
  const runtime = new ActionRuntime({ poolSize: 1 });
  try {
    step("Deploying PubkeyRouter, PKPNFTMetadata, PKPNFT, PKPPermissions and PKPHelper");
    const deployment = await deployForDemo(deployer, recordDir);
    const { record, contracts } = deployment;

    step(`The oracle's keystore generates ${POOL_SIZE} keys and registers them for minting`);
    const { oracle, unminted } = await startDemoOracle(deployment, POOL_SIZE, runtime);
    console.log(
      `  pool: ${unminted} unminted keys; the private halves stay in the oracle's keystore`,
    );

    step("Storing actions/isPrime.js with the oracle, which names it by its IPFS CID");
    const code = await readFile(path.join(__dirname, "..", "actions", "isPrime.js"), "utf8");
    const { ipfsId } = await oracle.storeAction(code);
    console.log(`  ${ipfsId} (on chain: ${cidToBytes(ipfsId)})`);

    step("Minting a PKP, granting it to isPrime.js only, and burning it — one transaction");
    const pkpNft = contracts.pkpNft.connect(minter);
    const { tokenId, publicKey, ethAddress, receipt } = await mintGrantAndBurnNext(
      pkpNft,
      cidToBytes(ipfsId),
    );
    console.log(`  tx ${receipt.hash} (block ${receipt.blockNumber}, gas ${receipt.gasUsed})`);
    for (const log of receipt.logs) {
      const fromNft = log.address === record.contracts.PKPNFT.address;
      const iface = fromNft ? pkpNft.interface : contracts.pkpPermissions.interface;
      const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
      console.log(
        `    log ${log.index}: ${parsed?.name} (${fromNft ? "PKPNFT" : "PKPPermissions"})`,
      );
    }
    console.log(`  tokenId     ${tokenId}`);
    console.log(`  ethAddress  ${ethAddress}`);
    console.log(
      `  exists      ${await contracts.pkpNft.exists(tokenId)} (burned: nobody can change it)`,
    );

    step(`Asking the PKP to sign ${PRIME} (starting the action sandbox takes a moment)`);
    const primeParams = { number: PRIME, publicKey };
    const signed = await oracle.execute({ ipfsId, jsParams: primeParams });
    if (!signed.success) throw new Error(`the oracle refused: ${signed.error.message}`);
    const signature = signed.signatures.prime;
    if (signature === undefined) throw new Error(`no signature for ${PRIME}: ${signed.response}`);
    console.log(`  response    ${signed.response}`);
    console.log(`  dataSigned  ${signature.dataSigned} (${PRIME} as a 32-byte integer)`);
    console.log(`  signature   ${signature.signature}  [${took()}]`);

    step(`Asking the PKP to sign ${NOT_PRIME}`);
    const refused = await oracle.execute({ ipfsId, jsParams: { number: NOT_PRIME, publicKey } });
    if (!refused.success) throw new Error(`the oracle refused: ${refused.error.message}`);
    const why = JSON.parse(refused.response) as { reason?: string };
    console.log(`  signatures  ${Object.keys(refused.signatures).length} — not signed`);
    console.log(`  why         the action's response: ${refused.response}`);
    if (why.reason !== undefined) console.log(`              (${why.reason})`);

    step(`Writing the proof bundle of the ${PRIME} signature`);
    const bundle = await collectProofBundle({
      record,
      provider: ethers.provider,
      tokenId,
      publicKey,
      code,
      ipfsId,
      jsParams: primeParams,
      result: signed,
    });
    const file = await writeProofBundle(PROOF_FILE, bundle);
    console.log(`  ${path.relative(process.cwd(), file)}`);

    step("Verifying the proof as an auditor would (re-executing the action twice)");
    console.log(
      "  the checks of `npx hardhat pkp:verify-proof --proof <file> --network <name> --reexecute`,",
    );
    console.log("  run here against this process's own chain, which ends with the demo");
    const report = await verifyProof(bundle, {
      provider: ethers.provider,
      compiled: await loadCompiledContracts(hre.artifacts),
      reexecute: true,
      runtime,
    });
    console.log(`  [${took()}]\n`);
    console.log(renderReport(report, { source: path.relative(process.cwd(), file) }));
    await oracle.close();

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (report.ok) {
      console.log(
        `\nDone in ${seconds} s: this PKP can only ever sign through isPrime.js, so anything it ` +
          "signed is prime — and the proof above shows it without trusting the oracle.",
      );
    } else {
      console.log(`\nThe demo's own proof was rejected (${seconds} s): this is a bug.`);
      process.exitCode = 1;
    }
  } finally {
    await runtime.close();
    await fs.rm(recordDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
