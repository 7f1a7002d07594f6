/** `POST /pkp/sign`: signs a digest with a PKP for its owner or a permitted address (authSig). */
import type { Route, RouteContext } from "../router";
import { tokenIdForLog } from "../requestLog";
import { parsePkpSignRequest } from "../schema";

export function pkpSignRoute({ oracle }: RouteContext): Route {
  return {
    path: "/pkp/sign",
    bounded: true,
    handlers: {
      POST: async ({ readJson, send, refuse, line }) => {
        const parsed = parsePkpSignRequest(await readJson());
        const pkp = tokenIdForLog(parsed.pubKey);
        if (pkp !== undefined) line.pkps = [pkp];
        const result = await oracle.pkpSign(parsed);
        if (result.success) send(200, result);
        else refuse(result.error.code, result.error.message);
      },
    },
  };
}
