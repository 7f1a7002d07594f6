/** `GET /health`: chain, contracts and key pool; outside the concurrency bound. */
import { messageOf } from "../../../errorText";
import { OracleError } from "../../errors";
import type { SigningOracle } from "../../oracle";
import type { Route, RouteContext } from "../router";

export function healthRoute({ oracle }: RouteContext): Route {
  return {
    path: "/health",
    bounded: false,
    handlers: {
      GET: async ({ send }) => {
        let health: Awaited<ReturnType<SigningOracle["health"]>>;
        try {
          health = await oracle.health();
        } catch (error) {
          throw new OracleError("CHAIN_UNAVAILABLE", `cannot read the chain: ${messageOf(error)}`);
        }
        send(200, health);
      },
    },
  };
}
