import { expect } from "chai";
import { promises as fs } from "node:fs";
import * as fsModule from "node:fs";
import * as path from "node:path";
import { inspect } from "node:util";
import { ethers } from "ethers";

import {
  FileKeystore,
  KeyRetiredError,
  type Keystore,
  KeystoreError,
  KeystoreHeaderError,
  MemoryKeystore,
  UnknownKeyError,
  UnsupportedKeyTypeError,
  WrongPassphraseError,
} from "../../../src/oracle/keystore";
import { SigningError, verifyLitSignature } from "../../../src/oracle/signing";
import { expectRejection, expectThrow } from "../../helpers/expectRejection";
import { makeTempDir } from "../../helpers/tempDir";

const PASSPHRASE = "correct horse battery staple";
// Cheap scrypt so the suite stays fast; production uses the default N = 2^15.
const FAST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };
const DIGEST = ethers.keccak256(ethers.toUtf8Bytes("hello pkp"));

/** Entropy that hands out predictable keys and remembers them, so tests can hunt for them on disk. */
function recordingEntropy(): { source: (length: number) => Uint8Array; issued: Uint8Array[] } {
  const issued: Uint8Array[] = [];
  let counter = 0;
  return {
    issued,
    source: (length) => {
      const bytes = ethers.getBytes(ethers.keccak256(ethers.toUtf8Bytes(`key-${counter++}`)));
      issued.push(bytes.slice(0, length));
      return bytes.slice(0, length);
    },
  };
}

async function readAllFiles(dir: string): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  for (const name of await fs.readdir(dir))
    contents.set(name, await fs.readFile(path.join(dir, name)));
  return contents;
}

describe("oracle/keystore", function () {
  describe("Keystore contract (both implementations)", function () {
    const implementations: Array<[string, (dir: string) => Promise<Keystore>]> = [
      ["MemoryKeystore", async () => new MemoryKeystore()],
      [
        "FileKeystore",
        (dir) => FileKeystore.open({ dir, passphrase: PASSPHRASE, scrypt: FAST_SCRYPT }),
      ],
    ];
    for (const [name, create] of implementations) {
      describe(name, function () {
        let tmp: Awaited<ReturnType<typeof makeTempDir>>;
        let keystore: Keystore;
        beforeEach(async function () {
          tmp = await makeTempDir();
          keystore = await create(path.join(tmp.path, "ks"));
        });
        afterEach(() => tmp.remove());

        it("generates an ECDSA key whose tokenId is keccak256 of its uncompressed public key", async function () {
          const key = await keystore.generate();
          expect(key.keyType).to.equal(2);
          expect(key.publicKey).to.match(/^0x04[0-9a-f]{128}$/);
          expect(key.tokenId).to.equal(BigInt(ethers.keccak256(key.publicKey)));
          expect(key.ethAddress).to.equal(ethers.computeAddress(key.publicKey));
          expect(Date.parse(key.createdAt)).to.not.be.NaN;
        });

        it("lists, finds and reports every generated key", async function () {
          const a = await keystore.generate();
          const b = await keystore.generate();
          expect(keystore.has(a.tokenId)).to.equal(true);
          expect(keystore.get(b.tokenId)).to.deep.equal(b);
          expect(keystore.list().map((k) => k.tokenId)).to.have.members([a.tokenId, b.tokenId]);
          expect(keystore.has(123n)).to.equal(false);
          expect(keystore.get(123n)).to.equal(undefined);
        });

        it("signs a digest so that ethers.recoverAddress yields the PKP's address", async function () {
          const key = await keystore.generate();
          const sig = keystore.signDigest(key.tokenId, DIGEST);
          expect(ethers.recoverAddress(sig.dataSigned, sig.signature)).to.equal(key.ethAddress);
          expect(sig.publicKey).to.equal(key.publicKey);
          expect(sig.dataSigned).to.equal(DIGEST);
          expect(verifyLitSignature(sig)).to.deep.equal({ ok: true, recovered: key.ethAddress });
        });

        it("accepts the digest as bytes as well as hex", async function () {
          const key = await keystore.generate();
          const fromBytes = keystore.signDigest(key.tokenId, ethers.getBytes(DIGEST));
          expect(fromBytes.dataSigned).to.equal(DIGEST);
          expect(ethers.recoverAddress(DIGEST, fromBytes.signature)).to.equal(key.ethAddress);
        });

        it("refuses to sign for an unknown tokenId with UnknownKeyError", function () {
          expectThrow(() => keystore.signDigest(42n, DIGEST), UnknownKeyError, "UNKNOWN_KEY");
        });

        it("refuses a digest that is not 32 bytes", async function () {
          const key = await keystore.generate();
          expectThrow(
            () => keystore.signDigest(key.tokenId, "0x1234"),
            SigningError,
            "INVALID_DIGEST",
          );
        });

        it("refuses key types other than 2 (ECDSA)", async function () {
          await expectRejection(
            keystore.generate(1),
            UnsupportedKeyTypeError,
            "UNSUPPORTED_KEY_TYPE",
          );
        });

        it("keeps a retired key listed but refuses to sign with it", async function () {
          const key = await keystore.generate();
          const retired = await keystore.retire(key.tokenId, new Date("2030-01-01T00:00:00Z"));
          expect(retired.retiredAt).to.equal("2030-01-01T00:00:00.000Z");
          expect(keystore.has(key.tokenId)).to.equal(true);
          expect(keystore.get(key.tokenId)?.retiredAt).to.equal(retired.retiredAt);
          const error = expectThrow(
            () => keystore.signDigest(key.tokenId, DIGEST),
            KeyRetiredError,
            "KEY_RETIRED",
          );
          expect(error.message).to.contain("2030-01-01");
        });

        it("retiring twice keeps the first retirement time", async function () {
          const key = await keystore.generate();
          await keystore.retire(key.tokenId, new Date("2030-01-01T00:00:00Z"));
          const again = await keystore.retire(key.tokenId, new Date("2031-01-01T00:00:00Z"));
          expect(again.retiredAt).to.equal("2030-01-01T00:00:00.000Z");
        });

        it("refuses to retire an unknown key", async function () {
          await expectRejection(keystore.retire(7n), UnknownKeyError, "UNKNOWN_KEY");
        });

        it("returns copies, so callers cannot alter stored metadata", async function () {
          const key = await keystore.generate();
          const copy = keystore.get(key.tokenId)!;
          copy.ethAddress = ethers.ZeroAddress;
          expect(keystore.get(key.tokenId)?.ethAddress).to.equal(key.ethAddress);
        });

        it("does not reveal private keys through inspection or JSON", async function () {
          const entropy = recordingEntropy();
          const ks =
            name === "MemoryKeystore"
              ? new MemoryKeystore({ entropy: entropy.source })
              : await FileKeystore.open({
                  dir: path.join(tmp.path, "inspect"),
                  passphrase: PASSPHRASE,
                  scrypt: FAST_SCRYPT,
                  entropy: entropy.source,
                });
          await ks.generate();
          // The root secret and the private key are both drawn from the entropy source.
          expect(entropy.issued).to.have.length(2);
          const rendered = inspect(ks, { depth: 10, showHidden: true }) + JSON.stringify(ks);
          for (const secret of entropy.issued) {
            expect(rendered).to.not.contain(ethers.hexlify(secret).slice(2));
          }
          expect(rendered).to.not.contain(PASSPHRASE);
        });

        it("derives secrets deterministically per purpose and id, never the same for two uses", function () {
          const id = ethers.getBytes(DIGEST);
          const a = keystore.deriveSecret("claim-key", id);
          expect(a).to.have.length(32);
          expect(keystore.deriveSecret("claim-key", id)).to.deep.equal(a);
          expect(keystore.deriveSecret("action-key", id)).to.not.deep.equal(a);
          expect(keystore.deriveSecret("claim-key", id.slice(1))).to.not.deep.equal(a);
          expect(keystore.deriveSecret("claim-key", id, 64)).to.have.length(64);
        });

        it("refuses a derivation purpose that is not a lowercase name", function () {
          expectThrow(
            () => keystore.deriveSecret("Claim Key", new Uint8Array(1)),
            KeystoreError,
            "INVALID_OPTIONS",
          );
        });
      });
    }
  });

  describe("FileKeystore persistence", function () {
    let tmp: Awaited<ReturnType<typeof makeTempDir>>;
    let dir: string;
    const open = (extra: Partial<Parameters<typeof FileKeystore.open>[0]> = {}) =>
      FileKeystore.open({ dir, passphrase: PASSPHRASE, scrypt: FAST_SCRYPT, ...extra });

    beforeEach(async function () {
      tmp = await makeTempDir();
      dir = path.join(tmp.path, ".oracle");
    });
    afterEach(() => tmp.remove());

    it("creates the directory 0700 with a 0600 header and 0600 key files", async function () {
      const keystore = await open();
      const key = await keystore.generate();
      expect((await fs.stat(dir)).mode & 0o777).to.equal(0o700);
      expect((await fs.stat(path.join(dir, "keystore.json"))).mode & 0o777).to.equal(0o600);
      expect((await fs.stat(keystore.keyFilePath(key.tokenId))).mode & 0o777).to.equal(0o600);
    });

    it("tightens an existing world-readable directory to 0700", async function () {
      await fs.mkdir(dir, { mode: 0o755 });
      await fs.chmod(dir, 0o755);
      await open();
      expect((await fs.stat(dir)).mode & 0o777).to.equal(0o700);
    });

    it("resolves generate only after tmp write → fsync → rename → directory fsync", async function () {
      const keystore = await open();
      const events: string[] = [];
      const promises = fsModule.promises;
      const originalOpen = promises.open;
      const originalRename = promises.rename;
      promises.open = async (...args: Parameters<typeof originalOpen>) => {
        const handle = await originalOpen(...args);
        const label = path.basename(String(args[0])) || String(args[0]);
        const originalSync = handle.sync.bind(handle);
        handle.sync = async () => {
          await originalSync();
          events.push(
            `fsync ${label.endsWith(".tmp") ? "tmp" : label === ".oracle" ? "dir" : label}`,
          );
        };
        return handle;
      };
      promises.rename = async (from, to) => {
        await originalRename(from, to);
        events.push(
          `rename ${String(from).endsWith(".tmp") ? "tmp" : "?"} -> ${path.extname(String(to))}`,
        );
      };
      let key;
      try {
        key = await keystore.generate();
        events.push("resolved");
      } finally {
        promises.open = originalOpen;
        promises.rename = originalRename;
      }
      expect(events).to.deep.equal(["fsync tmp", "rename tmp -> .json", "fsync dir", "resolved"]);
      expect(fsModule.existsSync(keystore.keyFilePath(key.tokenId))).to.equal(true);
      expect((await fs.readdir(dir)).filter((f) => f.endsWith(".tmp"))).to.deep.equal([]);
    });

    it("survives a restart: reopening yields the same keys, which still sign", async function () {
      const first = await open();
      const a = await first.generate();
      const b = await first.generate();
      await first.retire(b.tokenId, new Date("2030-01-01T00:00:00Z"));

      const second = await open();
      expect(second.problems).to.deep.equal([]);
      expect(second.list()).to.deep.equal(first.list());
      const sig = second.signDigest(a.tokenId, DIGEST);
      expect(ethers.recoverAddress(DIGEST, sig.signature)).to.equal(a.ethAddress);
      expectThrow(() => second.signDigest(b.tokenId, DIGEST), KeyRetiredError, "KEY_RETIRED");
    });

    it("derives the same secrets after a restart, and other secrets in another keystore", async function () {
      const id = ethers.getBytes(DIGEST);
      const first = (await open()).deriveSecret("encryption", id);
      expect((await open()).deriveSecret("encryption", id)).to.deep.equal(first);
      const other = await FileKeystore.open({
        dir: path.join(tmp.path, "other"),
        passphrase: PASSPHRASE,
        scrypt: FAST_SCRYPT,
      });
      expect(other.deriveSecret("encryption", id)).to.not.deep.equal(first);
      expect((await fs.stat(path.join(dir, "root-secret.json"))).mode & 0o777).to.equal(0o600);
    });

    it("refuses to open with a damaged root secret instead of deriving other secrets", async function () {
      await open();
      const file = path.join(dir, "root-secret.json");
      const content = JSON.parse(await fs.readFile(file, "utf8")) as {
        secret: { ciphertext: string };
      };
      content.secret.ciphertext = content.secret.ciphertext.replace(/^./, (c) =>
        c === "0" ? "1" : "0",
      );
      await fs.writeFile(file, JSON.stringify(content));
      await expectRejection(open(), KeystoreError, "ROOT_SECRET_CORRUPT");
    });

    it("loses nothing when the process dies between durable write and chain registration", async function () {
      // The crash model: generate resolves, then the process vanishes without any close/flush.
      let crashed: FileKeystore | undefined = await open();
      const key = await crashed.generate();
      crashed = undefined;

      const restarted = await open();
      expect(restarted.get(key.tokenId)).to.deep.equal(key);
      const sig = restarted.signDigest(key.tokenId, DIGEST);
      expect(ethers.recoverAddress(DIGEST, sig.signature)).to.equal(key.ethAddress);
    });

    it("lets two processes racing to create the keystore end up with one shared header", async function () {
      const [a, b] = await Promise.all([open(), open()]);
      const key = await a.generate();
      expect((await open()).has(key.tokenId)).to.equal(true);
      expect(b.problems).to.deep.equal([]);
      const signedByB = await b.generate();
      expect((await open()).has(signedByB.tokenId)).to.equal(true);
    });

    it("keeps the scrypt cost of an existing keystore even if a different one is passed", async function () {
      const key = await (await open()).generate();
      const reopened = await open({ scrypt: { N: 2 ** 11, r: 8, p: 1 } });
      expect(reopened.has(key.tokenId)).to.equal(true);
      const header = JSON.parse(await fs.readFile(path.join(dir, "keystore.json"), "utf8"));
      expect(header.kdf.N).to.equal(FAST_SCRYPT.N);
    });

    it("stores no private key bytes, root secret or passphrase in plain text on disk", async function () {
      const entropy = recordingEntropy();
      const keystore = await open({ entropy: entropy.source });
      for (let i = 0; i < 3; i++) await keystore.generate();
      await keystore.retire(keystore.list()[0].tokenId);
      expect(entropy.issued).to.have.length(4); // the root secret, then 3 keys

      const files = await readAllFiles(dir);
      expect(files.size).to.equal(5); // header + root secret + 3 keys
      for (const [name, content] of files) {
        const text = content.toString("latin1").toLowerCase();
        for (const secret of entropy.issued) {
          const hex = Buffer.from(secret).toString("hex");
          expect(text, `${name} contains a private key in hex`).to.not.contain(hex);
          expect(content.includes(Buffer.from(secret)), `${name} contains raw key bytes`).to.equal(
            false,
          );
          expect(content.toString("latin1"), `${name} contains base64 key`).to.not.contain(
            Buffer.from(secret).toString("base64"),
          );
        }
        expect(content.toString("utf8"), `${name} contains the passphrase`).to.not.contain(
          PASSPHRASE,
        );
      }
    });

    it("rejects a wrong passphrase with WrongPassphraseError and changes nothing on disk", async function () {
      const key = await (await open()).generate();
      const before = await readAllFiles(dir);

      const error = await expectRejection(
        open({ passphrase: "not the passphrase" }),
        WrongPassphraseError,
        "WRONG_PASSPHRASE",
      );
      expect(error).to.be.instanceOf(KeystoreError);
      expect(error.message).to.contain("wrong passphrase");
      expect(error.message).to.not.contain("not the passphrase");
      expect(await readAllFiles(dir)).to.deep.equal(before);

      expect((await open()).has(key.tokenId)).to.equal(true);
    });

    it("ignores a leftover *.tmp file from a crashed write and reports it", async function () {
      const key = await (await open()).generate();
      const leftover = `pkp-${"ab".repeat(32)}.json.999.deadbeef.tmp`;
      await fs.writeFile(path.join(dir, leftover), '{"format":"lit-pkp-oracle-key","ver');

      const reopened = await open();
      expect(reopened.list().map((k) => k.tokenId)).to.deep.equal([key.tokenId]);
      expect(reopened.problems).to.have.length(1);
      expect(reopened.problems[0].file).to.equal(leftover);
      expect(reopened.problems[0].reason).to.contain("temporary file");
    });

    it("ignores a truncated key file, reports it, and still loads the healthy keys", async function () {
      const keystore = await open();
      const healthy = await keystore.generate();
      const damaged = await keystore.generate();
      const damagedPath = keystore.keyFilePath(damaged.tokenId);
      const content = await fs.readFile(damagedPath);
      await fs.writeFile(damagedPath, content.subarray(0, content.length / 2));

      const reopened = await open();
      expect(reopened.has(healthy.tokenId)).to.equal(true);
      expect(reopened.has(damaged.tokenId)).to.equal(false);
      expect(reopened.problems).to.deep.equal([
        {
          file: path.basename(damagedPath),
          reason: "unreadable key file; ignored: not valid JSON (truncated or partially written?)",
        },
      ]);
    });

    it("ignores an empty key file (crash before any byte was written)", async function () {
      await open();
      const empty = `pkp-${"cd".repeat(32)}.json`;
      await fs.writeFile(path.join(dir, empty), "");
      const reopened = await open();
      expect(reopened.list()).to.deep.equal([]);
      expect(reopened.problems.map((p) => p.file)).to.deep.equal([empty]);
    });

    it("rejects a key file whose ciphertext was tampered with", async function () {
      const keystore = await open();
      const key = await keystore.generate();
      const file = JSON.parse(await fs.readFile(keystore.keyFilePath(key.tokenId), "utf8"));
      const flipped = (parseInt(file.privateKey.ciphertext[0], 16) ^ 1).toString(16);
      file.privateKey.ciphertext = flipped + file.privateKey.ciphertext.slice(1);
      await fs.writeFile(keystore.keyFilePath(key.tokenId), JSON.stringify(file));

      const reopened = await open();
      expect(reopened.has(key.tokenId)).to.equal(false);
      expect(reopened.problems[0].reason).to.contain("fails authentication");
    });

    it("rejects a key file copied under another tokenId's name", async function () {
      const keystore = await open();
      const a = await keystore.generate();
      const b = await keystore.generate();
      await fs.copyFile(keystore.keyFilePath(a.tokenId), keystore.keyFilePath(b.tokenId));

      const reopened = await open();
      expect(reopened.has(a.tokenId)).to.equal(true);
      expect(reopened.has(b.tokenId)).to.equal(false);
      expect(reopened.problems[0].reason).to.contain("does not match the file name");
    });

    it("reports unrelated files in the directory without failing", async function () {
      await open();
      await fs.writeFile(path.join(dir, "notes.txt"), "hello");
      const reopened = await open();
      expect(reopened.problems).to.deep.equal([
        { file: "notes.txt", reason: "not a keystore file; ignored" },
      ]);
    });

    it("refuses to open with a corrupt header instead of replacing it", async function () {
      await (await open()).generate();
      const headerPath = path.join(dir, "keystore.json");
      await fs.writeFile(headerPath, "{ not json");

      const error = await expectRejection(open(), KeystoreHeaderError, "HEADER_CORRUPT");
      expect(error.message).to.contain("restore it from backup");
      expect(await fs.readFile(headerPath, "utf8")).to.equal("{ not json");
    });

    it("refuses a header that demands an absurd scrypt cost", async function () {
      await open();
      const headerPath = path.join(dir, "keystore.json");
      const header = JSON.parse(await fs.readFile(headerPath, "utf8"));
      header.kdf.N = 2 ** 30;
      await fs.writeFile(headerPath, JSON.stringify(header));
      await expectRejection(open(), KeystoreHeaderError, "HEADER_CORRUPT");
    });

    it("refuses to create a new header when key files exist without one", async function () {
      await (await open()).generate();
      await fs.rm(path.join(dir, "keystore.json"));
      const error = await expectRejection(open(), KeystoreHeaderError, "HEADER_MISSING");
      expect(error.message).to.contain("restore the header");
      expect(fsModule.existsSync(path.join(dir, "keystore.json"))).to.equal(false);
    });

    it("rejects an empty passphrase", async function () {
      await expectRejection(open({ passphrase: "" }), KeystoreError, "INVALID_OPTIONS");
    });

    it("rejects scrypt parameters that are not a power of two", async function () {
      const error = await expectRejection(
        open({ scrypt: { N: 1000, r: 8, p: 1 } }),
        KeystoreError,
        "INVALID_OPTIONS",
      );
      expect(error.message).to.contain("power of two");
    });

    it("reports a write failure as WRITE_FAILED and keeps no half-stored key", async function () {
      const keystore = await open();
      // Replace the directory by a plain file: every write below it fails (even as root).
      await fs.rm(dir, { recursive: true });
      await fs.writeFile(dir, "");
      const error = await expectRejection(keystore.generate(), KeystoreError, "WRITE_FAILED");
      expect(error.message).to.contain("the key was not kept");
      expect(keystore.list()).to.deep.equal([]);
    });

    it("uses the default cost (N = 2^15) when none is given", async function () {
      this.timeout(20_000);
      await FileKeystore.open({ dir, passphrase: PASSPHRASE });
      const header = JSON.parse(await fs.readFile(path.join(dir, "keystore.json"), "utf8"));
      expect(header.kdf).to.include({ name: "scrypt", N: 2 ** 15, r: 8, p: 1 });
    });
  });
});
