import { expect } from "chai";
import { ethers } from "ethers";

import {
  type AuthSig,
  AuthSigError,
  type AuthSigProblem,
  createAuthSig,
  verifyAuthSig,
} from "../../src/oracle/authSig";
import { SiweParseError, formatSiweMessage, parseSiweMessage } from "../../src/oracle/siwe";
import { expectRejection, expectThrow } from "../helpers/expectRejection";

const CHAIN_ID = 31337;
const NOW = new Date("2025-06-01T12:00:00.000Z");
const ALICE = new ethers.Wallet(
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
);
const MALLORY = new ethers.Wallet(
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
);

function expectInvalid(authSig: unknown, problem: AuthSigProblem, now = NOW): AuthSigError {
  const error = expectThrow(
    () => verifyAuthSig(authSig, { chainId: CHAIN_ID, now }),
    AuthSigError,
    "INVALID_AUTH_SIG",
  );
  expect(error.problem, error.message).to.equal(problem);
  return error;
}

/** Re-signs an edited message, for cases where the signature itself must be valid. */
async function signedBy(wallet: ethers.Wallet, signedMessage: string): Promise<AuthSig> {
  return {
    sig: await wallet.signMessage(signedMessage),
    derivedVia: "web3.eth.personal.sign",
    signedMessage,
    address: wallet.address,
  };
}

describe("oracle/authSig", function () {
  describe("verifyAuthSig", function () {
    it("accepts a valid authSig and returns the checksummed address", async function () {
      const authSig = await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW });
      const result = verifyAuthSig(authSig, { chainId: CHAIN_ID, now: NOW });
      expect(result.address).to.equal(ALICE.address);
      expect(result.message.chainId).to.equal(CHAIN_ID);
    });

    it("compares addresses case-insensitively (lowercase authSig.address)", async function () {
      const authSig = await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW });
      const result = verifyAuthSig(
        { ...authSig, address: authSig.address.toLowerCase() },
        { chainId: BigInt(CHAIN_ID), now: NOW },
      );
      expect(result.address).to.equal(ALICE.address);
    });

    it("rejects a message edited after signing as a bad signature", async function () {
      const authSig = await createAuthSig(ALICE, {
        chainId: CHAIN_ID,
        now: NOW,
        nonce: "aaaaaaaa1",
      });
      const tampered = authSig.signedMessage.replace("Nonce: aaaaaaaa1", "Nonce: bbbbbbbb2");
      expect(tampered).to.not.equal(authSig.signedMessage);
      const error = expectInvalid({ ...authSig, signedMessage: tampered }, "BAD_SIGNATURE");
      expect(error.message).to.contain(`not ${ALICE.address}`);
    });

    it("rejects a message about Alice signed by Mallory", async function () {
      const genuine = await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW });
      const forged = { ...genuine, sig: await MALLORY.signMessage(genuine.signedMessage) };
      const error = expectInvalid(forged, "BAD_SIGNATURE");
      expect(error.message).to.contain(`recovers to ${MALLORY.address}`);
    });

    it("rejects an authSig.address that differs from the message's address line", async function () {
      const authSig = await createAuthSig(MALLORY, { chainId: CHAIN_ID, now: NOW });
      const error = expectInvalid({ ...authSig, address: ALICE.address }, "ADDRESS_MISMATCH");
      expect(error.message).to.contain(MALLORY.address).and.contain(ALICE.address);
    });

    it("rejects a signature that is not 65 bytes", async function () {
      const authSig = await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW });
      expectInvalid({ ...authSig, sig: "0xdeadbeef" }, "BAD_SIGNATURE");
    });

    it("rejects a message for another chain and names both chain ids", async function () {
      const authSig = await createAuthSig(ALICE, { chainId: 1, now: NOW });
      const error = expectInvalid(authSig, "WRONG_CHAIN");
      expect(error.message).to.contain("chain 1").and.contain(`chain ${CHAIN_ID}`);
    });

    it("rejects an expired message and says when it expired", async function () {
      const authSig = await createAuthSig(ALICE, {
        chainId: CHAIN_ID,
        now: NOW,
        expiresInSeconds: 60,
      });
      expect(
        verifyAuthSig(authSig, { chainId: CHAIN_ID, now: new Date(NOW.getTime() + 59_000) }),
      ).to.have.property("address");
      const error = expectInvalid(authSig, "EXPIRED", new Date(NOW.getTime() + 60_000));
      expect(error.message).to.contain("expired at 2025-06-01T12:01:00.000Z");
    });

    it("rejects a message before its Not Before time", async function () {
      const message = formatSiweMessage({
        ...parseSiweMessage(
          (await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW })).signedMessage,
        ),
        notBefore: "2025-06-01T13:00:00.000Z",
      });
      const authSig = await signedBy(ALICE, message);
      const error = expectInvalid(authSig, "NOT_YET_VALID");
      expect(error.message).to.contain("not valid before 2025-06-01T13:00:00.000Z");
      const later = new Date("2025-06-01T13:00:00.000Z");
      expect(verifyAuthSig(authSig, { chainId: CHAIN_ID, now: later }).address).to.equal(
        ALICE.address,
      );
    });

    describe("lifetime and domain rules (what bounds a stolen authSig)", function () {
      /** Alice's authSig with some fields of the SIWE message replaced, signed again. */
      async function edited(fields: Partial<ReturnType<typeof parseSiweMessage>>) {
        const message = parseSiweMessage(
          (await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW })).signedMessage,
        );
        const { expirationTime, ...rest } = { ...message, ...fields };
        const withExpiration =
          "expirationTime" in fields && fields.expirationTime === undefined
            ? rest
            : { ...rest, expirationTime };
        return signedBy(ALICE, formatSiweMessage(withExpiration));
      }

      it("rejects a message without an Expiration Time (it would never expire)", async function () {
        const error = expectInvalid(await edited({ expirationTime: undefined }), "NO_EXPIRATION");
        expect(error.message).to.contain("no Expiration Time");
      });

      it("rejects a lifetime over 7 days by default, and over a configured maximum", async function () {
        const eightDays = new Date(NOW.getTime() + 8 * 86_400_000).toISOString();
        const error = expectInvalid(
          await edited({ expirationTime: eightDays }),
          "LIFETIME_TOO_LONG",
        );
        expect(error.message).to.contain("8 days").and.contain("at most 7 days");
        const sevenDays = new Date(NOW.getTime() + 7 * 86_400_000).toISOString();
        const ok = await edited({ expirationTime: sevenDays });
        expect(verifyAuthSig(ok, { chainId: CHAIN_ID, now: NOW }).address).to.equal(ALICE.address);
        const tight = expectThrow(
          () => verifyAuthSig(ok, { chainId: CHAIN_ID, now: NOW, maxLifetimeMs: 3_600_000 }),
          AuthSigError,
          "INVALID_AUTH_SIG",
        );
        expect(tight.problem).to.equal("LIFETIME_TOO_LONG");
      });

      it("rejects an Issued At more than 60 s ahead of the clock (e.g. in 2099)", async function () {
        const in2099 = await edited({
          issuedAt: "2099-01-01T00:00:00.000Z",
          expirationTime: "2099-01-02T00:00:00.000Z",
        });
        expect(expectInvalid(in2099, "ISSUED_IN_FUTURE").message).to.contain("2099-01-01");
        const skewed = await edited({
          issuedAt: new Date(NOW.getTime() + 59_000).toISOString(),
          expirationTime: new Date(NOW.getTime() + 3_600_000).toISOString(),
        });
        expect(verifyAuthSig(skewed, { chainId: CHAIN_ID, now: NOW }).address).to.equal(
          ALICE.address,
        );
        expectInvalid(
          await edited({
            issuedAt: new Date(NOW.getTime() + 61_000).toISOString(),
            expirationTime: new Date(NOW.getTime() + 3_600_000).toISOString(),
          }),
          "ISSUED_IN_FUTURE",
        );
      });

      it("with domains set, accepts only those SIWE domains and URI hosts", async function () {
        const domains = ["app.example", "localhost:3000"];
        const verify = (authSig: AuthSig) =>
          verifyAuthSig(authSig, { chainId: CHAIN_ID, now: NOW, domains });
        const good = await createAuthSig(ALICE, {
          chainId: CHAIN_ID,
          now: NOW,
          domain: "APP.example",
        });
        expect(verify(good).address).to.equal(ALICE.address);
        const local = await createAuthSig(ALICE, {
          chainId: CHAIN_ID,
          now: NOW,
          domain: "localhost:3000",
          uri: "http://localhost:3000/login",
        });
        expect(verify(local).address).to.equal(ALICE.address);
        const session = await createAuthSig(ALICE, {
          chainId: CHAIN_ID,
          now: NOW,
          domain: "app.example",
          uri: "lit:session:abc",
        });
        expect(verify(session).address, "a URI without a host is not checked").to.equal(
          ALICE.address,
        );
        for (const [domain, uri] of [
          ["evil.example", "https://evil.example"],
          ["app.example", "https://evil.example/login"],
        ]) {
          const other = await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW, domain, uri });
          const error = expectThrow(() => verify(other), AuthSigError, "INVALID_AUTH_SIG");
          expect(error.problem).to.equal("WRONG_DOMAIN");
          expect(error.message).to.contain("evil.example");
        }
        // Without domains configured, any domain is accepted.
        const anywhere = await createAuthSig(ALICE, {
          chainId: CHAIN_ID,
          now: NOW,
          domain: "evil.example",
        });
        expect(verifyAuthSig(anywhere, { chainId: CHAIN_ID, now: NOW }).address).to.equal(
          ALICE.address,
        );
      });
    });

    it("rejects a signed message that is not SIWE and names the field", async function () {
      const error = expectInvalid(await signedBy(ALICE, "please let me in"), "MALFORMED_MESSAGE");
      expect(error.message).to.contain("field domain");
    });

    it("rejects a SIWE message without a Chain ID line", async function () {
      const valid = await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW });
      const withoutChain = valid.signedMessage.replace(`Chain ID: ${CHAIN_ID}\n`, "");
      const error = expectInvalid(await signedBy(ALICE, withoutChain), "MALFORMED_MESSAGE");
      expect(error.message).to.contain("field chainId").and.contain('"Chain ID: "');
    });

    it("rejects a SIWE message with Version 2", async function () {
      const valid = await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW });
      const error = expectInvalid(
        await signedBy(ALICE, valid.signedMessage.replace("Version: 1", "Version: 2")),
        "MALFORMED_MESSAGE",
      );
      expect(error.message).to.contain("field version");
    });

    it("rejects an unparseable Expiration Time", async function () {
      const valid = await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW });
      const broken = valid.signedMessage.replace(
        /Expiration Time: .*/,
        "Expiration Time: tomorrow",
      );
      const error = expectInvalid(await signedBy(ALICE, broken), "MALFORMED_MESSAGE");
      expect(error.message).to.contain("field expirationTime");
    });

    it("rejects derivations other than web3.eth.personal.sign", async function () {
      const authSig = await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW });
      expectInvalid({ ...authSig, derivedVia: "EIP1271" }, "UNSUPPORTED_DERIVATION");
    });

    it("rejects values that are not AuthSig objects", function () {
      expectInvalid(null, "MALFORMED_AUTH_SIG");
      expectInvalid("0x1234", "MALFORMED_AUTH_SIG");
      const error = expectInvalid(
        { sig: "0x", derivedVia: "web3.eth.personal.sign", address: ALICE.address },
        "MALFORMED_AUTH_SIG",
      );
      expect(error.message).to.contain("signedMessage");
    });

    it("rejects an authSig.address that is not an address", async function () {
      const authSig = await createAuthSig(ALICE, { chainId: CHAIN_ID, now: NOW });
      expectInvalid({ ...authSig, address: "alice.eth" }, "MALFORMED_AUTH_SIG");
    });
  });

  describe("createAuthSig", function () {
    it("builds a SIWE message with the requested domain, uri, nonce and lifetime", async function () {
      const authSig = await createAuthSig(ALICE, {
        chainId: CHAIN_ID,
        domain: "oracle.local",
        uri: "lit:session:abc",
        nonce: "nonce12345",
        now: NOW,
        expiresInSeconds: 300,
      });
      expect(authSig.derivedVia).to.equal("web3.eth.personal.sign");
      expect(authSig.address).to.equal(ALICE.address);
      expect(parseSiweMessage(authSig.signedMessage)).to.deep.equal({
        domain: "oracle.local",
        address: ALICE.address,
        uri: "lit:session:abc",
        version: "1",
        chainId: CHAIN_ID,
        nonce: "nonce12345",
        issuedAt: "2025-06-01T12:00:00.000Z",
        expirationTime: "2025-06-01T12:05:00.000Z",
      });
    });

    it("uses a fresh random nonce per authSig by default", async function () {
      const a = parseSiweMessage((await createAuthSig(ALICE, { chainId: CHAIN_ID })).signedMessage);
      const b = parseSiweMessage((await createAuthSig(ALICE, { chainId: CHAIN_ID })).signedMessage);
      expect(a.nonce).to.not.equal(b.nonce);
    });

    it("refuses a nonce SIWE does not allow", async function () {
      await expectRejection(
        createAuthSig(ALICE, { chainId: CHAIN_ID, nonce: "short" }),
        SiweParseError,
      );
    });
  });

  describe("SIWE parser", function () {
    const FULL = [
      "https://example.com wants you to sign in with your Ethereum account:",
      ALICE.address,
      "",
      "I accept the Terms of Service.",
      "",
      "URI: https://example.com/login",
      "Version: 1",
      "Chain ID: 31337",
      "Nonce: 32891756abc",
      "Issued At: 2025-06-01T12:00:00Z",
      "Expiration Time: 2025-06-02T12:00:00+02:00",
      "Not Before: 2025-06-01T11:00:00.5Z",
      "Request ID: req-1",
      "Resources:",
      "- ipfs://QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeXN",
      "- lit:capability:xyz",
    ].join("\n");

    it("parses every field of a full message and formats it back identically", function () {
      const message = parseSiweMessage(FULL);
      expect(message).to.deep.equal({
        scheme: "https",
        domain: "example.com",
        address: ALICE.address,
        statement: "I accept the Terms of Service.",
        uri: "https://example.com/login",
        version: "1",
        chainId: 31337,
        nonce: "32891756abc",
        issuedAt: "2025-06-01T12:00:00Z",
        expirationTime: "2025-06-02T12:00:00+02:00",
        notBefore: "2025-06-01T11:00:00.5Z",
        requestId: "req-1",
        resources: ["ipfs://QmW6uH8p17DcfvZroULkdEDAKThWzEDeNtwi9oezURDeXN", "lit:capability:xyz"],
      });
      expect(formatSiweMessage(message)).to.equal(FULL);
    });

    it("parses a message without a statement (EIP-4361 leaves two empty lines)", function () {
      const message = parseSiweMessage(FULL.replace("I accept the Terms of Service.\n", ""));
      expect(message.statement).to.equal(undefined);
      expect(message.uri).to.equal("https://example.com/login");
    });

    it("rejects fields out of order", function () {
      const swapped = FULL.replace("Version: 1\nChain ID: 31337", "Chain ID: 31337\nVersion: 1");
      expectThrow(() => parseSiweMessage(swapped), SiweParseError);
    });

    it("rejects an address with a wrong EIP-55 checksum", function () {
      // Flip the case of one letter of the checksummed address.
      const badChecksum = ALICE.address.replace(/[a-fA-F]/, (c) =>
        c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase(),
      );
      expect(badChecksum.toLowerCase()).to.equal(ALICE.address.toLowerCase());
      const error = expectThrow(
        () => parseSiweMessage(FULL.replace(ALICE.address, badChecksum)),
        SiweParseError,
      );
      expect(error.field).to.equal("address");
    });

    it("rejects unexpected trailing lines", function () {
      const error = expectThrow(() => parseSiweMessage(FULL + "\nextra"), SiweParseError);
      expect(error.field).to.equal("trailing");
    });
  });
});
