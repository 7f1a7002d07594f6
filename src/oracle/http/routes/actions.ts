/** `POST /actions` stores a Lit Action's code; `GET /actions/:ipfsId` serves stored code. */
import { isCidV0 } from "../../../cid";
import { OracleError } from "../../errors";
import type { Route, RouteContext } from "../router";
import { parseStoreActionRequest } from "../schema";

export function storeActionRoute({ oracle }: RouteContext): Route {
  return {
    path: "/actions",
    bounded: true,
    handlers: {
      POST: async ({ readJson, send, line }) => {
        const { code } = parseStoreActionRequest(await readJson());
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
