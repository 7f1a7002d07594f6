/** `POST /pkp/session`: Lit's signSessionKey — a capability for a session key (docs/WALLET.md). */
import type { Route, RouteContext } from "../router";
import { tokenIdForLog } from "../requestLog";
import { parseSessionRequest } from "../schema";

export function pkpSessionRoute({ oracle }: RouteContext): Route {
  return {
    path: "/pkp/session",
    bounded: true,
    handlers: {
      POST: async ({ readJson, send, refuse, line }) => {
        const parsed = parseSessionRequest(await readJson());
        const pkp = tokenIdForLog(parsed.pkpPublicKey);
        if (pkp !== undefined) line.pkps = [pkp];
        const result = await oracle.createSession(parsed);
        if (result.success) send(200, result);
        else refuse(result.error.code, result.error.message);
      },
    },
  };
}
