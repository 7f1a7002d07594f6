import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { waitForKeyPool } from "../../tasks/proofActions";
import { ProofTaskError } from "../../tasks/taskErrors";
import { expectRejection } from "../helpers/expectRejection";
import { testKeys } from "../helpers/keys";
import { deployStack, registerKeys } from "../helpers/stack";

describe("pkp:mint-grant-burn's key pool check", function () {
  async function emptyPoolFixture() {
    return deployStack();
  }

  const options = { network: "localhost", oracleUrl: "http://127.0.0.1:8787", waitMs: 0 };

  it("refuses an empty pool and asks whether the oracle, which provisions keys, is running", async function () {
    const { router } = await loadFixture(emptyPoolFixture);
    const error = await expectRejection(waitForKeyPool(router, options), ProofTaskError);
    expect(error.message).to.equal(
      "the pool of unminted keys on network localhost is empty: is the oracle running? " +
        "It provisions keys (oracle at http://127.0.0.1:8787)",
    );
  });

  it("resolves with the pool's size once it holds keys", async function () {
    const { router } = await loadFixture(emptyPoolFixture);
    await registerKeys(router, testKeys(2, "pool-check"));
    expect(await waitForKeyPool(router, options)).to.equal(2n);
  });
});
