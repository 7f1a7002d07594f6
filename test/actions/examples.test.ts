/**
 * The real-world actions of actions/examples/ (written as Lit's docs write them), run end to end
 * through SigningOracle on the in-process chain: PKPs minted, granted and burned to each action,
 * a loopback "third-party API" allowed for fetch, signatures checked against the PKP's address.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { cidOfCode, cidToBytes } from "../../src/cid";
import { createAuthSig } from "../../src/oracle/authSig";
import { type ExecuteResult, type ExecuteSuccess } from "../../src/oracle/oracle";
import { ActionRuntime } from "../../src/oracle/runtime";
import { mintGrantAndBurn, mintTo } from "../helpers/stack";
import { json, startTestServer, type TestServer } from "../helpers/testServer";
import { deployOracleStack } from "../helpers/oracleStack";

const CHAIN_ID = 31337;
const EXAMPLES = path.join(__dirname, "..", "..", "actions", "examples");
const API_KEY = "sk-test-0123456789";

function ok(result: ExecuteResult): ExecuteSuccess {
  if (!result.success) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result;
}

describe("actions/examples: Lit's real-world actions, end to end", function () {
  const runtime = new ActionRuntime({ poolSize: 2, limits: { timeoutMs: 20_000 } });
  let api: TestServer;
  let price = 3100;

  before(async function () {
    api = await startTestServer({
      "/price": (request, response) => json({ asset: "ETH", price })(request, response),
      "/secret-data": (request, response) => {
        const authorized = request.headers.authorization === `Bearer ${API_KEY}`;
        response.writeHead(authorized ? 200 : 401, { "content-type": "application/json" });
        response.end(JSON.stringify(authorized ? { secret: "42" } : { error: "unauthorized" }));
      },
    });
  });
  after(async () => {
    await runtime.close();
    await api.close();
  });

  async function read(name: string): Promise<{ code: string; ipfsId: string }> {
    const code = await readFile(path.join(EXAMPLES, name), "utf8");
    return { code, ipfsId: await cidOfCode(code) };
  }

  async function examplesFixture() {
    const { stack, keystore, oracle } = await deployOracleStack(runtime, 8, {
      fetch: { allow: [api.origin] },
    });
    const pkpFor = async (cid: string) => {
      const { tokenId } = await mintGrantAndBurn(stack, stack.alice, cidToBytes(cid));
      return {
        tokenId,
        publicKey: await stack.pkpNft.getPubkey(tokenId),
        ethAddress: await stack.pkpNft.getEthAddress(tokenId),
      };
    };
    return { stack, keystore, oracle, pkpFor };
  }

  it("signEip1559Transaction: signs the keccak256 of an EIP-1559 transaction built with ethers.utils", async function () {
    const { oracle, pkpFor } = await loadFixture(examplesFixture);
    const { code, ipfsId } = await read("signEip1559Transaction.js");
    const pkp = await pkpFor(ipfsId);
    const tx = {
      chainId: 31337,
      nonce: 3,
      to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      value: "1000000000000000",
      gasLimit: "21000",
      maxFeePerGas: "2000000000",
      maxPriorityFeePerGas: "1000000000",
    };
    const result = ok(
      await oracle.execute({ code, jsParams: { ...tx, publicKey: pkp.publicKey } }),
    );
    const { serializedTx } = JSON.parse(result.response) as { serializedTx: string };
    const expected = ethers.Transaction.from({ ...tx, type: 2, data: "0x" });
    expect(serializedTx).to.equal(expected.unsignedSerialized);
    const signature = result.signatures.sig1;
    expect(signature.dataSigned).to.equal(ethers.keccak256(serializedTx));
    expected.signature = signature.signature;
    expect(expected.from).to.equal(pkp.ethAddress);
  });

  it("signIfPriceAbove: fetches an allow-listed price API and signs only when it says so, recording the response", async function () {
    const { oracle, pkpFor } = await loadFixture(examplesFixture);
    const { code, ipfsId } = await read("signIfPriceAbove.js");
    const pkp = await pkpFor(ipfsId);
    const jsParams = {
      publicKey: pkp.publicKey,
      url: `${api.origin}/price?asset=ETH`,
      threshold: 3000,
    };

    price = 3100;
    api.requests.length = 0;
    const high = ok(await oracle.execute({ code, jsParams }));
    const response = JSON.parse(high.response) as { signed: boolean; message: string };
    expect(response.signed).to.equal(true);
    expect(ethers.verifyMessage(response.message, high.signatures.attestation.signature)).to.equal(
      pkp.ethAddress,
    );
    expect(api.requests.map((r) => [r.method, r.path, r.headers.accept])).to.deep.equal([
      ["GET", "/price?asset=ETH", "application/json"],
    ]);
    // The response the action saw is in the outcome, whole, for proofs to replay.
    expect(high.recordings).to.have.length(1);
    const record = high.recordings?.[0];
    if (record?.kind !== "fetch" || !("response" in record)) throw new Error("no fetch record");
    expect(record.request.url).to.equal(jsParams.url);
    expect(record.response.status).to.equal(200);
    expect(Buffer.from(record.response.body ?? "", "base64").toString()).to.equal(
      JSON.stringify({ asset: "ETH", price: 3100 }),
    );

    price = 2900;
    const low = ok(await oracle.execute({ code, jsParams }));
    expect(JSON.parse(low.response)).to.deep.include({ signed: false, price: 2900 });
    expect(low.signatures).to.deep.equal({});
  });

  it("decryptApiKeyForNftHolders: decrypts an API key only for holders of the ERC-721 and uses it in a fetch", async function () {
    const { stack, oracle } = await loadFixture(examplesFixture);
    const { code } = await read("decryptApiKeyForNftHolders.js");
    await mintTo(stack, stack.alice); // alice holds a PKP NFT; the stranger holds none
    const accessControlConditions = [
      {
        contractAddress: await stack.pkpNft.getAddress(),
        standardContractType: "ERC721",
        chain: "localhost",
        method: "balanceOf",
        parameters: [":userAddress"],
        returnValueTest: { comparator: ">", value: "0" },
      },
    ];
    const encrypted = oracle.encrypt({ accessControlConditions, dataToEncrypt: API_KEY });
    if (!encrypted.success) throw new Error(JSON.stringify(encrypted.error));
    const jsParams = {
      accessControlConditions,
      ciphertext: encrypted.ciphertext,
      dataToEncryptHash: encrypted.dataToEncryptHash,
      chain: "localhost",
      url: `${api.origin}/secret-data`,
    };
    const holder = ok(
      await oracle.execute({
        code,
        jsParams,
        authSig: await createAuthSig(stack.alice, { chainId: CHAIN_ID }),
      }),
    );
    expect(JSON.parse(holder.response)).to.deep.equal({ status: 200, data: { secret: "42" } });

    const stranger = await oracle.execute({
      code,
      jsParams,
      authSig: await createAuthSig(stack.stranger, { chainId: CHAIN_ID }),
    });
    expect(stranger.success).to.equal(false);
    expect(!stranger.success && stranger.error.message).to.match(
      /Access control conditions check failed/,
    );
  });

  it("callChildSigner: a parent with no permission calls a permitted child, which signs as itself", async function () {
    const { oracle, pkpFor } = await loadFixture(examplesFixture);
    const parent = await read("callChildSigner.js");
    const child = await read("childSigner.js");
    const pkp = await pkpFor(child.ipfsId);
    await oracle.storeAction(child.code);
    const result = ok(
      await oracle.execute({
        code: parent.code,
        jsParams: { childIpfsId: child.ipfsId, publicKey: pkp.publicKey, message: "hello" },
      }),
    );
    const response = JSON.parse(result.response) as {
      child: { signedBy: string; stack: string[] };
      stack: string[];
    };
    expect(response.child).to.deep.equal({
      signedBy: child.ipfsId,
      stack: [parent.ipfsId, child.ipfsId],
    });
    expect(response.stack).to.deep.equal([parent.ipfsId]);
    const signature = result.signatures.childSig;
    expect(signature.dataSigned).to.equal(ethers.keccak256(ethers.toUtf8Bytes("hello")));
    expect(ethers.recoverAddress(signature.dataSigned, signature.signature)).to.equal(
      pkp.ethAddress,
    );
    expect(result.recordings).to.deep.equal([
      { kind: "action", ipfsId: child.ipfsId, code: child.code },
    ]);

    // The parent's own CID is not permitted: signing directly is refused.
    const direct = await oracle.execute({
      code: `(async () => { await Lit.Actions.signEcdsa({ toSign: new Uint8Array(32), publicKey, sigName: "x" }); })();`,
      jsParams: { publicKey: pkp.publicKey },
    });
    expect(!direct.success && direct.error.code).to.equal("NOT_PERMITTED");
  });

  it("runOnceSendTransaction: signs inside the action and sends once through getRpcUrl's RPC", async function () {
    const { stack, oracle, pkpFor } = await loadFixture(examplesFixture);
    const { code, ipfsId } = await read("runOnceSendTransaction.js");
    const pkp = await pkpFor(ipfsId);
    await (
      await stack.alice.sendTransaction({ to: pkp.ethAddress, value: ethers.parseEther("1") })
    ).wait();
    const to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const before = await ethers.provider.getBalance(to);
    const result = ok(
      await oracle.execute({
        code,
        jsParams: { publicKey: pkp.publicKey, chain: "localhost", to, value: "12345" },
      }),
    );
    const { from, txHash } = JSON.parse(result.response) as { from: string; txHash: string };
    expect(from).to.equal(pkp.ethAddress);
    const receipt = await ethers.provider.getTransactionReceipt(txHash);
    expect(receipt?.from).to.equal(pkp.ethAddress);
    expect((await ethers.provider.getBalance(to)) - before).to.equal(12345n);
    expect(result.signatures).to.deep.equal({}); // signAndCombineEcdsa hands it to the action only
    const methods = (result.recordings ?? []).map((r) => (r.kind === "rpc" ? r.method : r.kind));
    expect(methods).to.include.members([
      "eth_getTransactionCount",
      "eth_chainId",
      "eth_sendRawTransaction",
    ]);
  });
});
