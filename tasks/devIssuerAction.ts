/**
 * pkp:dev-issuer's implementation (tasks/wallet.ts registers it and checks its options).
 *
 * The task runs without compiling (it needs no contract), so nothing this module reaches may
 * import a generated file (typechain-types/, artifacts/): on a fresh clone they do not exist yet.
 * test/tasks/noCompileTasks.test.ts checks that.
 */
import * as path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { startDevIssuer } from "../src/wallet/devIssuer";
import type { DevIssuerTaskArgs } from "./args";
import { WalletTaskError } from "./taskErrors";
import { untilSignal } from "./untilSignal";

export async function serveDevIssuer(
  args: DevIssuerTaskArgs,
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  const keyFile = path.resolve(
    args.keyFile ?? path.join(hre.config.paths.root, ".oracle", "dev-issuer", "key.json"),
  );
  const server = await startDevIssuer({ port: args.port, keyFile }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new WalletTaskError(
        "PORT_IN_USE",
        `127.0.0.1:${args.port} is in use: stop what listens there, or pass --port <another>`,
      );
    }
    throw error;
  });
  const { url, issuer } = server;
  console.log(
    [
      "▸ Development OIDC issuer — a DEVELOPMENT TOOL: it signs any identity it is asked for.",
      "  An oracle trusts it only when pointed at it; never point a real deployment at it.",
      `  issuer     ${url}`,
      `  discovery  ${url}/.well-known/openid-configuration`,
      `  jwks       ${url}/jwks`,
      `  key        ${keyFile} (kid ${issuer.kid}, kept across restarts)`,
      "  a token:   curl -s " +
        `${url}/token -H 'content-type: application/json' ` +
        `-d '{"sub":"alice","email":"alice@example.com","aud":"my-app","expiresIn":3600}'`,
      `  trust it:  npx hardhat pkp:oracle --network localhost --oidc-issuer ${url} --oidc-audience my-app`,
    ].join("\n"),
  );
  // A dev tool: a failure to close is no reason to fail the task.
  await untilSignal(() => server.close().catch(() => undefined));
  console.log("▸ Dev issuer stopped");
}
