/**
 * The explorer's browser suite's world, built once: a `hardhat node`, the stack deployed with
 * `pkp:deploy`, `pkp:oracle` and `pkp:explorer` as processes on free ports, and three PKPs —
 *   - mgb:    minted, granted isPrime and burned in one transaction (mintGrantAndBurnNext);
 *   - owned:  minted by account #1, granted isPrime (scopes 1, 2), an address (scope 2) and a
 *             Google JWT auth method (scope 1);
 *   - burned: minted by account #2 and burned by its owner —
 * and the demo's proof bundle (isPrime signs 7919, as `npm run demo` does) of the mgb PKP.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { JsonRpcProvider, keccak256, toUtf8Bytes, type JsonRpcSigner } from "ethers";
import { cidOfCode, cidToBytes } from "../../src/cid";
import {
  connectContracts,
  readDeploymentRecord,
  type DeploymentRecord,
} from "../../src/deployments";
import { OracleClient, collectProofBundle, writeProofBundle } from "../../src/proof";
import type { ProofBundle } from "../../src/proof/bundle";
import { KEY_TYPE_ECDSA } from "../../src/protocol";
import { PKPNFT__factory, type PKPNFT } from "../../typechain-types";
import {
  PROJECT_ROOT,
  runHardhat,
  startHardhatNode,
  type HardhatNode,
} from "../helpers/hardhatNode";
import { spawnTask, type TaskProcess } from "../helpers/taskProcess";
import { makeTempDir } from "../helpers/tempDir";

export const IS_PRIME_FILE = path.join(PROJECT_ROOT, "actions", "isPrime.js");

export interface MintedPkp {
  tokenId: bigint;
  hex: string;
  publicKey: string;
}

export interface ExplorerWorld {
  node: HardhatNode;
  dir: string;
  record: DeploymentRecord;
  oracle: TaskProcess;
  oracleUrl: string;
  explorer: TaskProcess;
  explorerUrl: string;
  provider: JsonRpcProvider;
  isPrime: { code: string; ipfsId: string };
  mgb: MintedPkp;
  owned: MintedPkp & { owner: string; permittedAddress: string };
  burned: MintedPkp & { formerOwner: string };
  bundle: ProofBundle;
  bundleFile: string;
  /** Stops the explorer, the oracle and the node; removes the temp dir. */
  stop(): Promise<void>;
}

async function mintedOf(
  nft: PKPNFT,
  tx: Promise<{ wait(): Promise<unknown> }>,
): Promise<MintedPkp> {
  const receipt = (await (await tx).wait()) as { logs: Array<{ topics: string[]; data: string }> };
  for (const log of receipt.logs) {
    const parsed = nft.interface.parseLog(log);
    if (parsed?.name === "PKPMinted") {
      const tokenId = parsed.args[0] as bigint;
      return {
        tokenId,
        hex: `0x${tokenId.toString(16).padStart(64, "0")}`,
        publicKey: (parsed.args[1] as string).toLowerCase(),
      };
    }
  }
  throw new Error("no PKPMinted in the receipt");
}

export async function startExplorerWorld(): Promise<ExplorerWorld> {
  const temp = await makeTempDir("pkp-explorer-");
  const dir = temp.path;
  const node = await startHardhatNode();
  const stops: Array<() => Promise<unknown>> = [() => temp.remove(), () => node.stop()];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const env = { HARDHAT_VAR_LOCALHOST_RPC_URL: node.url };
    const deployed = await runHardhat(
      ["pkp:deploy", "--network", "localhost", "--no-compile", "--deployments-dir", dir],
      { env },
    );
    if (deployed.code !== 0)
      throw new Error(`pkp:deploy failed:\n${deployed.stdout}${deployed.stderr}`);
    const oracle = await spawnTask(
      [
        "pkp:oracle",
        "--network",
        "localhost",
        "--port",
        "0",
        "--deployments-dir",
        dir,
        "--data-dir",
        path.join(dir, "oracle"),
        "--pool-target",
        "4",
      ],
      /Oracle listening on (http:\/\/\S+)/,
      { env },
    );
    stops.splice(1, 0, () => oracle.stop());
    const record = await readDeploymentRecord("localhost", dir);
    const provider = new JsonRpcProvider(node.url, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
      pollingInterval: 50,
    });
    const [deployer, alice, bob] = await Promise.all([0, 1, 2].map((i) => provider.getSigner(i)));
    const contracts = (signer: JsonRpcSigner) => connectContracts(record, signer);
    const nft = PKPNFT__factory.connect(record.contracts.PKPNFT.address, provider);
    const mintCost = await nft.mintCost();

    const client = new OracleClient(oracle.ready);
    const code = await fs.readFile(IS_PRIME_FILE, "utf8");
    const ipfsId = await client.storeAction(code);
    if (ipfsId !== (await cidOfCode(code)))
      throw new Error("the oracle stored isPrime under another CID");
    const cidBytes = cidToBytes(ipfsId);

    const mgb = await mintedOf(
      nft,
      contracts(deployer).pkpNft.mintGrantAndBurnNext(KEY_TYPE_ECDSA, cidBytes, {
        value: mintCost,
      }),
    );
    const aliceContracts = contracts(alice);
    const ownedPkp = await mintedOf(
      nft,
      aliceContracts.pkpNft.mintNext(KEY_TYPE_ECDSA, { value: mintCost }),
    );
    await (
      await aliceContracts.pkpPermissions.addPermittedAction(ownedPkp.tokenId, cidBytes, [1, 2])
    ).wait();
    await (
      await aliceContracts.pkpPermissions.addPermittedAddress(ownedPkp.tokenId, bob.address, [2])
    ).wait();
    await (
      await aliceContracts.pkpPermissions.addPermittedAuthMethod(
        ownedPkp.tokenId,
        {
          authMethodType: 6,
          id: keccak256(toUtf8Bytes("1234567890:example-app")),
          userPubkey: "0x",
        },
        [1],
      )
    ).wait();
    const bobContracts = contracts(bob);
    const burnedPkp = await mintedOf(
      nft,
      bobContracts.pkpNft.mintNext(KEY_TYPE_ECDSA, { value: mintCost }),
    );
    await (await bobContracts.pkpNft.burn(burnedPkp.tokenId)).wait();

    // The demo's proof: isPrime signs 7919 with the mint/grant/burn PKP (as `npm run demo`).
    const jsParams = { number: 7919, publicKey: mgb.publicKey };
    const result = await client.execute({ code, ipfsId, jsParams });
    if (!result.success) throw new Error(`the oracle refused: ${result.error.message}`);
    const bundle = await collectProofBundle({
      record,
      provider,
      tokenId: mgb.tokenId,
      publicKey: mgb.publicKey,
      code,
      ipfsId,
      jsParams,
      result,
    });
    const bundleFile = await writeProofBundle(path.join(dir, "demo-prime-7919.json"), bundle);

    const explorer = await spawnTask(
      [
        "pkp:explorer",
        "--network",
        "localhost",
        "--port",
        "0",
        "--oracle",
        oracle.ready,
        "--deployments-dir",
        dir,
      ],
      /Explorer listening on (http:\/\/\S+)/,
      { env },
    );
    stops.splice(1, 0, () => explorer.stop());
    return {
      node,
      dir,
      record,
      oracle,
      oracleUrl: oracle.ready,
      explorer,
      explorerUrl: explorer.ready,
      provider,
      isPrime: { code, ipfsId },
      mgb,
      owned: { ...ownedPkp, owner: alice.address, permittedAddress: bob.address },
      burned: { ...burnedPkp, formerOwner: bob.address },
      bundle,
      bundleFile,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
