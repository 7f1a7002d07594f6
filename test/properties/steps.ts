/**
 * The steps of a random sequence, as plain data (so fast-check can print and shrink them), and
 * how each one runs: the model predicts success or the exact custom error, then the transaction is
 * sent and its outcome compared.
 *
 * Steps name tokens, actors and auth methods by small indices that are resolved against the model
 * when the step runs ("the 3rd PKP the sequence knows"), so any generated sequence is valid and a
 * shrunk one still means something.
 */
import fc from "fast-check";
import hre from "hardhat";
import { KEY_TYPE_ECDSA } from "../helpers/stack";
import * as M from "./model";
import type { AuthMethodRef, ExpectedError, Model } from "./model";
import {
  Actor,
  expectOutcome,
  GROUPS,
  DERIVED_KEY_IDS,
  MGB_CIDS,
  MethodChoice,
  SCOPES,
  send,
  SETTABLE_ROOTS,
  tokensToRead,
  World,
} from "./world";

/** Who acts: the token's current owner, someone it approved, or a fixed actor (index). */
export type ActorRef = "owner" | "approved" | number;
type Pay = "exact" | "none" | "over";
type Grant = { method: number; pubkey: number; scopes: number[] };

export type Step =
  | { op: "mintNext"; actor: number; pay: Pay; otherKeyType: boolean }
  | { op: "mintGrantAndBurn"; actor: number; cid: number; pay: Pay }
  | {
      op: "helperMint";
      actor: number;
      grants: Grant[];
      addPkpAddress: boolean;
      sendToItself: boolean;
      mismatch: boolean;
      pay: Pay;
    }
  | { op: "add"; actor: ActorRef; token: number; grant: Grant; dedicated: boolean }
  | { op: "remove"; actor: ActorRef; token: number; method: number; dedicated: boolean }
  | { op: "addScope"; actor: ActorRef; token: number; method: number; scope: number }
  | { op: "removeScope"; actor: ActorRef; token: number; method: number; scope: number }
  | {
      op: "batch";
      actor: ActorRef;
      token: number;
      add: Grant[];
      remove: number[];
      mismatch: "none" | "add" | "remove";
    }
  | { op: "setRootHash"; actor: ActorRef; token: number; group: number; root: number }
  | {
      op: "transfer";
      actor: ActorRef;
      token: number;
      to: number;
      safe: boolean;
      wrongFrom: boolean;
    }
  | { op: "approve"; actor: ActorRef; token: number; to: number }
  | { op: "setApprovalForAll"; actor: number; operator: number; approved: boolean }
  | { op: "burn"; actor: ActorRef; token: number }
  | { op: "route"; actor: number; fresh: number; reuse: number | null }
  | { op: "withdraw"; actor: number; key: number }
  | { op: "routeDerived"; actor: number; derivedKeyId: number; key: number; reuse: boolean }
  | {
      op: "claim";
      actor: number;
      derivedKeyId: number;
      signers: number[];
      pay: Pay;
    };

// ---------------------------------------------------------------- arbitraries

const ACTORS = 6;
const actorIndex = fc.nat(ACTORS - 1);
/** Mostly the owner, so that sequences get far; otherwise anyone, including the approved one. */
const actorRef: fc.Arbitrary<ActorRef> = fc.oneof(
  { weight: 5, arbitrary: fc.constant("owner" as const) },
  { weight: 1, arbitrary: fc.constant("approved" as const) },
  { weight: 3, arbitrary: actorIndex },
);
const token = fc.nat(15);
const method = fc.nat(8);
const scope = fc.nat(SCOPES.length - 1);
const pay: fc.Arbitrary<Pay> = fc.oneof(
  { weight: 8, arbitrary: fc.constant("exact" as const) },
  { weight: 1, arbitrary: fc.constantFrom("none" as const, "over" as const) },
);
/** true once in `oneIn + 1` draws. */
const rarely = (oneIn: number): fc.Arbitrary<boolean> =>
  fc.oneof(
    { weight: oneIn, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  );
const grant: fc.Arbitrary<Grant> = fc.record({
  method,
  pubkey: fc.nat(2),
  scopes: fc.array(scope, { maxLength: 3 }),
});

export const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("mintNext" as const),
      actor: actorIndex,
      pay,
      otherKeyType: rarely(19),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("mintGrantAndBurn" as const),
      actor: actorIndex,
      cid: fc.nat(MGB_CIDS.length - 1),
      pay,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("helperMint" as const),
      actor: actorIndex,
      grants: fc.array(grant, { maxLength: 2 }),
      addPkpAddress: fc.boolean(),
      sendToItself: fc.boolean(),
      mismatch: rarely(9),
      pay,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("add" as const),
      actor: actorRef,
      token,
      grant,
      dedicated: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("remove" as const),
      actor: actorRef,
      token,
      method,
      dedicated: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("addScope" as const),
      actor: actorRef,
      token,
      method,
      scope,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("removeScope" as const),
      actor: actorRef,
      token,
      method,
      scope,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("batch" as const),
      actor: actorRef,
      token,
      add: fc.array(grant, { maxLength: 2 }),
      remove: fc.array(method, { maxLength: 2 }),
      mismatch: fc.oneof(
        { weight: 8, arbitrary: fc.constant("none" as const) },
        { weight: 1, arbitrary: fc.constantFrom("add" as const, "remove" as const) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("setRootHash" as const),
      actor: actorRef,
      token,
      group: fc.nat(GROUPS.length - 1),
      root: fc.nat(SETTABLE_ROOTS.length - 1),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("transfer" as const),
      actor: actorRef,
      token,
      to: fc.nat(7),
      safe: fc.boolean(),
      wrongFrom: rarely(9),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("approve" as const),
      actor: actorRef,
      token,
      to: fc.nat(7),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("setApprovalForAll" as const),
      actor: actorIndex,
      operator: fc.nat(7),
      approved: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("burn" as const), actor: actorRef, token }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("route" as const),
      actor: fc.oneof(
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: actorIndex },
      ),
      fresh: fc.nat(2),
      reuse: fc.option(token, { freq: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("withdraw" as const),
      actor: fc.oneof(
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: actorIndex },
      ),
      key: fc.nat(15),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("routeDerived" as const),
      actor: fc.oneof(
        { weight: 4, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: actorIndex },
      ),
      derivedKeyId: fc.nat(DERIVED_KEY_IDS.length - 1),
      key: fc.nat(2),
      reuse: rarely(6),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("claim" as const),
      actor: actorIndex,
      derivedKeyId: fc.nat(DERIVED_KEY_IDS.length - 1),
      // Who signs the claim: mostly the admin (a key provider, the oracle's "validator").
      signers: fc.oneof(
        { weight: 6, arbitrary: fc.constant<number[]>([0]) },
        { weight: 1, arbitrary: fc.array(actorIndex, { maxLength: 2 }) },
      ),
      pay,
    }),
  },
);

export function sequenceArbitrary(minLength: number, maxLength: number): fc.Arbitrary<Step[]> {
  return fc.array(stepArbitrary, { minLength, maxLength });
}

// ---------------------------------------------------------------- running a step

/** What a step did, for the properties that do not go through the model. */
export interface StepEffect {
  /** A PKPPermissions mutator succeeded on this PKP, sent by `sender`; `ownerBefore` is what
   * PKPNFT.ownerOrZero answered right before the transaction. */
  permissionChange?: { tokenId: bigint; sender: string; ownerBefore: string };
  /** The token ids the step minted (they must never have existed before). */
  minted: bigint[];
  succeeded: boolean;
  /** What the step touched (read back after it). */
  tokens: bigint[];
  methods: AuthMethodRef[];
  operators: string[];
  keys: bigint[];
  /** The step may have moved PKPs (mint, transfer, burn). */
  ownership: boolean;
}

const ADMIN = 0;

function payment(model: Model, p: Pay): bigint {
  return p === "exact" ? model.mintCost : p === "none" ? 0n : model.mintCost + 1n;
}

function resolveToken(world: World, model: Model, index: number): bigint {
  const ids = tokensToRead(world, model);
  return ids[index % ids.length];
}

function resolveActor(world: World, model: Model, ref: ActorRef, tokenId: bigint): Actor {
  const byAddress = (address: string | null | undefined): Actor | undefined =>
    world.actors.find((a) => a.address === address);
  if (typeof ref === "number") return world.actors[ref];
  const pkp = model.pkps.get(tokenId);
  const stranger = world.actors[4];
  if (ref === "owner") return byAddress(pkp?.owner) ?? stranger;
  const approved = byAddress(pkp?.approved);
  if (approved) return approved;
  const operator = world.actors.find(
    (a) => pkp?.owner && M.isApprovedForAll(model, pkp.owner, a.address),
  );
  return operator ?? stranger;
}

/** The ERC-721 receiver check on `to` for a transfer or mint whose operator is `operator`. */
function receiverError(world: World, to: string, operator: string): ExpectedError | null {
  if (to === world.addresses.caller) return { name: "ERC721InvalidReceiver", args: [to] };
  if (to === world.addresses.helper) {
    return { name: "UnsolicitedTransfer", args: [world.addresses.nft, operator] };
  }
  return null;
}

function methodOf(world: World, index: number): MethodChoice {
  return world.methods[index % world.methods.length];
}

/** The dedicated add function for the method, if it has one (actions and 20-byte addresses). */
function dedicatedKind(m: MethodChoice): "action" | "address" | null {
  if (m.authMethodType === 2n) return "action";
  if (m.authMethodType === 1n && m.id.length === 42) return "address";
  return null;
}

/**
 * Runs one step against the chain and the model (which it updates on success). Throws when the
 * chain's outcome differs from the model's prediction.
 */
export async function runStep(
  world: World,
  model: Model,
  step: Step,
  where: string,
): Promise<{ model: Model; effect: StepEffect }> {
  const next = M.cloneModel(model);
  const effect: StepEffect = {
    succeeded: false,
    minted: [],
    tokens: [],
    methods: [],
    operators: [],
    keys: [],
    ownership: [
      "mintNext",
      "mintGrantAndBurn",
      "helperMint",
      "transfer",
      "burn",
      "setApprovalForAll",
    ].includes(step.op),
  };
  const touch = (tokenId: bigint, ...methods: AuthMethodRef[]) => {
    effect.tokens.push(tokenId);
    effect.methods.push(...methods);
  };
  /** For the only-the-owner property: who owned the PKP right before a permissions call. */
  const ownerBefore = async (tokenId: bigint) => {
    const raw = (await hre.network.provider.request({
      method: "eth_call",
      params: [{ to: to.nft, data: nft.encodeFunctionData("ownerOrZero", [tokenId]) }, "latest"],
    })) as string;
    return (nft.decodeFunctionResult("ownerOrZero", raw)[0] as string).toLowerCase();
  };
  let before = "";
  const { nft, permissions, router, helper } = world.calls;
  const to = world.addresses;
  let expected: ExpectedError | null = null;
  let outcome;

  switch (step.op) {
    case "mintNext": {
      const actor = world.actors[step.actor];
      const value = payment(model, step.pay);
      const keyType = step.otherKeyType ? 7n : KEY_TYPE_ECDSA;
      const result = M.mintNext(
        next,
        actor.address,
        keyType,
        KEY_TYPE_ECDSA,
        value,
        receiverError(world, actor.address, actor.address),
      );
      if ("error" in result) expected = result.error;
      else effect.minted.push(result.tokenId);
      outcome = await send(
        world,
        actor,
        to.nft,
        nft.encodeFunctionData("mintNext", [keyType]),
        value,
      );
      break;
    }
    case "mintGrantAndBurn": {
      const actor = world.actors[step.actor];
      const value = payment(model, step.pay);
      const cid = MGB_CIDS[step.cid];
      effect.methods.push({ authMethodType: 2n, id: cid });
      const result = M.mintGrantAndBurnNext(next, KEY_TYPE_ECDSA, KEY_TYPE_ECDSA, cid, value);
      if ("error" in result) expected = result.error;
      else effect.minted.push(result.tokenId);
      outcome = await send(
        world,
        actor,
        to.nft,
        nft.encodeFunctionData("mintGrantAndBurnNext", [KEY_TYPE_ECDSA, cid]),
        value,
      );
      break;
    }
    case "helperMint": {
      const actor = world.actors[step.actor];
      const value = payment(model, step.pay);
      const grants = step.grants.map((g) => ({ m: methodOf(world, g.method), g }));
      effect.methods.push(...grants.map(({ m }) => m));
      const types = grants.map(({ m }) => m.authMethodType);
      const ids = grants.map(({ m }) => m.id);
      const pubkeys = grants.map(({ m, g }) => m.pubkeys[g.pubkey % m.pubkeys.length]);
      const scopes = grants.map(({ g }) => g.scopes.map((s) => SCOPES[s]));
      if (step.mismatch) scopes.push([]);
      expected = helperMintModel(
        world,
        next,
        actor,
        step,
        value,
        grants.map(({ m }, i) => ({ m, pubkey: pubkeys[i], scopes: scopes[i] })),
        effect,
      );
      outcome = await send(
        world,
        actor,
        to.helper,
        helper.encodeFunctionData("mintNextAndAddAuthMethods", [
          KEY_TYPE_ECDSA,
          types,
          ids,
          pubkeys,
          scopes,
          step.addPkpAddress,
          step.sendToItself,
        ]),
        value,
      );
      break;
    }
    case "add": {
      const tokenId = resolveToken(world, model, step.token);
      const actor = resolveActor(world, model, step.actor, tokenId);
      const m = methodOf(world, step.grant.method);
      touch(tokenId, m);
      const kind = step.dedicated ? dedicatedKind(m) : null;
      const pubkey = kind ? "0x" : m.pubkeys[step.grant.pubkey % m.pubkeys.length];
      const scopes = step.grant.scopes.map((s) => SCOPES[s]);
      expected =
        M.checkPkpOwner(next, actor.address, tokenId) ??
        M.addMethod(next, tokenId, m, pubkey, scopes);
      const data =
        kind === "action"
          ? permissions.encodeFunctionData("addPermittedAction", [tokenId, m.id, scopes])
          : kind === "address"
            ? permissions.encodeFunctionData("addPermittedAddress", [tokenId, m.id, scopes])
            : permissions.encodeFunctionData("addPermittedAuthMethod", [
                tokenId,
                { authMethodType: m.authMethodType, id: m.id, userPubkey: pubkey },
                scopes,
              ]);
      before = await ownerBefore(tokenId);
      outcome = await send(world, actor, to.permissions, data);
      if (outcome.ok)
        effect.permissionChange = { tokenId, sender: actor.address, ownerBefore: before };
      break;
    }
    case "remove": {
      const tokenId = resolveToken(world, model, step.token);
      const actor = resolveActor(world, model, step.actor, tokenId);
      const m = methodOf(world, step.method);
      touch(tokenId, m);
      const kind = step.dedicated ? dedicatedKind(m) : null;
      expected = M.checkPkpOwner(next, actor.address, tokenId);
      if (!expected) M.removeMethod(next, tokenId, m);
      const data =
        kind === "action"
          ? permissions.encodeFunctionData("removePermittedAction", [tokenId, m.id])
          : kind === "address"
            ? permissions.encodeFunctionData("removePermittedAddress", [tokenId, m.id])
            : permissions.encodeFunctionData("removePermittedAuthMethod", [
                tokenId,
                m.authMethodType,
                m.id,
              ]);
      before = await ownerBefore(tokenId);
      outcome = await send(world, actor, to.permissions, data);
      if (outcome.ok)
        effect.permissionChange = { tokenId, sender: actor.address, ownerBefore: before };
      break;
    }
    case "addScope":
    case "removeScope": {
      const tokenId = resolveToken(world, model, step.token);
      const actor = resolveActor(world, model, step.actor, tokenId);
      const m = methodOf(world, step.method);
      const scopeId = SCOPES[step.scope];
      touch(tokenId, m);
      expected = M.checkPkpOwner(next, actor.address, tokenId);
      if (!expected && step.op === "addScope") expected = M.addScope(next, tokenId, m, scopeId);
      if (!expected && step.op === "removeScope") M.removeScope(next, tokenId, m, scopeId);
      const fn =
        step.op === "addScope" ? "addPermittedAuthMethodScope" : "removePermittedAuthMethodScope";
      before = await ownerBefore(tokenId);
      outcome = await send(
        world,
        actor,
        to.permissions,
        permissions.encodeFunctionData(fn, [tokenId, m.authMethodType, m.id, scopeId]),
      );
      if (outcome.ok)
        effect.permissionChange = { tokenId, sender: actor.address, ownerBefore: before };
      break;
    }
    case "batch": {
      const tokenId = resolveToken(world, model, step.token);
      const actor = resolveActor(world, model, step.actor, tokenId);
      const adds = step.add.map((g) => {
        const m = methodOf(world, g.method);
        return {
          m,
          pubkey: m.pubkeys[g.pubkey % m.pubkeys.length],
          scopes: g.scopes.map((s) => SCOPES[s]),
        };
      });
      const removes = step.remove.map((i) => methodOf(world, i));
      touch(tokenId, ...adds.map((a) => a.m), ...removes);
      const addTypes = adds.map((a) => a.m.authMethodType);
      const addIds = adds.map((a) => a.m.id);
      const addPubkeys = adds.map((a) => a.pubkey);
      const addScopes = adds.map((a) => a.scopes);
      const removeTypes = removes.map((m) => m.authMethodType);
      const removeIds = removes.map((m) => m.id);
      if (step.mismatch === "add") addPubkeys.push("0x");
      if (step.mismatch === "remove") removeIds.push("0x");
      expected = M.checkPkpOwner(next, actor.address, tokenId);
      if (!expected && step.mismatch === "add") {
        expected = {
          name: "AddArraysLengthMismatch",
          args: [
            BigInt(addTypes.length),
            BigInt(addIds.length),
            BigInt(addPubkeys.length),
            BigInt(addScopes.length),
          ],
        };
      }
      if (!expected && step.mismatch === "remove") {
        expected = {
          name: "RemoveArraysLengthMismatch",
          args: [BigInt(removeTypes.length), BigInt(removeIds.length)],
        };
      }
      for (const a of adds) expected ??= M.addMethod(next, tokenId, a.m, a.pubkey, a.scopes);
      if (!expected) for (const m of removes) M.removeMethod(next, tokenId, m);
      before = await ownerBefore(tokenId);
      outcome = await send(
        world,
        actor,
        to.permissions,
        permissions.encodeFunctionData("batchAddRemoveAuthMethods", [
          tokenId,
          addTypes,
          addIds,
          addPubkeys,
          addScopes,
          removeTypes,
          removeIds,
        ]),
      );
      if (outcome.ok)
        effect.permissionChange = { tokenId, sender: actor.address, ownerBefore: before };
      break;
    }
    case "setRootHash": {
      const tokenId = resolveToken(world, model, step.token);
      const actor = resolveActor(world, model, step.actor, tokenId);
      const group = GROUPS[step.group];
      const root = SETTABLE_ROOTS[step.root];
      touch(tokenId);
      expected = M.checkPkpOwner(next, actor.address, tokenId);
      if (!expected) M.setRootHash(next, tokenId, group, root);
      before = await ownerBefore(tokenId);
      outcome = await send(
        world,
        actor,
        to.permissions,
        permissions.encodeFunctionData("setRootHash", [tokenId, group, root]),
      );
      if (outcome.ok)
        effect.permissionChange = { tokenId, sender: actor.address, ownerBefore: before };
      break;
    }
    case "transfer": {
      const tokenId = resolveToken(world, model, step.token);
      const actor = resolveActor(world, model, step.actor, tokenId);
      const recipient = world.recipients[step.to % world.recipients.length];
      touch(tokenId);
      const owner = M.ownerOf(model, tokenId) ?? actor.address;
      const from = step.wrongFrom ? world.actors.find((a) => a.address !== owner)!.address : owner;
      const receiver = step.safe ? receiverError(world, recipient, actor.address) : null;
      expected = M.transfer(next, actor.address, from, recipient, tokenId, receiver);
      const data = step.safe
        ? nft.encodeFunctionData("safeTransferFrom(address,address,uint256)", [
            from,
            recipient,
            tokenId,
          ])
        : nft.encodeFunctionData("transferFrom", [from, recipient, tokenId]);
      outcome = await send(world, actor, to.nft, data);
      break;
    }
    case "approve": {
      const tokenId = resolveToken(world, model, step.token);
      const actor = resolveActor(world, model, step.actor, tokenId);
      const recipient = world.recipients[step.to % world.recipients.length];
      touch(tokenId);
      expected = M.approve(next, actor.address, recipient, tokenId);
      outcome = await send(
        world,
        actor,
        to.nft,
        nft.encodeFunctionData("approve", [recipient, tokenId]),
      );
      break;
    }
    case "setApprovalForAll": {
      const actor = world.actors[step.actor];
      const operator = world.recipients[step.operator % world.recipients.length];
      effect.operators.push(operator);
      expected = M.setApprovalForAll(next, actor.address, operator, step.approved);
      outcome = await send(
        world,
        actor,
        to.nft,
        nft.encodeFunctionData("setApprovalForAll", [operator, step.approved]),
      );
      break;
    }
    case "burn": {
      const tokenId = resolveToken(world, model, step.token);
      const actor = resolveActor(world, model, step.actor, tokenId);
      touch(tokenId);
      expected = M.burn(next, actor.address, tokenId);
      outcome = await send(world, actor, to.nft, nft.encodeFunctionData("burn", [tokenId]));
      break;
    }
    case "route": {
      const actor = world.actors[step.actor];
      const fresh = world.reserveKeys
        .filter((k) => !next.keyStatus.has(k.tokenId))
        .slice(0, step.fresh);
      // A reused key is one the router saw before: pooled, minted, burned or withdrawn.
      const routed = [...next.keyStatus.keys()];
      const keys = fresh.map((k) => ({
        tokenId: k.tokenId,
        publicKey: k.publicKey,
        ethAddress: k.ethAddress,
      }));
      if (step.reuse !== null && routed.length > 0) {
        const tokenId = routed[step.reuse % routed.length];
        const key = [...world.stack.poolKeys, ...world.reserveKeys, ...world.derivedKeys].find(
          (k) => k.tokenId === tokenId,
        )!;
        keys.push({ tokenId, publicKey: key.publicKey, ethAddress: key.ethAddress });
      }
      effect.keys.push(...keys.map((k) => k.tokenId));
      expected = M.setRoutingDataBatch(
        next,
        step.actor === ADMIN,
        actor.address,
        keys.map((k) => k.tokenId),
        keys.map((k) => k.ethAddress),
      );
      outcome = await send(
        world,
        actor,
        to.router,
        router.encodeFunctionData("setRoutingDataBatch", [
          keys.map((k) => k.tokenId),
          keys.map((k) => k.publicKey),
          KEY_TYPE_ECDSA,
        ]),
      );
      break;
    }
    case "routeDerived": {
      const actor = world.actors[step.actor];
      const derivedKeyId = DERIVED_KEY_IDS[step.derivedKeyId];
      // A reused key is one the router saw before (a pool key): refused as AlreadyRouted.
      const key = step.reuse ? world.stack.poolKeys[0] : world.derivedKeys[step.key];
      effect.keys.push(key.tokenId);
      expected = M.setDerivedRoutingData(
        next,
        step.actor === ADMIN,
        actor.address,
        derivedKeyId,
        key.tokenId,
        key.ethAddress,
      );
      outcome = await send(
        world,
        actor,
        to.router,
        router.encodeFunctionData("setDerivedRoutingData", [
          derivedKeyId,
          key.publicKey,
          KEY_TYPE_ECDSA,
        ]),
      );
      break;
    }
    case "claim": {
      const actor = world.actors[step.actor];
      const value = payment(model, step.pay);
      const derivedKeyId = DERIVED_KEY_IDS[step.derivedKeyId];
      // The contract actor cannot sign: its claims are signed by the EOA behind it.
      const signers = step.signers
        .map((i) => world.actors[i])
        .map((a) => ({ ...a, address: a.from }));
      const signatures = [];
      for (const signer of signers) {
        const wallet = await hre.ethers.getSigner(signer.address);
        const signature = hre.ethers.Signature.from(
          await wallet.signMessage(hre.ethers.getBytes(derivedKeyId)),
        );
        signatures.push({ r: signature.r, s: signature.s, v: signature.v });
      }
      const routed = next.derivedKeys.get(derivedKeyId.toLowerCase());
      if (routed !== undefined) effect.keys.push(routed);
      const result = M.claimAndMint(
        next,
        actor.address,
        derivedKeyId,
        signers.map((signer) => ({
          address: signer.address,
          isKeyProvider: signer.address === world.actors[ADMIN].address,
        })),
        value,
        receiverError(world, actor.address, actor.address),
      );
      if ("error" in result) expected = result.error;
      else effect.minted.push(result.tokenId);
      outcome = await send(
        world,
        actor,
        to.nft,
        nft.encodeFunctionData("claimAndMint", [
          KEY_TYPE_ECDSA,
          derivedKeyId,
          signatures,
          hre.ethers.ZeroAddress,
        ]),
        value,
      );
      break;
    }
    case "withdraw": {
      const actor = world.actors[step.actor];
      const known = [...next.keyStatus.keys()];
      const tokenId = known[step.key % known.length];
      touch(tokenId);
      effect.keys.push(tokenId);
      expected = M.withdrawUnmintedKeys(
        next,
        step.actor === ADMIN,
        actor.address,
        KEY_TYPE_ECDSA,
        KEY_TYPE_ECDSA,
        [tokenId],
      );
      outcome = await send(
        world,
        actor,
        to.router,
        router.encodeFunctionData("withdrawUnmintedKeys", [KEY_TYPE_ECDSA, [tokenId]]),
      );
      break;
    }
  }
  expectOutcome(world, `${where} ${JSON.stringify(step)}`, outcome, expected);
  effect.succeeded = expected === null;
  if (expected) effect.minted = [];
  else {
    effect.tokens.push(...effect.minted);
    effect.keys.push(...effect.minted);
  }
  return { model: expected ? model : next, effect };
}

/** PKPHelper.mintNextAndAddAuthMethods, on the model. */
function helperMintModel(
  world: World,
  model: Model,
  actor: Actor,
  step: Extract<Step, { op: "helperMint" }>,
  value: bigint,
  grants: { m: MethodChoice; pubkey: string; scopes: bigint[] }[],
  effect: StepEffect,
): ExpectedError | null {
  if (step.mismatch) {
    return {
      name: "AuthMethodScopesLengthMismatch",
      args: [BigInt(grants.length), BigInt(grants.length + 1)],
    };
  }
  const helper = world.addresses.helper;
  const minted = M.mintNext(model, helper, KEY_TYPE_ECDSA, KEY_TYPE_ECDSA, value, null);
  if ("error" in minted) return minted.error;
  const tokenId = minted.tokenId;
  for (const g of grants) {
    const error = M.addMethod(model, tokenId, g.m, g.pubkey, g.scopes);
    if (error) return error;
  }
  const pkpAddress = model.ethAddressOf.get(tokenId)!;
  if (step.addPkpAddress)
    M.addMethod(model, tokenId, { authMethodType: 1n, id: pkpAddress }, "0x", []);
  const recipient = step.sendToItself ? pkpAddress : actor.address;
  const error = M.transfer(
    model,
    helper,
    helper,
    recipient,
    tokenId,
    receiverError(world, recipient, helper),
  );
  if (error) return error;
  effect.minted.push(tokenId);
  return null;
}
