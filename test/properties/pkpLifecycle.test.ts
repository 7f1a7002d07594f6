/**
 * Property tests of PKPNFT, PKPPermissions, PKPHelper and the router's pool: fast-check drives
 * random sequences of mints, mint/grant/burns, grants, removals, scope changes, batch calls,
 * transfers, approvals, burns and routing, by random actors (owners, approved operators,
 * strangers, the admin, a contract), against one deployed stack reverted to a snapshot after
 * every sequence.
 *
 * Claims (routing a derived key, claimAndMint with the admin's or anyone's signatures) are
 * steps like the others.
 *
 * Properties:
 * - every transaction succeeds or reverts exactly as the model says (custom error and
 *   arguments), and after every successful step the views of what it touched — and at the end
 *   of the sequence the views of every PKP — equal the model's answers (ERC-721 and
 *   enumeration, getPermitted*, isPermitted*, scopes, root hashes, the reverse index, user
 *   pubkeys, the pool, key statuses);
 * - only the current owner ever changes a PKP's permissions (checked against PKPNFT's own
 *   answer right before the call, not the model);
 * - once burned, a PKP's auth methods, scopes, actions, addresses and root hashes never change,
 *   and its id is never minted again (against the chain's own earlier answers).
 * A reverted transaction is not read back: the EVM undoes it, and its exact error was checked.
 *
 * Runs, in two tiers: `npm test` runs PROPERTY_RUNS (default 300) sequences of 3-6 steps from
 * seed PROPERTY_SEED (fixed by default); CI's deep stage (`npm run test:deep`) runs 2,000 more
 * from another fixed seed, so CI checks 2,300 distinct sequences. A failure prints the seed, the
 * path and the shrunk sequence; replay it with PROPERTY_SEED=<seed> PROPERTY_PATH=<path>.
 * PROPERTY_TIMING=1 prints the time taken (about 0.2 s per sequence on the 2-core CI machine).
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { methodKey, Model } from "./model";
import { runStep, sequenceArbitrary, Step } from "./steps";
import {
  deployWorld,
  emptyModel,
  setBase,
  expectViewsMatchModel,
  fullFocus,
  initialModel,
  Observed,
  observe,
  plainView,
  resetWorld,
  World,
} from "./world";

/** The `npm test` tier; CI's deep stage sets PROPERTY_RUNS=2000 (package.json `test:deep`). */
const DEFAULT_RUNS = 300;
const DEFAULT_SEED = 20261126;

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return value;
}

/**
 * What must never change once a PKP is burned, as the chain answered it: the lists and root
 * hashes of the PKP, and per probed auth method whether it is permitted and its scopes.
 */
interface FrozenRecord {
  lists: string;
  /** auth method key → whether it is permitted, and scope id → whether it is present */
  methods: Map<string, { permitted: boolean; scopes: Map<bigint, boolean> }>;
}

/** The scope ids a read probed, with what it answered (see PkpStateLens._scopeBits). */
function scopesRead(observed: Observed, bits: bigint): Map<bigint, boolean> {
  const read = new Map<bigint, boolean>();
  observed.query.scopes.forEach((scope, s) => read.set(scope, ((bits >> BigInt(s)) & 1n) === 1n));
  for (let i = 0n; i < observed.query.listedScopes; i++) {
    read.set(i, ((bits >> (128n + i)) & 1n) === 1n);
  }
  return read;
}

function recordFrozen(
  frozen: Map<bigint, FrozenRecord>,
  burned: ReadonlySet<bigint>,
  observed: Observed,
  where: string,
): void {
  const { tokens } = plainView(observed.view);
  observed.query.tokenIds.forEach((tokenId, i) => {
    if (!burned.has(tokenId)) return;
    const t = tokens[i];
    const lists = stringify({
      // The user pubkey of an auth method is global to all PKPs (as in Lit): another PKP's
      // grant may change it, so only the (type, id) list is frozen.
      methods: t.methods.map(([type, id]) => [type, id]),
      actions: t.actions,
      addresses: t.permittedAddresses,
      roots: t.rootBits,
      exists: t.exists,
      owner: t.owner,
    });
    const record = frozen.get(tokenId) ?? { lists, methods: new Map() };
    expect(lists, `${where}: burned PKP ${tokenId} changed`).to.equal(record.lists);
    observed.query.methods.forEach((m, j) => {
      const key = methodKey(m);
      const permitted = ((t.permittedBits >> BigInt(j)) & 1n) === 1n;
      const then = record.methods.get(key) ?? { permitted, scopes: new Map<bigint, boolean>() };
      expect(permitted, `${where}: burned PKP ${tokenId} permission of ${key} changed`).to.equal(
        then.permitted,
      );
      // Scopes are read only where permitted in the full read: compare what both reads saw.
      if (observed.query.allScopes || permitted) {
        for (const [scope, present] of scopesRead(observed, t.scopeBits[j])) {
          const before = then.scopes.get(scope) ?? present;
          expect(
            present,
            `${where}: burned PKP ${tokenId}, ${key} scope ${scope} changed`,
          ).to.equal(before);
          then.scopes.set(scope, present);
        }
      }
      record.methods.set(key, then);
    });
    frozen.set(tokenId, record);
  });
}

const stringify = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/** Runs one sequence from the base state and checks every property after every step. */
async function runSequence(world: World, steps: Step[]): Promise<void> {
  await resetWorld(world);
  let model: Model = initialModel(world);
  const frozen = new Map<bigint, FrozenRecord>();
  const everMinted = new Set<bigint>();

  for (const [i, step] of steps.entries()) {
    const where = `step ${i + 1}/${steps.length}`;
    const { model: after, effect } = await runStep(world, model, step, where);
    model = after;
    // A reverted transaction changes nothing (and its exact error was checked): read back only
    // after a successful one.
    if (!effect.succeeded) continue;
    const observed = await observe(world, model, {
      tokenIds: [...new Set(effect.tokens)],
      methods: effect.methods,
      full: false,
      operators: effect.operators,
      keys: effect.keys,
      ownership: effect.ownership,
    });
    expectViewsMatchModel(model, observed, where);

    // Only the current owner changes permissions: the sender of every successful permissions
    // call owned the PKP right before it, as PKPNFT itself answered.
    const change = effect.permissionChange;
    if (change) {
      expect(
        change.ownerBefore,
        `${where}: permissions of ${change.tokenId} changed by a non-owner`,
      ).to.equal(change.sender);
    }

    // A minted id is new: never minted (or burned) before, and never one the router gave out.
    for (const tokenId of effect.minted) {
      expect(everMinted.has(tokenId), `${where}: token id ${tokenId} minted twice`).to.equal(false);
      everMinted.add(tokenId);
    }

    recordFrozen(frozen, model.burned, observed, where);
    for (const tokenId of model.burned) {
      expect(
        observed.view[1].allTokens,
        `${where}: burned PKP ${tokenId} enumerated`,
      ).not.to.include(tokenId);
      expect(
        observed.view[1].pool,
        `${where}: burned PKP ${tokenId} back in the pool`,
      ).not.to.include(tokenId);
    }
  }

  const final = await observe(world, model, fullFocus(world, model));
  expectViewsMatchModel(model, final, "end of sequence");
  recordFrozen(frozen, model.burned, final, "end of sequence");
}

/**
 * The base state: PKPs owned by two EOAs and by the contract actor, some grants with inline and
 * overflow scopes and a WebAuthn pubkey, an operator and an approval, a burned PKP's frozen
 * grant, a claimed PKP and a derived key waiting for its claim; so that short sequences reach
 * removals, scope changes, re-grants and claims. Built with the same steps (and checks) as the
 * sequences.
 */
const SETUP: Step[] = [
  { op: "mintNext", actor: 1, pay: "exact", otherKeyType: false },
  { op: "mintNext", actor: 1, pay: "exact", otherKeyType: false },
  { op: "mintNext", actor: 2, pay: "exact", otherKeyType: false },
  { op: "mintNext", actor: 3, pay: "exact", otherKeyType: false },
  { op: "transfer", actor: "owner", token: 3, to: 5, safe: false, wrongFrom: false },
  {
    op: "add",
    actor: "owner",
    token: 0,
    grant: { method: 0, pubkey: 0, scopes: [1, 5] },
    dedicated: false,
  },
  {
    op: "add",
    actor: "owner",
    token: 0,
    grant: { method: 3, pubkey: 0, scopes: [0] },
    dedicated: true,
  },
  {
    op: "add",
    actor: "owner",
    token: 2,
    grant: { method: 6, pubkey: 1, scopes: [2] },
    dedicated: false,
  },
  {
    op: "add",
    actor: "owner",
    token: 1,
    grant: { method: 7, pubkey: 1, scopes: [8] },
    dedicated: false,
  },
  {
    op: "add",
    actor: "owner",
    token: 3,
    grant: { method: 0, pubkey: 0, scopes: [3] },
    dedicated: true,
  },
  { op: "setApprovalForAll", actor: 1, operator: 2, approved: true },
  { op: "approve", actor: "owner", token: 2, to: 3 },
  // A PKP minted, granted and burned (a frozen grant), two derived keys routed for claims and
  // one of them claimed, so that short sequences reach claims and frozen grants too.
  { op: "mintGrantAndBurn", actor: 1, cid: 1, pay: "exact" },
  { op: "routeDerived", actor: 0, derivedKeyId: 0, key: 0, reuse: false },
  { op: "routeDerived", actor: 0, derivedKeyId: 1, key: 1, reuse: false },
  { op: "claim", actor: 2, derivedKeyId: 1, signers: [0], pay: "exact" },
];

async function worldFixture(): Promise<World> {
  const world = await deployWorld();
  let model = emptyModel(world);
  for (const [i, step] of SETUP.entries()) {
    const ran = await runStep(world, model, step, `setup step ${i + 1}`);
    if (!ran.effect.succeeded)
      throw new Error(`setup step ${i + 1} failed: ${JSON.stringify(step)}`);
    model = ran.model;
  }
  await setBase(world, model);
  return world;
}

describe("PKP properties (fast-check, model-based)", function () {
  // Thousands of sequences: the suite's time budget is about two minutes on this machine.
  this.timeout(0);

  it("random sequences by random actors agree with the model; burned PKPs stay frozen; only owners change permissions", async function () {
    const world = await loadFixture(worldFixture);
    const numRuns = intFromEnv("PROPERTY_RUNS", DEFAULT_RUNS);
    const seed = intFromEnv("PROPERTY_SEED", DEFAULT_SEED);
    const path = process.env.PROPERTY_PATH || undefined;
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(sequenceArbitrary(3, 6), (steps) => runSequence(world, steps)),
      { numRuns, seed, path, verbose: 1 },
    );
    if (process.env.PROPERTY_TIMING) {
      console.log(
        `      ${numRuns} sequences, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  });
});
