/**
 * `POST /encrypt` and `POST /decrypt`: Lit's encryption under access-control conditions
 * (src/oracle/conditions/). Encrypting needs no credential (as Lit's client-side encrypt);
 * decrypting answers only when the conditions hold for the authSig's address at a block observed
 * after the request arrived.
 */
import type { Route, RouteContext } from "../router";
import { parseDecryptRequest, parseEncryptRequest } from "../schema";

export function encryptRoute({ oracle }: RouteContext): Route {
  return {
    path: "/encrypt",
    bounded: true,
    handlers: {
      POST: async ({ readJson, send, refuse }) => {
        const result = oracle.encrypt(parseEncryptRequest(await readJson()));
        if (result.success) send(200, result);
        else refuse(result.error.code, result.error.message);
      },
    },
  };
}

export function decryptRoute({ oracle }: RouteContext): Route {
  return {
    path: "/decrypt",
    bounded: true,
    handlers: {
      POST: async ({ readJson, send, refuse }) => {
        const result = await oracle.decrypt(parseDecryptRequest(await readJson()));
        if (result.success) send(200, result);
        else refuse(result.error.code, result.error.message);
      },
    },
  };
}
