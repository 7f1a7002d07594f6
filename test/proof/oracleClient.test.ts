import { expect } from "chai";
import { once } from "node:events";
import * as http from "node:http";
import { OracleClient, OracleClientError } from "../../src/proof";
import { expectRejection, expectThrow } from "../helpers/expectRejection";
import { freePort } from "../helpers/hardhatNode";

describe("OracleClient", function () {
  it("says the oracle is unreachable, and how to start it, when nothing listens", async function () {
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await expectRejection(
      new OracleClient(url).storeAction("go();"),
      OracleClientError,
      "ORACLE_UNREACHABLE",
    );
    expect(error.message).to.include(`cannot reach the signing oracle at ${url}`);
    expect(error.message).to.include("is it running?");
    expect(error.message).to.include("npx hardhat pkp:oracle --network <name>");
  });

  it("refuses a URL that is not http(s)", function () {
    expectThrow(
      () => new OracleClient("ftp://127.0.0.1:8787"),
      OracleClientError,
      "ORACLE_UNREACHABLE",
    );
    expectThrow(() => new OracleClient("not a url"), OracleClientError, "ORACLE_UNREACHABLE");
  });

  it("says when something other than the oracle answers", async function () {
    const server = http.createServer((_req, res) => res.writeHead(200).end("<html>hello</html>"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as { port: number };
      const error = await expectRejection(
        new OracleClient(`http://127.0.0.1:${port}`).health(),
        OracleClientError,
        "ORACLE_BAD_RESPONSE",
      );
      expect(error.message).to.include("is --oracle the right URL?");
    } finally {
      server.close();
    }
  });
});
