import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { cidOfCode, cidToBytes } from "../../src/cid";
import { createAuthSig } from "../../src/oracle/authSig";
import { type ExecuteResult } from "../../src/oracle/oracle";
import { ActionRuntime } from "../../src/oracle/runtime";
import { verifyLitSignature, type LitSignature } from "../../src/oracle/signing";
import { mintTo } from "../helpers/stack";
import { deployOracleStack } from "../helpers/oracleStack";

const CHAIN_ID = 31337;

const signAction = (sigName: string) => `
  (async () => {
    await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.publicKey, sigName: "${sigName}" });
    Lit.Actions.setResponse({ response: "signed" });
  })();`;
const personalSignAction = `
  (async () => {
    await Lit.Actions.ethPersonalSignMessageEcdsa({ message: "hello", publicKey, sigName: "personal" });
  })();`;
const DIGEST = ethers.keccak256(ethers.toUtf8Bytes("a message worth signing"));
const DIGEST_BYTES = Array.from(ethers.getBytes(DIGEST));

describe("SigningOracle", () => {
  const runtime = new ActionRuntime({ poolSize: 2 });
  after(() => runtime.close());

  async function oracleFixture() {
    const { stack, keystore, oracle } = await deployOracleStack(runtime, 6);
    const cid = async (code: string) => cidToBytes(await cidOfCode(code));
    /** Mints the next PKP to alice and returns its key. */
    const mintToAlice = async () => {
      const tokenId = await mintTo(stack, stack.alice);
      return { tokenId, publicKey: await stack.pkpNft.getPubkey(tokenId) };
    };
    return { stack, keystore, oracle, cid, mintToAlice };
  }

  async function expectVerifiedSignatures(
    result: ExecuteResult,
    ethAddress: string,
  ): Promise<LitSignature[]> {
    if (!result.success) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
    const signatures = Object.values(result.signatures);
    for (const signature of signatures) {
      expect(ethers.recoverAddress(signature.dataSigned, signature.signature)).to.equal(ethAddress);
      expect(verifyLitSignature(signature).ok).to.equal(true);
    }
    return signatures;
  }

  function expectRefusal(result: { success: boolean; error?: { code: string } }, code: string) {
    expect(result.success, JSON.stringify(result)).to.equal(false);
    expect(result.error?.code).to.equal(code);
  }

  describe("actions/isPrime.js on a mint/grant/burn PKP", () => {
    async function isPrimeFixture() {
      const base = await oracleFixture();
      const code = await readFile(path.join(__dirname, "../../actions/isPrime.js"), "utf8");
      const tokenId = await base.stack.pkpNft.mintGrantAndBurnNext.staticCall(
        2n,
        await base.cid(code),
        { value: 1n },
      );
      await base.stack.pkpNft.mintGrantAndBurnNext(2n, await base.cid(code), { value: 1n });
      const publicKey = await base.stack.pkpNft.getPubkey(tokenId);
      const ethAddress = await base.stack.pkpNft.getEthAddress(tokenId);
      return { ...base, code, tokenId, publicKey, ethAddress };
    }

    it("signs 7919, which is prime, as a 32-byte big-endian integer", async () => {
      const { oracle, code, publicKey, ethAddress } = await loadFixture(isPrimeFixture);
      const result = await oracle.execute({ code, jsParams: { number: 7919, publicKey } });
      const [signature] = await expectVerifiedSignatures(result, ethAddress);
      expect(signature.dataSigned).to.equal(ethers.toBeHex(7919, 32));
      expect(JSON.parse((result as { response: string }).response)).to.deep.equal({
        number: "7919",
        signed: true,
        prime: true,
      });
    });

    it("refuses to sign 7918 and says why", async () => {
      const { oracle, code, publicKey } = await loadFixture(isPrimeFixture);
      const result = await oracle.execute({ code, jsParams: { number: 7918, publicKey } });
      if (!result.success) throw new Error(result.error.message);
      expect(result.signatures).to.deep.equal({});
      expect(JSON.parse(result.response)).to.deep.include({ signed: false });
      expect(JSON.parse(result.response).reason).to.match(/not prime/);
    });

    it("refuses any other action on that PKP", async () => {
      const { oracle, publicKey } = await loadFixture(isPrimeFixture);
      const result = await oracle.execute({
        code: signAction("evil"),
        jsParams: { toSign: DIGEST_BYTES, publicKey },
      });
      expectRefusal(result, "NOT_PERMITTED");
    });

    it("refuses any authSig on that PKP, since a burned PKP has no owner", async () => {
      const { oracle, stack, publicKey } = await loadFixture(isPrimeFixture);
      for (const signer of [stack.alice, stack.deployer]) {
        const authSig = await createAuthSig(signer, { chainId: CHAIN_ID });
        expectRefusal(
          await oracle.pkpSign({ pubKey: publicKey, toSign: DIGEST, authSig }),
          "NOT_PERMITTED",
        );
        expectRefusal(
          await oracle.execute({
            code: signAction("evil"),
            jsParams: { toSign: DIGEST_BYTES, publicKey },
            authSig,
          }),
          "NOT_PERMITTED",
        );
      }
    });

    it("runs stored code by its ipfsId alone", async () => {
      const { oracle, code, publicKey, ethAddress } = await loadFixture(isPrimeFixture);
      const { ipfsId } = await oracle.storeAction(code);
      const result = await oracle.execute({ ipfsId, jsParams: { number: 13, publicKey } });
      await expectVerifiedSignatures(result, ethAddress);
    });
  });

  describe("authorization matrix", () => {
    it("signs for the owner through an authSig, with /pkp/sign and inside any action", async () => {
      const { oracle, stack, mintToAlice } = await loadFixture(oracleFixture);
      const { tokenId, publicKey } = await mintToAlice();
      const ethAddress = await stack.pkpNft.getEthAddress(tokenId);
      const authSig = await createAuthSig(stack.alice, { chainId: CHAIN_ID });
      const signed = await oracle.pkpSign({ pubKey: publicKey, toSign: DIGEST, authSig });
      if (!signed.success) throw new Error(signed.error.message);
      expect(
        ethers.recoverAddress(signed.signature.dataSigned, signed.signature.signature),
      ).to.equal(ethAddress);
      const result = await oracle.execute({
        code: signAction("owner"),
        jsParams: { toSign: DIGEST_BYTES, publicKey },
        authSig,
      });
      await expectVerifiedSignatures(result, ethAddress);
    });

    it("signs for a permitted address with scope 1, not for one without scopes", async () => {
      const { oracle, stack, mintToAlice } = await loadFixture(oracleFixture);
      const { tokenId, publicKey } = await mintToAlice();
      const permissions = stack.permissions.connect(stack.alice);
      await permissions.addPermittedAddress(tokenId, stack.bob.address, [1]);
      await permissions.addPermittedAddress(tokenId, stack.carol.address, []);
      const bobSig = await createAuthSig(stack.bob, { chainId: CHAIN_ID });
      const carolSig = await createAuthSig(stack.carol, { chainId: CHAIN_ID });
      const bob = await oracle.pkpSign({ pubKey: publicKey, toSign: DIGEST, authSig: bobSig });
      expect(bob.success, JSON.stringify(bob)).to.equal(true);
      expectRefusal(
        await oracle.pkpSign({ pubKey: publicKey, toSign: DIGEST, authSig: carolSig }),
        "NOT_PERMITTED",
      );
    });

    const grants: Array<[string, bigint[], boolean, boolean]> = [
      ["[1]", [1n], true, true],
      ["[]", [], false, false],
      ["[2]", [2n], false, true],
    ];
    for (const [label, scopes, ecdsa, personal] of grants) {
      it(`for an action granted ${label}: signEcdsa ${ecdsa ? "signs" : "is refused"}, personal sign ${personal ? "signs" : "is refused"}`, async () => {
        const { oracle, stack, cid, mintToAlice } = await loadFixture(oracleFixture);
        const { tokenId, publicKey } = await mintToAlice();
        const ethAddress = await stack.pkpNft.getEthAddress(tokenId);
        const ecdsaCode = signAction("sig");
        const permissions = stack.permissions.connect(stack.alice);
        await permissions.addPermittedAction(tokenId, await cid(ecdsaCode), scopes);
        await permissions.addPermittedAction(tokenId, await cid(personalSignAction), scopes);

        const viaEcdsa = await oracle.execute({
          code: ecdsaCode,
          jsParams: { toSign: DIGEST_BYTES, publicKey },
        });
        if (ecdsa) await expectVerifiedSignatures(viaEcdsa, ethAddress);
        else expectRefusal(viaEcdsa, "NOT_PERMITTED");

        const viaPersonal = await oracle.execute({
          code: personalSignAction,
          jsParams: { publicKey },
        });
        if (personal) {
          const [signature] = await expectVerifiedSignatures(viaPersonal, ethAddress);
          expect(signature.dataSigned).to.equal(ethers.hashMessage("hello"));
        } else expectRefusal(viaPersonal, "NOT_PERMITTED");
      });
    }

    it("refuses an action after it was removed", async () => {
      const { oracle, stack, cid, mintToAlice } = await loadFixture(oracleFixture);
      const { tokenId, publicKey } = await mintToAlice();
      const code = signAction("sig");
      const permissions = stack.permissions.connect(stack.alice);
      await permissions.addPermittedAction(tokenId, await cid(code), [1]);
      await permissions.removePermittedAction(tokenId, await cid(code));
      expectRefusal(
        await oracle.execute({ code, jsParams: { toSign: DIGEST_BYTES, publicKey } }),
        "NOT_PERMITTED",
      );
    });

    it("refuses a PKP that this oracle does not hold", async () => {
      const { oracle } = await loadFixture(oracleFixture);
      const stranger = ethers.Wallet.createRandom().signingKey.publicKey;
      expectRefusal(
        await oracle.execute({
          code: signAction("sig"),
          jsParams: { toSign: DIGEST_BYTES, publicKey: stranger },
        }),
        "UNKNOWN_PKP",
      );
    });

    it("refuses code that does not match the given ipfsId", async () => {
      const { oracle } = await loadFixture(oracleFixture);
      const ipfsId = await cidOfCode("something else");
      expectRefusal(await oracle.execute({ code: signAction("sig"), ipfsId }), "CODE_CID_MISMATCH");
    });

    it("refuses an ipfsId it has no code for", async () => {
      const { oracle } = await loadFixture(oracleFixture);
      const ipfsId = await cidOfCode("never stored");
      expectRefusal(await oracle.execute({ ipfsId }), "ACTION_NOT_FOUND");
    });

    it("refuses an authSig for another chain", async () => {
      const { oracle, stack, mintToAlice } = await loadFixture(oracleFixture);
      const { publicKey } = await mintToAlice();
      const authSig = await createAuthSig(stack.alice, { chainId: 1 });
      expectRefusal(
        await oracle.pkpSign({ pubKey: publicKey, toSign: DIGEST, authSig }),
        "INVALID_AUTH_SIG",
      );
    });

    it("gives no partial signatures when a later signature is refused", async () => {
      const { oracle, stack, cid, mintToAlice } = await loadFixture(oracleFixture);
      const first = await mintToAlice();
      const second = await mintToAlice();
      const code = `(async () => {
        await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.a, sigName: "a" });
        try { await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.b, sigName: "b" }); } catch (e) {}
      })();`;
      await stack.permissions
        .connect(stack.alice)
        .addPermittedAction(first.tokenId, await cid(code), [1]);
      const result = await oracle.execute({
        code,
        jsParams: { toSign: DIGEST_BYTES, a: first.publicKey, b: second.publicKey },
      });
      expectRefusal(result, "NOT_PERMITTED");
      expect(result).to.not.have.property("signatures");
    });
  });
});
