/**
 * `POST /actions` stores a Lit Action's code; `GET /actions/:ipfsId` serves stored code. Storing
 * is bounded per client (a token bucket of code bytes per minute: 429 RATE_LIMITED with
 * Retry-After) and in total by the store's quota (507 STORE_FULL; see actionStore.ts).
 */
import { isCidV0 } from "../../../cid";
import { OracleError } from "../../errors";
import { ClientRateLimiter } from "../rateLimiter";
import type { Route, RouteContext } from "../router";
import { parseStoreActionRequest } from "../schema";

/** Code bytes one client may store per minute (bursts of up to the same). */
export const DEFAULT_STORE_RATE_BYTES_PER_MINUTE = 8 * 1024 * 1024;

export function storeActionRoute({ oracle, limits }: RouteContext): Route {
  const rate = new ClientRateLimiter(limits.storeRateBytesPerMinute);
  return {
    path: "/actions",
    bounded: true,
    handlers: {
      POST: async ({ readJson, send, line, client }) => {
        const { code } = parseStoreActionRequest(await readJson());
        const cost = Buffer.byteLength(code, "utf8");
        const decision = rate.take(client, cost);
        if (!decision.ok) {
          throw new OracleError(
            "RATE_LIMITED",
            `this client stored more than ${rate.perMinute} bytes of code in the last minute; retry in ${decision.retryAfterSeconds} s`,
            { retryAfterSeconds: decision.retryAfterSeconds },
          );
        }
        const { ipfsId } = await oracle.storeAction(code);
        line.actionCid = ipfsId;
        send(200, { ipfsId });
      },
    },
  };
}

export function getActionRoute({ oracle }: RouteContext): Route {
  return {
    path: "/actions/:ipfsId",
    bounded: true,
    handlers: {
      GET: async ({ response, line, params }) => {
        const ipfsId = params.ipfsId ?? "";
        if (!isCidV0(ipfsId)) {
          throw new OracleError("INVALID_CID", `${JSON.stringify(ipfsId)} is not a CIDv0 (Qm…)`);
        }
        line.actionCid = ipfsId;
        const code = await oracle.actions.get(ipfsId);
        if (code === undefined) {
          throw new OracleError("ACTION_NOT_FOUND", `no action ${ipfsId} is stored here`);
        }
        response.writeHead(200, {
          "content-type": "text/javascript; charset=utf-8",
          "content-length": Buffer.byteLength(code),
        });
        response.end(code);
      },
    },
  };
}
