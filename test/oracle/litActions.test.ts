/**
 * The rest of the Lit.Actions API through SigningOracle on the in-process chain: Lit's argument
 * names and answer shapes, and each function's refusals.
 */
import { expect } from "chai";
import { createCipheriv, randomBytes } from "node:crypto";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { p256 } from "@noble/curves/p256";
import { cidOfCode, cidToBytes } from "../../src/cid";
import { createAuthSig } from "../../src/oracle/authSig";
import { SigningOracle, type ExecuteResult, type ExecuteSuccess } from "../../src/oracle/oracle";
import { ActionRuntime } from "../../src/oracle/runtime";
import { mintGrantAndBurn, mintTo } from "../helpers/stack";
import { deployOracleStack } from "../helpers/oracleStack";

const CHAIN_ID = 31337;

function ok(result: ExecuteResult): ExecuteSuccess {
  if (!result.success) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result;
}

describe("SigningOracle: the rest of the Lit.Actions API", function () {
  const runtime = new ActionRuntime({ poolSize: 2, limits: { timeoutMs: 15_000 } });
  after(() => runtime.close());

  async function litActionsFixture() {
    const { stack, keystore, oracle } = await deployOracleStack(runtime, 6, {
      chains: { ethereum: "self", other: "http://127.0.0.1:9/" },
    });
    /** Runs `body` (inside an async function) and parses the JSON it hands to `respond(...)`. */
    const run = async (
      body: string,
      extra: Partial<Parameters<SigningOracle["execute"]>[0]> = {},
    ) =>
      oracle.execute({
        code: `(async () => { const respond = (v) => Lit.Actions.setResponse({ response: JSON.stringify(v) }); ${body} })();`,
        ...extra,
      });
    const value = async (
      body: string,
      extra: Partial<Parameters<SigningOracle["execute"]>[0]> = {},
    ) => JSON.parse(ok(await run(body, extra)).response) as unknown;
    return { stack, keystore, oracle, run, value };
  }

  describe("getRpcUrl, getLatestNonce, callContract", function () {
    it("getRpcUrl gives each configured chain's URL and an error string (not a throw) for others", async function () {
      const { value } = await loadFixture(litActionsFixture);
      const urls = (await value(
        `respond(await Promise.all(["localhost", "31337", "ethereum", "other", "solana", 5].map((chain) => Lit.Actions.getRpcUrl({ chain }))));`,
      )) as string[];
      expect(urls.slice(0, 4)).to.deep.equal([
        "http://oracle-rpc.invalid/localhost",
        "http://oracle-rpc.invalid/localhost",
        "http://oracle-rpc.invalid/localhost",
        "http://127.0.0.1:9/",
      ]);
      expect(urls[4]).to.match(
        /^Error getting RPC URL: unknown chain "solana"; this oracle knows localhost, 31337, ethereum, other/,
      );
      expect(urls[5]).to.match(/^Error getting RPC URL: unknown chain "5"/);
    });

    it("getLatestNonce answers 0x-hex at the pinned block, and refuses unknown chains and bad addresses", async function () {
      const { stack, value } = await loadFixture(litActionsFixture);
      const address = stack.alice.address;
      await (await stack.alice.sendTransaction({ to: stack.bob.address, value: 1 })).wait();
      const nonce = await ethers.provider.getTransactionCount(address);
      expect(
        await value(`respond([await Lit.Actions.getLatestNonce({ address: "${address}", chain: "localhost" }),
          await Lit.Actions.getLatestNonce({ address: "${address}", chain: "nope" }).catch((e) => e.message),
          await Lit.Actions.getLatestNonce({ address: "0x12", chain: "localhost" }).catch((e) => e.code)]);`),
      ).to.deep.equal([
        `0x${nonce.toString(16)}`,
        `unknown chain "nope"; this oracle knows localhost, 31337, ethereum, other`,
        "INVALID_ARGUMENT",
      ]);
    });

    it("callContract eth_calls an unsigned RLP transaction built with ethers and answers the hex result", async function () {
      const { stack, value } = await loadFixture(litActionsFixture);
      const tokenId = await mintTo(stack, stack.alice);
      const nft = await stack.pkpNft.getAddress();
      const result = (await value(`
        const iface = new ethers.utils.Interface(["function ownerOf(uint256) view returns (address)"]);
        const txn = ethers.utils.serializeTransaction({ to: "${nft}", data: iface.encodeFunctionData("ownerOf", ["${tokenId}"]) });
        const raw = await Lit.Actions.callContract({ chain: "localhost", txn });
        const reverted = await Lit.Actions.callContract({ chain: "localhost",
          txn: ethers.utils.serializeTransaction({ to: "${nft}", data: iface.encodeFunctionData("ownerOf", [12345]) }) }).catch((e) => e.message);
        const bad = await Lit.Actions.callContract({ chain: "localhost", txn: "0x1234" }).catch((e) => e.code);
        respond([raw, iface.decodeFunctionResult("ownerOf", raw)[0], reverted, bad]);`)) as string[];
      expect(result[1]).to.equal(stack.alice.address);
      expect(result[0]).to.match(/^0x0{24}[0-9a-f]{40}$/);
      expect(result[2]).to.match(/eth_call on localhost failed/);
      expect(result[3]).to.equal("INVALID_ARGUMENT");
    });
  });

  describe("signing: signAndCombineEcdsa, sign, signAndCombine", function () {
    async function pkpFixture() {
      const base = await litActionsFixture();
      const code = `(async () => {
        const toSign = ethers.utils.arrayify(ethers.utils.id("combine me"));
        const datil = JSON.parse(await Lit.Actions.signAndCombineEcdsa({ toSign, publicKey, sigName: "c1" }));
        const naga = JSON.parse(await Lit.Actions.signAndCombine({ toSign, publicKey, sigName: "c2", signingScheme: "EcdsaK256Sha256" }));
        const signed = await Lit.Actions.sign({ toSign, publicKey, sigName: "s1", signingScheme: "EcdsaK256Sha256" });
        const p256 = await Lit.Actions.sign({ toSign, publicKey, sigName: "s2", signingScheme: "EcdsaP256Sha256" }).catch((e) => e.message);
        const schnorr = await Lit.Actions.sign({ toSign, publicKey, sigName: "s3", signingScheme: "SchnorrK256Sha256" }).catch((e) => e.message);
        const joined = ethers.utils.joinSignature({ r: "0x" + datil.r.substring(2), s: "0x" + datil.s, v: datil.v });
        Lit.Actions.setResponse({ response: JSON.stringify({ datil, naga, signed, p256, schnorr, recovered: ethers.utils.recoverAddress(toSign, joined) }) });
      })();`;
      const { tokenId } = await mintGrantAndBurn(
        base.stack,
        base.stack.alice,
        cidToBytes(await cidOfCode(code)),
      );
      const publicKey = await base.stack.pkpNft.getPubkey(tokenId);
      const ethAddress = await base.stack.pkpNft.getEthAddress(tokenId);
      return { ...base, code, publicKey, ethAddress };
    }

    it("signAndCombineEcdsa answers datil's JSON { r: 33-byte compressed R, s, v } that joinSignature accepts after r.substring(2)", async function () {
      const { oracle, code, publicKey, ethAddress } = await loadFixture(pkpFixture);
      const result = ok(await oracle.execute({ code, jsParams: { publicKey } }));
      const response = JSON.parse(result.response) as {
        datil: { r: string; s: string; v: number };
        naga: { r: string; s: string; v: number };
        signed: string;
        p256: string;
        schnorr: string;
        recovered: string;
      };
      expect(Object.keys(response.datil)).to.deep.equal(["r", "s", "v"]);
      expect(response.datil.r).to.match(/^0[23][0-9a-f]{64}$/);
      expect(response.datil.s).to.match(/^[0-9a-f]{64}$/);
      expect(response.datil.v === 0 || response.datil.v === 1).to.equal(true);
      expect(response.datil.r.startsWith(response.datil.v === 1 ? "03" : "02")).to.equal(true);
      expect(response.recovered).to.equal(ethAddress);
      // naga's signAndCombine: the 32-byte r scalar.
      expect(response.naga).to.deep.equal({
        r: response.datil.r.slice(2),
        s: response.datil.s,
        v: response.datil.v,
      });
      // sign answers "success"; the signature goes to the outcome, as signEcdsa's.
      expect(response.signed).to.equal("success");
      expect(
        ethers.recoverAddress(result.signatures.s1.dataSigned, result.signatures.s1.signature),
      ).to.equal(ethAddress);
      expect(Object.keys(result.signatures)).to.deep.equal(["s1"]);
      expect(response.p256).to.match(
        /PKPs are secp256k1 keys, so signingScheme must be EcdsaK256Sha256/,
      );
      expect(response.schnorr).to.match(
        /SchnorrK256Sha256 is not supported by this oracle: it signs with ECDSA/,
      );
    });
  });

  describe("signAsAction, getActionPublicKey, verifyActionSignature", function () {
    it("signs with a key of the action's CID (stable across runs, different per CID and per curve) that verifies", async function () {
      const { oracle } = await loadFixture(litActionsFixture);
      const code = (marker: string) => `(async () => {
        const out = {};
        for (const [scheme, length] of [["EcdsaK256Sha256", 32], ["EcdsaP256Sha256", 32], ["EcdsaP384Sha384", 48]]) {
          const toSign = new Uint8Array(length).fill(3);
          const output = await Lit.Actions.signAsAction({ toSign, sigName: scheme, signingScheme: scheme });
          const publicKey = await Lit.Actions.getActionPublicKey({ signingScheme: scheme, actionIpfsCid: Lit.Auth.actionIpfsIds[0] });
          const verified = await Lit.Actions.verifyActionSignature({ signingScheme: scheme, actionIpfsCid: Lit.Auth.actionIpfsIds[0], toSign, signOutput: output });
          out[scheme] = { output: JSON.parse(output), publicKey, verified };
        }
        out.wrongLength = await Lit.Actions.signAsAction({ toSign: new Uint8Array(31), sigName: "x", signingScheme: "EcdsaK256Sha256" }).catch((e) => e.message);
        Lit.Actions.setResponse({ response: JSON.stringify(out) });
      })(); // ${marker}`;
      const first = ok(await oracle.execute({ code: code("a") }));
      const again = ok(await oracle.execute({ code: code("a") }));
      const other = ok(await oracle.execute({ code: code("b") }));
      type Out = Record<
        string,
        { output: Record<string, unknown>; publicKey: string; verified: boolean }
      > & { wrongLength: string };
      const [a, a2, b] = [first, again, other].map((r) => JSON.parse(r.response) as Out);
      for (const scheme of ["EcdsaK256Sha256", "EcdsaP256Sha256", "EcdsaP384Sha384"]) {
        expect(a[scheme].verified, scheme).to.equal(true);
        expect(Object.keys(a[scheme].output)).to.deep.equal([
          "signature",
          "verifying_key",
          "signed_data",
          "recovery_id",
        ]);
        expect(a[scheme].output.verifying_key).to.equal(a[scheme].publicKey);
        expect(a2[scheme].publicKey).to.equal(a[scheme].publicKey);
        expect(b[scheme].publicKey).not.to.equal(a[scheme].publicKey);
      }
      expect(a.EcdsaK256Sha256.publicKey).to.match(/^0[23][0-9a-f]{64}$/);
      expect(a.EcdsaP384Sha384.publicKey).to.match(/^0[23][0-9a-f]{96}$/);
      expect(a.wrongLength).to.match(/toSign must be exactly 32 bytes, got 31/);
      // The outcome carries Lit's signature shape under the sigName; the k256 one recovers to the action's key.
      const k256 = first.signatures.EcdsaK256Sha256;
      expect(ethers.recoverAddress(k256.dataSigned, k256.signature)).to.equal(
        ethers.computeAddress(`0x${a.EcdsaK256Sha256.publicKey}`),
      );
      const p256Sig = first.signatures.EcdsaP256Sha256 as unknown as {
        r: string;
        s: string;
        sigType: string;
        dataSigned: string;
      };
      expect(p256Sig.sigType).to.equal("EcdsaP256Sha256");
      expect(
        p256.verify(
          ethers.getBytes(`0x${p256Sig.r}${p256Sig.s}`),
          ethers.getBytes(p256Sig.dataSigned),
          ethers.getBytes(`0x${a.EcdsaP256Sha256.publicKey}`),
          { prehash: false, format: "compact" },
        ),
      ).to.equal(true);
    });
  });

  describe("aesDecrypt", function () {
    it("decrypts IV ‖ AES-256-CBC data to a hex string, and refuses a wrong key", async function () {
      const { value } = await loadFixture(litActionsFixture);
      const key = randomBytes(32);
      const iv = randomBytes(16);
      const cipher = createCipheriv("aes-256-cbc", key, iv);
      const ciphertext = Buffer.concat([iv, cipher.update("secret plaintext"), cipher.final()]);
      expect(
        await value(
          `respond([await Lit.Actions.aesDecrypt({ symmetricKey, ciphertext }),
            await Lit.Actions.aesDecrypt({ symmetricKey: new Uint8Array(32), ciphertext }).catch((e) => e.message),
            await Lit.Actions.aesDecrypt({ symmetricKey: new Uint8Array(16), ciphertext }).catch((e) => e.message)]);`,
          { jsParams: { symmetricKey: Array.from(key), ciphertext: Array.from(ciphertext) } },
        ),
      ).to.deep.equal([
        Buffer.from("secret plaintext").toString("hex"),
        "aesDecrypt: decryption failed (wrong key, or the ciphertext is not IV ‖ AES-256-CBC data)",
        "aesDecrypt: symmetricKey must be exactly 32 bytes, got 16",
      ]);
    });
  });

  describe("encrypt, decryptAndCombine, decryptToSingleNode, checkConditions", function () {
    it("encrypt answers Lit's { ciphertext, dataToEncryptHash }, and the decrypt calls return the plaintext when the conditions hold", async function () {
      const { stack, value } = await loadFixture(litActionsFixture);
      const tokenId = await mintTo(stack, stack.alice);
      const conditions = [
        {
          conditionType: "evmBasic",
          contractAddress: await stack.pkpNft.getAddress(),
          standardContractType: "ERC721",
          chain: "localhost",
          method: "ownerOf",
          parameters: [tokenId.toString()],
          returnValueTest: { comparator: "=", value: ":userAddress" },
        },
        { operator: "and" },
        {
          conditionType: "evmBasic",
          contractAddress: "",
          standardContractType: "",
          chain: "ethereum",
          method: "eth_getBalance",
          parameters: [":userAddress", "latest"],
          returnValueTest: { comparator: ">", value: "0" },
        },
      ];
      const result = (await value(
        `const { ciphertext, dataToEncryptHash } = await Lit.Actions.encrypt({ accessControlConditions: conditions, to_encrypt: new TextEncoder().encode("🔑 top") });
        const args = { accessControlConditions: conditions, ciphertext, dataToEncryptHash, chain: "localhost" };
        respond([dataToEncryptHash, typeof ciphertext,
          await Lit.Actions.decryptAndCombine(args), await Lit.Actions.decryptToSingleNode(args),
          await Lit.Actions.checkConditions({ conditions, chain: "localhost" }),
          await Lit.Actions.checkConditions({ conditions: [conditions[0]], chain: "localhost", authSig: bobSig }),
          await Lit.Actions.decryptAndCombine({ ...args, authSig: bobSig }).catch((e) => e.message),
          await Lit.Actions.checkConditions({ conditions: [{ operator: "or" }], chain: "localhost" }).catch((e) => e.message),
          await Lit.Actions.checkConditions({ conditions: [{ ...conditions[0], standardContractType: "POAP" }], chain: "localhost" }).catch((e) => e.message)]);`,
        {
          jsParams: { conditions, bobSig: await createAuthSig(stack.bob, { chainId: CHAIN_ID }) },
          authSig: await createAuthSig(stack.alice, { chainId: CHAIN_ID }),
        },
      )) as unknown[];
      expect(result[0]).to.equal(ethers.sha256(ethers.toUtf8Bytes("🔑 top")).slice(2));
      expect(result.slice(1)).to.deep.equal([
        "string",
        "🔑 top",
        "🔑 top",
        true,
        false,
        "Access control conditions check failed.  Check that you are allowed to decrypt this item.",
        "Invalid boolean Access Control Conditions: conditions and operators must alternate",
        "POAP conditions cannot be evaluated by this oracle: they need Lit's network (its POAP API key, its Lit Action runner, or contracts it ships ABIs for)",
      ]);
    });

    it("evaluates evmContractConditions by ABI, timestamps, and left-to-right and/or", async function () {
      const { stack, value } = await loadFixture(litActionsFixture);
      const tokenId = await mintTo(stack, stack.alice);
      const nft = await stack.pkpNft.getAddress();
      const contract = {
        contractAddress: nft,
        functionName: "balanceOf",
        functionParams: [":userAddress"],
        functionAbi: {
          name: "balanceOf",
          inputs: [{ name: "owner", type: "address" }],
          outputs: [{ name: "balance", type: "uint256" }],
          stateMutability: "view",
          type: "function",
        },
        chain: "localhost",
        returnValueTest: { key: "balance", comparator: ">=", value: "1" },
      };
      const never = { ...contract, returnValueTest: { key: "", comparator: ">", value: "1000" } };
      const timestamp = {
        contractAddress: "",
        standardContractType: "timestamp",
        chain: "localhost",
        method: "eth_getBlockByNumber",
        parameters: ["latest"],
        returnValueTest: { comparator: ">=", value: "0" },
      };
      expect(
        await value(
          `respond([
            await Lit.Actions.checkConditions({ conditions: [{ ...contract, conditionType: "evmContract" }], chain: "localhost" }),
            await Lit.Actions.checkConditions({ conditions: [never], chain: "localhost" }),
            await Lit.Actions.checkConditions({ conditions: [never, { operator: "or" }, contract], chain: "localhost" }),
            await Lit.Actions.checkConditions({ conditions: [contract, { operator: "or" }, never, { operator: "and" }, never], chain: "localhost" }),
            await Lit.Actions.checkConditions({ conditions: [[never, { operator: "or" }, contract], { operator: "and" }, timestamp], chain: "localhost" }),
          ]);`,
          {
            jsParams: { contract, never, timestamp },
            authSig: await createAuthSig(stack.alice, { chainId: CHAIN_ID }),
          },
        ),
      ).to.deep.equal([true, false, true, false, true]);
      expect(tokenId).to.be.a("bigint");
    });

    it("evaluates ERC20, ERC721 and ERC1155 balance conditions (balanceOf, balanceOfBatch) for the caller", async function () {
      const { stack, value } = await loadFixture(litActionsFixture);
      const erc20 = await (await ethers.getContractFactory("ERC20Mock")).deploy();
      const erc1155 = await (await ethers.getContractFactory("ERC1155Mock")).deploy();
      await erc20.mint(stack.alice.address, 500n);
      await erc1155.mint(stack.alice.address, 7n, 2n);
      await mintTo(stack, stack.alice);
      const basic = (
        contractAddress: string,
        standardContractType: string,
        method: string,
        parameters: string[],
        comparator: string,
        expected: string,
      ) => ({
        conditionType: "evmBasic",
        contractAddress,
        standardContractType,
        chain: "localhost",
        method,
        parameters,
        returnValueTest: { comparator, value: expected },
      });
      const a20 = await erc20.getAddress();
      const a721 = await stack.pkpNft.getAddress();
      const a1155 = await erc1155.getAddress();
      const conditions = [
        basic(a20, "ERC20", "balanceOf", [":userAddress"], ">=", "500"),
        basic(a20, "ERC20", "balanceOf", [":userAddress"], ">", "500"),
        basic(a721, "ERC721", "balanceOf", [":userAddress"], ">=", "1"),
        basic(a1155, "ERC1155", "balanceOf", [":userAddress", "7"], "=", "2"),
        basic(a1155, "ERC1155", "balanceOf", [":userAddress", "8"], ">", "0"),
        basic(a1155, "ERC1155", "balanceOfBatch", [":userAddress,:userAddress", "8,7"], ">", "0"),
        basic(a1155, "ERC1155", "balanceOfBatch", [":userAddress", "8"], ">", "0"),
      ];
      const check = (authSig: unknown) =>
        value(
          `respond(await Promise.all(conditions.map((c) => Lit.Actions.checkConditions({ conditions: [c], chain: "localhost", authSig }))));`,
          { jsParams: { conditions, authSig } },
        );
      expect(await check(await createAuthSig(stack.alice, { chainId: CHAIN_ID }))).to.deep.equal([
        true,
        false,
        true,
        true,
        false,
        true,
        false,
      ]);
      // The same conditions for someone holding nothing.
      expect(await check(await createAuthSig(stack.bob, { chainId: CHAIN_ID }))).to.deep.equal([
        false,
        false,
        false,
        false,
        false,
        false,
        false,
      ]);
    });
  });

  describe("call", function () {
    it("answers the child's response string, passes params as the child's globals and jsParams, and refuses bad arguments", async function () {
      const { oracle, value } = await loadFixture(litActionsFixture);
      const { ipfsId } = await oracle.storeAction(
        `Lit.Actions.setResponse({ response: JSON.stringify([a, jsParams.b, Lit.Auth.actionIpfsIdStack.length]) });`,
      );
      expect(
        await value(`respond([
          await Lit.Actions.call({ ipfsId: "${ipfsId}", params: { a: 1, b: [2] } }),
          await Lit.Actions.call({ ipfsId: "not a cid" }).catch((e) => e.code),
          await Lit.Actions.call({ ipfsId: "${ipfsId}", params: [1] }).catch((e) => e.message),
        ]);`),
      ).to.deep.equal(["[1,[2],2]", "INVALID_ARGUMENT", "call: params must be an object"]);
    });

    it("rejects the parent's call with the child's error", async function () {
      const { oracle, value } = await loadFixture(litActionsFixture);
      const { ipfsId } = await oracle.storeAction(`throw new Error("child failed");`);
      expect(
        await value(
          `respond(await Lit.Actions.call({ ipfsId: "${ipfsId}" }).catch((e) => e.message));`,
        ),
      ).to.equal(`Lit.Actions.call: the action ${ipfsId} failed: Error: child failed`);
    });
  });
});
