import { expect } from "chai";
import { EventLoopTurns } from "../../src/oracle/eventLoopTurns";

/** Busy-waits `ms` (so that a timer set before is due when the caller yields). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe("EventLoopTurns", function () {
  it("gives each caller a turn of its own, with the event loop's other phases between turns", async function () {
    const turns = new EventLoopTurns();
    const order: string[] = [];
    const taking = ["a", "b", "c"].map(async (name) => {
      await turns.next();
      order.push(name);
      // A timer due before the next turn: it fires between turns only if they are separate
      // loop iterations (setImmediates queued together would all run in one check phase first).
      setTimeout(() => order.push(`timer after ${name}`), 0);
      spin(3);
    });
    expect(turns.waiting).to.equal(3);
    await Promise.all(taking);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(order).to.deep.equal(["a", "timer after a", "b", "timer after b", "c", "timer after c"]);
    expect(turns.waiting).to.equal(0);
  });

  it("serves a caller that comes later after those already waiting", async function () {
    const turns = new EventLoopTurns();
    const order: number[] = [];
    const first = turns.next().then(() => order.push(1));
    const second = turns.next().then(() => order.push(2));
    await first;
    const third = turns.next().then(() => order.push(3));
    await Promise.all([second, third]);
    expect(order).to.deep.equal([1, 2, 3]);
  });
});
