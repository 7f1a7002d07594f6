import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
// Hardhat's own command-line parser (the one `npx hardhat` runs), to parse in process.
import { ArgumentsParser } from "hardhat/internal/cli/ArgumentsParser";
import { JsonRpcProvider, ethers, type JsonRpcSigner } from "ethers";
import { cidToBytes } from "../../src/cid";
import { loadDeployment, type PkpContracts } from "../../src/deployments";
import { createAuthSig } from "../../src/oracle/authSig";
import type { LitSignature } from "../../src/oracle/signing";
import {
  PROJECT_ROOT,
  runHardhat,
  startHardhatNode,
  type HardhatNode,
} from "../helpers/hardhatNode";
import type { OracleTaskArgs } from "../../tasks/args";
import { oracleTaskArgs } from "../../tasks/oracle";
import { authsigDomains } from "../../tasks/oracleOptions";
import { OracleTaskError } from "../../tasks/taskErrors";
import { KEY_TYPE_ECDSA } from "../helpers/stack";
import { makeTempDir } from "../helpers/tempDir";
import { getPath, postJson, rawRequest, refusalOf } from "../oracle/http/client";
import { json, startTestServer, type TestServer } from "../helpers/testServer";
import { deployAndSpawnOracle, type OracleProcess } from "../oracle/http/oracleProcess";

describe("pkp:oracle as a service against a hardhat node", function () {
  let node: HardhatNode;
  let dir: { path: string; remove(): Promise<void> };
  let provider: JsonRpcProvider;
  let oracle: OracleProcess;
  let contracts: PkpContracts;
  let alice: JsonRpcSigner;
  let isPrime: string;
  let chainId: number;
  let env: NodeJS.ProcessEnv;
  let deploymentsDir: string;
  let api: TestServer;

  before(async function () {
    dir = await makeTempDir("pkp-oracle-");
    api = await startTestServer({ "/quote": json({ quote: "ok" }) });
    node = await startHardhatNode();
    env = { HARDHAT_VAR_LOCALHOST_RPC_URL: node.url };
    ({ oracle, deploymentsDir } = await deployAndSpawnOracle({
      nodeUrl: node.url,
      dir: dir.path,
      args: [
        // Repeatable options, each given twice (Hardhat refuses other repeated options).
        "--fetch-allow",
        api.origin,
        "--fetch-allow",
        "https://api.example.com",
        "--chain",
        "ethereum=self",
        "--chain",
        "remote=http://127.0.0.1:9/",
        "--lit-limits",
      ],
      passphrase: "a passphrase for this test only",
    }));
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    chainId = Number((await provider.getNetwork()).chainId);
    alice = await provider.getSigner(1);
    ({ contracts } = await loadDeployment({
      network: "localhost",
      runner: alice,
      dir: deploymentsDir,
    }));
    isPrime = await readFile(path.join(PROJECT_ROOT, "actions", "isPrime.js"), "utf8");
  });

  after(async function () {
    await api?.close();
    await oracle?.stop("SIGKILL");
    provider?.destroy();
    await node?.stop();
    await dir?.remove();
  });

  it("listens on 127.0.0.1, after reconciling the pool and printing its level", async function () {
    expect(oracle.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(oracle.output()).to.include("Reconciled the pool with the keystore");
    expect(oracle.output()).to.match(/pool of key type 2: \d+ unminted/);
    expect(oracle.output()).not.to.include("WARNING");
  });

  it("reports a pool of at least 10 unminted keys on /health", async function () {
    const health = await getPath(oracle.url, "/health");
    expect(health.status).to.equal(200);
    const body = health.json as { ok: boolean; chainId: string; pool: { unminted: number } };
    expect(body.ok).to.equal(true);
    expect(body.chainId).to.equal(String(chainId));
    expect(body.pool.unminted).to.be.at.least(10);
  });

  it("stores isPrime, and isPrime signs 7919 and refuses 7918 for its mint/grant/burn PKP", async function () {
    const stored = await postJson(oracle.url, "/actions", { code: isPrime });
    expect(stored.status).to.equal(200);
    const { ipfsId } = stored.json as { ipfsId: string };
    expect((await getPath(oracle.url, `/actions/${ipfsId}`)).text).to.equal(isPrime);

    const nft = contracts.pkpNft;
    const value = await nft.mintCost();
    const tokenId = await nft.mintGrantAndBurnNext.staticCall(KEY_TYPE_ECDSA, cidToBytes(ipfsId), {
      value,
    });
    await (await nft.mintGrantAndBurnNext(KEY_TYPE_ECDSA, cidToBytes(ipfsId), { value })).wait();
    const publicKey = await nft.getPubkey(tokenId);

    const signed = await postJson(oracle.url, "/execute", {
      ipfsId,
      jsParams: { number: 7919, publicKey },
    });
    expect(signed.status, signed.text).to.equal(200);
    const { signatures } = signed.json as { signatures: Record<string, LitSignature> };
    expect(signatures.prime.dataSigned).to.equal(ethers.toBeHex(7919, 32));
    expect(ethers.recoverAddress(signatures.prime.dataSigned, signatures.prime.signature)).to.equal(
      await nft.getEthAddress(tokenId),
    );

    const refused = await postJson(oracle.url, "/execute", {
      ipfsId,
      jsParams: { number: 7918, publicKey },
    });
    expect(refused.status).to.equal(200);
    const body = refused.json as { signatures: object; response: string };
    expect(body.signatures).to.deep.equal({});
    expect(JSON.parse(body.response)).to.deep.include({ signed: false });
  });

  it("signs with /pkp/sign for the owner of a PKP minted from the pool, and refuses a stranger", async function () {
    const nft = contracts.pkpNft;
    const value = await nft.mintCost();
    const tokenId = await nft.mintNext.staticCall(KEY_TYPE_ECDSA, { value });
    await (await nft.mintNext(KEY_TYPE_ECDSA, { value })).wait();
    const pubKey = await nft.getPubkey(tokenId);
    const toSign = ethers.keccak256(ethers.toUtf8Bytes("over HTTP"));

    const owner = await postJson(oracle.url, "/pkp/sign", {
      pubKey,
      toSign,
      authSig: await createAuthSig(alice, { chainId }),
    });
    expect(owner.status, owner.text).to.equal(200);
    const { signature } = owner.json as { signature: LitSignature };
    expect(ethers.recoverAddress(toSign, signature.signature)).to.equal(
      await nft.getEthAddress(tokenId),
    );

    const stranger = await postJson(oracle.url, "/pkp/sign", {
      pubKey,
      toSign,
      authSig: await createAuthSig(await provider.getSigner(2), { chainId }),
    });
    expect(stranger.status).to.equal(403);
    expect(refusalOf(stranger).code).to.equal("NOT_PERMITTED");
  });

  it("gives actions the allowed origins, the configured chains and the client's headers (--fetch-allow, --chain)", async function () {
    expect(oracle.output()).to.include(`fetch allowed to: ${api.origin}, https://api.example.com`);
    expect(oracle.output()).to.match(/Chains for actions: .*localhost.*ethereum.*remote/);
    const body = JSON.stringify({
      code: `(async () => {
        const quote = await (await fetch("${api.origin}/quote")).json();
        const urls = await Promise.all(["localhost", "ethereum", "remote", "nope"].map((chain) => Lit.Actions.getRpcUrl({ chain })));
        const blockNumber = await new ethers.providers.JsonRpcProvider(urls[1]).getBlockNumber();
        Lit.Actions.setResponse({ response: JSON.stringify({ quote, urls, blockNumber, header: Lit.Headers.get("x-client") }) });
      })();`,
    });
    const answer = await rawRequest(oracle.url, {
      method: "POST",
      path: "/execute",
      headers: { "content-type": "application/json", "x-client": "lit-sdk-test" },
      chunks: [body],
    });
    expect(answer.status, answer.text).to.equal(200);
    const response = JSON.parse((answer.json as { response: string }).response) as {
      quote: unknown;
      urls: string[];
      blockNumber: number;
      header: string;
    };
    expect(response.quote).to.deep.equal({ quote: "ok" });
    expect(response.urls.slice(0, 3)).to.deep.equal([
      `${node.url}/`,
      `${node.url}/`,
      "http://127.0.0.1:9/",
    ]);
    expect(response.urls[3]).to.match(/^Error getting RPC URL: unknown chain "nope"/);
    expect(response.blockNumber).to.equal(await provider.getBlockNumber());
    expect(response.header).to.equal("lit-sdk-test");
  });

  it("runs actions under Lit's datil limits with --lit-limits (a response over 100 KB is refused)", async function () {
    expect(oracle.output()).to.include("Lit's datil limits: response 102400 bytes");
    const respond = (bytes: number) =>
      postJson(oracle.url, "/execute", {
        code: `Lit.Actions.setResponse({ response: "x".repeat(${bytes}) });`,
      });
    expect((await respond(100 * 1024)).status).to.equal(200);
    const over = await respond(100 * 1024 + 1);
    expect(over.status).to.equal(413);
    expect(refusalOf(over).code).to.equal("LIMIT_EXCEEDED");
    expect(refusalOf(over).message).to.include("more than the limit of 102400");
  });

  it("refuses malformed requests with 400 and unknown routes with 404", async function () {
    const malformed = await postJson(oracle.url, "/execute", "{ not json");
    expect(malformed.status).to.equal(400);
    expect(refusalOf(malformed).code).to.equal("INVALID_REQUEST");
    expect((await postJson(oracle.url, "/execute", { jsParams: {} })).status).to.equal(400);
    expect((await getPath(oracle.url, "/nowhere")).status).to.equal(404);
  });

  it("logs one JSON line per request", async function () {
    const lines = oracle
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { route: string; status: number; id: string });
    expect(lines.length).to.be.at.least(8);
    expect(lines.find((line) => line.route === "/execute" && line.status === 200)).not.to.equal(
      undefined,
    );
  });

  it("stops cleanly on SIGTERM (exit code 0)", async function () {
    const code = await oracle.stop("SIGTERM");
    expect(code, oracle.output()).to.equal(0);
    expect(oracle.output()).to.include("Oracle stopped");
  });

  it("refuses to start with the wrong passphrase for an existing keystore", async function () {
    const result = await runHardhat(
      [
        "pkp:oracle",
        "--network",
        "localhost",
        "--deployments-dir",
        deploymentsDir,
        "--data-dir",
        path.join(dir.path, "oracle"),
        "--port",
        "0",
      ],
      { env: { ...env, HARDHAT_VAR_ORACLE_PASSPHRASE: "not the passphrase" } },
    );
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    expect(result.stderr).to.match(/^pkp:oracle: .*passphrase/im);
    expect(`${result.stdout}${result.stderr}`).not.to.match(/^\s+at /m);
  });

  it("refuses a --fetch-allow that is not an origin and a malformed --chain, in one line", async function () {
    for (const [option, value, message] of [
      ["--fetch-allow", "https://api.example.com/path", /origin only/],
      ["--fetch-allow", "ftp://files.example.com", /only http and https/],
      ["--chain", "ethereum", /<name>=<rpc-url>/],
    ] as const) {
      const result = await runHardhat(["pkp:oracle", "--network", "localhost", option, value], {
        env,
      });
      expect(result.code, result.stdout + result.stderr).to.equal(1);
      expect(result.stderr).to.match(message);
      expect(`${result.stdout}${result.stderr}`).not.to.match(/^\s+at /m);
    }
  });

  it("tells the user to run pkp:deploy when there is no deployment record", async function () {
    const result = await runHardhat(
      ["pkp:oracle", "--network", "localhost", "--deployments-dir", path.join(dir.path, "none")],
      { env },
    );
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    expect(result.stderr).to.include("npx hardhat pkp:deploy --network localhost");
  });
});

describe("pkp:oracle refusals", function () {
  it("refuses --network hardhat and says how to run a node instead", async function () {
    const result = await runHardhat(["pkp:oracle", "--network", "hardhat"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("npx hardhat node");
    expect(result.stderr).to.include("--network localhost");
    expect(`${result.stdout}${result.stderr}`).not.to.match(/^\s+at /m);
  });

  it("refuses availability options out of range in one line each, before compiling anything", async function () {
    const cases: Array<[string[], RegExp]> = [
      [
        ["--pool-target", "5", "--pool-low-water", "6"],
        /--pool-low-water 6 must not be above --pool-target 5/,
      ],
      [["--max-authsig-lifetime", "7x"], /--max-authsig-lifetime "7x" must be a positive duration/],
      [
        // Repeated: Hardhat lets the second occurrence through, and it is checked too.
        ["--authsig-domain", "app.example", "--authsig-domain", "evil example"],
        /--authsig-domain "evil example" is not a host name/,
      ],
      [["--max-concurrent", "0"], /--max-concurrent 0 must be an integer ≥ 1/],
    ];
    for (const [args, message] of cases) {
      const result = await runHardhat(["pkp:oracle", "--network", "localhost", ...args], {
        env: { HARDHAT_VAR_ORACLE_PASSPHRASE: "unused" },
      });
      expect(result.code, args.join(" ")).to.equal(1);
      expect(result.stderr).to.match(message);
      expect(`${result.stdout}${result.stderr}`).not.to.match(/^\s+at /m);
    }
  });
});

describe("pkp:oracle option parsing (Hardhat's command-line parser, in process)", function () {
  /** pkp:oracle's arguments as the task's action sees them for a command line. */
  function parse(cli: string[]): OracleTaskArgs {
    const parsed = new ArgumentsParser().parseTaskArguments(hre.tasks["pkp:oracle"], cli);
    return oracleTaskArgs(parsed as OracleTaskArgs);
  }
  const domainsOf = (cli: string[]) => authsigDomains(parse(cli).authsigDomain);

  it("gives the same authSig domains for a repeated --authsig-domain and a comma-separated one", function () {
    const repeated = domainsOf([
      "--authsig-domain",
      "app.example",
      "--authsig-domain",
      "localhost:3000",
    ]);
    const commas = domainsOf(["--authsig-domain", "app.example, localhost:3000"]);
    const mixed = domainsOf([
      "--authsig-domain",
      "localhost:3000,app.example",
      "--authsig-domain",
      "app.example",
    ]);
    expect(repeated).to.deep.equal(["app.example", "localhost:3000"]);
    expect(new Set(commas)).to.deep.equal(new Set(repeated));
    expect(new Set(mixed)).to.deep.equal(new Set(repeated));
    expect(mixed).to.have.lengthOf(2);
    // One value, as the availability suite passes it.
    expect(domainsOf(["--authsig-domain", "localhost"])).to.deep.equal(["localhost"]);
    // Each parse starts empty: nothing carried over from the command lines above.
    expect(domainsOf([])).to.equal(undefined);
  });

  it("takes programmatic arrays (hre.run) in either form, and refuses an empty --authsig-domain", function () {
    expect(
      authsigDomains(
        oracleTaskArgs({ authsigDomain: ["a.example,b.example"] } as OracleTaskArgs).authsigDomain,
      ),
    ).to.deep.equal(["a.example", "b.example"]);
    expect(() => domainsOf(["--authsig-domain", ""])).to.throw(
      OracleTaskError,
      "--authsig-domain needs at least one domain",
    );
    // The other repeatable options keep their values per parse too.
    const args = parse([
      "--fetch-allow",
      "https://a.example",
      "--fetch-allow",
      "https://b.example,https://c.example",
    ]);
    expect(args.fetchAllow).to.deep.equal([
      "https://a.example",
      "https://b.example",
      "https://c.example",
    ]);
    expect(parse([]).fetchAllow).to.deep.equal([]);
  });
});
