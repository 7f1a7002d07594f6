/**
 * The caller part of `Lit.Auth` as a proof bundle records it: who the oracle verified the
 * request came from (the authSig's address, auth methods, a session's resources). An action whose
 * rules depend on its caller (actions/social/backend.js: "a user may like a post once") can only
 * be re-executed with the caller it saw, so the oracle returns it with the result
 * (`ExecuteSuccess.caller`) and the verifier's replay gives it back.
 *
 * Only what the action saw is recorded — never the credential itself (an authSig, an ID token or
 * a sessionSig is a bearer credential: a public bundle must not carry one). So the recorded caller
 * is the oracle's word, as `Lit.Auth` is to the action (docs/PROOFS.md).
 */
import type { AuthContext } from "./authContext";

/** `Lit.Auth` without the fields that follow from the running action (its CID and the stack). */
export type RecordedCaller = Pick<
  AuthContext,
  "authSigAddress" | "authMethodContexts" | "resources" | "customAuthResource"
>;

/** The caller part of `auth`, or undefined when it names nobody (nothing to record). */
export function recordedCallerOf(auth: AuthContext): RecordedCaller | undefined {
  const caller: RecordedCaller = {
    authSigAddress: auth.authSigAddress,
    authMethodContexts: auth.authMethodContexts,
    resources: auth.resources,
    customAuthResource: auth.customAuthResource,
  };
  const namesNobody =
    caller.authSigAddress === null &&
    caller.authMethodContexts.length === 0 &&
    caller.resources.length === 0 &&
    caller.customAuthResource === null;
  return namesNobody ? undefined : copyOf(caller);
}

/** `Lit.Auth` for a run of `ipfsId` by `caller` (none: a request without credentials). */
export function authContextFor(ipfsId: string, caller: RecordedCaller | undefined): AuthContext {
  return {
    actionIpfsIds: [ipfsId],
    actionIpfsIdStack: [ipfsId],
    authSigAddress: caller?.authSigAddress ?? null,
    authMethodContexts: copyOf(caller?.authMethodContexts ?? []),
    resources: [...(caller?.resources ?? [])],
    customAuthResource: caller?.customAuthResource ?? null,
  };
}

/** A deep copy of JSON data (the sandbox freezes what it is given; callers keep their own). */
function copyOf<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
