/**
 * The store over HTTP (startStreamServer) and its client (StreamClient): the routes and their
 * statuses, racing writers, every kind of bad request answered in the API's shape, and the
 * client's mapping of refusals back to StreamError.
 */
import { expect } from "chai";
import * as http from "node:http";
import * as net from "node:net";
import {
  StreamClient,
  StreamError,
  StreamStore,
  startStreamServer,
  type StreamServer,
} from "../../src/streams";
import { expectRejection } from "../helpers/expectRejection";
import { freePort } from "../helpers/hardhatNode";
import { addressOf, genesisOf, keyOf, nextOf, tempDb } from "./streamHelpers";

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { error?: { code: string; message: string }; head?: string; length?: number };
}

/** One request with full control over headers and body (fetch would fix some of them). */
function raw(
  url: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = { "content-type": "application/json" },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}${path}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as RawAnswer["body"],
        }),
      );
    });
    request.on("error", reject);
    request.end(body);
  });
}

describe("streams: the HTTP service and its client", function () {
  const alice = keyOf("alice");
  const mallory = keyOf("mallory");
  let db: Awaited<ReturnType<typeof tempDb>>;
  let store: StreamStore;
  let server: StreamServer;
  let client: StreamClient;

  before(async function () {
    db = await tempDb();
    store = StreamStore.open({ file: db.file, limits: { maxPayloadBytes: 1024 } });
    server = await startStreamServer({ store, port: 0, maxBodyBytes: 4096 });
    client = new StreamClient(server.url);
  });

  after(async function () {
    await server?.close();
    store?.close();
    await db?.remove();
  });

  it("serves the store's calls with 201 for writes, 200 for reads and repeated writes", async function () {
    const genesis = genesisOf(alice, { type: "post", text: "over http" });
    const post = await raw(server.url, "POST", "/streams", JSON.stringify(genesis));
    expect(post.status).to.equal(201);
    const { streamId } = genesis.commit;
    expect(await client.createStream(genesis)).to.deep.include({ streamId, created: false });

    const commit = nextOf(alice, streamId, post.body.head!, { type: "like", by: "bob" });
    const appended = await raw(
      server.url,
      "POST",
      `/streams/${streamId}/commits`,
      JSON.stringify(commit),
    );
    expect(appended.status).to.equal(201);
    const again = await raw(
      server.url,
      "POST",
      `/streams/${streamId}/commits`,
      JSON.stringify(commit),
    );
    expect(again.status).to.equal(200);

    expect(await client.getStream(streamId)).to.deep.equal(await store.getStream(streamId));
    expect(await client.getPayloads(streamId)).to.deep.equal(await store.getPayloads(streamId));
    expect(await client.listStreams({ controller: addressOf(alice) })).to.deep.equal(
      await store.listStreams({ controller: addressOf(alice) }),
    );
    expect(await client.health()).to.deep.equal(await store.health());
  });

  it("lets exactly one of 16 writers racing on one head win; the others get 409 with the winner as head", async function () {
    const genesis = await client.createStream(genesisOf(alice, { type: "post", text: "race" }));
    const writers = Array.from({ length: 16 }, (_, i) =>
      nextOf(alice, genesis.streamId, genesis.head, { type: "like", by: `user-${i}` }),
    );
    const answers = await Promise.all(
      writers.map((commit) =>
        raw(server.url, "POST", `/streams/${genesis.streamId}/commits`, JSON.stringify(commit)),
      ),
    );
    const won = answers.filter((a) => a.status === 201);
    const lost = answers.filter((a) => a.status === 409);
    expect(won).to.have.length(1);
    expect(lost).to.have.length(15);
    const state = await client.getStream(genesis.streamId);
    expect(state.length).to.equal(2);
    for (const answer of lost) {
      expect(answer.body.error!.code).to.equal("STALE_PREV");
      expect(answer.body.head).to.equal(state.head);
      expect(answer.body.length).to.equal(2);
    }
  });

  it("maps refusals back to StreamError, with the new head on STALE_PREV", async function () {
    const genesis = await client.createStream(genesisOf(alice, { type: "post", text: "client" }));
    const first = await client.appendCommit(
      genesis.streamId,
      nextOf(alice, genesis.streamId, genesis.head, { n: 1 }),
    );
    const stale = await expectRejection(
      client.appendCommit(
        genesis.streamId,
        nextOf(alice, genesis.streamId, genesis.head, { n: 2 }),
      ),
      StreamError,
      "STALE_PREV",
    );
    expect(stale.current).to.deep.equal({ head: first.hash, length: 2 });
    expect(stale.status).to.equal(409);
    await expectRejection(
      client.appendCommit(genesis.streamId, nextOf(mallory, genesis.streamId, first.hash, {})),
      StreamError,
      "WRONG_SIGNER",
    );
    await expectRejection(
      client.getStream(`0x${"00".repeat(32)}`),
      StreamError,
      "STREAM_NOT_FOUND",
    );
  });

  describe("bad requests, each answered in the API's shape", function () {
    it("refuses bodies that are not JSON, not UTF-8, or sent with another content type (400)", async function () {
      const cases: Array<[string | Buffer, Record<string, string>]> = [
        ["{not json", { "content-type": "application/json" }],
        [Buffer.from([0x7b, 0xff, 0x7d]), { "content-type": "application/json" }],
        ["{}", { "content-type": "text/plain" }],
        ["{}", { "content-type": "application/json; charset=latin1" }],
        ["{}", {}],
      ];
      for (const [body, headers] of cases) {
        const answer = await raw(server.url, "POST", "/streams", body, headers);
        expect(answer.status, JSON.stringify(headers)).to.equal(400);
        expect(answer.body.error!.code).to.equal("INVALID_REQUEST");
      }
    });

    it("refuses malformed commits (400 INVALID_COMMIT / INVALID_SIGNATURE)", async function () {
      const genesis = genesisOf(alice, { a: 1 });
      const bodies: Array<[unknown, string]> = [
        [{ ...genesis, commit: { ...genesis.commit, prev: "0x00" } }, "INVALID_COMMIT"],
        [{ ...genesis, commit: { ...genesis.commit, extra: true } }, "INVALID_COMMIT"],
        [{ ...genesis, commit: { ...genesis.commit, signature: "0x1234" } }, "INVALID_SIGNATURE"],
        [{ ...genesis, commit: [] }, "INVALID_COMMIT"],
      ];
      for (const [body, code] of bodies) {
        const answer = await raw(server.url, "POST", "/streams", JSON.stringify(body));
        expect(answer.status).to.equal(400);
        expect(answer.body.error!.code).to.equal(code);
      }
      const deep = JSON.stringify({
        ...genesis,
        commit: {
          ...genesis.commit,
          payload: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) as unknown,
        },
      });
      expect((await raw(server.url, "POST", "/streams", deep)).body.error!.code).to.equal(
        "INVALID_COMMIT",
      );
    });

    it("refuses an oversized body (413) whether its length is declared or not, without reading it all", async function () {
      const big = JSON.stringify({ padding: "x".repeat(10_000) });
      const declared = await raw(server.url, "POST", "/streams", big);
      expect(declared.status).to.equal(413);
      expect(declared.body.error!.code).to.equal("BODY_TOO_LARGE");
      expect(declared.headers.connection).to.equal("close");
      const chunked = await raw(server.url, "POST", "/streams", big, {
        "content-type": "application/json",
        "transfer-encoding": "chunked",
      });
      expect(chunked.status).to.equal(413);
      expect(chunked.body.error!.code).to.equal("BODY_TOO_LARGE");
    });

    it("refuses a payload over its bound (413 PAYLOAD_TOO_LARGE) in a body under the cap", async function () {
      const body = JSON.stringify(genesisOf(alice, { text: "p".repeat(2000) }));
      const answer = await raw(server.url, "POST", "/streams", body);
      expect(answer.status).to.equal(413);
      expect(answer.body.error!.code).to.equal("PAYLOAD_TOO_LARGE");
    });

    it("answers unknown routes 404, wrong methods 405 with Allow, bad queries and ids 400", async function () {
      expect((await raw(server.url, "GET", "/nope")).status).to.equal(404);
      const wrong = await raw(server.url, "DELETE", "/streams");
      expect(wrong.status).to.equal(405);
      expect(wrong.headers.allow).to.equal("GET, POST");
      expect((await raw(server.url, "GET", "/streams?limit=ten")).status).to.equal(400);
      expect((await raw(server.url, "GET", "/streams?owner=x")).status).to.equal(400);
      expect((await raw(server.url, "GET", "/streams/%zz")).status).to.equal(400);
      const id = `0x${"00".repeat(32)}`;
      expect((await raw(server.url, "GET", `/streams/${id}?view=all`)).status).to.equal(400);
      expect((await raw(server.url, "GET", `/streams/${id}?at=1`)).status).to.equal(400);
      expect((await raw(server.url, "POST", "/streams/0x12/commits", "{}")).status).to.equal(400);
    });

    it("answers malformed HTTP with a JSON 400 and keeps serving", async function () {
      const url = new URL(server.url);
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(url.port), url.hostname, () =>
          socket.write("BREW /pot HTCPCP\r\n\r\n"),
        );
        let text = "";
        socket.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
      });
      expect(reply).to.match(/^HTTP\/1\.1 400/);
      expect(reply).to.contain('"code":"INVALID_REQUEST"');
      expect((await client.health()).ok).to.equal(true);
    });
  });

  it("the client reports a store it cannot reach, or a server that is not a store, as STORE_UNREACHABLE", async function () {
    const nobody = new StreamClient(`http://127.0.0.1:${await freePort()}`, { timeoutMs: 2000 });
    const error = await expectRejection(nobody.health(), StreamError, "STORE_UNREACHABLE");
    expect(error.message).to.match(/did not answer GET \/health/);

    const other = http.createServer((_req, res) => res.end("<html>hello</html>"));
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      const port = (other.address() as net.AddressInfo).port;
      const wrong = new StreamClient(`http://127.0.0.1:${port}/`);
      const refusal = await expectRejection(wrong.health(), StreamError, "STORE_UNREACHABLE");
      expect(refusal.message).to.match(/no JSON: is it a stream store/);
    } finally {
      other.close();
    }
  });
});
