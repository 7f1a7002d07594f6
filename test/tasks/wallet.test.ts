/**
 * The wallet tasks end to end, each its own process: `pkp:dev-issuer` mints a login,
 * `pkp:oracle --oidc-issuer <it> --oidc-audience <app>` trusts it, `pkp:mint-for-auth` mints a
 * self-owned PKP for the login, and the oracle signs for that login; refusals in one line.
 */
import { expect } from "chai";
import * as path from "node:path";
import { ethers } from "ethers";
import {
  freePort,
  runHardhat,
  startHardhatNode,
  type CliResult,
  type HardhatNode,
} from "../helpers/hardhatNode";
import { spawnTask, type TaskProcess } from "../helpers/taskProcess";
import { makeTempDir } from "../helpers/tempDir";
import { getPath, postJson, refusalOf } from "../oracle/http/client";
import { deployAndSpawnOracle, type OracleProcess } from "../oracle/http/oracleProcess";

const APP = "task-tests-app";
const ISSUER_READY = /issuer\s+(http:\/\/127\.0\.0\.1:\d+)/;

function output(result: CliResult): string {
  return `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

describe("wallet tasks: pkp:dev-issuer, pkp:oracle --oidc-*, pkp:mint-for-auth", function () {
  let dir: { path: string; remove(): Promise<void> };
  let node: HardhatNode;
  let issuer: TaskProcess;
  let oracle: OracleProcess;
  let env: NodeJS.ProcessEnv;
  let deploymentsDir: string;
  let keyFile: string;

  before(async function () {
    dir = await makeTempDir("pkp-wallet-tasks-");
    node = await startHardhatNode();
    env = { HARDHAT_VAR_LOCALHOST_RPC_URL: node.url };
    keyFile = path.join(dir.path, "issuer-key.json");
    issuer = await spawnTask(
      ["pkp:dev-issuer", "--port", String(await freePort()), "--key-file", keyFile],
      ISSUER_READY,
    );
    ({ oracle, deploymentsDir } = await deployAndSpawnOracle({
      nodeUrl: node.url,
      dir: dir.path,
      args: ["--oidc-issuer", issuer.ready, "--oidc-audience", APP],
      passphrase: "a passphrase for this test only",
    }));
  });

  after(async function () {
    await oracle?.stop();
    await issuer?.stop();
    await node?.stop();
    await dir?.remove();
  });

  it("pkp:dev-issuer serves discovery, its JWKS and tokens, and says it is a development tool", async function () {
    expect(issuer.output()).to.match(/DEVELOPMENT TOOL/);
    const discovery = (await getPath(issuer.ready, "/.well-known/openid-configuration")).json as {
      issuer: string;
      jwks_uri: string;
    };
    expect(discovery).to.deep.include({ issuer: issuer.ready, jwks_uri: `${issuer.ready}/jwks` });
    const refused = await postJson(issuer.ready, "/token", { sub: 7 });
    expect(refused.status).to.equal(400);
    expect(oracle.output()).to.include(`Trusts ID tokens of ${issuer.ready} for ${APP}`);
  });

  it("pkp:mint-for-auth mints a self-owned PKP for the login, and the oracle signs for it", async function () {
    const { id_token: idToken } = (
      await postJson(issuer.ready, "/token", { sub: "alice", email: "alice@example.com", aud: APP })
    ).json as { id_token: string };
    const minted = await runHardhat(
      [
        "pkp:mint-for-auth",
        "--network",
        "localhost",
        "--deployments-dir",
        deploymentsDir,
        "--auth-method-type",
        "6",
        "--id-token",
        idToken,
        "--self-owned",
      ],
      { env },
    );
    expect(minted.code, output(minted)).to.equal(0);
    const publicKey = /publicKey\s+(0x04[0-9a-f]{128})/.exec(minted.stdout)?.[1];
    const address = /ethAddress\s+(0x[0-9a-fA-F]{40})/.exec(minted.stdout)?.[1];
    expect(publicKey, minted.stdout).to.be.a("string");
    expect(minted.stdout).to.match(new RegExp(`owner\\s+${address}`));
    expect(minted.stdout).to.include(ethers.keccak256(ethers.toUtf8Bytes(`alice:${APP}`)));
    expect(minted.stdout).to.match(/PKPs of this login \(getTokenIdsForAuthMethod\): 1/);

    const digest = ethers.keccak256(ethers.toUtf8Bytes("signed for a login"));
    const signed = await postJson(oracle.url, "/pkp/sign", {
      pubKey: publicKey,
      toSign: digest,
      authMethods: [{ authMethodType: 6, accessToken: idToken }],
    });
    expect(signed.status, signed.text).to.equal(200);
    const { signature } = signed.json as { signature: { signature: string } };
    expect(ethers.recoverAddress(digest, signature.signature)).to.equal(address);
    const stranger = (await postJson(issuer.ready, "/token", { sub: "mallory", aud: APP }))
      .json as { id_token: string };
    const refused = await postJson(oracle.url, "/pkp/sign", {
      pubKey: publicKey,
      toSign: digest,
      authMethods: [{ authMethodType: 6, accessToken: stranger.id_token }],
    });
    expect([refused.status, refusalOf(refused).code]).to.deep.equal([403, "NOT_PERMITTED"]);
  });

  it("pkp:dev-issuer keeps its key across restarts", async function () {
    const before = (await getPath(issuer.ready, "/jwks")).json as { keys: Array<{ kid: string }> };
    const again = await spawnTask(
      ["pkp:dev-issuer", "--port", String(await freePort()), "--key-file", keyFile],
      ISSUER_READY,
    );
    try {
      const after = (await getPath(again.ready, "/jwks")).json as { keys: Array<{ kid: string }> };
      expect(after.keys.map((k) => k.kid)).to.deep.equal(before.keys.map((k) => k.kid));
    } finally {
      await again.stop();
    }
  });

  it("refuses bad options in one line, before compiling", async function () {
    const cases: Array<[string[], RegExp]> = [
      [
        ["pkp:mint-for-auth", "--auth-method-type", "3", "--id-token", "x"],
        /--auth-method-type 3 is not supported/,
      ],
      [
        ["pkp:oracle", "--network", "localhost", "--oidc-issuer", "http://issuer.example"],
        /must be https/,
      ],
      [
        ["pkp:oracle", "--network", "localhost", "--oidc-audience", "https://x.example#app"],
        /not an --oidc-issuer/,
      ],
      [["pkp:dev-issuer", "--port", "70000"], /--port 70000 is not a TCP port/],
    ];
    for (const [args, message] of cases) {
      const result = await runHardhat(args, { env });
      expect(result.code, output(result)).to.not.equal(0);
      expect(result.stderr, output(result)).to.match(message);
      expect(result.stderr).to.not.match(/^\s+at /m);
    }
  });
});
