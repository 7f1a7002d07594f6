import { expect } from "chai";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { InvalidCidError } from "../src/cid";
import { CodedError } from "../src/codedError";
import { MintNotFoundError } from "../src/proof";
import { AuthSigError } from "../src/oracle/authSig";
import { ActionFailure, FatalHostError, InvalidArgumentError } from "../src/oracle/runtime";
import { SiweParseError } from "../src/oracle/siwe";
import { CoverageSummaryError } from "../scripts/coverage-gate";
import { NotCompiledError, ProofTaskError } from "../tasks/taskErrors";
import { sourceFiles } from "./helpers/sourceFiles";

const ROOT = path.resolve(__dirname, "..");
/** The trees whose error classes must all be CodedErrors (bench/gas keeps its own for now). */
const TREES = ["src", "tasks", "plugin", "scripts", "explorer"];

describe("CodedError: every refusal has a stable code", function () {
  it("no error class in src/, tasks/, plugin/, scripts/ or explorer/ extends Error directly", async function () {
    const offenders: string[] = [];
    for (const tree of TREES) {
      for (const file of await sourceFiles(path.join(ROOT, tree), /\.ts$/)) {
        const text = await fs.readFile(file, "utf8");
        for (const match of text.matchAll(/class (\w+) extends Error\b/g)) {
          if (match[1] !== "CodedError")
            offenders.push(`${path.relative(ROOT, file)}: ${match[1]}`);
        }
      }
    }
    expect(offenders).to.deep.equal([]);
  });

  it("the classes moved onto CodedError keep their name and gain a code", function () {
    const cases: [CodedError<string>, string, string][] = [
      [new InvalidCidError("x"), "InvalidCidError", "INVALID_CID"],
      [new MintNotFoundError("x"), "MintNotFoundError", "MINT_NOT_FOUND"],
      [new AuthSigError("BAD_SIGNATURE", "x"), "AuthSigError", "INVALID_AUTH_SIG"],
      [new SiweParseError("uri", "x"), "SiweParseError", "MALFORMED_SIWE_MESSAGE"],
      [new InvalidArgumentError("x"), "InvalidArgumentError", "INVALID_ARGUMENT"],
      [new ActionFailure("ACTION_TIMEOUT", "x"), "ActionFailure", "ACTION_TIMEOUT"],
      [new FatalHostError("NOT_PERMITTED", "x"), "FatalHostError", "NOT_PERMITTED"],
      [new CoverageSummaryError("x"), "CoverageSummaryError", "COVERAGE_SUMMARY_INVALID"],
      [new ProofTaskError("INVALID_OPTION", "x"), "ProofTaskError", "INVALID_OPTION"],
      [new NotCompiledError(), "NotCompiledError", "NOT_COMPILED"],
    ];
    for (const [error, name, code] of cases) {
      expect(error, name).to.be.instanceOf(CodedError);
      expect(error.name).to.equal(name);
      expect(error.code, name).to.equal(code);
    }
  });

  it("keeps what the runtime's errors carried besides the code", function () {
    expect(new ActionFailure("ACTION_ERROR", "boom", { logs: "printed" }).logs).to.equal("printed");
    expect(new FatalHostError("NOT_PERMITTED", "no").fatal).to.equal(true);
    expect(new SiweParseError("uri", "bad").field).to.equal("uri");
    expect(new AuthSigError("EXPIRED", "late").message).to.equal("invalid authSig: late");
  });
});
