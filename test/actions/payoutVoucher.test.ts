import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { cidOfCode, cidToBytes } from "../../src/cid";
import { MemoryKeystore } from "../../src/oracle/keystore";
import { SigningOracle, type ExecuteResult } from "../../src/oracle/oracle";
import { KeyProvisioner } from "../../src/oracle/provisioning";
import { ActionRuntime } from "../../src/oracle/runtime";
import { deployStack, mintGrantAndBurn, oracleContracts } from "../helpers/stack";

const CHAIN_ID = 31337;
const RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

describe("actions/payoutVoucher.js on a mint/grant/burn PKP", () => {
  const runtime = new ActionRuntime({ poolSize: 1 });
  after(() => runtime.close());

  /** Keystores are built inside the fixture: fine here, since every test only reads them. */
  async function voucherFixture() {
    const base = await deployStack();
    const stack = { ...base, poolKeys: [] };
    const keystore = new MemoryKeystore();
    await new KeyProvisioner({ router: stack.router, keystore, target: 2 }).topUp();
    const oracle = new SigningOracle({
      contracts: oracleContracts(stack),
      provider: ethers.provider,
      chainId: CHAIN_ID,
      keystore,
      runtime,
    });
    const code = await readFile(path.join(__dirname, "../../actions/payoutVoucher.js"), "utf8");
    const { tokenId } = await mintGrantAndBurn(
      stack,
      stack.alice,
      cidToBytes(await cidOfCode(code)),
    );
    const publicKey = await stack.pkpNft.getPubkey(tokenId);
    const ethAddress = await stack.pkpNft.getEthAddress(tokenId);
    return { oracle, code, publicKey, ethAddress };
  }

  const inMinutes = (minutes: number) => Math.floor(Date.now() / 1000) + minutes * 60;

  function responseOf(result: ExecuteResult): {
    signed: boolean;
    message?: string;
    reason?: string;
  } {
    if (!result.success) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
    return JSON.parse(result.response);
  }

  it("signs a voucher within the policy, as an EIP-191 message the PKP's address recovers from", async () => {
    const { oracle, code, publicKey, ethAddress } = await loadFixture(voucherFixture);
    const expiresAt = inMinutes(10);
    const result = await oracle.execute({
      code,
      jsParams: { recipient: RECIPIENT, amount: "1000", nonce: "7", expiresAt, publicKey },
    });
    const response = responseOf(result);
    expect(response.signed).to.equal(true);
    expect(response.message).to.equal(
      `payout voucher v1\nrecipient: ${RECIPIENT.toLowerCase()}\namount: 1000\nnonce: 7\n` +
        `expiresAt: ${expiresAt}`,
    );
    if (!result.success) throw new Error("unreachable");
    const signature = result.signatures.voucher;
    expect(signature.dataSigned).to.equal(ethers.hashMessage(response.message as string));
    expect(ethers.recoverAddress(signature.dataSigned, signature.signature)).to.equal(ethAddress);
    expect(ethers.verifyMessage(response.message as string, signature.signature)).to.equal(
      ethAddress,
    );
  });

  // Each change is made when its test runs: times computed while mocha loads the file would be
  // minutes old by then in a long suite (61 minutes ahead would no longer be over an hour).
  const refusals: Array<[string, () => Record<string, unknown>, RegExp]> = [
    ["an amount over the cap", () => ({ amount: "1001" }), /exceeds the cap of 1000/],
    ["a zero or malformed amount", () => ({ amount: "0" }), /positive decimal integer/],
    ["a recipient that is not an address", () => ({ recipient: "alice.eth" }), /0x address/],
    ["a blocked recipient", () => ({ recipient: ethers.ZeroAddress }), /is blocked/],
    ["an expired voucher", () => ({ expiresAt: inMinutes(-1) }), /in the past/],
    [
      "a voucher living over an hour",
      () => ({ expiresAt: inMinutes(61) }),
      /more than 3600 s ahead/,
    ],
    ["a missing nonce", () => ({ nonce: undefined }), /nonce/],
  ];
  for (const [what, change, reason] of refusals) {
    it(`refuses ${what}, without any signature, and says why`, async () => {
      const { oracle, code, publicKey } = await loadFixture(voucherFixture);
      const jsParams = {
        recipient: RECIPIENT,
        amount: "10",
        nonce: "1",
        expiresAt: inMinutes(10),
        publicKey,
        ...change(),
      };
      const result = await oracle.execute({ code, jsParams });
      const response = responseOf(result);
      expect(response.signed).to.equal(false);
      expect(response.reason).to.match(reason);
      if (result.success) expect(result.signatures).to.deep.equal({});
    });
  }

  it("is the only code that can sign with that PKP: the same signing call from other code is refused", async () => {
    const { oracle, publicKey } = await loadFixture(voucherFixture);
    const result = await oracle.execute({
      code: `(async () => { await LitActions.ethPersonalSignMessageEcdsa({ message: "payout voucher v1\\namount: 1000000", publicKey, sigName: "voucher" }); })();`,
      jsParams: { publicKey },
    });
    expect(result.success).to.equal(false);
    if (!result.success) expect(result.error.code).to.equal("NOT_PERMITTED");
  });
});
