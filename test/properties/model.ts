/**
 * A plain TypeScript model of PKPNFT + PKPPermissions + the router's ECDSA pool: what every view
 * should answer after any sequence of calls. It is written from the interfaces' documentation
 * (IPKPNFT, IPKPPermissions, IPubkeyRouter, OpenZeppelin's ERC-721 rules), never from the
 * contracts' storage layout, so a storage rewrite that keeps the behaviour keeps it green.
 *
 * Each operation either returns the custom error the contracts must revert with, or applies its
 * effects to the model. A model is cloned before an operation so that a revert leaves it as it was
 * (transactions are atomic).
 */

import { AUTH_METHOD_WEBAUTHN } from "../../src/protocol";

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** An expected revert: the custom error's name and arguments, as the ABI encodes them. */
export interface ExpectedError {
  name: string;
  args: ReadonlyArray<bigint | string>;
}

export interface AuthMethodRef {
  authMethodType: bigint;
  /** lowercase 0x-hex */
  id: string;
}

export interface PkpModel {
  /** null once burned (or while it never existed). */
  owner: string | null;
  approved: string;
  /** Auth method keys in PKPPermissions' documented order (append; a removal moves the last in). */
  methods: string[];
  scopes: Map<string, Set<bigint>>;
  roots: Map<bigint, string>;
}

export const KeyStatus = {
  Unrouted: 0n,
  Unminted: 1n,
  Minted: 2n,
  Withdrawn: 3n,
  Claimable: 4n,
} as const;

export interface Model {
  mintCost: bigint;
  /** Unminted keys of the pool, oldest first. */
  pool: bigint[];
  keyStatus: Map<bigint, bigint>;
  /** Ethereum address of every key the test knows (lowercase). */
  ethAddressOf: Map<bigint, string>;
  pkps: Map<bigint, PkpModel>;
  burned: Set<bigint>;
  /** ERC-721 enumeration: the global list and each owner's list, in the contract's order. */
  allTokens: bigint[];
  owned: Map<string, bigint[]>;
  operators: Set<string>;
  /** Auth method key → its user pubkey (global to all PKPs, as in Lit). */
  userPubkeys: Map<string, string>;
  /** Auth method key → the PKPs that permit it, in the documented order. */
  methodTokens: Map<string, bigint[]>;
  /** Derived key id (lowercase) → the key routed for its claim. */
  derivedKeys: Map<string, bigint>;
}

export const methodKey = (m: AuthMethodRef): string => `${m.authMethodType}:${m.id.toLowerCase()}`;

export function parseMethodKey(key: string): AuthMethodRef {
  const [type, id] = key.split(":");
  return { authMethodType: BigInt(type), id };
}

const lower = (address: string): string => address.toLowerCase();

export function cloneModel(model: Model): Model {
  return structuredClone(model);
}

/** Removes `value` from `list` the way the contracts do: the last element moves into its place. */
function swapPop<T>(list: T[], value: T): void {
  const index = list.indexOf(value);
  if (index < 0) throw new Error(`model: ${String(value)} not in list`);
  const last = list.pop() as T;
  if (index < list.length) list[index] = last;
}

function ownedBy(model: Model, owner: string): bigint[] {
  const key = lower(owner);
  let list = model.owned.get(key);
  if (!list) {
    list = [];
    model.owned.set(key, list);
  }
  return list;
}

export function ownerOf(model: Model, tokenId: bigint): string | null {
  return model.pkps.get(tokenId)?.owner ?? null;
}

// ---------------------------------------------------------------- ERC-721

export function isApprovedForAll(model: Model, owner: string, operator: string): boolean {
  return model.operators.has(`${lower(owner)}|${lower(operator)}`);
}

function isAuthorized(model: Model, tokenId: bigint, owner: string, spender: string): boolean {
  const pkp = model.pkps.get(tokenId) as PkpModel;
  return (
    lower(spender) === owner ||
    isApprovedForAll(model, owner, spender) ||
    (pkp.approved !== ZERO_ADDRESS && pkp.approved === lower(spender))
  );
}

/** Mints `tokenId` (taken from the pool's head) to `to`. No checks: callers check first. */
function mintTo(model: Model, tokenId: bigint, to: string): void {
  model.pkps.set(tokenId, {
    owner: lower(to),
    approved: ZERO_ADDRESS,
    methods: [],
    scopes: new Map(),
    roots: new Map(),
  });
  model.allTokens.push(tokenId);
  ownedBy(model, to).push(tokenId);
}

export function transfer(
  model: Model,
  sender: string,
  from: string,
  to: string,
  tokenId: bigint,
  receiverError: ExpectedError | null,
): ExpectedError | null {
  if (lower(to) === ZERO_ADDRESS) return { name: "ERC721InvalidReceiver", args: [ZERO_ADDRESS] };
  const owner = ownerOf(model, tokenId);
  if (owner === null) return { name: "ERC721NonexistentToken", args: [tokenId] };
  if (!isAuthorized(model, tokenId, owner, sender)) {
    return { name: "ERC721InsufficientApproval", args: [lower(sender), tokenId] };
  }
  if (owner !== lower(from)) {
    return { name: "ERC721IncorrectOwner", args: [lower(from), tokenId, owner] };
  }
  if (receiverError) return receiverError;
  const pkp = model.pkps.get(tokenId) as PkpModel;
  pkp.approved = ZERO_ADDRESS;
  // A transfer to oneself changes no list, as in OpenZeppelin's ERC721Enumerable.
  if (owner === lower(to)) return null;
  swapPop(ownedBy(model, owner), tokenId);
  ownedBy(model, to).push(tokenId);
  pkp.owner = lower(to);
  return null;
}

export function approve(
  model: Model,
  sender: string,
  to: string,
  tokenId: bigint,
): ExpectedError | null {
  const owner = ownerOf(model, tokenId);
  if (owner === null) return { name: "ERC721NonexistentToken", args: [tokenId] };
  if (lower(sender) !== owner && !isApprovedForAll(model, owner, sender)) {
    return { name: "ERC721InvalidApprover", args: [lower(sender)] };
  }
  (model.pkps.get(tokenId) as PkpModel).approved = lower(to);
  return null;
}

export function setApprovalForAll(
  model: Model,
  sender: string,
  operator: string,
  approved: boolean,
): ExpectedError | null {
  if (lower(operator) === ZERO_ADDRESS) {
    return { name: "ERC721InvalidOperator", args: [ZERO_ADDRESS] };
  }
  const key = `${lower(sender)}|${lower(operator)}`;
  if (approved) model.operators.add(key);
  else model.operators.delete(key);
  return null;
}

export function burn(model: Model, sender: string, tokenId: bigint): ExpectedError | null {
  const owner = ownerOf(model, tokenId);
  if (owner === null) return { name: "ERC721NonexistentToken", args: [tokenId] };
  if (!isAuthorized(model, tokenId, owner, sender)) {
    return { name: "ERC721InsufficientApproval", args: [lower(sender), tokenId] };
  }
  const pkp = model.pkps.get(tokenId) as PkpModel;
  swapPop(ownedBy(model, owner), tokenId);
  swapPop(model.allTokens, tokenId);
  pkp.owner = null;
  pkp.approved = ZERO_ADDRESS;
  model.burned.add(tokenId);
  return null;
}

// ---------------------------------------------------------------- minting and routing

function checkPayment(model: Model, paid: bigint): ExpectedError | null {
  return paid === model.mintCost
    ? null
    : { name: "IncorrectMintPayment", args: [paid, model.mintCost] };
}

/** Takes the pool's head (or reports the empty pool). */
function takeNextKey(model: Model, keyType: bigint, poolKeyType: bigint) {
  if (keyType !== poolKeyType || model.pool.length === 0) {
    return { error: { name: "NoUnmintedKeys", args: [keyType] } as ExpectedError };
  }
  const tokenId = model.pool.shift() as bigint;
  model.keyStatus.set(tokenId, KeyStatus.Minted);
  return { tokenId };
}

/**
 * mintNext by `sender`. `receiverError` is what the ERC-721 receiver check says about the
 * sender (null for an account that takes PKPs).
 */
export function mintNext(
  model: Model,
  sender: string,
  keyType: bigint,
  poolKeyType: bigint,
  paid: bigint,
  receiverError: ExpectedError | null,
): { error: ExpectedError } | { tokenId: bigint } {
  const payment = checkPayment(model, paid);
  if (payment) return { error: payment };
  const taken = takeNextKey(model, keyType, poolKeyType);
  if ("error" in taken) return taken;
  if (receiverError) return { error: receiverError };
  mintTo(model, taken.tokenId, sender);
  return taken;
}

export function mintGrantAndBurnNext(
  model: Model,
  keyType: bigint,
  poolKeyType: bigint,
  cid: string,
  paid: bigint,
): { error: ExpectedError } | { tokenId: bigint } {
  const bytes = cid.length / 2 - 1;
  const zeroDigest = BigInt(`0x${cid.slice(6) || "0"}`) === 0n;
  if (bytes !== 34 || !cid.toLowerCase().startsWith("0x1220") || zeroDigest) {
    return { error: { name: "InvalidIpfsCID", args: [cid.toLowerCase()] } };
  }
  const payment = checkPayment(model, paid);
  if (payment) return { error: payment };
  const taken = takeNextKey(model, keyType, poolKeyType);
  if ("error" in taken) return taken;
  // Minted to PKPNFT and burned in the call, never in ERC-721 storage; its one grant is frozen.
  model.pkps.set(taken.tokenId, {
    owner: null,
    approved: ZERO_ADDRESS,
    methods: [],
    scopes: new Map(),
    roots: new Map(),
  });
  const added = addMethod(model, taken.tokenId, { authMethodType: 2n, id: cid }, "0x", [1n]);
  if (added) return { error: added };
  model.burned.add(taken.tokenId);
  return taken;
}

export function setRoutingDataBatch(
  model: Model,
  isKeyProvider: boolean,
  sender: string,
  tokenIds: bigint[],
  ethAddresses: string[],
): ExpectedError | null {
  if (!isKeyProvider) return { name: "NotKeyProvider", args: [lower(sender)] };
  for (const [i, tokenId] of tokenIds.entries()) {
    const status = model.keyStatus.get(tokenId) ?? KeyStatus.Unrouted;
    if (status !== KeyStatus.Unrouted) return { name: "AlreadyRouted", args: [tokenId] };
    model.keyStatus.set(tokenId, KeyStatus.Unminted);
    model.ethAddressOf.set(tokenId, lower(ethAddresses[i]));
    model.pool.push(tokenId);
  }
  return null;
}

export function withdrawUnmintedKeys(
  model: Model,
  isKeyProvider: boolean,
  sender: string,
  keyType: bigint,
  poolKeyType: bigint,
  tokenIds: bigint[],
): ExpectedError | null {
  if (!isKeyProvider) return { name: "NotKeyProvider", args: [lower(sender)] };
  for (const tokenId of tokenIds) {
    if (keyType !== poolKeyType || !model.pool.includes(tokenId)) {
      return { name: "KeyNotInPool", args: [tokenId, keyType] };
    }
    swapPopKeepOrder(model.pool, tokenId);
    model.keyStatus.set(tokenId, KeyStatus.Withdrawn);
  }
  return null;
}

/** setDerivedRoutingData(derivedKeyId, the key, ECDSA) by `sender`: the key, outside the pool. */
export function setDerivedRoutingData(
  model: Model,
  isKeyProvider: boolean,
  sender: string,
  derivedKeyId: string,
  tokenId: bigint,
  ethAddress: string,
): ExpectedError | null {
  if (!isKeyProvider) return { name: "NotKeyProvider", args: [lower(sender)] };
  const routed = model.derivedKeys.get(derivedKeyId.toLowerCase());
  if (routed !== undefined) {
    return { name: "DerivedKeyAlreadyRouted", args: [derivedKeyId.toLowerCase(), routed] };
  }
  if ((model.keyStatus.get(tokenId) ?? KeyStatus.Unrouted) !== KeyStatus.Unrouted) {
    return { name: "AlreadyRouted", args: [tokenId] };
  }
  model.derivedKeys.set(derivedKeyId.toLowerCase(), tokenId);
  model.keyStatus.set(tokenId, KeyStatus.Claimable);
  model.ethAddressOf.set(tokenId, lower(ethAddress));
  return null;
}

/**
 * claimAndMint(ECDSA, derivedKeyId, signatures, staking) by `sender`, in datil's order: payment,
 * at least one signature, each by a key provider, the key routed, not claimed before, then the
 * receiver check and the mint.
 */
export function claimAndMint(
  model: Model,
  sender: string,
  derivedKeyId: string,
  signers: Array<{ address: string; isKeyProvider: boolean }>,
  paid: bigint,
  receiverError: ExpectedError | null,
): { error: ExpectedError } | { tokenId: bigint } {
  const payment = checkPayment(model, paid);
  if (payment) return { error: payment };
  if (signers.length === 0) return { error: { name: "TooFewClaimSignatures", args: [0n, 1n] } };
  for (const [i, signer] of signers.entries()) {
    if (!signer.isKeyProvider) {
      return {
        error: { name: "ClaimSignerNotValidator", args: [BigInt(i), lower(signer.address)] },
      };
    }
  }
  const id = derivedKeyId.toLowerCase();
  const tokenId = model.derivedKeys.get(id);
  if (tokenId === undefined) return { error: { name: "DerivedKeyNotRouted", args: [id] } };
  if (model.keyStatus.get(tokenId) !== KeyStatus.Claimable) {
    return { error: { name: "DerivedKeyAlreadyClaimed", args: [id, tokenId] } };
  }
  if (receiverError) return { error: receiverError };
  model.keyStatus.set(tokenId, KeyStatus.Minted);
  mintTo(model, tokenId, sender);
  return { tokenId };
}

/** The router keeps the other unminted keys in their first-in-first-out order. */
function swapPopKeepOrder(list: bigint[], value: bigint): void {
  list.splice(list.indexOf(value), 1);
}

// ---------------------------------------------------------------- permissions

/** PKPPermissions' onlyPKPOwner. */
export function checkPkpOwner(model: Model, sender: string, tokenId: bigint): ExpectedError | null {
  const owner = ownerOf(model, tokenId);
  if (owner === null) return { name: "NonexistentPKP", args: [tokenId] };
  if (owner !== lower(sender)) return { name: "NotPKPOwner", args: [tokenId, lower(sender)] };
  return null;
}

/** _add: the user pubkey rule, then the grant, then the scopes. No owner check. */
export function addMethod(
  model: Model,
  tokenId: bigint,
  method: AuthMethodRef,
  userPubkey: string,
  scopes: readonly bigint[],
): ExpectedError | null {
  const key = methodKey(method);
  const stored = model.userPubkeys.get(key) ?? "0x";
  const wanted = userPubkey.toLowerCase();
  if (stored !== wanted) {
    if (method.authMethodType === AUTH_METHOD_WEBAUTHN && stored !== "0x") {
      return { name: "UserPubkeyMismatch", args: [method.authMethodType, method.id] };
    }
    if (wanted === "0x") model.userPubkeys.delete(key);
    else model.userPubkeys.set(key, wanted);
  }
  const pkp = model.pkps.get(tokenId) as PkpModel;
  if (!pkp.methods.includes(key)) {
    pkp.methods.push(key);
    pkp.scopes.set(key, new Set());
    const tokens = model.methodTokens.get(key) ?? [];
    tokens.push(tokenId);
    model.methodTokens.set(key, tokens);
  }
  const granted = pkp.scopes.get(key) as Set<bigint>;
  for (const scope of scopes) granted.add(scope);
  return null;
}

/** _remove: forgets the grant and its scopes (nothing happens if it was not permitted). */
export function removeMethod(model: Model, tokenId: bigint, method: AuthMethodRef): void {
  const key = methodKey(method);
  const pkp = model.pkps.get(tokenId) as PkpModel;
  if (!pkp.methods.includes(key)) return;
  swapPop(pkp.methods, key);
  pkp.scopes.delete(key);
  swapPop(model.methodTokens.get(key) as bigint[], tokenId);
}

export function addScope(
  model: Model,
  tokenId: bigint,
  method: AuthMethodRef,
  scope: bigint,
): ExpectedError | null {
  const scopes = model.pkps.get(tokenId)?.scopes.get(methodKey(method));
  if (!scopes) {
    return { name: "AuthMethodNotPermitted", args: [tokenId, method.authMethodType, method.id] };
  }
  scopes.add(scope);
  return null;
}

export function removeScope(
  model: Model,
  tokenId: bigint,
  method: AuthMethodRef,
  scope: bigint,
): void {
  model.pkps.get(tokenId)?.scopes.get(methodKey(method))?.delete(scope);
}

export function setRootHash(model: Model, tokenId: bigint, group: bigint, root: string): void {
  (model.pkps.get(tokenId) as PkpModel).roots.set(group, root.toLowerCase());
}

// ---------------------------------------------------------------- derived views

export function isPermitted(model: Model, tokenId: bigint, method: AuthMethodRef): boolean {
  return model.pkps.get(tokenId)?.methods.includes(methodKey(method)) ?? false;
}

/** getPermittedAddresses: the owner (while the PKP exists), then every type-1 method's 20 bytes. */
export function permittedAddresses(model: Model, tokenId: bigint): string[] {
  const pkp = model.pkps.get(tokenId);
  if (!pkp) return [];
  const out: string[] = pkp.owner ? [pkp.owner] : [];
  for (const key of pkp.methods) {
    const m = parseMethodKey(key);
    if (m.authMethodType === 1n) out.push(("0x" + m.id.slice(2, 42).padEnd(40, "0")).toLowerCase());
  }
  return out;
}

export function isPermittedAddress(model: Model, tokenId: bigint, user: string): boolean {
  const pkp = model.pkps.get(tokenId);
  if (!pkp) return false;
  return (
    pkp.owner === lower(user) ||
    pkp.methods.includes(methodKey({ authMethodType: 1n, id: lower(user) }))
  );
}
