/** `POST /pkp/claim`: Lit's claimKeyId — claim the key of an auth method (docs/WALLET.md). */
import type { Route, RouteContext } from "../router";
import { parseClaimRequest } from "../schema";

export function pkpClaimRoute({ oracle }: RouteContext): Route {
  return {
    path: "/pkp/claim",
    bounded: true,
    handlers: {
      POST: async ({ readJson, send, refuse }) => {
        const result = await oracle.claimKey(parseClaimRequest(await readJson()));
        if (result.success) send(200, result);
        else refuse(result.error.code, result.error.message);
      },
    },
  };
}
