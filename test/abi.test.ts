import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { EventFragment, FunctionFragment, Interface, InterfaceAbi, ParamType } from "ethers";
import {
  PKPHelper__factory,
  PKPNFT__factory,
  PKPPermissions__factory,
  PubkeyRouter__factory,
} from "../typechain-types";

// Lit's datil ABIs (data of the npm package @lit-protocol/contracts@0.9.1), copied verbatim.
const LIT_ABI_DIR = path.join(__dirname, "fixtures", "lit-abi");

function litInterface(contract: string): Interface {
  const file = path.join(LIT_ABI_DIR, `${contract}.datil.abi.json`);
  return new Interface(JSON.parse(readFileSync(file, "utf8")) as InterfaceAbi);
}

/** Canonical type of a parameter: tuples expanded, e.g. `(uint256,bytes,bytes)[]`. */
function typeOf(param: ParamType): string {
  return param.format("sighash");
}

/** name(inputs) stateMutability returns (outputs), with canonical types and no parameter names. */
function functionSignature(f: FunctionFragment): string {
  const inputs = f.inputs.map(typeOf).join(",");
  const outputs = f.outputs.map(typeOf).join(",");
  return `${f.name}(${inputs}) ${f.stateMutability} returns (${outputs})`;
}

/** name(type [indexed], ...), with canonical types and no parameter names. */
function eventSignature(e: EventFragment): string {
  const inputs = e.inputs.map((p) => `${typeOf(p)}${p.indexed ? " indexed" : ""}`).join(",");
  return `${e.name}(${inputs})${e.anonymous ? " anonymous" : ""}`;
}

function functionsOf(iface: Interface): FunctionFragment[] {
  return iface.fragments.filter((f): f is FunctionFragment => f instanceof FunctionFragment);
}

function eventsOf(iface: Interface): EventFragment[] {
  return iface.fragments.filter((f): f is EventFragment => f instanceof EventFragment);
}

function names(fragments: ReadonlyArray<{ name: string }>): string[] {
  return [...new Set(fragments.map((f) => f.name))].sort();
}

/**
 * Asserts that, for every overload Lit declares under `name`, ours declares one with the same
 * signature (types, mutability / indexed flags) and the same selector / topic, and that ours
 * declares no overload of `name` that Lit lacks.
 */
function expectSameFunctions(contract: string, name: string, ours: Interface, lit: Interface) {
  const ourFns = functionsOf(ours).filter((f) => f.name === name);
  const litFns = functionsOf(lit).filter((f) => f.name === name);
  const ourSigs = ourFns.map(functionSignature);
  const litSigs = litFns.map(functionSignature);
  const where = `${contract}.${name}: ours [${ourSigs.join(" | ")}] vs Lit's [${litSigs.join(" | ")}]`;
  expect(ourFns, `${where}: missing from ours`).to.not.be.empty;
  expect(litFns, `${where}: missing from Lit's`).to.not.be.empty;
  for (const litFn of litFns) {
    const ourFn = ourFns.find((f) => f.selector === litFn.selector);
    expect(ourFn, `${where}: no overload of ours has selector ${litFn.selector}`).to.not.equal(
      undefined,
    );
    expect(
      functionSignature(ourFn!),
      `${contract}.${name}: ours "${functionSignature(ourFn!)}" vs Lit's "${functionSignature(litFn)}"`,
    ).to.equal(functionSignature(litFn));
  }
  for (const ourFn of ourFns) {
    expect(
      litFns.map((f) => f.selector),
      `${contract}.${name}: ours "${functionSignature(ourFn)}" (${ourFn.selector}) has no counterpart in Lit's [${litSigs.join(" | ")}]`,
    ).to.include(ourFn.selector);
  }
}

function expectSameEvents(contract: string, name: string, ours: Interface, lit: Interface) {
  const ourEvents = eventsOf(ours).filter((e) => e.name === name);
  const litEvents = eventsOf(lit).filter((e) => e.name === name);
  const ourSigs = ourEvents.map(eventSignature);
  const litSigs = litEvents.map(eventSignature);
  const where = `${contract}.${name}: ours [${ourSigs.join(" | ")}] vs Lit's [${litSigs.join(" | ")}]`;
  expect(ourEvents, `${where}: missing from ours`).to.not.be.empty;
  expect(litEvents, `${where}: missing from Lit's`).to.not.be.empty;
  expect(sortedCopy(ourSigs), where).to.deep.equal(sortedCopy(litSigs));
  expect(sortedCopy(ourEvents.map((e) => e.topicHash)), `${where}: topic0`).to.deep.equal(
    sortedCopy(litEvents.map((e) => e.topicHash)),
  );
}

function sortedCopy(values: readonly string[]): string[] {
  return [...values].sort();
}

interface ContractSpec {
  name: string;
  ours: Interface;
  requiredFunctions: (lit: Interface) => string[];
  requiredEvents: string[];
}

const ERC721_FUNCTIONS = [
  "tokenURI",
  "name",
  "symbol",
  "totalSupply",
  "tokenByIndex",
  "tokenOfOwnerByIndex",
  "balanceOf",
  "ownerOf",
  "approve",
  "getApproved",
  "setApprovalForAll",
  "isApprovedForAll",
  "transferFrom",
  "safeTransferFrom",
  "supportsInterface",
];

/** The Diamond, resolver, ERC-2771 and ownership surface we do not reimplement on PKPPermissions. */
const PERMISSIONS_EXCLUDED = new Set([
  "diamondCut",
  "facetAddress",
  "facetAddresses",
  "facetFunctionSelectors",
  "facets",
  "owner",
  "transferOwnership",
  "setContractResolver",
  "getTrustedForwarder",
  "setTrustedForwarder",
  "supportsInterface",
]);

const CONTRACTS: ContractSpec[] = [
  {
    name: "PKPNFT",
    ours: new Interface(PKPNFT__factory.abi),
    requiredFunctions: () => [
      "mintNext",
      "mintGrantAndBurnNext",
      "claimAndMint",
      "burn",
      "exists",
      "getPubkey",
      "getEthAddress",
      "mintCost",
      "setMintCost",
      "withdraw",
      "getRouterAddress",
      "getPkpPermissionsAddress",
      "getPkpNftMetadataAddress",
      "owner",
      "transferOwnership",
      ...ERC721_FUNCTIONS,
    ],
    requiredEvents: [
      "PKPMinted",
      "MintCostSet",
      "Withdrew",
      "Transfer",
      "Approval",
      "ApprovalForAll",
    ],
  },
  {
    name: "PKPPermissions",
    ours: new Interface(PKPPermissions__factory.abi),
    requiredFunctions: (lit) => names(functionsOf(lit)).filter((n) => !PERMISSIONS_EXCLUDED.has(n)),
    requiredEvents: [
      "PermittedAuthMethodAdded",
      "PermittedAuthMethodRemoved",
      "PermittedAuthMethodScopeAdded",
      "PermittedAuthMethodScopeRemoved",
      "RootHashUpdated",
    ],
  },
  {
    name: "PubkeyRouter",
    ours: new Interface(PubkeyRouter__factory.abi),
    requiredFunctions: () => [
      "getRoutingData",
      "pubkeys",
      "getPubkey",
      "getEthAddress",
      "ethAddressToPkpId",
      "deriveEthAddressFromPubkey",
      "isRouted",
      "getPkpNftAddress",
      "setRoutingData",
      "getDerivedPubkey",
    ],
    requiredEvents: ["PubkeyRoutingDataSet"],
  },
  {
    name: "PKPHelper",
    ours: new Interface(PKPHelper__factory.abi),
    requiredFunctions: () => [
      "mintNextAndAddAuthMethods",
      "mintNextAndAddAuthMethodsWithTypes",
      "claimAndMintNextAndAddAuthMethods",
      "onERC721Received",
      "getPkpNftAddress",
      "getPkpPermissionsAddress",
    ],
    requiredEvents: [],
  },
];

describe("ABI compatibility with Lit's datil contracts", function () {
  for (const spec of CONTRACTS) {
    describe(spec.name, function () {
      const lit = litInterface(spec.name);
      const ours = spec.ours;
      const litFunctionNames = new Set(names(functionsOf(lit)));
      const litEventNames = new Set(names(eventsOf(lit)));
      const sharedFunctions = names(functionsOf(ours)).filter((n) => litFunctionNames.has(n));
      const sharedEvents = names(eventsOf(ours)).filter((n) => litEventNames.has(n));
      const requiredFunctions = spec.requiredFunctions(lit);

      it("loads Lit's ABI and ours with functions in both", function () {
        expect(functionsOf(lit).length, `${spec.name}: Lit's functions`).to.be.greaterThan(0);
        expect(functionsOf(ours).length, `${spec.name}: our functions`).to.be.greaterThan(0);
        expect(requiredFunctions.length, `${spec.name}: required functions`).to.be.greaterThan(0);
      });

      for (const name of sharedFunctions) {
        it(`function ${name} has Lit's input types, output types, mutability and selector`, function () {
          expectSameFunctions(spec.name, name, ours, lit);
        });
      }

      for (const name of sharedEvents) {
        it(`event ${name} has Lit's types, indexed flags and topic`, function () {
          expectSameEvents(spec.name, name, ours, lit);
        });
      }

      it("declares every required function, with Lit's signature", function () {
        const missing = requiredFunctions.filter(
          (n) => !functionsOf(ours).some((f) => f.name === n),
        );
        expect(missing, `${spec.name}: required functions missing from ours`).to.deep.equal([]);
        const unknownToLit = requiredFunctions.filter((n) => !litFunctionNames.has(n));
        expect(unknownToLit, `${spec.name}: required functions Lit does not declare`).to.deep.equal(
          [],
        );
        for (const name of requiredFunctions) expectSameFunctions(spec.name, name, ours, lit);
      });

      it("declares every required event, with Lit's signature", function () {
        const missing = spec.requiredEvents.filter(
          (n) => !eventsOf(ours).some((e) => e.name === n),
        );
        expect(missing, `${spec.name}: required events missing from ours`).to.deep.equal([]);
        for (const name of spec.requiredEvents) expectSameEvents(spec.name, name, ours, lit);
      });
    });
  }

  it("requires both safeTransferFrom overloads of PKPNFT", function () {
    const ours = new Interface(PKPNFT__factory.abi);
    const selectors = functionsOf(ours)
      .filter((f) => f.name === "safeTransferFrom")
      .map((f) => f.format("sighash"))
      .sort();
    expect(selectors).to.deep.equal([
      "safeTransferFrom(address,address,uint256)",
      "safeTransferFrom(address,address,uint256,bytes)",
    ]);
  });

  it("uses the (uint256,bytes,bytes) tuple for PKPPermissions auth methods, as Lit does", function () {
    const ours = new Interface(PKPPermissions__factory.abi);
    const fn = ours.getFunction("getPermittedAuthMethods")!;
    expect(functionSignature(fn)).to.equal(
      "getPermittedAuthMethods(uint256) view returns ((uint256,bytes,bytes)[])",
    );
    expect(ours.getFunction("addPermittedAuthMethod")!.format("sighash")).to.equal(
      "addPermittedAuthMethod(uint256,(uint256,bytes,bytes),uint256[])",
    );
  });
});
