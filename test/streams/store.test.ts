/**
 * The SQLite store in process: the write rules (signer, compare-and-set on the head, ids), its
 * bounds, idempotent retries, persistence across reopening, and refusing a file not its own.
 */
import { expect } from "chai";
import Database from "better-sqlite3";
import { promises as fs } from "node:fs";
import { commitHash, StreamError, StreamStore, streamIdOf } from "../../src/streams";
import { expectRejection, expectThrow } from "../helpers/expectRejection";
import { addressOf, genesisOf, keyOf, nextOf, tempDb } from "./streamHelpers";

describe("streams: the SQLite store", function () {
  const alice = keyOf("alice");
  const mallory = keyOf("mallory");
  let db: Awaited<ReturnType<typeof tempDb>>;
  let store: StreamStore;

  beforeEach(async function () {
    db = await tempDb();
    store = StreamStore.open({ file: db.file });
  });

  afterEach(async function () {
    store.close();
    await db.remove();
  });

  async function aliceStream() {
    const genesis = genesisOf(alice, { type: "post", text: "hello" });
    const receipt = await store.createStream(genesis);
    return { streamId: genesis.commit.streamId, genesis: receipt.hash };
  }

  it("creates a stream from a genesis its controller signed, and appends on the head", async function () {
    const genesis = genesisOf(alice, { type: "post", text: "hello" });
    const created = await store.createStream(genesis);
    expect(created).to.deep.include({
      streamId: genesis.commit.streamId,
      length: 1,
      created: true,
    });
    expect(created.head).to.equal(created.hash);

    const like = nextOf(alice, created.streamId, created.head, { type: "like", by: "bob" });
    const appended = await store.appendCommit(created.streamId, like);
    expect(appended).to.deep.include({ length: 2, created: true });

    const state = await store.getStream(created.streamId);
    expect(state).to.deep.equal({
      streamId: created.streamId,
      controller: addressOf(alice),
      head: appended.hash,
      length: 2,
      commits: [
        {
          hash: created.hash,
          prev: null,
          payload: genesis.commit.payload,
          signature: genesis.commit.signature,
        },
        {
          hash: appended.hash,
          prev: created.hash,
          payload: like.payload,
          signature: like.signature,
        },
      ],
    });
  });

  it("serves the payloads alone, from which the hashes and the head follow", async function () {
    const { streamId, genesis } = await aliceStream();
    const like = await store.appendCommit(streamId, nextOf(alice, streamId, genesis, { n: 1 }));
    const view = await store.getPayloads(streamId);
    expect(view).to.deep.equal({
      streamId,
      controller: addressOf(alice),
      head: like.hash,
      length: 2,
      payloads: [{ type: "post", text: "hello" }, { n: 1 }],
    });
    let prev: string | null = null;
    for (const payload of view.payloads) prev = commitHash({ streamId, prev, payload });
    expect(prev).to.equal(view.head);
  });

  it("refuses a genesis or a commit signed by anyone but the controller (WRONG_SIGNER)", async function () {
    const forged = genesisOf(alice, { type: "post", text: "not alice's" }, mallory);
    const error = await expectRejection(store.createStream(forged), StreamError, "WRONG_SIGNER");
    expect(error.status).to.equal(403);
    expect(error.message).to.contain(addressOf(mallory)).and.contain(addressOf(alice));

    const { streamId, genesis } = await aliceStream();
    const intruder = nextOf(mallory, streamId, genesis, { type: "like", by: "mallory" });
    await expectRejection(store.appendCommit(streamId, intruder), StreamError, "WRONG_SIGNER");
    expect((await store.getStream(streamId)).length).to.equal(1);
  });

  it("refuses a commit whose prev is not the head (STALE_PREV) and names the new head", async function () {
    const { streamId, genesis } = await aliceStream();
    const first = await store.appendCommit(streamId, nextOf(alice, streamId, genesis, { n: 1 }));
    const stale = nextOf(alice, streamId, genesis, { n: 2 });
    const error = await expectRejection(
      store.appendCommit(streamId, stale),
      StreamError,
      "STALE_PREV",
    );
    expect(error.status).to.equal(409);
    expect(error.current).to.deep.equal({ head: first.hash, length: 2 });
    // Rebuilt on the new head, it goes in.
    const rebuilt = await store.appendCommit(
      streamId,
      nextOf(alice, streamId, first.hash, { n: 2 }),
    );
    expect(rebuilt.length).to.equal(3);
  });

  it("answers the same commit sent twice as already there (created: false), even once it is not the head", async function () {
    const { streamId, genesis } = await aliceStream();
    const commit = nextOf(alice, streamId, genesis, { n: 1 });
    const first = await store.appendCommit(streamId, commit);
    expect(await store.appendCommit(streamId, commit)).to.deep.equal({ ...first, created: false });
    const second = await store.appendCommit(
      streamId,
      nextOf(alice, streamId, first.hash, { n: 2 }),
    );
    expect(await store.appendCommit(streamId, commit)).to.deep.equal({
      streamId,
      hash: first.hash,
      head: second.hash,
      length: 3,
      created: false,
    });
    const genesisAgain = await store.createStream(
      genesisOf(alice, { type: "post", text: "hello" }),
    );
    expect(genesisAgain).to.deep.include({ hash: genesis, head: second.hash, created: false });
    expect((await store.getStream(streamId)).length).to.equal(3);
  });

  it("refuses ids that do not match: a streamId not derived from the genesis, a commit sent to another stream", async function () {
    const genesis = genesisOf(alice, { type: "post", text: "hello" });
    const otherId = streamIdOf(addressOf(alice), { type: "post", text: "other" });
    const wrongId = { ...genesis, commit: { ...genesis.commit, streamId: otherId } };
    await expectRejection(store.createStream(wrongId), StreamError, "STREAM_ID_MISMATCH");
    const { streamId, genesis: head } = await aliceStream();
    const elsewhere = nextOf(alice, otherId, head, { n: 1 });
    await expectRejection(
      store.appendCommit(streamId, elsewhere),
      StreamError,
      "STREAM_ID_MISMATCH",
    );
  });

  it("refuses a genesis with a prev, a later commit without one, and commits to unknown streams", async function () {
    const { streamId, genesis } = await aliceStream();
    const withPrev = genesisOf(alice, { a: 1 });
    const signed = nextOf(alice, withPrev.commit.streamId, genesis, { a: 1 });
    await expectRejection(
      store.createStream({ controller: withPrev.controller, commit: signed }),
      StreamError,
      "INVALID_COMMIT",
    );
    const noPrev = { ...nextOf(alice, streamId, genesis, { a: 1 }), prev: null };
    await expectRejection(store.appendCommit(streamId, noPrev), StreamError, "INVALID_COMMIT");
    const unknown = streamIdOf(addressOf(alice), "never created");
    const error = await expectRejection(
      store.appendCommit(unknown, nextOf(alice, unknown, genesis, {})),
      StreamError,
      "STREAM_NOT_FOUND",
    );
    expect(error.status).to.equal(404);
    await expectRejection(store.getStream(unknown), StreamError, "STREAM_NOT_FOUND");
    await expectRejection(store.getStream("0x1234"), StreamError, "INVALID_REQUEST");
  });

  it("refuses a malformed genesis request: no controller, a bad checksum, unknown fields", async function () {
    const genesis = genesisOf(alice, { a: 1 });
    const badChecksum = genesis.controller.replace(/[a-f]/, (c) => c.toUpperCase());
    const bodies: unknown[] = [
      null,
      { commit: genesis.commit },
      { ...genesis, controller: "alice" },
      { ...genesis, controller: badChecksum },
      { ...genesis, extra: 1 },
      { controller: genesis.controller, commit: "commit" },
    ];
    for (const body of bodies) {
      const error = await expectRejection(
        store.createStream(body as Parameters<StreamStore["createStream"]>[0]),
        StreamError,
      );
      expect(error.status, error.message).to.equal(400);
    }
  });

  describe("bounds", function () {
    it("refuses the commit past the commits-per-stream bound (STREAM_FULL) and keeps the rest", async function () {
      store.close();
      store = StreamStore.open({ file: db.file, limits: { maxCommitsPerStream: 3 } });
      const { streamId, genesis } = await aliceStream();
      let head = genesis;
      for (let n = 1; n < 3; n++) {
        head = (await store.appendCommit(streamId, nextOf(alice, streamId, head, { n }))).hash;
      }
      const error = await expectRejection(
        store.appendCommit(streamId, nextOf(alice, streamId, head, { n: 3 })),
        StreamError,
        "STREAM_FULL",
      );
      expect(error.status).to.equal(413);
      expect((await store.getStream(streamId)).length).to.equal(3);
    });

    it("refuses the commit past the payload-bytes-per-stream bound", async function () {
      store.close();
      store = StreamStore.open({ file: db.file, limits: { maxStreamBytes: 100 } });
      const { streamId, genesis } = await aliceStream(); // 30 bytes; 70 more reach the bound exactly
      const head = (
        await store.appendCommit(streamId, nextOf(alice, streamId, genesis, "x".repeat(68)))
      ).hash;
      await expectRejection(
        store.appendCommit(streamId, nextOf(alice, streamId, head, "y")),
        StreamError,
        "STREAM_FULL",
      );
    });

    it("refuses writes once the database file reaches its size bound (STORE_FULL, 507), and still reads", async function () {
      store.close();
      store = StreamStore.open({ file: db.file, limits: { maxDbBytes: 128 * 1024 } });
      let full: StreamError | undefined;
      let written = 0;
      for (let i = 0; i < 200 && full === undefined; i++) {
        try {
          await store.createStream(genesisOf(alice, { i, text: "z".repeat(8000) }));
          written += 1;
        } catch (error) {
          full = error as StreamError;
        }
      }
      expect(full, "the store filled up").to.be.instanceOf(StreamError);
      expect(full!.code).to.equal("STORE_FULL");
      expect(full!.status).to.equal(507);
      expect(written).to.be.greaterThan(2);
      expect((await store.health()).streams).to.equal(written);
      const { streams } = await store.listStreams({ limit: 1 });
      expect((await store.getStream(streams[0].streamId)).length).to.equal(1);
    });

    it("refuses limits that are not positive integers", function () {
      expectThrow(
        () => StreamStore.open({ file: db.file, limits: { maxPayloadBytes: 0 } }),
        StreamError,
        "INVALID_REQUEST",
      );
    });
  });

  it("lists streams by controller, in pages", async function () {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await store.createStream(genesisOf(alice, { i }))).streamId);
    await store.createStream(genesisOf(mallory, { i: 0 }));
    ids.sort();
    const first = await store.listStreams({ controller: addressOf(alice).toLowerCase(), limit: 3 });
    expect(first.streams.map((s) => s.streamId)).to.deep.equal(ids.slice(0, 3));
    expect(first.next).to.equal(ids[2]);
    const rest = await store.listStreams({ controller: addressOf(alice), after: first.next });
    expect(rest.streams.map((s) => s.streamId)).to.deep.equal(ids.slice(3));
    expect(rest.next).to.equal(undefined);
    expect((await store.listStreams()).streams).to.have.length(6);
    await expectRejection(store.listStreams({ limit: 0 }), StreamError, "INVALID_REQUEST");
    await expectRejection(store.listStreams({ limit: 1001 }), StreamError, "INVALID_REQUEST");
    await expectRejection(store.listStreams({ controller: "bob" }), StreamError, "INVALID_REQUEST");
  });

  it("keeps everything across closing and reopening, in WAL mode", async function () {
    const { streamId, genesis } = await aliceStream();
    await store.appendCommit(streamId, nextOf(alice, streamId, genesis, { n: 1 }));
    const before = await store.getStream(streamId);
    store.close();
    await expectRejection(store.getStream(streamId), StreamError, "STORE_CLOSED");
    store = StreamStore.open({ file: db.file });
    expect(await store.getStream(streamId)).to.deep.equal(before);
    expect(await store.health()).to.deep.include({
      ok: true,
      streams: 1,
      commits: 2,
      journalMode: "wal",
    });
  });

  it("compares and sets across two connections to one file: the second writer on a head gets STALE_PREV", async function () {
    const { streamId, genesis } = await aliceStream();
    const other = StreamStore.open({ file: db.file });
    try {
      const won = await other.appendCommit(
        streamId,
        nextOf(alice, streamId, genesis, { by: "other" }),
      );
      const error = await expectRejection(
        store.appendCommit(streamId, nextOf(alice, streamId, genesis, { by: "this" })),
        StreamError,
        "STALE_PREV",
      );
      expect(error.current).to.deep.equal({ head: won.hash, length: 2 });
    } finally {
      other.close();
    }
  });

  it("refuses to open a file that is not its own (another SQLite database, or not SQLite)", async function () {
    const otherDb = `${db.file}.other`;
    const foreign = new Database(otherDb);
    foreign.exec("CREATE TABLE accounts (id INTEGER PRIMARY KEY)");
    foreign.close();
    const error = expectThrow(
      () => StreamStore.open({ file: otherDb }),
      StreamError,
      "STORE_UNREADABLE",
    );
    expect(error.message).to.match(/not written by pkp:streams/);

    const garbage = `${db.file}.garbage`;
    await fs.writeFile(
      garbage,
      "this is not a database, just text that is long enough ".repeat(100),
    );
    expectThrow(() => StreamStore.open({ file: garbage }), StreamError, "STORE_UNREADABLE");
  });
});
