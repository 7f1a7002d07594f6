/**
 * The sandbox's `ethers` (v5.7.2 built from the npm package, with native shims for js-sha3,
 * hash.js, elliptic and bn.js) gives the same answers as ethers5 in Node, function by function,
 * errors included; and the bundle covers every name of `ethers` and `ethers.utils`.
 */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { ActionRuntime } from "../../../src/oracle/runtime";
import {
  ensureEthersBundle,
  readEthersBundle,
} from "../../../src/oracle/runtime/ethers/bundleFile";
import { buildEthersSandboxBundle } from "../../../src/oracle/runtime/ethers/build";
import { SHIMS } from "../../../src/oracle/runtime/ethers/shims";
import { FakeHost, IPFS_ID } from "./fakeHost";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the npm alias, untyped here
const ethers5 = require("ethers5") as Record<string, unknown>;

const PRIVATE_KEY = "0x0123456789012345678901234567890123456789012345678901234567890123";
const OTHER_KEY = "0x" + "42".repeat(32);
const TX = {
  type: 2,
  chainId: 1,
  nonce: 7,
  to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  value: "1000000000000000000",
  gasLimit: 21000,
  maxFeePerGas: "30000000000",
  maxPriorityFeePerGas: "1000000000",
  data: "0x1234",
};
const MNEMONIC = "test test test test test test test test test test test junk";

/** Expressions evaluated with `ethers` in scope; each must give JSON data (or throw). */
const CASES: Record<string, string> = {
  hashes: `[u.keccak256("0x1234"), u.id("hello"), u.sha256("0x1234"), u.sha512("0x1234"), u.ripemd160("0x1234"),
    u.computeHmac("sha256", "0x01", "0x02"), u.computeHmac("sha512", "0x0102", "0x03"), u.hashMessage("hello"),
    u.solidityKeccak256(["uint256", "address", "string"], [1, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "x"]),
    u.namehash("vitalik.eth"), u.keccak256(new Uint8Array(1000).fill(7))]`,
  bignumber: `(() => { const B = ethers.BigNumber; const a = B.from("123456789012345678901234567890"), b = B.from(977), n = B.from(-200);
    return [a.add(b), a.sub(b), a.mul(b), a.div(b), a.mod(b), b.pow(7), a.and(b), a.or(b), a.xor(b), b.shl(70), a.shr(20), a.mask(13),
      B.from(200).fromTwos(8), n.toTwos(8), n.abs(), n.div(7), n.mod(7), a.toHexString(), n.toHexString(), B.from("0x00").toString(),
      b.toNumber(), a.eq(a), a.lt(b), n.isNegative(), B.from(0).isZero(), B.from("0x" + "ff".repeat(32)).toString(),
      B.from(12345).toJSON(), ethers.constants.MaxUint256, ethers.constants.WeiPerEther].map((x) => typeof x === "object" && x._isBigNumber ? x.toString() : x); })()`,
  bignumberErrors: `[() => ethers.BigNumber.from(1).div(0), () => ethers.BigNumber.from("0x" + "ff".repeat(10)).toNumber(),
    () => ethers.BigNumber.from(2).pow(-1), () => ethers.BigNumber.from("12.5"), () => ethers.BigNumber.from(-1).and(1)].map((f) => { try { return f().toString(); } catch (e) { return e.code + " " + e.reason; } })`,
  units: `[u.parseEther("1.5").toString(), u.formatEther("1234567890000000000"), u.parseUnits("1.2345", 6).toString(),
    u.formatUnits("123456789", 4), u.commify("1234567.89"), ethers.FixedNumber.from("1.25").mulUnsafe(ethers.FixedNumber.from("3")).toString()]`,
  abi: `(() => { const c = u.defaultAbiCoder; const data = c.encode(["uint256", "string", "bytes32[]", "tuple(address,bool)"],
    [42, "hé", [u.id("a")], ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", true]]);
    const i = new u.Interface(["function transfer(address to, uint256 amount) returns (bool)", "event Transfer(address indexed from, address indexed to, uint256 value)"]);
    const call = i.encodeFunctionData("transfer", ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 5]);
    return [data, c.decode(["uint256", "string"], c.encode(["uint256", "string"], [7, "x"])).map(String),
      call, i.decodeFunctionData("transfer", call).map(String), i.getSighash("transfer"), i.getEventTopic("Transfer"),
      i.format(u.FormatTypes.json)]; })()`,
  transactions: `(() => { const tx = ${JSON.stringify(TX)}; const unsigned = u.serializeTransaction(tx);
    const parsed = u.parseTransaction(unsigned);
    return [unsigned, u.keccak256(unsigned), parsed.nonce, parsed.to, parsed.value.toString(), parsed.type,
      u.serializeTransaction({ type: 0, chainId: 1, nonce: 1, to: tx.to, value: 5, gasLimit: 21000, gasPrice: 1 }),
      u.getContractAddress({ from: tx.to, nonce: 5 }), u.RLP.encode(["0x01", ["0x02", "0x"]]), u.RLP.decode("0xc4018281ff")]; })()`,
  keysAndSignatures: `(async () => { const w = new ethers.Wallet("${PRIVATE_KEY}"); const digest = u.id("digest");
    const sig = w._signingKey().signDigest(digest); const joined = u.joinSignature(sig);
    const message = await w.signMessage("hello");
    const signedTx = await w.signTransaction(${JSON.stringify(TX)});
    const typed = await w._signTypedData({ name: "Test", version: "1", chainId: 1 }, { Mail: [{ name: "to", type: "address" }, { name: "body", type: "string" }] },
      { to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", body: "hi" });
    return [w.address, w.publicKey, u.computePublicKey(w.publicKey, true), u.computeAddress(u.computePublicKey(w.publicKey, true)), joined,
      u.splitSignature(joined).v, u.recoverAddress(digest, joined), u.recoverPublicKey(digest, joined), message, u.verifyMessage("hello", message),
      signedTx, u.parseTransaction(signedTx).from, typed, new u.SigningKey("${PRIVATE_KEY}").computeSharedSecret(new u.SigningKey("${OTHER_KEY}").publicKey),
      u.getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8"), u.isAddress("0x123")]; })()`,
  bytesAndStrings: `[u.hexlify([1, 2, 255]), Array.from(u.arrayify("0x0102")), u.hexZeroPad("0x01", 4), u.hexConcat(["0x01", "0x02"]),
    u.toUtf8String(u.toUtf8Bytes("héllo 🚀")), u.base64.encode(u.toUtf8Bytes("hi")), u.toUtf8String(u.base64.decode("aGk=")),
    u.formatBytes32String("hello"), u.parseBytes32String(u.formatBytes32String("hello")), u.hexDataSlice("0x01020304", 1, 3), u.isHexString("0x12")]`,
  hdnode: `(() => { const node = u.HDNode.fromMnemonic("${MNEMONIC}").derivePath("m/44'/60'/0'/0/0"); return [node.address, node.publicKey, u.isValidMnemonic("${MNEMONIC}")]; })()`,
  namespaces: `[ethers.version, typeof ethers.providers.JsonRpcProvider, typeof ethers.Contract, ethers.logger.version, ethers.errors.CALL_EXCEPTION, typeof ethers.utils.Logger, ethers.constants.AddressZero, typeof ethers.wordlists.en]`,
};

describe("ActionRuntime: the ethers v5 global", function () {
  let runtime: ActionRuntime;
  before(() => {
    runtime = new ActionRuntime({
      poolSize: 2,
      limits: { timeoutMs: 30_000, memoryBytes: 128 * 1024 * 1024 },
    });
  });
  after(() => runtime.close());

  async function inSandbox(expression: string): Promise<unknown> {
    const outcome = await runtime.run({
      code: `(async () => { const u = ethers.utils; Lit.Actions.setResponse({ response: JSON.stringify(await ${expression}) }); })();`,
      ipfsId: IPFS_ID,
      host: new FakeHost(),
    });
    return JSON.parse(outcome.response) as unknown;
  }

  async function inNode(expression: string): Promise<unknown> {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- test oracle: the same expression in Node
    const fn = new Function(
      "ethers",
      `return (async () => { const u = ethers.utils; return JSON.stringify(await ${expression}); })();`,
    ) as (e: unknown) => Promise<string>;
    return JSON.parse(await fn(ethers5)) as unknown;
  }

  for (const [name, expression] of Object.entries(CASES)) {
    it(`${name}: the same results as ethers 5.7.2 in Node`, async function () {
      this.timeout(60_000);
      expect(await inSandbox(expression)).to.deep.equal(await inNode(expression));
    });
  }

  it("is built from the npm package into the module cache, with every name of ethers and ethers.utils located", function () {
    const file = ensureEthersBundle();
    expect(file).to.match(
      /node_modules[/\\]\.cache[/\\]lit-pkp-local[/\\]ethers5\.7\.2-sandbox-[0-9a-f]{16}\.json$/,
    );
    expect(existsSync(file)).to.equal(true);
    const bundle = readEthersBundle(file);
    expect(bundle.ethersVersion).to.equal("5.7.2");
    expect(Object.keys(bundle.manifest.top).sort()).to.deep.equal(Object.keys(ethers5).sort());
    expect(Object.keys(bundle.manifest.utils).sort()).to.deep.equal(
      Object.keys(ethers5.utils as object).sort(),
    );
    const full = [
      ...Object.values(bundle.manifest.top),
      ...Object.values(bundle.manifest.utils),
    ].filter((ref) => ref[0] === "full");
    expect(full, "names that would load all of ethers").to.deep.equal([]);
    // The shims stand in for these packages; nothing else is replaced.
    const shims = new Set(Object.values(SHIMS).map((shim) => shim.source));
    const shimmed = Object.entries(bundle.modules)
      .filter(([, module]) => shims.has(module.source))
      .map(([id]) => id)
      .sort();
    expect(shimmed).to.deep.equal(["bn.js", "elliptic", "hash.js", "js-sha3"]);
  });

  it("builds the same bundle again from the installed packages (what a fresh clone's first run does)", function () {
    this.timeout(60_000);
    const cached = readEthersBundle(ensureEthersBundle());
    expect(JSON.stringify(buildEthersSandboxBundle())).to.equal(JSON.stringify(cached));
  });

  it("can be replaced by the action like any global, and is a fresh object in every run", async function () {
    const outcome = await runtime.run({
      code: `ethers.utils.extra = 1; const mine = ethers; ethers = { mine: true }; Lit.Actions.setResponse({ response: JSON.stringify([ethers.mine, typeof mine.utils.keccak256]) });`,
      ipfsId: IPFS_ID,
      host: new FakeHost(),
    });
    expect(JSON.parse(outcome.response)).to.deep.equal([true, "function"]);
    const next = await runtime.run({
      code: `Lit.Actions.setResponse({ response: String(ethers.utils.extra) });`,
      ipfsId: IPFS_ID,
      host: new FakeHost(),
    });
    expect(next.response).to.equal("undefined");
  });
});
