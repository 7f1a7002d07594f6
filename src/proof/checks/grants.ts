/**
 * grants: what the PKP may do now, read from the chain: exactly one permitted auth method — the
 * bundle's action, with scopes exactly {1} (SignAnything) — no permitted address, and the PKP is
 * burned (minted once, no owner now), so nobody can ever change that.
 */
import { ZeroAddress, hexlify } from "ethers";
import { AUTH_METHOD_ACTION, SCOPE_SIGN_ANYTHING } from "../../protocol";
import { CheckRecorder, short, type CheckContext, type CheckResult } from "./types";

/** Scopes read: 0–255. Larger ones would show as events in the one-transaction check. */
const SCOPES_READ = 256n;
const KEY_STATUS = ["Unrouted", "Unminted", "Minted", "Withdrawn"] as const;

export async function checkGrants(ctx: CheckContext): Promise<CheckResult> {
  const check = new CheckRecorder("grants");
  const { tokenId, cidBytes, pkpPermissions, pkpNft, pubkeyRouter } = ctx;
  const at = { blockTag: ctx.latestBlock };
  check.fact(`read at block ${ctx.latestBlock}`);

  const methods = await pkpPermissions.getPermittedAuthMethods(tokenId, at);
  const described = methods.map((m) => `(type ${m.authMethodType}, id ${short(hexlify(m.id))})`);
  const onlyTheAction =
    methods.length === 1 &&
    methods[0].authMethodType === AUTH_METHOD_ACTION &&
    hexlify(methods[0].id) === cidBytes &&
    hexlify(methods[0].userPubkey) === "0x";
  check.expect(
    onlyTheAction,
    onlyTheAction
      ? `getPermittedAuthMethods: exactly one, the action (type 2, id ${cidBytes})`
      : `getPermittedAuthMethods: ${methods.length} method(s) ${described.join(", ")}; ` +
          `expected exactly the action (type 2, id ${cidBytes})`,
  );

  const scopeBits = await pkpPermissions.getPermittedAuthMethodScopes(
    tokenId,
    AUTH_METHOD_ACTION,
    cidBytes,
    SCOPES_READ,
    at,
  );
  const scopes = scopeBits.flatMap((set, index) => (set ? [index] : []));
  const exactlyOne = scopes.length === 1 && BigInt(scopes[0]) === SCOPE_SIGN_ANYTHING;
  check.expect(
    exactlyOne,
    `scopes of the action (0–${SCOPES_READ - 1n}): {${scopes.join(", ")}}` +
      (exactlyOne ? " (SignAnything only)" : "; expected exactly {1}"),
  );

  const addresses = await pkpPermissions.getPermittedAddresses(tokenId, at);
  check.expect(
    addresses.length === 0,
    `getPermittedAddresses: ${addresses.length === 0 ? "none" : addresses.join(", ")}`,
  );

  const [exists, owner, status] = await Promise.all([
    pkpNft.exists(tokenId, at),
    pkpNft.ownerOrZero(tokenId, at),
    pubkeyRouter.keyStatus(tokenId, at),
  ]);
  const statusName = KEY_STATUS[Number(status)] ?? `status ${status}`;
  const burned = !exists && owner === ZeroAddress && statusName === "Minted";
  check.expect(
    burned,
    burned
      ? "burned: PubkeyRouter.keyStatus = Minted (a key is minted at most once), PKPNFT.exists = false, no owner"
      : `not burned: PubkeyRouter.keyStatus = ${statusName}, PKPNFT.exists = ${exists}, owner ${owner}`,
  );
  return check.result("only the action, scopes {1}, no addresses; the PKP is burned");
}
