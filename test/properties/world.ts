/**
 * The chain side of the property tests: one deployed stack (snapshotted once, reverted after every
 * sequence), the actors, the auth methods and scopes the sequences draw from, a raw transaction
 * sender that returns revert data, and a reader that compares every view with the model in one
 * eth_call (PkpStateLens).
 */
import hre, { ethers } from "hardhat";
import { Interface } from "ethers";
import { expect } from "chai";
import {
  ContractCaller__factory,
  PKPHelper__factory,
  PKPNFT__factory,
  PKPPermissions__factory,
  PkpStateLens,
  PkpStateLens__factory,
  PubkeyRouter__factory,
} from "../../typechain-types";
import type { PkpStateLens as Lens } from "../../typechain-types/contracts/test/PkpStateLens";
import { fakeCid, TestKey, testKeys } from "../helpers/keys";
import { KEY_TYPE_ECDSA, Stack, stackWithPoolFixture } from "../helpers/stack";
import {
  AuthMethodRef,
  cloneModel,
  ExpectedError,
  isPermitted,
  isPermittedAddress,
  KeyStatus,
  methodKey,
  Model,
  permittedAddresses,
  ZERO_ADDRESS,
} from "./model";

/** An account that acts in the sequences. A contract actor's calls go through ContractCaller. */
export interface Actor {
  name: string;
  /** lowercase; msg.sender as the target contracts see it */
  address: string;
  /** the EOA that signs the transaction */
  from: string;
  viaContract: boolean;
}

/** An auth method the sequences may grant, with the user pubkeys they may grant it with. */
export interface MethodChoice extends AuthMethodRef {
  label: string;
  pubkeys: string[];
}

export const SCOPES: readonly bigint[] = [
  0n,
  1n,
  2n,
  3n,
  183n,
  184n,
  255n,
  256n,
  1000n,
  2n ** 256n - 1n,
];
const FULL_READ_SCOPES: bigint[] = [183n, 184n, 2n ** 256n - 1n];
/** getPermittedAuthMethodScopes is read for scope ids below this. */
export const LISTED_SCOPES = 4n;
export const GROUPS: readonly bigint[] = [0n, 7n];
export const ROOTS: readonly string[] = [ethers.id("root-a"), ethers.id("root-b")];
/** Roots a sequence may set: the probed ones and zero (which clears the group). */
export const SETTABLE_ROOTS: readonly string[] = [...ROOTS, ethers.ZeroHash];
export const MGB_CIDS: readonly string[] = [
  fakeCid("prop-a1"),
  fakeCid("prop-mgb"),
  "0x1220" + "ab".repeat(31), // 33 bytes
  "0x1221" + "ab".repeat(32), // wrong multihash prefix
  "0x1220" + "00".repeat(32), // a zero digest: no code hashes to it
];
/** Derived key ids the sequences route and claim (the oracle's claims, LIT-AUTH B). */
export const DERIVED_KEY_IDS: readonly string[] = [
  ethers.id("QmPropAction_alice"),
  ethers.id("QmPropAction_bob"),
  ethers.id("google:prop-claim"),
];
const GAS = "0x1e8480"; // 2,000,000: set explicitly so no call is spent on estimateGas

export interface World {
  stack: Stack;
  lens: PkpStateLens;
  addresses: {
    nft: string;
    permissions: string;
    router: string;
    helper: string;
    caller: string;
    lens: string;
  };
  actors: Actor[];
  /** Recipients of transfers and approvals: the actors, the helper and the zero address. */
  recipients: string[];
  methods: MethodChoice[];
  reserveKeys: TestKey[];
  /** Keys the oracle would derive for claims (routed by setDerivedRoutingData). */
  derivedKeys: TestKey[];
  /** A key that is never routed: its token id never exists. */
  unroutedKey: TestKey;
  errors: Interface;
  calls: {
    nft: Interface;
    permissions: Interface;
    router: Interface;
    helper: Interface;
    caller: Interface;
  };
  /** The model of the base state every sequence starts from (set by the suite's fixture). */
  initial: Model;
  baseSnapshot: string;
}

const lower = (a: string): string => a.toLowerCase();

/** Deploys the stack once (the fixture most suites use), plus the contract actor and the lens. */
export async function deployWorld(): Promise<World> {
  const stack = await stackWithPoolFixture();
  const caller = await new ContractCaller__factory(stack.deployer).deploy();
  const lens = await new PkpStateLens__factory(stack.deployer).deploy(
    await stack.pkpNft.getAddress(),
    await stack.permissions.getAddress(),
    await stack.router.getAddress(),
  );
  const addresses = {
    nft: lower(await stack.pkpNft.getAddress()),
    permissions: lower(await stack.permissions.getAddress()),
    router: lower(await stack.router.getAddress()),
    helper: lower(await stack.helper.getAddress()),
    caller: lower(await caller.getAddress()),
    lens: lower(await lens.getAddress()),
  };
  const eoa = (name: string, address: string): Actor => ({
    name,
    address: lower(address),
    from: lower(address),
    viaContract: false,
  });
  const actors: Actor[] = [
    eoa("admin", stack.deployer.address),
    eoa("alice", stack.alice.address),
    eoa("bob", stack.bob.address),
    eoa("carol", stack.carol.address),
    eoa("stranger", stack.stranger.address),
    {
      name: "contract",
      address: addresses.caller,
      from: lower(stack.stranger.address),
      viaContract: true,
    },
  ];
  const pubkeys = ["0x", "0x01", "0x0202"];
  const methods: MethodChoice[] = [
    { label: "action-a1", authMethodType: 2n, id: fakeCid("prop-a1"), pubkeys },
    { label: "action-a2", authMethodType: 2n, id: fakeCid("prop-a2"), pubkeys },
    { label: "action-not-a-cid", authMethodType: 2n, id: "0xdeadbeef", pubkeys },
    { label: "address-bob", authMethodType: 1n, id: lower(stack.bob.address), pubkeys },
    { label: "address-contract", authMethodType: 1n, id: addresses.caller, pubkeys },
    { label: "address-32-bytes", authMethodType: 1n, id: ethers.id("wide"), pubkeys },
    {
      label: "webauthn",
      authMethodType: 3n,
      id: "0x776562617574686e",
      pubkeys: ["0x", "0x04aa", "0x04bb"],
    },
    { label: "google", authMethodType: 6n, id: ethers.id("google-sub"), pubkeys },
    { label: "action-mgb", authMethodType: 2n, id: fakeCid("prop-mgb"), pubkeys },
  ].map((m) => ({ ...m, id: lower(m.id) }));
  const errors = new Interface(
    [
      PKPNFT__factory.abi,
      PKPPermissions__factory.abi,
      PubkeyRouter__factory.abi,
      PKPHelper__factory.abi,
    ]
      .flat()
      .filter((f) => f.type === "error")
      .filter((f, i, all) => all.findIndex((g) => JSON.stringify(g) === JSON.stringify(f)) === i),
  );
  const world: Omit<World, "initial"> = {
    stack,
    lens,
    addresses,
    actors,
    recipients: [...actors.map((a) => a.address), addresses.helper, ZERO_ADDRESS],
    methods,
    reserveKeys: testKeys(6, "prop-reserve"),
    derivedKeys: testKeys(3, "prop-derived"),
    unroutedKey: testKeys(1, "prop-never-routed")[0],
    errors,
    calls: {
      nft: PKPNFT__factory.createInterface(),
      permissions: PKPPermissions__factory.createInterface(),
      router: PubkeyRouter__factory.createInterface(),
      helper: PKPHelper__factory.createInterface(),
      caller: ContractCaller__factory.createInterface(),
    },
    baseSnapshot: "",
  };
  return { ...world, initial: emptyModel(world) };
}

/** Makes the current chain state, described by `model`, the base of every sequence. */
export async function setBase(world: World, model: Model): Promise<void> {
  world.initial = model;
  world.baseSnapshot = await snapshot();
}

/** A fresh copy of the base state's model. */
export function initialModel(world: World): Model {
  return cloneModel(world.initial);
}

/** The model of the world as deployWorld leaves it (before the fixture's setup steps). */
export function emptyModel(world: Pick<World, "stack" | "reserveKeys" | "unroutedKey">): Model {
  const keyStatus = new Map<bigint, bigint>();
  const ethAddressOf = new Map<bigint, string>();
  for (const key of world.stack.poolKeys) {
    keyStatus.set(key.tokenId, KeyStatus.Unminted);
    ethAddressOf.set(key.tokenId, lower(key.ethAddress));
  }
  for (const key of [...world.reserveKeys, world.unroutedKey]) {
    ethAddressOf.set(key.tokenId, lower(key.ethAddress));
  }
  return {
    mintCost: 1n,
    pool: world.stack.poolKeys.map((k) => k.tokenId),
    keyStatus,
    ethAddressOf,
    pkps: new Map(),
    burned: new Set(),
    allTokens: [],
    owned: new Map(),
    operators: new Set(),
    userPubkeys: new Map(),
    methodTokens: new Map(),
    derivedKeys: new Map(),
  };
}

export async function snapshot(): Promise<string> {
  return (await hre.network.provider.request({ method: "evm_snapshot", params: [] })) as string;
}

/** Back to the base state; a fresh snapshot replaces the one evm_revert consumed. */
export async function resetWorld(world: World): Promise<void> {
  const ok = await hre.network.provider.request({
    method: "evm_revert",
    params: [world.baseSnapshot],
  });
  if (ok !== true) throw new Error(`evm_revert(${world.baseSnapshot}) failed`);
  world.baseSnapshot = await snapshot();
}

export type TxOutcome = { ok: true } | { ok: false; revertData: string };

/** Sends one transaction as `actor` (through ContractCaller for the contract actor). */
export async function send(
  world: World,
  actor: Actor,
  to: string,
  data: string,
  value = 0n,
): Promise<TxOutcome> {
  const tx = actor.viaContract
    ? {
        from: actor.from,
        to: world.addresses.caller,
        data: world.calls.caller.encodeFunctionData("forward", [to, data]),
      }
    : { from: actor.from, to, data };
  try {
    await hre.network.provider.request({
      method: "eth_sendTransaction",
      params: [{ ...tx, value: ethers.toQuantity(value), gas: GAS }],
    });
    return { ok: true };
  } catch (error) {
    return { ok: false, revertData: revertDataOf(error) };
  }
}

/**
 * The revert data of a failed eth_sendTransaction. Hardhat puts it in `data`, except for errors it
 * cannot name from the artifacts, whose data is only in the message.
 */
function revertDataOf(error: unknown): string {
  const data = (error as { data?: unknown }).data;
  if (typeof data === "string") return lower(data);
  const message = error instanceof Error ? error.message : String(error);
  const match = /return data: (0x[0-9a-fA-F]*)/.exec(message);
  if (match) return lower(match[1]);
  if (/reverted without a reason/.test(message)) return "0x";
  throw error;
}

function describeRevert(world: World, data: string): string {
  try {
    const parsed = world.errors.parseError(data);
    if (parsed) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
  } catch {
    // not one of ours: show the raw data
  }
  return data;
}

/** Asserts the outcome: success when `expected` is null, else exactly that custom error. */
export function expectOutcome(
  world: World,
  what: string,
  outcome: TxOutcome,
  expected: ExpectedError | null,
): void {
  if (expected === null) {
    if (!outcome.ok) {
      throw new Error(
        `${what}: expected success, reverted with ${describeRevert(world, outcome.revertData)}`,
      );
    }
    return;
  }
  const wanted = lower(world.errors.encodeErrorResult(expected.name, [...expected.args]));
  if (outcome.ok)
    throw new Error(`${what}: expected ${expected.name}(${expected.args.join(", ")}), succeeded`);
  if (outcome.revertData !== wanted) {
    throw new Error(
      `${what}: expected ${expected.name}(${expected.args.join(", ")}), got ${describeRevert(world, outcome.revertData)}`,
    );
  }
}

// ---------------------------------------------------------------- reading and comparing views

export type Observation = Awaited<ReturnType<Lens["read"]>>;

/** Token ids a step may target: every PKP the model knows, plus an unminted and an unrouted id. */
export function tokensToRead(world: World, model: Model): bigint[] {
  const ids = [...model.pkps.keys()];
  if (model.pool.length > 0) ids.push(model.pool[0]);
  ids.push(world.unroutedKey.tokenId);
  return ids;
}

/** Owners whose balances are read: the actors, the helper, and whoever else holds a PKP. */
function ownersToRead(world: World, model: Model): string[] {
  const owners = new Set([...world.actors.map((a) => a.address), world.addresses.helper]);
  for (const pkp of model.pkps.values()) if (pkp.owner) owners.add(pkp.owner);
  return [...owners];
}

/**
 * What to read. Views are costly to read in bulk on this machine, so after each step only the
 * PKPs and auth methods the step touched are read (with every scope probed), and everything at
 * the end of the sequence (scopes then only for the methods each PKP permits).
 */
export interface Focus {
  tokenIds: bigint[];
  methods: AuthMethodRef[];
  full: boolean;
  /** Read every owner's balance and tokens (after steps that move PKPs). */
  ownership?: boolean;
  /** Operators whose approvals (by every owner) are read. */
  operators?: string[];
  /** Keys whose router status is read. */
  keys?: bigint[];
}

/** PkpStateLens.Query, with the plain types this file builds it from. */
export interface LensQuery {
  tokenIds: bigint[];
  methods: AuthMethodRef[];
  scopes: bigint[];
  listedScopes: bigint;
  allScopes: boolean;
  methodIndex: boolean;
  addresses: string[];
  groups: bigint[];
  roots: string[];
  owners: string[];
  operators: string[];
  keyType: bigint;
  keys: bigint[];
}

/** Every PKP of the model, with every auth method probed. */
export function fullFocus(world: World, model: Model): Focus {
  return { tokenIds: [...model.pkps.keys()], methods: world.methods, full: true };
}

function queryFor(world: World, model: Model, focus: Focus): LensQuery {
  const probes = world.recipients.filter((a) => a !== ZERO_ADDRESS);
  // The full read at the end looks for effects on PKPs a step did not target; what only
  // changes with the targeted PKP, method, key or operator was read right after its step.
  const addressMethods = world.methods.filter((m) => m.authMethodType === 1n && m.id.length === 42);
  return {
    tokenIds: focus.tokenIds,
    methods: focus.methods.map((m) => ({ authMethodType: m.authMethodType, id: m.id })),
    // 0-3 are read through getPermittedAuthMethodScopes; the full read probes only the ids
    // around the 184-bit inline/overflow boundary and the largest one besides.
    scopes: focus.full ? FULL_READ_SCOPES : [...SCOPES],
    listedScopes: LISTED_SCOPES,
    allScopes: !focus.full,
    methodIndex: !focus.full,
    addresses: focus.full ? addressMethods.map((m) => m.id) : probes,
    groups: [...GROUPS],
    roots: [...ROOTS],
    owners: focus.full || focus.ownership ? ownersToRead(world, model) : [],
    operators: focus.operators ?? [],
    keyType: KEY_TYPE_ECDSA,
    keys: focus.keys ?? [],
  };
}

export interface Observed {
  query: LensQuery;
  view: Observation;
}

export async function observe(world: World, model: Model, focus: Focus): Promise<Observed> {
  const query = queryFor(world, model, focus);
  // A raw eth_call: the contract wrapper's extra round trips cost more than the call itself.
  const lens = world.lens.interface;
  const raw = (await hre.network.provider.request({
    method: "eth_call",
    params: [
      { to: world.addresses.lens, data: lens.encodeFunctionData("read", [query]) },
      "latest",
    ],
  })) as string;
  return { query, view: lens.decodeFunctionResult("read", raw) as unknown as Observation };
}

const bits = (flags: boolean[]): bigint =>
  flags.reduce((acc, flag, i) => (flag ? acc | (1n << BigInt(i)) : acc), 0n);

/** What the lens should return for `query` if the chain behaves as `model` (plain values). */
function expectedView(model: Model, query: LensQuery) {
  const tokens = query.tokenIds.map((tokenId) => {
    const pkp = model.pkps.get(tokenId);
    const methods = (pkp?.methods ?? []).map((key) => {
      const [type, id] = key.split(":");
      return [BigInt(type), id, model.userPubkeys.get(key) ?? "0x"];
    });
    return {
      owner: pkp?.owner ?? ZERO_ADDRESS,
      exists: Boolean(pkp?.owner),
      approved: pkp?.owner ? pkp.approved : ZERO_ADDRESS,
      methods,
      actions: methods.filter((m) => m[0] === 2n).map((m) => m[1]),
      permittedAddresses: permittedAddresses(model, tokenId),
      permittedBits: bits(query.methods.map((m) => isPermitted(model, tokenId, m))),
      actionBits: bits(
        query.methods.map((m) => m.authMethodType === 2n && isPermitted(model, tokenId, m)),
      ),
      scopeBits: query.methods.map((m) => {
        const scopes = pkp?.scopes.get(methodKey(m));
        if (!scopes) return 0n;
        const listed = Array.from({ length: Number(LISTED_SCOPES) }, (_, i) =>
          scopes.has(BigInt(i)),
        );
        return bits(query.scopes.map((s) => scopes.has(s))) | (bits(listed) << 128n);
      }),
      addressBits: bits(query.addresses.map((a) => isPermittedAddress(model, tokenId, a))),
      rootBits: bits(
        GROUPS.flatMap((g) =>
          ROOTS.map((r) => (pkp?.roots.get(g) ?? ethers.ZeroHash) === lower(r)),
        ),
      ),
    };
  });
  return {
    tokens,
    global: {
      allTokens: model.allTokens,
      owned: query.owners.map((o) => model.owned.get(o) ?? []),
      operatorBits: bits(
        query.owners.flatMap((o) => query.operators.map((p) => model.operators.has(`${o}|${p}`))),
      ),
      methodTokens: (query.methodIndex ? query.methods : []).map(
        (m) => model.methodTokens.get(methodKey(m)) ?? [],
      ),
      methodPubkeys: (query.methodIndex ? query.methods : []).map(
        (m) => model.userPubkeys.get(methodKey(m)) ?? "0x",
      ),
      pool: model.pool,
      keyStatuses: query.keys.map((k) => model.keyStatus.get(k) ?? KeyStatus.Unrouted),
    },
  };
}

/** Plain, lowercase data from the lens result, shaped like expectedView. */
export function plainView(view: Observation) {
  const [tokens, global] = view;
  return {
    tokens: tokens.map((t) => ({
      owner: lower(t.owner),
      exists: t.exists,
      approved: lower(t.approved),
      methods: t.methods.map((m) => [m.authMethodType, lower(m.id), lower(m.userPubkey)]),
      actions: t.actions.map(lower),
      permittedAddresses: t.permittedAddresses.map(lower),
      permittedBits: t.permittedBits,
      actionBits: t.actionBits,
      scopeBits: [...t.scopeBits],
      addressBits: t.addressBits,
      rootBits: t.rootBits,
    })),
    global: {
      allTokens: [...global.allTokens],
      owned: global.owned.map((o) => [...o]),
      operatorBits: global.operatorBits,
      methodTokens: global.methodTokens.map((m) => [...m]),
      methodPubkeys: global.methodPubkeys.map(lower),
      pool: [...global.pool],
      keyStatuses: [...global.keyStatuses],
    },
  };
}

const stringify = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));

/** Every view read equals the model's answer. */
export function expectViewsMatchModel(model: Model, observed: Observed, where: string): void {
  const actual = plainView(observed.view);
  const expected = expectedView(model, observed.query);
  // Compared as JSON first (fast); chai's deep equality only to show the difference.
  if (stringify(actual) === stringify(expected)) return;
  actual.tokens.forEach((t, i) =>
    expect(t, `${where}: views of PKP ${observed.query.tokenIds[i]}`).to.deep.equal(
      expected.tokens[i],
    ),
  );
  expect(actual.global, `${where}: ERC-721 enumeration, reverse index, pool`).to.deep.equal(
    expected.global,
  );
}
