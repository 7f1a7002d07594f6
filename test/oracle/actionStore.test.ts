import { expect } from "chai";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { cidOfCode } from "../../src/cid";
import {
  ActionStoreFullError,
  FileActionStore,
  MemoryActionStore,
  VerifiedCodeCache,
} from "../../src/oracle/actionStore";
import { expectRejection } from "../helpers/expectRejection";
import { makeTempDir } from "../helpers/tempDir";

const CODE = 'Lit.Actions.setResponse({ response: "stored" });';
const OTHER = 'Lit.Actions.setResponse({ response: "other" });';

describe("FileActionStore", () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  beforeEach(async () => {
    dir = await makeTempDir("action-store-");
  });
  afterEach(() => dir.remove());

  const fileOf = (ipfsId: string) => path.join(dir.path, "actions", `${ipfsId}.js`);

  it("stores code under its CID and gives it back", async function () {
    const store = new FileActionStore(dir.path);
    const ipfsId = await store.put(CODE);
    expect(ipfsId).to.equal(await cidOfCode(CODE));
    expect(await store.get(ipfsId)).to.equal(CODE);
    expect(await new FileActionStore(dir.path).get(ipfsId), "after a restart").to.equal(CODE);
  });

  it("refuses a file edited by hand before this process verified it", async function () {
    const ipfsId = await new FileActionStore(dir.path).put(CODE);
    await fs.writeFile(fileOf(ipfsId), OTHER);
    expect(await new FileActionStore(dir.path).get(ipfsId)).to.equal(undefined);
  });

  it("keeps serving verified code, which its CID names, whatever happens to the file", async function () {
    const ipfsId = await new FileActionStore(dir.path).put(CODE);
    const store = new FileActionStore(dir.path);
    expect(await store.get(ipfsId)).to.equal(CODE); // read and hashed once
    await fs.writeFile(fileOf(ipfsId), OTHER);
    expect(await store.get(ipfsId)).to.equal(CODE);
  });

  it("reads from disk again once the cache had to drop the code", async function () {
    const writer = new FileActionStore(dir.path);
    const first = await writer.put(CODE);
    const second = await writer.put(OTHER);
    const store = new FileActionStore(dir.path, { cacheBytes: CODE.length * 2 });
    expect(await store.get(first)).to.equal(CODE);
    expect(await store.get(second)).to.equal(OTHER); // evicts the first
    await fs.writeFile(fileOf(first), "tampered");
    expect(await store.get(first)).to.equal(undefined);
  });
});

describe("action store quota", () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  beforeEach(async () => {
    dir = await makeTempDir("action-store-quota-");
  });
  afterEach(() => dir.remove());

  const sized = (tag: string, bytes: number) => `// ${tag}\n${"x".repeat(bytes - tag.length - 4)}`;

  it("FileActionStore: refuses code past maxBytes (STORE_FULL), counting files already on disk after a restart", async function () {
    const first = new FileActionStore(dir.path, { maxBytes: 250 });
    const a = await first.put(sized("a", 100));
    const b = await first.put(sized("b", 100));
    expect(await first.usedBytes()).to.equal(200);
    await expectRejection(first.put(sized("c", 100)), ActionStoreFullError, "STORE_FULL");
    const restarted = new FileActionStore(dir.path, { maxBytes: 250 });
    expect(await restarted.usedBytes(), "measured from the directory").to.equal(200);
    await expectRejection(restarted.put(sized("c", 100)), ActionStoreFullError, "STORE_FULL");
    expect(await restarted.put(sized("d", 50))).to.equal(await cidOfCode(sized("d", 50)));
    // Nothing stored is lost, no partial file is left, and storing a stored action is free.
    expect(await restarted.get(a)).to.equal(sized("a", 100));
    expect(await restarted.get(b)).to.equal(sized("b", 100));
    expect(await restarted.put(sized("a", 100))).to.equal(a);
    expect(await restarted.usedBytes()).to.equal(250);
    const files = await fs.readdir(path.join(dir.path, "actions"));
    expect(files.filter((f) => !f.endsWith(".js"))).to.deep.equal([]);
    expect(files).to.have.length(3);
  });

  it("FileActionStore: concurrent puts cannot overshoot the quota together", async function () {
    const store = new FileActionStore(dir.path, { maxBytes: 500 });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.put(sized(`p${i}`, 100))),
    );
    expect(results.filter((r) => r.status === "fulfilled")).to.have.length(5);
    expect(await store.usedBytes()).to.equal(500);
  });

  it("MemoryActionStore: the same quota rule", async function () {
    const store = new MemoryActionStore({ maxBytes: 150 });
    await store.put(sized("a", 100));
    await expectRejection(store.put(sized("b", 100)), ActionStoreFullError, "STORE_FULL");
    await store.put(sized("a", 100));
    expect(store.usedBytes).to.equal(100);
  });
});

describe("VerifiedCodeCache", () => {
  it("answers the given ipfsId without hashing only for the very code it verified", async function () {
    const cache = new VerifiedCodeCache();
    const ipfsId = await cache.cidOf(CODE);
    expect(ipfsId).to.equal(await cidOfCode(CODE));
    expect(await cache.cidOf(CODE, ipfsId)).to.equal(ipfsId);
    // Other code claiming that CID is hashed, so the mismatch shows.
    expect(await cache.cidOf(OTHER, ipfsId)).to.equal(await cidOfCode(OTHER));
  });

  it("keeps at most maxBytes of code, dropping the least recently used", async function () {
    const cache = new VerifiedCodeCache(CODE.length * 2 + OTHER.length * 2);
    const a = await cache.cidOf(CODE);
    const b = await cache.cidOf(OTHER);
    expect(cache.get(a)).to.equal(CODE); // a is now the most recently used
    const third = 'Lit.Actions.setResponse({ response: "third" });'; // as long as OTHER
    const c = await cache.cidOf(third);
    expect(cache.get(b), "dropped").to.equal(undefined);
    expect(cache.get(a)).to.equal(CODE);
    expect(cache.get(c)).to.equal(third);
  });

  it("never keeps code larger than the whole cache", async function () {
    const cache = new VerifiedCodeCache(4);
    const ipfsId = await cache.cidOf(CODE);
    expect(cache.get(ipfsId)).to.equal(undefined);
  });
});
