/**
 * Availability under abuse (issue 12, cases 1–7): each attack runs against a real `hardhat node`
 * and a `pkp:oracle` process on loopback, from attacker addresses (127.0.0.2 and up), while the
 * honest client on 127.0.0.1 runs isPrime. Each case asserts the bounds the service promises:
 * - the honest isPrime `/execute` answers 200 (signature verified) with p99 ≤ 2 s, and every
 *   `/health` answers within 500 ms, during the attack;
 * - and the case's own outcome (memory back, revocation honoured, authSigs refused, quota held,
 *   honest mints served).
 * One node and one oracle serve the whole suite; every attack is bounded in time and count.
 * Figures are printed (not asserted beyond the bounds) so that runs can be compared.
 */
import { expect } from "chai";
import * as net from "node:net";
import { ethers } from "ethers";
import { cidOfCode, cidToBytes } from "../../../src/cid";
import { createAuthSig } from "../../../src/oracle/authSig";
import { formatSiweMessage, parseSiweMessage } from "../../../src/oracle/siwe";
import {
  ORACLE_OPTIONS,
  attacker,
  request,
  repeatUntil,
  startStage,
  type HonestFigures,
  type Stage,
} from "./stage";

const ATTACK_MS = Number(process.env.AVAILABILITY_ATTACK_MS ?? 6_000);
const P99_BOUND_MS = 2_000;
const HEALTH_BOUND_MS = 500;

function report(name: string, honest: HonestFigures, extra: Record<string, unknown> = {}): void {
  console.log(
    `      ${name}: honest /execute n=${honest.executions} p50 ${honest.p50} ms, p99 ${honest.p99} ms, ` +
      `max ${honest.max} ms; /health n=${honest.health.probes} max ${honest.health.max} ms` +
      (Object.keys(extra).length > 0 ? `; ${JSON.stringify(extra)}` : ""),
  );
}

function expectHonestServed(honest: HonestFigures): void {
  expect(honest.failures, JSON.stringify(honest.failures.slice(0, 3))).to.deep.equal([]);
  expect(honest.executions).to.be.above(0);
  expect(honest.p99, "honest isPrime p99 (ms)").to.be.at.most(P99_BOUND_MS);
  expect(honest.health.failures, "failed /health probes").to.equal(0);
  expect(honest.health.max, "slowest /health (ms)").to.be.at.most(HEALTH_BOUND_MS);
}

/** Runs the honest client for ATTACK_MS while `attack(deadline)` runs; returns both results. */
async function during<T>(
  stage: Stage,
  attack: (deadline: number) => Promise<T>,
): Promise<{ honest: HonestFigures; attack: T }> {
  const deadline = performance.now() + ATTACK_MS;
  const [honest, result] = await Promise.all([stage.honest(ATTACK_MS), attack(deadline)]);
  return { honest, attack: result };
}

/** How much more resident memory the oracle may keep after the host-call flood. */
const MAX_RSS_GROWTH_BYTES = 192 * 2 ** 20;

describe("Oracle availability under abuse (hardhat node + pkp:oracle, loopback)", function () {
  this.timeout(180_000);
  let stage: Stage;

  before(async function () {
    this.timeout(300_000);
    stage = await startStage();
    // Warm-up: the workers, the read cache and the connection.
    const warm = await stage.honest(1_000);
    expect(warm.failures).to.deep.equal([]);
  });

  after(async function () {
    await stage?.stop();
  });

  it("1: host-call flood (1,000 isPermittedAuthMethod calls with 64,000-character userIds) — budget refuses it, the main thread and memory recover", async function () {
    const flood = `(async () => {
      const calls = [];
      for (let i = 0; i < 1000; i++) {
        const userId = "0x" + i.toString(16).padStart(8, "0") + "ab".repeat(31995);
        calls.push(Lit.Actions.isPermittedAuthMethod({ tokenId: "1", authMethodType: 1, userId }).catch(() => {}));
      }
      await Promise.all(calls);
    })();`;
    const before = await stage.rss();
    const codes = new Map<string, number>();
    const { honest } = await during(stage, (deadline) =>
      Promise.all(
        [0, 1].map((n) =>
          repeatUntil(deadline, async () => {
            const answer = await request(
              `${stage.oracle.url}/execute`,
              "POST",
              { code: flood },
              {
                localAddress: attacker(n),
              },
            );
            const code = (answer.json as { error?: { code: string } }).error?.code ?? "OK";
            codes.set(code, (codes.get(code) ?? 0) + 1);
          }),
        ),
      ),
    );
    // Memory is compared with the same threads: the extra workers the attack's clients started
    // end after ORACLE_OPTIONS.workerIdleMs without work.
    const workers = async () =>
      (
        (await request(`${stage.oracle.url}/health`, "GET", undefined)).json as {
          runtime: { workers: number };
        }
      ).runtime.workers;
    const settle = Date.now() + 15_000;
    while ((await workers()) > ORACLE_OPTIONS.workers && Date.now() < settle) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await stage.rss();
    report("1", honest, {
      attacks: Object.fromEntries(codes),
      rssBeforeMiB: Math.round(before / 2 ** 20),
      rssAfterMiB: Math.round(after / 2 ** 20),
    });
    expectHonestServed(honest);
    expect([...codes.keys()]).to.deep.equal(["LIMIT_EXCEEDED"]);
    // Back near where it was: the unbounded oracle grew by 1.1 GB and kept it (docs/SECURITY.md
    // V1). An absolute bound, not a ratio: the baseline is mostly threads and V8's heap, and it
    // moves with how threads are built (400 MiB now, 540 when each thread carried TypeScript),
    // while what the attack may leave behind does not; measured: +90 to +110 MiB under c8.
    expect(after - before, "RSS growth after the attack (bytes)").to.be.at.most(
      MAX_RSS_GROWTH_BYTES,
    );
  });

  it("2: runs whose clients disconnect (while(true){} from four addresses) are cancelled; the honest client is not starved", async function () {
    let sent = 0;
    const { honest } = await during(stage, (deadline) =>
      Promise.all(
        [0, 1, 2, 3].map((n) =>
          repeatUntil(deadline, async () => {
            const body = '{"code":"while(true){}"}';
            const socket = net.connect({
              port: Number(new URL(stage.oracle.url).port),
              host: "127.0.0.1",
              localAddress: attacker(n),
            });
            socket.on("error", () => undefined);
            socket.write(
              `POST /execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
                `Content-Length: ${body.length}\r\n\r\n${body}`,
            );
            sent++;
            await new Promise((resolve) => setTimeout(resolve, 300));
            socket.destroy();
          }),
        ),
      ),
    );
    const health = (await request(`${stage.oracle.url}/health`, "GET", undefined)).json as {
      runtime: { busy: number; queued: number };
    };
    report("2", honest, { disconnectedRuns: sent, after: health.runtime });
    expectHonestServed(honest);
    // Once the attack stops, no abandoned run is left holding a worker.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const settled = (await request(`${stage.oracle.url}/health`, "GET", undefined)).json as {
      runtime: { busy: number; queued: number };
    };
    expect(settled.runtime).to.include({ busy: 0, queued: 0 });
  });

  it("3: 64 connections trickling bodies (1 byte every 2 s) are dropped with 408 and hold no slot; /execute and /pkp/sign keep answering", async function () {
    const alice = await stage.signer(2);
    const { pkpNft } = await stage.contracts(alice);
    const tokenId = await pkpNft.mintNext.staticCall(2n, { value: await pkpNft.mintCost() });
    await (await pkpNft.mintNext(2n, { value: await pkpNft.mintCost() })).wait();
    const pubKey = await pkpNft.getPubkey(tokenId);
    const authSig = await createAuthSig(alice, { chainId: stage.chainId, domain: "localhost" });
    const port = Number(new URL(stage.oracle.url).port);
    const outcomes: string[] = [];
    const pkpSign: number[] = [];
    const { honest } = await during(stage, async (deadline) => {
      const slow = Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          repeatUntil(deadline, async () => {
            const socket = net.connect({ port, host: "127.0.0.1", localAddress: attacker(i % 8) });
            let received = "";
            socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
            socket.on("error", () => undefined);
            socket.write(
              "POST /execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                "Content-Length: 1000\r\n\r\n{",
            );
            const trickle = setInterval(() => socket.writable && socket.write(" "), 2_000);
            await new Promise((resolve) => socket.once("close", resolve));
            clearInterval(trickle);
            outcomes.push(received.slice(0, 12));
          }),
        ),
      );
      const signing = repeatUntil(deadline, async () => {
        const answer = await request(`${stage.oracle.url}/pkp/sign`, "POST", {
          pubKey,
          toSign: ethers.keccak256(ethers.toUtf8Bytes(`honest ${pkpSign.length}`)),
          authSig,
        });
        pkpSign.push(answer.status);
        await new Promise((resolve) => setTimeout(resolve, 200));
      });
      await Promise.all([slow, signing]);
    });
    report("3", honest, {
      slowConnections: outcomes.length,
      answered408: outcomes.filter((o) => o.startsWith("HTTP/1.1 408")).length,
      pkpSign: pkpSign.length,
    });
    expectHonestServed(honest);
    expect(outcomes.length).to.be.at.least(64);
    expect(
      outcomes.every((o) => o.startsWith("HTTP/1.1 408")),
      outcomes.join("|"),
    ).to.equal(true);
    expect(pkpSign.length).to.be.above(0);
    expect(
      pkpSign.every((status) => status === 200),
      pkpSign.join(","),
    ).to.equal(true);
  });

  it("4: a request queued behind its client's busy runs is refused when its grant is removed while it waits; the honest client is served meanwhile", async function () {
    const alice = await stage.signer(2);
    const { pkpNft, pkpPermissions } = await stage.contracts(alice);
    const tokenId = await pkpNft.mintNext.staticCall(2n, { value: await pkpNft.mintCost() });
    await (await pkpNft.mintNext(2n, { value: await pkpNft.mintCost() })).wait();
    const publicKey = await pkpNft.getPubkey(tokenId);
    const code = `(async () => {
      await Lit.Actions.signEcdsa({ toSign: jsParams.toSign, publicKey: jsParams.publicKey, sigName: "granted" });
    })();`;
    const cid = cidToBytes(await cidOfCode(code));
    await (await pkpPermissions.addPermittedAction(tokenId, cid, [1n])).wait();
    const body = (i: number) => ({
      code,
      jsParams: { publicKey, toSign: ethers.keccak256(ethers.toUtf8Bytes(`queued ${i}`)) },
    });
    const fromAttacker = { localAddress: attacker(0) };
    const granted = await request(`${stage.oracle.url}/execute`, "POST", body(0), fromAttacker);
    expect(granted.status, JSON.stringify(granted.json)).to.equal(200);

    // The attacker holds every worker its address may have (--max-running-per-client, 3 of the 4)
    // with busy runs for most of the attack, so that its next request waits in the queue; the
    // fourth worker stays for other clients. (Holding all four, from two addresses, would make the
    // honest client wait as long as the runs, which no scheduler can avoid: the pin at run start
    // is the same whatever the run waited for.)
    const holdMs = Math.max(3_000, ATTACK_MS - 1_000);
    const busy = `const end = Date.now() + ${holdMs}; while (Date.now() < end) {}`;
    const holders = Array.from({ length: ORACLE_OPTIONS.maxRunningPerClient }, () =>
      request(`${stage.oracle.url}/execute`, "POST", { code: busy }, fromAttacker),
    );
    const load = async () =>
      (
        (await request(`${stage.oracle.url}/health`, "GET", undefined)).json as {
          runtime: { busy: number; queued: number };
        }
      ).runtime;
    const deadline = Date.now() + 10_000;
    while ((await load()).busy < ORACLE_OPTIONS.maxRunningPerClient && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await load()).busy).to.equal(ORACLE_OPTIONS.maxRunningPerClient);
    const queued = request(`${stage.oracle.url}/execute`, "POST", body(1), fromAttacker);
    while ((await load()).queued < 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Checked before the honest client starts, so the waiting request is the attacker's.
    expect((await load()).queued, "the granted request waits for a worker").to.equal(1);
    const { honest, attack } = await during(stage, async () => {
      await (await pkpPermissions.removePermittedAction(tokenId, cid)).wait();
      return { answer: await queued, holders: await Promise.all(holders) };
    });
    const { answer } = attack;
    report("4", honest, {
      queued: `${answer.status} after ${Math.round(answer.ms)} ms`,
      holdMs,
    });
    expectHonestServed(honest);
    expect(answer.status, JSON.stringify(answer.json)).to.equal(403);
    expect((answer.json as { error: { code: string } }).error.code).to.equal("NOT_PERMITTED");
    expect(JSON.stringify(answer.json)).to.not.include('"signatures"');
    for (const holder of attack.holders) expect(holder.status).to.equal(200);
  });

  it("5: authSigs without expiry, issued in 2099, living too long or for another domain are refused with INVALID_AUTH_SIG", async function () {
    const alice = await stage.signer(2);
    const { pkpNft } = await stage.contracts(alice);
    const tokenId = await pkpNft.mintNext.staticCall(2n, { value: await pkpNft.mintCost() });
    await (await pkpNft.mintNext(2n, { value: await pkpNft.mintCost() })).wait();
    const pubKey = await pkpNft.getPubkey(tokenId);
    const good = await createAuthSig(alice, { chainId: stage.chainId, domain: "localhost" });
    const resign = async (edit: (m: ReturnType<typeof parseSiweMessage>) => object) => {
      const message = formatSiweMessage(
        edit(parseSiweMessage(good.signedMessage)) as ReturnType<typeof parseSiweMessage>,
      );
      return { ...good, signedMessage: message, sig: await alice.signMessage(message) };
    };
    const now = Date.now();
    const bad = {
      "no Expiration Time": await resign(({ expirationTime: _, ...m }) => m),
      "Issued At in 2099": await resign((m) => ({
        ...m,
        issuedAt: "2099-01-01T00:00:00.000Z",
        expirationTime: "2099-01-02T00:00:00.000Z",
      })),
      "a 30-day lifetime": await resign((m) => ({
        ...m,
        expirationTime: new Date(now + 30 * 86_400_000).toISOString(),
      })),
      "another domain": await createAuthSig(alice, {
        chainId: stage.chainId,
        domain: "evil.example",
      }),
      "a URI on another site": await createAuthSig(alice, {
        chainId: stage.chainId,
        domain: "localhost",
        uri: "https://evil.example/login",
      }),
    };
    const toSign = ethers.keccak256(ethers.toUtf8Bytes("authSig rules"));
    const refused: Record<string, string> = {};
    const { honest } = await during(stage, async () => {
      for (const [what, authSig] of Object.entries(bad)) {
        const answer = await request(
          `${stage.oracle.url}/pkp/sign`,
          "POST",
          { pubKey, toSign, authSig },
          { localAddress: attacker(0) },
        );
        const error = (answer.json as { error?: { code: string; message: string } }).error;
        refused[what] = `${answer.status} ${error?.code}: ${error?.message.slice(0, 60)}`;
        expect(answer.status, `${what}: ${JSON.stringify(answer.json)}`).to.equal(401);
        expect(error?.code).to.equal("INVALID_AUTH_SIG");
      }
    });
    report("5", honest);
    for (const line of Object.entries(refused)) console.log(`        ${line[0]} → ${line[1]}`);
    expectHonestServed(honest);
    const accepted = await request(`${stage.oracle.url}/pkp/sign`, "POST", {
      pubKey,
      toSign,
      authSig: good,
    });
    expect(accepted.status, JSON.stringify(accepted.json)).to.equal(200);
  });

  it("6: storing 1 MiB actions hits the per-client rate (429) and then, from many addresses, the quota (507); nothing stored is lost", async function () {
    const stored: Array<{ ipfsId: string; code: string }> = [];
    const statuses = new Map<number, number>();
    let retryAfter: string | undefined;
    let sequence = 0;
    const store = async (n: number) => {
      const code = `// ${n}/${sequence++}\n${"x".repeat(1024 * 1024 - 64)}`;
      const answer = await request(
        `${stage.oracle.url}/actions`,
        "POST",
        { code },
        {
          localAddress: attacker(n),
        },
      );
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status === 200) {
        stored.push({ ipfsId: (answer.json as { ipfsId: string }).ipfsId, code });
      }
      if (answer.status === 429) retryAfter = String(answer.headers["retry-after"]);
      return answer.status;
    };
    const { honest } = await during(stage, async (deadline) => {
      // One address as fast as it can: its rate (4 MiB a minute) stops it.
      while (performance.now() < deadline && (await store(0)) === 200);
      // Then more addresses, each within its rate: the quota (16 MiB) stops them all.
      let full = false;
      await Promise.all(
        [1, 2, 3, 4, 5].map((n) =>
          repeatUntil(deadline, async () => {
            if (full) return new Promise((resolve) => setTimeout(resolve, 100));
            const status = await store(n);
            if (status === 507) full = true;
            if (status === 429) await new Promise((resolve) => setTimeout(resolve, 200));
          }),
        ),
      );
    });
    const storedBytes = stored.reduce((sum, s) => sum + Buffer.byteLength(s.code), 0);
    report("6", honest, {
      statuses: Object.fromEntries(statuses),
      storedMiB: Math.round((storedBytes / 2 ** 20) * 10) / 10,
      retryAfter,
    });
    expectHonestServed(honest);
    expect(statuses.get(429), "per-client rate").to.be.above(0);
    expect(Number(retryAfter)).to.be.within(1, 60);
    expect(statuses.get(507), "quota").to.be.above(0);
    expect(storedBytes).to.be.at.most(ORACLE_OPTIONS.storeQuotaBytes);
    for (const { ipfsId, code } of stored) {
      const answer = await (await fetch(`${stage.oracle.url}/actions/${ipfsId}`)).text();
      expect(answer === code, `stored action ${ipfsId} is intact`).to.equal(true);
    }
  });

  it("7: while an attacker drains the key pool with back-to-back mints, honest mints succeed (≥ half at once, all within 5 s) and the honest client is served", async function () {
    const attackerSigner = await stage.signer(5);
    const honestSigner = await stage.signer(6);
    const attackerNft = (await stage.contracts(attackerSigner)).pkpNft;
    const honestNft = (await stage.contracts(honestSigner)).pkpNft;
    const value = await attackerNft.mintCost();
    let drained = 0;
    /** The attacker's failed mints by reason (NoUnmintedKeys: it found the pool empty). */
    const attackerRefused = new Map<string, number>();
    const attempts: Array<{ firstTry: boolean; ms: number; ok: boolean }> = [];
    const { honest } = await during(stage, async (deadline) => {
      const draining = repeatUntil(deadline, async () => {
        try {
          await (await attackerNft.mintNext(2n, { value })).wait();
          drained++;
        } catch (error) {
          const reason = /NoUnmintedKeys/.test(String(error))
            ? "NoUnmintedKeys"
            : String(error).slice(0, 80);
          attackerRefused.set(reason, (attackerRefused.get(reason) ?? 0) + 1);
        }
      });
      const minting = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        while (performance.now() < deadline - 500) {
          const started = performance.now();
          let firstTry = true;
          let ok = false;
          while (performance.now() - started < 5_000) {
            try {
              await (await honestNft.mintNext(2n, { value })).wait();
              ok = true;
              break;
            } catch (error) {
              if (!/NoUnmintedKeys/.test(String(error))) throw error;
              firstTry = false;
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          }
          attempts.push({ firstTry, ms: Math.round(performance.now() - started), ok });
          await new Promise((resolve) => setTimeout(resolve, 400));
        }
      })();
      await Promise.all([draining, minting]);
    });
    const firstTry = attempts.filter((a) => a.firstTry).length;
    report("7", honest, {
      attackerMinted: drained,
      attackerRefused: Object.fromEntries(attackerRefused),
      honestMints: attempts.length,
      firstTry,
      slowestMintMs: Math.max(...attempts.map((a) => a.ms)),
    });
    expectHonestServed(honest);
    expect(attempts.length).to.be.at.least(4);
    expect(
      attempts.every((a) => a.ok),
      JSON.stringify(attempts),
    ).to.equal(true);
    expect(firstTry * 2, JSON.stringify(attempts)).to.be.at.least(attempts.length);
  });
});
