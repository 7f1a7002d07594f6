/**
 * `POST /encrypt` and `POST /decrypt` over HTTP: Lit's field names, the refusals with their
 * statuses, and the schema's strictness.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { createAuthSig } from "../../../src/oracle/authSig";
import { ActionRuntime } from "../../../src/oracle/runtime";
import { startOracleServer, type OracleServer } from "../../../src/oracle/http/server";
import { mintTo } from "../../helpers/stack";
import { postJson, refusalOf } from "./client";
import { deployOracleStack } from "../../helpers/oracleStack";

const CHAIN_ID = 31337;

describe("oracle HTTP server: /encrypt and /decrypt", function () {
  const runtime = new ActionRuntime({ poolSize: 1 });
  const servers: OracleServer[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await runtime.close();
  });

  async function encryptionFixture() {
    const { stack, oracle } = await deployOracleStack(runtime, 2);
    const server = await startOracleServer({ oracle, port: 0 });
    servers.push(server);
    await mintTo(stack, stack.alice);
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
    return { stack, server, accessControlConditions };
  }

  it("encrypts to Lit's { ciphertext, dataToEncryptHash } and decrypts for a holder, as text and base64", async function () {
    const { stack, server, accessControlConditions } = await loadFixture(encryptionFixture);
    const encrypted = await postJson(server.url, "/encrypt", {
      accessControlConditions,
      dataToEncrypt: "hello holders",
      chain: "localhost",
    });
    expect(encrypted.status, encrypted.text).to.equal(200);
    const { ciphertext, dataToEncryptHash } = encrypted.json as {
      ciphertext: string;
      dataToEncryptHash: string;
    };
    expect(dataToEncryptHash).to.equal(ethers.sha256(ethers.toUtf8Bytes("hello holders")).slice(2));
    const decrypted = await postJson(server.url, "/decrypt", {
      accessControlConditions,
      ciphertext,
      dataToEncryptHash,
      chain: "localhost",
      authSig: await createAuthSig(stack.alice, { chainId: CHAIN_ID }),
    });
    expect(decrypted.status, decrypted.text).to.equal(200);
    expect(decrypted.json).to.deep.equal({
      success: true,
      decryptedData: Buffer.from("hello holders").toString("base64"),
      decryptedString: "hello holders",
    });
    // Bytes in, bytes out (not UTF-8: no string).
    const bytes = await postJson(server.url, "/encrypt", {
      accessControlConditions,
      dataToEncrypt: [0, 255, 254],
    });
    const { ciphertext: c2, dataToEncryptHash: h2 } = bytes.json as {
      ciphertext: string;
      dataToEncryptHash: string;
    };
    const sealed = { ciphertext: c2, dataToEncryptHash: h2 };
    const opened = await postJson(server.url, "/decrypt", {
      accessControlConditions,
      ...sealed,
      chain: "localhost",
      authSig: await createAuthSig(stack.alice, { chainId: CHAIN_ID }),
    });
    expect(opened.json).to.deep.equal({
      success: true,
      decryptedData: "AP/+",
      decryptedString: null,
    });
  });

  it("refuses with 403 CONDITIONS_NOT_MET, 400 DECRYPTION_FAILED, 400 INVALID_CONDITIONS and 400 INVALID_REQUEST", async function () {
    const { stack, server, accessControlConditions } = await loadFixture(encryptionFixture);
    const answer = (
      await postJson(server.url, "/encrypt", { accessControlConditions, dataToEncrypt: "x" })
    ).json as { ciphertext: string; dataToEncryptHash: string };
    const sealed = { ciphertext: answer.ciphertext, dataToEncryptHash: answer.dataToEncryptHash };
    const stranger = await createAuthSig(stack.stranger, { chainId: CHAIN_ID });
    const notMet = await postJson(server.url, "/decrypt", {
      accessControlConditions,
      ...sealed,
      chain: "localhost",
      authSig: stranger,
    });
    expect(notMet.status, notMet.text).to.equal(403);
    expect(refusalOf(notMet).code).to.equal("CONDITIONS_NOT_MET");
    const other = [
      { ...accessControlConditions[0], returnValueTest: { comparator: ">=", value: "0" } },
    ];
    const mismatch = await postJson(server.url, "/decrypt", {
      accessControlConditions: other,
      ...sealed,
      chain: "localhost",
      authSig: stranger,
    });
    expect(mismatch.status).to.equal(400);
    expect(refusalOf(mismatch).code).to.equal("DECRYPTION_FAILED");
    const two = await postJson(server.url, "/encrypt", {
      accessControlConditions,
      evmContractConditions: [],
      dataToEncrypt: "x",
    });
    expect(two.status).to.equal(400);
    expect(refusalOf(two)).to.deep.include({ code: "INVALID_CONDITIONS" });
    for (const body of [
      { accessControlConditions, dataToEncrypt: 5 },
      { accessControlConditions, dataToEncrypt: "x", extra: 1 },
      { accessControlConditions: "nope", dataToEncrypt: "x" },
    ]) {
      const refused = await postJson(server.url, "/encrypt", body);
      expect(refused.status, JSON.stringify(body)).to.equal(400);
      expect(refusalOf(refused).code).to.equal("INVALID_REQUEST");
    }
    const noChain = await postJson(server.url, "/decrypt", { accessControlConditions, ...sealed });
    expect(refusalOf(noChain)).to.deep.include({ code: "INVALID_REQUEST" });
  });
});
