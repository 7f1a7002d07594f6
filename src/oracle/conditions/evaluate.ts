/**
 * Evaluating Lit's access-control conditions for one caller, with Lit's semantics (datil
 * access_control/mod.rs, evm_contract.rs):
 *
 * - a list alternates conditions and `{operator: "and" | "or"}` (groups are nested arrays); a
 *   list of evmBasic conditions without any operator is ANDed; results fold left to right;
 * - special parameters: `:userAddress` (the caller's verified address), `:currentActionIpfsId`
 *   (the running action's CID, "" outside an action) and `:litParam:<name>` (a base64url SIWE
 *   resource of the caller's authSig);
 * - evmBasic: `method: ""` compares the substituted first parameter (as an address when it is
 *   `:userAddress`), `eth_getBalance`, `timestamp`, ERC20/ERC721/ERC1155 balanceOf, ERC721
 *   ownerOf, ERC1155 balanceOfBatch, PKPPermissions isPermittedAction/isPermittedAddress, SIWE
 *   `:domain`/`:resources`; an unknown method or standard contract type is false, as on Lit;
 * - evmContract: any view function by its ABI, the output named by `returnValueTest.key` (or the
 *   first) compared as bool, string, address or uint (Lit refuses bytes, ints, arrays, tuples);
 * - comparators `=`, `!=`, `>`, `<`, `>=`, `<=`, and `contains`/`!contains` for strings.
 *
 * What needs infrastructure a single oracle does not have is a ConditionsError naming it: POAP
 * (a third-party API key), LitAction conditions, MolochDAOv2.1, CASK, Creaton, ProofOfHumanity,
 * Solana and Cosmos conditions. Chain reads go through `ChainReads` (the caller pins the block).
 */
import { AbiCoder, Interface, getAddress, isAddress, type Result } from "ethers";
import type { SiweMessage } from "../siwe";
import { fromBase64Url } from "../../bytes";
import {
  ConditionsError,
  canonicalConditions,
  conditionTypeOf,
  type ConditionKind,
} from "./canonical";

/** The chain reads a condition may need, at the block the caller chose. */
export interface ChainReads {
  /** eth_call; rejects on a revert. */
  call(chain: string, to: string, data: string): Promise<string>;
  balance(chain: string, address: string): Promise<bigint>;
  /** The timestamp of the block conditions are evaluated at. */
  timestamp(chain: string): Promise<bigint>;
}

/** Who asks. */
export interface ConditionSubject {
  /** The caller's verified address (authSig, session or auth method); absent if none. */
  userAddress?: string;
  /** The running action's CID (inside an action). */
  currentActionIpfsId?: string;
  /** The caller's SIWE message (for SIWE conditions and :litParam). */
  siwe?: SiweMessage;
}

type Condition = Record<string, unknown>;

const ERC20 = new Interface(["function balanceOf(address) view returns (uint256)"]);
const ERC721 = new Interface([
  "function balanceOf(address) view returns (uint256)",
  "function ownerOf(uint256) view returns (address)",
]);
const ERC1155 = new Interface([
  "function balanceOf(address, uint256) view returns (uint256)",
  "function balanceOfBatch(address[], uint256[]) view returns (uint256[])",
]);
const PKP_PERMISSIONS = new Interface([
  "function isPermittedAction(uint256, bytes) view returns (bool)",
  "function isPermittedAddress(uint256, address) view returns (bool)",
]);

const NEEDS_NETWORK = new Set([
  "POAP",
  "LitAction",
  "MolochDAOv2.1",
  "CASK",
  "Creaton",
  "ProofOfHumanity",
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A condition field as Lit's nodes read it: a string (numbers as their decimal text). */
function fieldText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return String(value);
  }
  return "";
}

/** Evaluates a condition list for `subject`; throws ConditionsError when it cannot be evaluated. */
export async function evaluateConditions(
  kind: ConditionKind,
  conditions: unknown,
  subject: ConditionSubject,
  reads: ChainReads,
): Promise<boolean> {
  canonicalConditions(kind, conditions); // shape and size checks
  const evaluator = new Evaluator(kind, subject, reads);
  const list = conditions as unknown[];
  return evaluator.group(kind === "evmContractConditions" ? list : insertAnds(list));
}

/** Lit accepted plain arrays before operators existed: no operator anywhere means AND. */
function insertAnds(list: unknown[]): unknown[] {
  const hasOperator = (items: unknown[]): boolean =>
    items.some((item) =>
      Array.isArray(item) ? hasOperator(item) : isObject(item) && "operator" in item,
    );
  if (list.length < 2 || hasOperator(list)) return list;
  const out: unknown[] = [];
  list.forEach((item, index) => {
    out.push(item);
    if (index < list.length - 1) out.push({ operator: "and" });
  });
  return out;
}

class Evaluator {
  constructor(
    private readonly kind: ConditionKind,
    private readonly subject: ConditionSubject,
    private readonly reads: ChainReads,
  ) {}

  async group(items: unknown[]): Promise<boolean> {
    validateExpression(items);
    const results: boolean[] = [];
    const operators: string[] = [];
    for (const item of items) {
      if (Array.isArray(item)) results.push(await this.group(item));
      else if (isObject(item) && "operator" in item)
        operators.push(String(item.operator).toLowerCase());
      else results.push(await this.condition(item as Condition));
    }
    let value = results[0];
    operators.forEach((operator, index) => {
      if (operator === "and") value = value && results[index + 1];
      else if (operator === "or") value = value || results[index + 1];
      else throw new ConditionsError(`operator ${JSON.stringify(operator)} is not "and" or "or"`);
    });
    return value;
  }

  private condition(cond: Condition): Promise<boolean> {
    const type = conditionTypeOf(this.kind, cond);
    if (type === "evmBasic") return this.basic(cond);
    if (type === "evmContract") return this.contract(cond);
    throw new ConditionsError(
      `${type} conditions cannot be evaluated by this oracle: it reads EVM chains only`,
    );
  }

  private substitute(param: unknown): string {
    const value = String(param);
    if (value === ":userAddress") {
      if (this.subject.userAddress === undefined) {
        throw new ConditionsError(
          "the conditions use :userAddress, but the caller proved no address (send an authSig, sessionSigs or an EthWallet auth method)",
        );
      }
      return this.subject.userAddress;
    }
    if (value === ":currentActionIpfsId") return this.subject.currentActionIpfsId ?? "";
    if (value.startsWith(":litParam:")) return this.litParam(value.slice(":litParam:".length));
    return value;
  }

  private litParam(name: string): string {
    for (const resource of this.subject.siwe?.resources ?? []) {
      const prefix = `litParam:${name}:`;
      if (resource.startsWith(prefix)) {
        const bytes = fromBase64Url(resource.slice(prefix.length));
        return bytes === undefined ? "" : new TextDecoder().decode(bytes);
      }
    }
    return `:litParam:${name}`;
  }

  private chainOf(cond: Condition): string {
    if (typeof cond.chain !== "string" || cond.chain === "") {
      throw new ConditionsError("a condition needs a chain");
    }
    return cond.chain;
  }

  private test(cond: Condition): { comparator: string; value: string; key: string } {
    const test = isObject(cond.returnValueTest) ? cond.returnValueTest : {};
    return {
      comparator: fieldText(test.comparator),
      value: fieldText(test.value),
      key: fieldText(test.key),
    };
  }

  private async basic(cond: Condition): Promise<boolean> {
    const standard = fieldText(cond.standardContractType);
    const method = fieldText(cond.method);
    const parameters = Array.isArray(cond.parameters) ? cond.parameters : [];
    const chain = this.chainOf(cond);
    const test = this.test(cond);
    if (standard === "") {
      if (method === "") {
        const param = this.substitute(parameters[0]);
        return parameters[0] === ":userAddress"
          ? this.compareAddress(param, test)
          : compareString(param, test);
      }
      if (method === "eth_getBalance") {
        return compareUint(
          await this.reads.balance(chain, address(this.substitute(parameters[0]))),
          test,
        );
      }
      return false; // Lit: unsupported rpc method
    }
    if (NEEDS_NETWORK.has(standard)) {
      throw new ConditionsError(
        `${standard} conditions cannot be evaluated by this oracle: they need Lit's network (its POAP API key, its Lit Action runner, or contracts it ships ABIs for)`,
      );
    }
    if (standard === "timestamp") return compareUint(await this.reads.timestamp(chain), test);
    if (standard === "SIWE") return this.siwe(parameters, test);
    const to = address(fieldText(cond.contractAddress));
    const call = async (iface: Interface, fn: string, args: unknown[]): Promise<Result> =>
      iface.decodeFunctionResult(
        fn,
        await this.reads.call(chain, to, iface.encodeFunctionData(fn, args)),
      );
    if (standard === "ERC20" && method === "balanceOf") {
      return compareUint(
        (await call(ERC20, "balanceOf", [address(this.substitute(parameters[0]))]))[0] as bigint,
        test,
      );
    }
    if (standard === "ERC721" || standard === "ERC721MetadataName") {
      if (method === "ownerOf") {
        const owner = (await call(ERC721, "ownerOf", [uint(parameters[0])]))[0] as string;
        return this.compareAddress(owner, test);
      }
      if (method === "balanceOf") {
        return compareUint(
          (await call(ERC721, "balanceOf", [address(this.substitute(parameters[0]))]))[0] as bigint,
          test,
        );
      }
      return false;
    }
    if (standard === "ERC1155") {
      if (method === "balanceOf") {
        const args = [address(this.substitute(parameters[0])), uint(parameters[1])];
        return compareUint((await call(ERC1155, "balanceOf", args))[0] as bigint, test);
      }
      if (method === "balanceOfBatch") {
        const owners = String(parameters[0] ?? "")
          .split(",")
          .map((a) => address(this.substitute(a)));
        const ids = String(parameters[1] ?? "")
          .split(",")
          .map((id) => uint(id));
        if (owners.length !== ids.length) return false;
        const balances = (await call(ERC1155, "balanceOfBatch", [owners, ids]))[0] as bigint[];
        return balances.some((balance) => compareUint(balance, test));
      }
      return false;
    }
    if (standard === "PKPPermissions") {
      if (method === "isPermittedAction") {
        const permitted = (
          await call(PKP_PERMISSIONS, "isPermittedAction", [
            uint(parameters[0]),
            bytesParam(parameters[1]),
          ])
        )[0] as boolean;
        return compareBool(permitted, test, false);
      }
      if (method === "isPermittedAddress") {
        const args = [uint(parameters[0]), address(this.substitute(":userAddress"))];
        return compareBool(
          (await call(PKP_PERMISSIONS, "isPermittedAddress", args))[0] as boolean,
          test,
          false,
        );
      }
      return false;
    }
    return false; // Lit: unsupported standard contract type
  }

  private siwe(parameters: unknown[], test: { comparator: string; value: string }): boolean {
    const siwe = this.subject.siwe;
    if (siwe === undefined) {
      throw new ConditionsError("SIWE conditions need the caller's authSig (its SIWE message)");
    }
    if (parameters[0] === ":domain") return compareString(siwe.domain, test);
    if (parameters[0] === ":resources") {
      const resources = siwe.resources ?? [];
      if (test.comparator === "contains") return resources.includes(test.value);
      if (test.comparator === "!contains") return !resources.includes(test.value);
      return false;
    }
    return false;
  }

  private compareAddress(actual: string, test: { comparator: string; value: string }): boolean {
    const a = BigInt(address(actual));
    const b = BigInt(address(this.substitute(test.value)));
    switch (test.comparator) {
      case "=":
        return a === b;
      case ">":
        return a > b;
      case "<":
        return a < b;
      case ">=":
        return a >= b;
      case "<=":
        return a <= b;
      default:
        return false;
    }
  }

  private async contract(cond: Condition): Promise<boolean> {
    const abi = cond.functionAbi;
    if (!isObject(abi) || typeof abi.name !== "string") {
      throw new ConditionsError("an evmContract condition needs a functionAbi with a name");
    }
    let iface: Interface;
    try {
      iface = new Interface([{ ...abi, type: "function" }]);
    } catch (error) {
      throw new ConditionsError(
        `functionAbi is not a valid ABI fragment: ${(error as Error).message}`,
      );
    }
    const fn = iface.getFunction(abi.name);
    if (fn === null) throw new ConditionsError(`functionAbi has no function ${abi.name}`);
    const params = Array.isArray(cond.functionParams) ? cond.functionParams : [];
    if (params.length !== fn.inputs.length) {
      throw new ConditionsError(
        "Number of parameters in function does not match number of parameters in condition",
      );
    }
    const args = fn.inputs.map((input, i) => tokenize(input.type, this.substitute(params[i])));
    const chain = this.chainOf(cond);
    const data = iface.encodeFunctionData(fn, args);
    const output = iface.decodeFunctionResult(
      fn,
      await this.reads.call(chain, address(fieldText(cond.contractAddress)), data),
    );
    const test = this.test(cond);
    const index = test.key === "" ? 0 : fn.outputs.findIndex((o) => o.name === test.key);
    if (index < 0 || index >= fn.outputs.length) {
      throw new ConditionsError(
        `Could not find key ${JSON.stringify(test.key)} in function outputs`,
      );
    }
    const type = fn.outputs[index].type;
    const value: unknown = output[index];
    if (type === "bool") return compareBool(value as boolean, test, true);
    if (type === "string") return compareString(value as string, test);
    if (type === "address") return this.compareAddress(value as string, test);
    if (/^uint\d*$/.test(type)) return compareUint(value as bigint, test);
    if (/^int\d*$/.test(type))
      throw new ConditionsError("Signed integers are not supported yet (as on Lit)");
    throw new ConditionsError(
      `return values of type ${type} are not supported (as on Lit): bool, string, address and uint only`,
    );
  }
}

/** Lit's boolean-expression shape: condition (operator condition)*, groups valid themselves. */
function validateExpression(items: unknown[]): void {
  let expectCondition = true;
  for (const item of items) {
    const isOperator = isObject(item) && "operator" in item;
    if (expectCondition === isOperator) {
      throw new ConditionsError(
        "Invalid boolean Access Control Conditions: conditions and operators must alternate",
      );
    }
    expectCondition = isOperator;
  }
  if (expectCondition)
    throw new ConditionsError(
      "Invalid boolean Access Control Conditions: an operator cannot end a group",
    );
}

function address(value: string): string {
  if (!isAddress(value)) throw new ConditionsError(`${JSON.stringify(value)} is not an address`);
  return getAddress(value.toLowerCase());
}

function uint(value: unknown): bigint {
  const text = fieldText(value);
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text))
    throw new ConditionsError(`${JSON.stringify(text)} is not a token id`);
  return BigInt(text);
}

function bytesParam(value: unknown): string {
  const text = fieldText(value);
  if (!/^(0x)?([0-9a-fA-F]{2})*$/.test(text))
    throw new ConditionsError(`${JSON.stringify(text)} is not hex bytes`);
  return text.startsWith("0x") ? text : `0x${text}`;
}

/** A condition's string parameter as a value of an ABI type (Lit's lenient tokenizer). */
function tokenize(type: string, value: string): unknown {
  if (type.endsWith("]")) {
    let items: unknown;
    try {
      items = JSON.parse(value);
    } catch {
      items = value
        .replace(/^\[|\]$/g, "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    }
    if (!Array.isArray(items))
      throw new ConditionsError(`${JSON.stringify(value)} is not an array for ${type}`);
    const inner = type.slice(0, type.lastIndexOf("["));
    return items.map((item) => tokenize(inner, String(item)));
  }
  if (type === "address") return address(value.startsWith("0x") ? value : `0x${value}`);
  if (type === "bool") {
    if (value !== "true" && value !== "false")
      throw new ConditionsError(`${JSON.stringify(value)} is not a bool`);
    return value === "true";
  }
  if (/^u?int\d*$/.test(type)) {
    if (!/^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(value))
      throw new ConditionsError(`${JSON.stringify(value)} is not a ${type}`);
    return BigInt(value);
  }
  if (type === "bytes" || /^bytes\d+$/.test(type)) return bytesParam(value);
  if (type === "string") return value;
  // Anything else: let the ABI coder try (and name the problem if it cannot).
  try {
    AbiCoder.defaultAbiCoder().encode([type], [value]);
    return value;
  } catch {
    throw new ConditionsError(`parameters of type ${type} are not supported in conditions`);
  }
}

function compareUint(actual: bigint, test: { comparator: string; value: string }): boolean {
  if (!/^[0-9]+$/.test(test.value)) {
    throw new ConditionsError(
      `returnValueTest.value ${JSON.stringify(test.value)} is not a decimal number (failed to parse valid return value from access control condition)`,
    );
  }
  return compareOrdered(actual, BigInt(test.value), test.comparator);
}

function compareBool(
  actual: boolean,
  test: { comparator: string; value: string },
  strict: boolean,
): boolean {
  let expected: boolean;
  if (strict) {
    if (test.value !== "true" && test.value !== "false") {
      throw new ConditionsError("failed to parse valid return value from access control condition");
    }
    expected = test.value === "true";
  } else {
    expected = test.value.toLowerCase() === "true";
  }
  // Booleans compare as numbers (false < true).
  return compareOrdered(Number(actual), Number(expected), test.comparator);
}

function compareString(actual: string, test: { comparator: string; value: string }): boolean {
  if (test.comparator === "contains") return actual.includes(test.value);
  if (test.comparator === "!contains") return !actual.includes(test.value);
  return compareOrdered(actual, test.value, test.comparator);
}

/** returnValueTest's ordering comparators on two values of one type; any other is false. */
function compareOrdered<T extends bigint | number | string>(
  actual: T,
  expected: T,
  comparator: string,
): boolean {
  switch (comparator) {
    case ">":
      return actual > expected;
    case "<":
      return actual < expected;
    case ">=":
      return actual >= expected;
    case "<=":
      return actual <= expected;
    case "=":
      return actual === expected;
    case "!=":
      return actual !== expected;
    default:
      return false;
  }
}
