/**
 * bench:oracle's rows for actions that use the Lit.Actions API beyond isPrime (issue 14):
 *
 * - ethers: an action that hashes with `ethers.utils.keccak256`, signs with signAndCombineEcdsa
 *   and joins the signature with `ethers.utils.joinSignature` (goal: p50 ≤ 10 ms over HTTP);
 * - fetch: an action that fetches JSON from a loopback origin the oracle allows
 *   (`pkp:oracle --fetch-allow`), served by this process.
 *
 * Each answer is checked after the timed window (the recovered signer, the fetched value).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ethers } from "ethers";
import { cidToBytes } from "../src/cid";
import type { PkpContracts } from "../src/deployments";
import type { ExecuteResult } from "../src/oracle/oracle";

export const ETHERS_ACTION = `(async () => {
  const digest = ethers.utils.keccak256(ethers.utils.toUtf8Bytes(message));
  const combined = JSON.parse(await Lit.Actions.signAndCombineEcdsa({ toSign: ethers.utils.arrayify(digest), publicKey, sigName: "k" }));
  const signature = ethers.utils.joinSignature({ r: "0x" + combined.r.substring(2), s: "0x" + combined.s, v: combined.v });
  Lit.Actions.setResponse({ response: JSON.stringify({ digest, signature }) });
})();`;

export const FETCH_ACTION = `(async () => {
  const response = await fetch(url, { headers: { accept: "application/json" } });
  const { price } = await response.json();
  Lit.Actions.setResponse({ response: String(price) });
})();`;

const PRICE = 3141;

/** A loopback JSON API (what the fetch row reads). */
export async function startPriceApi(): Promise<{ origin: string; close(): Promise<void> }> {
  const body = JSON.stringify({ asset: "ETH", price: PRICE });
  const server = http.createServer((_request, response) => {
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Post = (body: string) => Promise<{ result: ExecuteResult; ms: number }>;

export interface ActionRowsInput {
  base: URL;
  post: Post;
  contracts: PkpContracts;
  priceOrigin: string;
  calls: number;
}

async function store(base: URL, code: string): Promise<string> {
  const stored = await fetch(new URL("/actions", base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  return ((await stored.json()) as { ipfsId: string }).ipfsId;
}

async function latency(post: Post, body: string, calls: number, check: (r: ExecuteResult) => void) {
  for (let i = 0; i < 30; i += 1) await post(body); // warm-up
  const samples: Array<{ result: ExecuteResult; ms: number }> = [];
  for (let i = 0; i < calls; i += 1) samples.push(await post(body));
  for (const sample of samples) check(sample.result);
  return samples.map((s) => s.ms);
}

/** Latency samples (ms, concurrency 1, over HTTP) of the two actions. */
export async function measureActionRows(
  input: ActionRowsInput,
): Promise<{ ethersKeccakJoin: number[]; fetchLoopback: number[] }> {
  const { base, post, contracts, priceOrigin, calls } = input;
  console.log("▸ Storing the ethers action and minting/granting/burning its PKP");
  const ethersId = await store(base, ETHERS_ACTION);
  const value = await contracts.pkpNft.mintCost();
  const tokenId = await contracts.pkpNft.mintGrantAndBurnNext.staticCall(2n, cidToBytes(ethersId), {
    value,
  });
  await (await contracts.pkpNft.mintGrantAndBurnNext(2n, cidToBytes(ethersId), { value })).wait();
  const publicKey = await contracts.pkpNft.getPubkey(tokenId);
  const ethAddress = await contracts.pkpNft.getEthAddress(tokenId);
  const message = "bench: keccak256 and joinSignature";

  console.log(
    `▸ HTTP /execute latency, concurrency 1, ${calls} calls (ethers keccak256 + joinSignature)`,
  );
  const ethersKeccakJoin = await latency(
    post,
    JSON.stringify({ ipfsId: ethersId, jsParams: { message, publicKey } }),
    calls,
    (result) => {
      if (!result.success) throw new Error(`ethers action failed: ${JSON.stringify(result.error)}`);
      const { digest, signature } = JSON.parse(result.response) as {
        digest: string;
        signature: string;
      };
      if (
        digest !== ethers.id(message) ||
        ethers.recoverAddress(digest, signature) !== ethAddress
      ) {
        throw new Error("the ethers action's signature does not recover to its PKP");
      }
    },
  );

  console.log(
    `▸ HTTP /execute latency, concurrency 1, ${calls} calls (fetch from a loopback origin)`,
  );
  const fetchId = await store(base, FETCH_ACTION);
  const fetchLoopback = await latency(
    post,
    JSON.stringify({ ipfsId: fetchId, jsParams: { url: `${priceOrigin}/price` } }),
    calls,
    (result) => {
      if (!result.success || result.response !== String(PRICE)) {
        throw new Error(`fetch action failed: ${JSON.stringify(result)}`);
      }
    },
  );
  return { ethersKeccakJoin, fetchLoopback };
}
