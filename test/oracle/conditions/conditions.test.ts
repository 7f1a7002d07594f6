/**
 * Access-control conditions as data (canonical form, hash, identity: Lit's rules), their
 * evaluation rules that need no chain, and the encryption bound to an identity.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { MemoryKeystore } from "../../../src/oracle/keystore";
import { expectRejection } from "../../helpers/expectRejection";
import {
  ConditionsError,
  canonicalConditions,
  encryptionIdentity,
  hashConditions,
} from "../../../src/oracle/conditions/canonical";
import {
  DecryptionError,
  decryptForIdentity,
  encryptForIdentity,
} from "../../../src/oracle/conditions/encryption";
import { evaluateConditions, type ChainReads } from "../../../src/oracle/conditions/evaluate";

const BASIC = {
  contractAddress: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  standardContractType: "ERC721",
  chain: "ethereum",
  method: "balanceOf",
  parameters: [":userAddress"],
  returnValueTest: { comparator: ">", value: "0" },
};
const CONTRACT = {
  contractAddress: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  functionName: "isMember",
  functionParams: [":userAddress"],
  functionAbi: {
    name: "isMember",
    inputs: [{ name: "who", type: "address", internalType: "address" }],
    outputs: [{ name: "", type: "bool" }],
    stateMutability: "view",
    type: "function",
  },
  chain: "ethereum",
  returnValueTest: { key: "", comparator: "=", value: "true" },
};

const noReads: ChainReads = {
  call: () => Promise.reject(new Error("no chain")),
  balance: () => Promise.reject(new Error("no chain")),
  timestamp: () => Promise.reject(new Error("no chain")),
};

describe("access-control conditions", function () {
  describe("canonical form, hash and identity (Lit's rules)", function () {
    it("keeps Lit's keys in Lit's order, drops the rest, and hashes JSON.stringify of the list with sha256", function () {
      // Keys in another order, an extra field and a conditionType: the canonical form is the same.
      const shuffled = {
        name: "mine",
        returnValueTest: { value: "0", comparator: ">" },
        parameters: BASIC.parameters,
        method: BASIC.method,
        chain: BASIC.chain,
        standardContractType: BASIC.standardContractType,
        contractAddress: BASIC.contractAddress,
        conditionType: "evmBasic",
      };
      const canonical = JSON.stringify(
        canonicalConditions("accessControlConditions", [
          shuffled,
          { operator: "or", x: 1 },
          [BASIC],
        ]),
      );
      expect(canonical).to.equal(
        '[{"contractAddress":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","chain":"ethereum","standardContractType":"ERC721",' +
          '"method":"balanceOf","parameters":[":userAddress"],"returnValueTest":{"comparator":">","value":"0"}},{"operator":"or"},' +
          '[{"contractAddress":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","chain":"ethereum","standardContractType":"ERC721",' +
          '"method":"balanceOf","parameters":[":userAddress"],"returnValueTest":{"comparator":">","value":"0"}}]]',
      );
      expect(
        hashConditions("accessControlConditions", [shuffled, { operator: "or" }, [BASIC]]),
      ).to.equal(createHash("sha256").update(canonical).digest("hex"));
      expect(JSON.stringify(canonicalConditions("evmContractConditions", [CONTRACT]))).to.equal(
        '[{"contractAddress":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","functionName":"isMember","functionParams":[":userAddress"],' +
          '"functionAbi":{"name":"isMember","inputs":[{"name":"who","type":"address"}],"outputs":[{"name":"","type":"bool"}],' +
          '"constant":false,"stateMutability":"view"},"chain":"ethereum","returnValueTest":{"key":"","comparator":"=","value":"true"}}]',
      );
    });

    it("gives the same hash to the same conditions as plain, evmContract or unified lists", function () {
      expect(
        hashConditions("unifiedAccessControlConditions", [{ ...BASIC, conditionType: "evmBasic" }]),
      ).to.equal(hashConditions("accessControlConditions", [BASIC]));
      expect(
        hashConditions("unifiedAccessControlConditions", [
          { ...CONTRACT, conditionType: "evmContract" },
        ]),
      ).to.equal(hashConditions("evmContractConditions", [CONTRACT]));
      expect(
        hashConditions("unifiedAccessControlConditions", [BASIC, { operator: "and" }, CONTRACT]),
      ).to.equal(
        hashConditions("unifiedAccessControlConditions", [
          { ...BASIC, conditionType: "evmBasic" },
          { operator: "and" },
          { ...CONTRACT, conditionType: "evmContract" },
        ]),
      );
      expect(
        hashConditions("accessControlConditions", [{ ...BASIC, chain: "polygon" }]),
      ).not.to.equal(hashConditions("accessControlConditions", [BASIC]));
    });

    it("builds Lit's identity and refuses malformed lists and data hashes", function () {
      const data = createHash("sha256").update("x").digest("hex");
      expect(encryptionIdentity("accessControlConditions", [BASIC], data)).to.equal(
        `lit-accesscontrolcondition://${hashConditions("accessControlConditions", [BASIC])}/${data}`,
      );
      for (const [conditions, message] of [
        [[], /non-empty array/],
        [[{ chain: "x" }], /needs a returnValueTest/],
        [[{ ...BASIC, conditionType: "bitcoin" }], /conditionType "bitcoin"/],
        [Array(65).fill(BASIC), /more than 64 conditions/],
      ] as const) {
        expect(
          () => canonicalConditions("unifiedAccessControlConditions", conditions),
          String(message),
        ).to.throw(ConditionsError, message);
      }
      expect(() => encryptionIdentity("accessControlConditions", [BASIC], "0x" + data)).to.throw(
        ConditionsError,
        /64 lowercase hex/,
      );
    });
  });

  describe("evaluation without a chain", function () {
    const equals = (parameter: string, value: string) => ({
      contractAddress: "",
      standardContractType: "",
      chain: "ethereum",
      method: "",
      parameters: [parameter],
      returnValueTest: { comparator: "=", value },
    });
    const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    it("compares :userAddress case-insensitively, :currentActionIpfsId as text, and ANDs operator-less lists", async function () {
      const subject = { userAddress: ALICE, currentActionIpfsId: "QmA" };
      const check = (
        conditions: unknown[],
        kind: "accessControlConditions" | "evmContractConditions" = "accessControlConditions",
      ) => evaluateConditions(kind, conditions, subject, noReads);
      expect(await check([equals(":userAddress", ALICE.toLowerCase())])).to.equal(true);
      expect(await check([equals(":currentActionIpfsId", "QmA")])).to.equal(true);
      expect(await check([equals(":currentActionIpfsId", "QmB")])).to.equal(false);
      expect(
        await check([equals(":currentActionIpfsId", "QmA"), equals(":currentActionIpfsId", "QmB")]),
      ).to.equal(false);
      expect(
        await check([
          equals(":currentActionIpfsId", "QmB"),
          { operator: "or" },
          equals(":currentActionIpfsId", "QmA"),
        ]),
      ).to.equal(true);
      expect(
        (await expectRejection(check([equals("x", "x"), { operator: "and" }]), ConditionsError))
          .message,
      ).to.match(/cannot end a group/);
      expect(
        (
          await expectRejection(
            check([CONTRACT, CONTRACT], "evmContractConditions"),
            ConditionsError,
          )
        ).message,
      ).to.match(/must alternate/);
    });

    it("refuses :userAddress without a caller, and Solana conditions", async function () {
      const anonymous = await expectRejection(
        evaluateConditions("accessControlConditions", [equals(":userAddress", ALICE)], {}, noReads),
        ConditionsError,
      );
      expect(anonymous.message).to.match(/send an authSig/);
      const solana = await expectRejection(
        evaluateConditions(
          "solRpcConditions",
          [
            {
              method: "getBalance",
              params: [":userAddress"],
              chain: "solana",
              returnValueTest: { key: "", comparator: ">", value: "0" },
            },
          ],
          { userAddress: ALICE },
          noReads,
        ),
        ConditionsError,
      );
      expect(solana.message).to.match(/solRpc conditions cannot be evaluated by this oracle/);
    });
  });

  describe("encryption bound to an identity", function () {
    const data = new TextEncoder().encode("the secret");
    const hash = createHash("sha256").update(data).digest("hex");
    const identity = encryptionIdentity("accessControlConditions", [BASIC], hash);

    it("round-trips, with a fresh nonce each time", function () {
      const keystore = new MemoryKeystore();
      const a = encryptForIdentity(keystore, identity, data);
      const b = encryptForIdentity(keystore, identity, data);
      expect(a).not.to.equal(b);
      expect(new TextDecoder().decode(decryptForIdentity(keystore, identity, a, hash))).to.equal(
        "the secret",
      );
    });

    it("refuses another identity, another keystore, a flipped byte, another version and a wrong data hash", function () {
      const keystore = new MemoryKeystore();
      const ciphertext = encryptForIdentity(keystore, identity, data);
      const otherIdentity = encryptionIdentity(
        "accessControlConditions",
        [{ ...BASIC, chain: "polygon" }],
        hash,
      );
      const bytes = Buffer.from(ciphertext, "base64");
      const flipped = Buffer.from(bytes);
      flipped[flipped.length - 1] ^= 1;
      const version = Buffer.from(bytes);
      version[0] = 2;
      for (const [name, attempt] of [
        ["identity", () => decryptForIdentity(keystore, otherIdentity, ciphertext, hash)],
        ["keystore", () => decryptForIdentity(new MemoryKeystore(), identity, ciphertext, hash)],
        ["flipped", () => decryptForIdentity(keystore, identity, flipped.toString("base64"), hash)],
        ["version", () => decryptForIdentity(keystore, identity, version.toString("base64"), hash)],
        ["not base64", () => decryptForIdentity(keystore, identity, "!!!", hash)],
      ] as const) {
        expect(attempt, name).to.throw(DecryptionError);
      }
      const otherHash = createHash("sha256").update("other").digest("hex");
      const sealedForOther = encryptForIdentity(
        keystore,
        encryptionIdentity("accessControlConditions", [BASIC], otherHash),
        data,
      );
      expect(() =>
        decryptForIdentity(
          keystore,
          encryptionIdentity("accessControlConditions", [BASIC], otherHash),
          sealedForOther,
          otherHash,
        ),
      ).to.throw(DecryptionError, /does not hash to dataToEncryptHash/);
    });
  });
});
