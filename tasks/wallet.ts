import { task, types } from "hardhat/config";
import type { DevIssuerTaskArgs, MintForAuthTaskArgs } from "./args";
import { runTask } from "./runner";
import { WalletTaskError } from "./taskErrors";

/**
 * The wallet tasks (docs/WALLET.md):
 *   npx hardhat pkp:dev-issuer [--port 8790] [--key-file <file>]
 *   npx hardhat pkp:mint-for-auth --auth-method-type 6 --id-token <jwt> [--scopes 1] [--self-owned] --network <name>
 *
 * hardhat.config.ts imports this file before anything is compiled: the implementations are
 * imported only when a task runs. pkp:mint-for-auth compiles first (tasks/mintForAuthAction.ts
 * reads the deployment through TypeChain); pkp:dev-issuer needs no contract and does not compile,
 * so its implementation (tasks/devIssuerAction.ts) is a module of its own that reaches no
 * generated file (test/tasks/noCompileTasks.test.ts).
 */

task(
  "pkp:dev-issuer",
  "Runs a development OpenID Connect issuer on 127.0.0.1 that mints ID tokens for any identity",
)
  .addOptionalParam("port", "Port to listen on (0: any free port)", 8790, types.int)
  .addOptionalParam(
    "keyFile",
    "Where its key pair is kept (default: .oracle/dev-issuer/key.json)",
    undefined,
    types.string,
  )
  .setAction((args: DevIssuerTaskArgs, hre) =>
    runTask({
      name: "pkp:dev-issuer",
      hre,
      prepare: () => {
        if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535) {
          throw new WalletTaskError(
            "INVALID_OPTION",
            `--port ${args.port} is not a TCP port (0-65535)`,
          );
        }
      },
      // Needs no contract: nothing to compile.
      noCompile: true,
      load: () => import("./devIssuerAction"),
      run: (impl) => impl.serveDevIssuer(args, hre),
    }),
  );

task(
  "pkp:mint-for-auth",
  "Mints a PKP for a login (PKPHelper.mintNextAndAddAuthMethods), self-owned if asked",
)
  .addParam("authMethodType", "The auth method type (6: an OIDC ID token)", undefined, types.int)
  .addOptionalParam("idToken", "The login's ID token (a JWT), for type 6", undefined, types.string)
  .addOptionalParam(
    "scopes",
    "Comma-separated scopes (1 SignAnything, 2 PersonalSign)",
    "1",
    types.string,
  )
  .addFlag(
    "selfOwned",
    "Send the PKP to its own address: no wallet owns it, only the login controls it",
  )
  .addOptionalParam(
    "deploymentsDir",
    "Directory of the deployment records (default: deployments/)",
    undefined,
    types.string,
  )
  .setAction((args: MintForAuthTaskArgs, hre) =>
    runTask({
      name: "pkp:mint-for-auth",
      hre,
      prepare: () => parseScopes(args),
      load: () => import("./mintForAuthAction"),
      run: (impl, scopes) => impl.mintForAuth(args, scopes, hre),
    }),
  );

/** Checks type, token and scopes before compiling; resolves to the scopes. */
function parseScopes(args: MintForAuthTaskArgs): bigint[] {
  if (args.authMethodType !== 6) {
    throw new WalletTaskError(
      "INVALID_OPTION",
      `--auth-method-type ${args.authMethodType} is not supported here: use 6 (an OIDC ID token, with --id-token)`,
    );
  }
  if (args.idToken === undefined || args.idToken === "") {
    throw new WalletTaskError("INVALID_OPTION", "--id-token <jwt> is required for type 6");
  }
  const scopes = args.scopes.split(",").map((scope) => scope.trim());
  if (scopes.length === 0 || !scopes.every((scope) => /^[0-9]+$/.test(scope))) {
    throw new WalletTaskError(
      "INVALID_OPTION",
      `--scopes ${args.scopes} must be comma-separated scope numbers, e.g. 1 or 1,2`,
    );
  }
  return scopes.map(BigInt);
}
