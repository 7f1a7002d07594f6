/**
 * The service's routes. A new route is one module in this folder and one line here; the server
 * gives it the body cap, the concurrency bound, the request log and the error mapping.
 */
import type { Route, RouteContext } from "../router";
import { getActionRoute, storeActionRoute } from "./actions";
import { decryptRoute, encryptRoute } from "./encryption";
import { executeRoute } from "./execute";
import { healthRoute } from "./health";
import { pkpClaimRoute } from "./pkpClaim";
import { pkpSessionRoute } from "./pkpSession";
import { pkpSignRoute } from "./pkpSign";

export function oracleRoutes(context: RouteContext): Route[] {
  return [
    executeRoute(context),
    pkpSignRoute(context),
    pkpSessionRoute(context),
    pkpClaimRoute(context),
    storeActionRoute(context),
    getActionRoute(context),
    healthRoute(context),
    encryptRoute(context),
    decryptRoute(context),
  ];
}
