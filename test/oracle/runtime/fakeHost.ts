/**
 * Test doubles for the action runtime: a scriptable ActionHost that records every request, and
 * a helper asserting that a run fails with a given ActionFailure code.
 */
import { expect } from "chai";
import {
  ActionFailure,
  type ActionHost,
  type ActionRuntime,
  type HostRequest,
  type HostValue,
} from "../../../src/oracle/runtime";

type Responder = (request: HostRequest) => HostValue | Promise<HostValue>;

export class FakeHost implements ActionHost {
  readonly requests: HostRequest[] = [];

  constructor(private readonly respond: Responder = defaultResponse) {}

  async call(request: HostRequest): Promise<HostValue> {
    this.requests.push(request);
    return this.respond(request);
  }
}

/** A plausible answer for every method, so tests only override what they care about. */
export function defaultResponse(request: HostRequest): HostValue {
  switch (request.method) {
    case "signEcdsa":
    case "ethPersonalSignMessageEcdsa":
      return { signature: `sig-of-${request.sigName}`, publicKey: request.publicKey };
    case "signAndCombineEcdsa":
      return JSON.stringify({ r: "aa", s: "bb", v: 27 });
    case "isPermittedAction":
    case "isPermittedAddress":
    case "isPermittedAuthMethod":
      return true;
    case "getPermittedActions":
      return ["QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeXN"];
    case "getPermittedAddresses":
      return ["0x000000000000000000000000000000000000dEaD"];
    case "getPermittedAuthMethods":
      return [{ auth_method_type: "0x1", id: "0xabcd", user_pubkey: "0x" }];
    case "getPermittedAuthMethodScopes":
      return [false, true];
    case "sign":
      return { signature: `sig-of-${request.sigName}`, publicKey: request.publicKey };
    case "signAndCombine":
      return JSON.stringify({ r: "aa", s: "bb", v: 0 });
    case "signAsAction":
      return { signOutput: JSON.stringify({ signature: "cc" }), signature: { by: "action" } };
    case "getActionPublicKey":
      return "02" + "ab".repeat(32);
    case "verifyActionSignature":
      return true;
    case "getLatestNonce":
      return "0x0";
    case "callContract":
      return "0x";
    case "getRpcUrl":
      return `http://rpc.test/${request.chain}`;
    case "call":
      return {
        code: 'Lit.Actions.setResponse({ response: "child of " + Lit.Auth.actionIpfsIdStack.length });',
      };
    case "checkConditions":
      return true;
    case "encrypt":
      return { ciphertext: "Y2lwaGVy", dataToEncryptHash: "ab".repeat(32) };
    case "decryptAndCombine":
    case "decryptToSingleNode":
      return "plaintext";
    case "fetch":
      return {
        status: 200,
        statusText: "OK",
        url: request.url,
        redirected: false,
        headers: [["content-type", "application/json"]],
        body: JSON.stringify({ echo: request.url, method: request.httpMethod }),
      };
    case "claimKey":
      return "success";
  }
}

export const PUBLIC_KEY = "0x04" + "ab".repeat(64);
export const IPFS_ID = "QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeXN";

/** Awaits `promise` and asserts it rejected with an ActionFailure of `code` (and message). */
export async function expectFailure(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<ActionFailure> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(ActionFailure);
    const failure = error as ActionFailure;
    expect(failure.code, failure.message).to.equal(code);
    if (message) expect(failure.message).to.match(message);
    return failure;
  }
  expect.fail(`expected ActionFailure ${code}, got outcome ${JSON.stringify(outcome)}`);
}

/** The pool survives: a trivial action still succeeds on the same runtime. */
export async function expectHealthy(runtime: ActionRuntime): Promise<void> {
  const outcome = await runtime.run({
    code: 'Lit.Actions.setResponse({ response: "still alive" });',
    ipfsId: IPFS_ID,
    host: new FakeHost(),
  });
  expect(outcome.response).to.equal("still alive");
}
