/**
 * ERC-721 conformance: one set of expectations (ERC-721, Enumerable, Burnable, OpenZeppelin 5's
 * custom errors and their order of checks) that test/base/ERC721PackedEnumerable.test.ts runs
 * against both PKPNFT (our packed ERC721PackedEnumerable) and OpenZeppelin's own ERC721Enumerable
 * + ERC721Burnable (contracts/test/OpenZeppelinERC721Mock.sol). An expectation that OpenZeppelin
 * fails is wrong; one that only ours fails is a bug in ours. Deliberate differences are listed in
 * docs/COMPATIBILITY.md (none affect what is tested here).
 */
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import type { BaseContract, ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  ERC721ReceiverBehaviourMock,
  ERC721ReceiverBehaviourMock__factory,
  IERC721EnumerableBurnable,
  IERC721EnumerableBurnable__factory,
} from "../../typechain-types";

/** The contract under test, as the conformance behaviour drives it. */
export interface Erc721Subject {
  /** The token, through the shared surface (connected to no particular signer). */
  token: IERC721EnumerableBurnable;
  /** The concrete contract: its ABI carries the custom errors the assertions name. */
  errors: BaseContract;
  /** Mints a new token to `to` (an EOA) and returns its id. */
  mint: (to: HardhatEthersSigner) => Promise<bigint>;
}

/** What a subject's fixture returns: the subject and the signers the behaviour uses. */
export interface Erc721World {
  subject: Erc721Subject;
  /** alice, bob, carol (holders), operator, stranger. */
  signers: HardhatEthersSigner[];
}

/** The shared world every test starts from: alice holds t0 and t1, bob holds t2. */
interface Scene {
  token: IERC721EnumerableBurnable;
  errors: BaseContract;
  mint: (to: HardhatEthersSigner) => Promise<bigint>;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  operator: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  t0: bigint;
  t1: bigint;
  t2: bigint;
  receivers: Record<ReceiverBehaviour, ERC721ReceiverBehaviourMock>;
  nonReceiver: string;
}

type ReceiverBehaviour =
  | "Accept"
  | "WrongReturnValue"
  | "RevertWithMessage"
  | "RevertWithCustomError"
  | "RevertWithoutData"
  | "Panic";

const RECEIVER_BEHAVIOURS: ReceiverBehaviour[] = [
  "Accept",
  "WrongReturnValue",
  "RevertWithMessage",
  "RevertWithCustomError",
  "RevertWithoutData",
  "Panic",
];

const INTERFACE_IDS = {
  ERC165: "0x01ffc9a7",
  ERC721: "0x80ac58cd",
  ERC721Metadata: "0x5b5e139f",
  ERC721Enumerable: "0x780e9d63",
};
const SAFE_TRANSFER_WITH_DATA = "safeTransferFrom(address,address,uint256,bytes)";
const SAFE_TRANSFER = "safeTransferFrom(address,address,uint256)";
const PANIC_DIVISION_BY_ZERO = 0x12;

async function sent(tx: Promise<ContractTransactionResponse>): Promise<void> {
  await (await tx).wait();
}

/** Everything enumeration answers, in order: the global list and each holder's list. */
async function enumeration(token: IERC721EnumerableBurnable, holders: HardhatEthersSigner[]) {
  const total = await token.totalSupply();
  const all: bigint[] = [];
  for (let i = 0n; i < total; ++i) all.push(await token.tokenByIndex(i));
  const owned: bigint[][] = [];
  for (const holder of holders) {
    const balance = await token.balanceOf(holder);
    const list: bigint[] = [];
    for (let i = 0n; i < balance; ++i) list.push(await token.tokenOfOwnerByIndex(holder, i));
    owned.push(list);
  }
  return { all, owned };
}

/**
 * OpenZeppelin's enumeration rules as a model: lists in insertion order, removal by moving the
 * last entry into the freed place, a transfer to oneself changing nothing.
 */
class EnumerationModel {
  readonly all: bigint[] = [];
  readonly owned = new Map<string, bigint[]>();
  readonly ownerOf = new Map<bigint, string>();

  mint(to: string, tokenId: bigint): void {
    this.all.push(tokenId);
    this.listOf(to).push(tokenId);
    this.ownerOf.set(tokenId, to);
  }

  transfer(to: string, tokenId: bigint): void {
    const from = this.ownerOf.get(tokenId)!;
    if (from === to) return;
    removeSwapAndPop(this.listOf(from), tokenId);
    this.listOf(to).push(tokenId);
    this.ownerOf.set(tokenId, to);
  }

  burn(tokenId: bigint): void {
    removeSwapAndPop(this.listOf(this.ownerOf.get(tokenId)!), tokenId);
    removeSwapAndPop(this.all, tokenId);
    this.ownerOf.delete(tokenId);
  }

  listOf(owner: string): bigint[] {
    let list = this.owned.get(owner);
    if (!list) this.owned.set(owner, (list = []));
    return list;
  }
}

function removeSwapAndPop(list: bigint[], value: bigint): void {
  const index = list.indexOf(value);
  list[index] = list[list.length - 1];
  list.pop();
}

/**
 * Registers the conformance suite for one subject. `worldFixture` must be a named function
 * declared once (loadFixture snapshots by function identity).
 */
export function shouldBehaveLikeERC721EnumerableBurnable(
  subjectName: string,
  worldFixture: () => Promise<Erc721World>,
): void {
  async function sceneFixture(): Promise<Scene> {
    const { subject, signers } = await worldFixture();
    const [alice, bob, carol, operator, stranger] = signers;
    const t0 = await subject.mint(alice);
    const t1 = await subject.mint(alice);
    const t2 = await subject.mint(bob);
    const factory = await ethers.getContractFactory("ERC721ReceiverBehaviourMock");
    const receivers = {} as Record<ReceiverBehaviour, ERC721ReceiverBehaviourMock>;
    for (const [index, behaviour] of RECEIVER_BEHAVIOURS.entries()) {
      const deployed = await factory.deploy(index);
      receivers[behaviour] = ERC721ReceiverBehaviourMock__factory.connect(
        await deployed.getAddress(),
        alice,
      );
    }
    // A contract with code but no onERC721Received: the token contract itself.
    const nonReceiver = await subject.token.getAddress();
    return {
      token: subject.token,
      errors: subject.errors,
      mint: subject.mint,
      alice,
      bob,
      carol,
      operator,
      stranger,
      t0,
      t1,
      t2,
      receivers,
      nonReceiver,
    };
  }

  describe(`ERC-721 conformance: ${subjectName}`, function () {
    describe("introspection and metadata", function () {
      it("supports ERC-165, ERC-721, Metadata and Enumerable, and nothing else asked", async function () {
        const { token } = await loadFixture(sceneFixture);
        for (const [name, id] of Object.entries(INTERFACE_IDS)) {
          expect(await token.supportsInterface(id), name).to.equal(true);
        }
        expect(await token.supportsInterface("0xffffffff")).to.equal(false);
        expect(await token.supportsInterface("0x12345678")).to.equal(false);
      });

      it("refuses tokenURI of a token that does not exist", async function () {
        const { token, errors } = await loadFixture(sceneFixture);
        await expect(token.tokenURI(12345n))
          .to.be.revertedWithCustomError(errors, "ERC721NonexistentToken")
          .withArgs(12345n);
      });
    });

    describe("balances and owners", function () {
      it("counts each holder's tokens and names each token's owner", async function () {
        const { token, alice, bob, carol, t0, t1, t2 } = await loadFixture(sceneFixture);
        expect(await token.balanceOf(alice)).to.equal(2n);
        expect(await token.balanceOf(bob)).to.equal(1n);
        expect(await token.balanceOf(carol)).to.equal(0n);
        expect(await token.ownerOf(t0)).to.equal(alice.address);
        expect(await token.ownerOf(t1)).to.equal(alice.address);
        expect(await token.ownerOf(t2)).to.equal(bob.address);
      });

      it("refuses the balance of the zero address and the owner of an unknown token", async function () {
        const { token, errors } = await loadFixture(sceneFixture);
        await expect(token.balanceOf(ethers.ZeroAddress))
          .to.be.revertedWithCustomError(errors, "ERC721InvalidOwner")
          .withArgs(ethers.ZeroAddress);
        await expect(token.ownerOf(777n))
          .to.be.revertedWithCustomError(errors, "ERC721NonexistentToken")
          .withArgs(777n);
      });
    });

    describe("enumeration", function () {
      it("lists tokens in mint order, globally and per holder", async function () {
        const { token, alice, bob, carol, t0, t1, t2 } = await loadFixture(sceneFixture);
        expect(await token.totalSupply()).to.equal(3n);
        expect(await enumeration(token, [alice, bob, carol])).to.deep.equal({
          all: [t0, t1, t2],
          owned: [[t0, t1], [t2], []],
        });
      });

      it("refuses indexes past the end with ERC721OutOfBoundsIndex(owner or 0, index)", async function () {
        const { token, errors, alice, carol } = await loadFixture(sceneFixture);
        await expect(token.tokenByIndex(3n))
          .to.be.revertedWithCustomError(errors, "ERC721OutOfBoundsIndex")
          .withArgs(ethers.ZeroAddress, 3n);
        await expect(token.tokenOfOwnerByIndex(alice, 2n))
          .to.be.revertedWithCustomError(errors, "ERC721OutOfBoundsIndex")
          .withArgs(alice.address, 2n);
        await expect(token.tokenOfOwnerByIndex(carol, 0n))
          .to.be.revertedWithCustomError(errors, "ERC721OutOfBoundsIndex")
          .withArgs(carol.address, 0n);
      });

      it("moves a transferred token to the end of its new holder's list and fills the gap with the last", async function () {
        const { token, alice, bob, carol, t0, t1, t2 } = await loadFixture(sceneFixture);
        await sent(token.connect(alice).transferFrom(alice, bob, t0));
        expect(await enumeration(token, [alice, bob, carol])).to.deep.equal({
          all: [t0, t1, t2],
          owned: [[t1], [t2, t0], []],
        });
      });

      it("changes no list on a transfer to oneself", async function () {
        const { token, alice, bob, t0, t1, t2 } = await loadFixture(sceneFixture);
        await sent(token.connect(alice).transferFrom(alice, alice, t0));
        expect(await enumeration(token, [alice, bob])).to.deep.equal({
          all: [t0, t1, t2],
          owned: [[t0, t1], [t2]],
        });
        expect(await token.balanceOf(alice)).to.equal(2n);
      });

      it("takes a burned token out of both lists, filling each gap with the last entry", async function () {
        const { token, alice, bob, t0, t1, t2 } = await loadFixture(sceneFixture);
        await sent(token.connect(alice).burn(t0));
        expect(await token.totalSupply()).to.equal(2n);
        expect(await enumeration(token, [alice, bob])).to.deep.equal({
          all: [t2, t1],
          owned: [[t1], [t2]],
        });
        await sent(token.connect(bob).burn(t2));
        await sent(token.connect(alice).burn(t1));
        expect(await enumeration(token, [alice, bob])).to.deep.equal({ all: [], owned: [[], []] });
      });

      it("keeps a holder's list of six in order through transfers and burns from the middle", async function () {
        const { token, mint, alice, bob, t0, t1, t2 } = await loadFixture(sceneFixture);
        const more = [await mint(alice), await mint(alice), await mint(alice), await mint(alice)];
        const model = new EnumerationModel();
        for (const tokenId of [t0, t1]) model.mint(alice.address, tokenId);
        model.mint(bob.address, t2);
        for (const tokenId of more) model.mint(alice.address, tokenId);
        const steps: Array<[string, bigint]> = [
          ["transfer", t1],
          ["burn", more[0]],
          ["transfer", more[3]],
          ["burn", t0],
          ["transfer", more[1]],
        ];
        for (const [kind, tokenId] of steps) {
          if (kind === "burn") {
            await sent(token.connect(alice).burn(tokenId));
            model.burn(tokenId);
          } else {
            await sent(token.connect(alice).transferFrom(alice, bob, tokenId));
            model.transfer(bob.address, tokenId);
          }
          expect(await enumeration(token, [alice, bob])).to.deep.equal({
            all: model.all,
            owned: [model.listOf(alice.address), model.listOf(bob.address)],
          });
        }
      });

      it("agrees with OpenZeppelin's enumeration rules over random mints, transfers, self-transfers and burns", async function () {
        const { alice, bob, carol, t0, t1, t2 } = await loadFixture(sceneFixture);
        const holders = [alice, bob, carol];
        const op = fc.oneof(
          fc.record({ kind: fc.constant("mint" as const), to: fc.nat(2) }),
          fc.record({ kind: fc.constant("transfer" as const), token: fc.nat(7), to: fc.nat(2) }),
          fc.record({ kind: fc.constant("burn" as const), token: fc.nat(7) }),
        );
        await fc.assert(
          fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 12 }), async (ops) => {
            const again = await loadFixture(sceneFixture);
            const model = new EnumerationModel();
            for (const [tokenId, holder] of [
              [t0, alice],
              [t1, alice],
              [t2, bob],
            ] as const) {
              model.mint(holder.address, tokenId);
            }
            let mints = 0;
            for (const step of ops) {
              if (step.kind === "mint") {
                if (mints++ >= 4) continue;
                model.mint(holders[step.to].address, await again.mint(holders[step.to]));
                continue;
              }
              const existing = [...model.ownerOf.keys()];
              if (existing.length === 0) continue;
              const tokenId = existing[step.token % existing.length];
              const owner = holders.find((h) => h.address === model.ownerOf.get(tokenId))!;
              if (step.kind === "transfer") {
                const to = holders[step.to];
                await sent(again.token.connect(owner).transferFrom(owner, to, tokenId));
                model.transfer(to.address, tokenId);
              } else {
                await sent(again.token.connect(owner).burn(tokenId));
                model.burn(tokenId);
              }
            }
            expect(await enumeration(again.token, holders)).to.deep.equal({
              all: model.all,
              owned: holders.map((h) => model.listOf(h.address)),
            });
            for (const [tokenId, owner] of model.ownerOf) {
              expect(await again.token.ownerOf(tokenId)).to.equal(owner);
            }
          }),
          { numRuns: 12, seed: 721 },
        );
      });
    });

    describe("transferFrom", function () {
      for (const by of ["owner", "approved address", "operator"] as const) {
        it(`lets the ${by} transfer: Transfer event, new owner, balances, approval cleared`, async function () {
          const { token, alice, bob, carol, operator, t0 } = await loadFixture(sceneFixture);
          const spender = by === "owner" ? alice : by === "approved address" ? carol : operator;
          if (by === "approved address") await sent(token.connect(alice).approve(carol, t0));
          if (by === "operator") await sent(token.connect(alice).setApprovalForAll(operator, true));
          await expect(token.connect(spender).transferFrom(alice, bob, t0))
            .to.emit(token, "Transfer")
            .withArgs(alice.address, bob.address, t0)
            .and.not.to.emit(token, "Approval");
          expect(await token.ownerOf(t0)).to.equal(bob.address);
          expect(await token.balanceOf(alice)).to.equal(1n);
          expect(await token.balanceOf(bob)).to.equal(2n);
          expect(await token.getApproved(t0)).to.equal(ethers.ZeroAddress);
        });
      }

      it("clears the approval on a transfer to oneself and emits Transfer(owner, owner)", async function () {
        const { token, alice, carol, t0 } = await loadFixture(sceneFixture);
        await sent(token.connect(alice).approve(carol, t0));
        await expect(token.connect(carol).transferFrom(alice, alice, t0))
          .to.emit(token, "Transfer")
          .withArgs(alice.address, alice.address, t0);
        expect(await token.ownerOf(t0)).to.equal(alice.address);
        expect(await token.getApproved(t0)).to.equal(ethers.ZeroAddress);
      });

      it("does not let a once-approved address transfer again after the token moved", async function () {
        const { token, errors, alice, bob, carol, t0 } = await loadFixture(sceneFixture);
        await sent(token.connect(alice).approve(carol, t0));
        await sent(token.connect(alice).transferFrom(alice, bob, t0));
        await expect(token.connect(carol).transferFrom(bob, carol, t0))
          .to.be.revertedWithCustomError(errors, "ERC721InsufficientApproval")
          .withArgs(carol.address, t0);
      });

      it("stops an operator whose approval was revoked", async function () {
        const { token, errors, alice, bob, operator, t0 } = await loadFixture(sceneFixture);
        await sent(token.connect(alice).setApprovalForAll(operator, true));
        await sent(token.connect(alice).setApprovalForAll(operator, false));
        await expect(token.connect(operator).transferFrom(alice, bob, t0))
          .to.be.revertedWithCustomError(errors, "ERC721InsufficientApproval")
          .withArgs(operator.address, t0);
      });

      it("refuses the zero address as receiver with ERC721InvalidReceiver(0)", async function () {
        const { token, errors, alice, t0 } = await loadFixture(sceneFixture);
        await expect(token.connect(alice).transferFrom(alice, ethers.ZeroAddress, t0))
          .to.be.revertedWithCustomError(errors, "ERC721InvalidReceiver")
          .withArgs(ethers.ZeroAddress);
      });

      it("refuses a wrong `from` with ERC721IncorrectOwner(from, tokenId, owner)", async function () {
        const { token, errors, alice, bob, carol, t0 } = await loadFixture(sceneFixture);
        await expect(token.connect(alice).transferFrom(carol, bob, t0))
          .to.be.revertedWithCustomError(errors, "ERC721IncorrectOwner")
          .withArgs(carol.address, t0, alice.address);
      });

      it("refuses a stranger with ERC721InsufficientApproval, checked before `from`", async function () {
        const { token, errors, alice, stranger, t0 } = await loadFixture(sceneFixture);
        await expect(token.connect(stranger).transferFrom(alice, stranger, t0))
          .to.be.revertedWithCustomError(errors, "ERC721InsufficientApproval")
          .withArgs(stranger.address, t0);
        await expect(token.connect(stranger).transferFrom(stranger, stranger, t0))
          .to.be.revertedWithCustomError(errors, "ERC721InsufficientApproval")
          .withArgs(stranger.address, t0);
      });

      it("refuses a token that does not exist with ERC721NonexistentToken", async function () {
        const { token, errors, alice, bob } = await loadFixture(sceneFixture);
        await expect(token.connect(alice).transferFrom(alice, bob, 4242n))
          .to.be.revertedWithCustomError(errors, "ERC721NonexistentToken")
          .withArgs(4242n);
      });

      it("does not ask a contract receiver (transferFrom is not a safe transfer)", async function () {
        const { token, alice, receivers, t0 } = await loadFixture(sceneFixture);
        const refusing = receivers.RevertWithMessage;
        await expect(token.connect(alice).transferFrom(alice, refusing, t0)).not.to.emit(
          refusing,
          "Received",
        );
        expect(await token.ownerOf(t0)).to.equal(await refusing.getAddress());
      });
    });

    describe("safeTransferFrom", function () {
      for (const signature of [SAFE_TRANSFER, SAFE_TRANSFER_WITH_DATA] as const) {
        const withData = signature === SAFE_TRANSFER_WITH_DATA;
        const data = withData ? "0x42cafe" : "0x";
        const send = (
          token: IERC721EnumerableBurnable,
          by: HardhatEthersSigner,
          from: string,
          to: string,
          tokenId: bigint,
        ) =>
          withData
            ? token.connect(by)[SAFE_TRANSFER_WITH_DATA](from, to, tokenId, data)
            : token.connect(by)[SAFE_TRANSFER](from, to, tokenId);

        describe(signature, function () {
          it("transfers to an EOA", async function () {
            const { token, alice, bob, t0 } = await loadFixture(sceneFixture);
            await expect(send(token, alice, alice.address, bob.address, t0))
              .to.emit(token, "Transfer")
              .withArgs(alice.address, bob.address, t0);
            expect(await token.ownerOf(t0)).to.equal(bob.address);
          });

          it("calls an accepting receiver with (operator, from, tokenId, data)", async function () {
            const { token, alice, operator, receivers, t0 } = await loadFixture(sceneFixture);
            const receiver = receivers.Accept;
            const to = await receiver.getAddress();
            await sent(token.connect(alice).setApprovalForAll(operator, true));
            await expect(send(token, operator, alice.address, to, t0))
              .to.emit(receiver, "Received")
              .withArgs(operator.address, alice.address, t0, data)
              .and.to.emit(token, "Transfer")
              .withArgs(alice.address, to, t0);
            expect(await token.ownerOf(t0)).to.equal(to);
          });

          const refusals: Array<{ behaviour: ReceiverBehaviour | "no hook"; expects: string }> = [
            { behaviour: "no hook", expects: "ERC721InvalidReceiver(receiver)" },
            { behaviour: "WrongReturnValue", expects: "ERC721InvalidReceiver(receiver)" },
            { behaviour: "RevertWithoutData", expects: "ERC721InvalidReceiver(receiver)" },
            { behaviour: "RevertWithMessage", expects: "the receiver's message" },
            { behaviour: "RevertWithCustomError", expects: "the receiver's custom error" },
            { behaviour: "Panic", expects: "the receiver's panic" },
          ];
          for (const { behaviour, expects } of refusals) {
            it(`reverts for a receiver with ${behaviour}: ${expects}; the token stays`, async function () {
              const scene = await loadFixture(sceneFixture);
              const { token, errors, alice, t0 } = scene;
              const to =
                behaviour === "no hook"
                  ? scene.nonReceiver
                  : await scene.receivers[behaviour].getAddress();
              const attempt = send(token, alice, alice.address, to, t0);
              if (behaviour === "RevertWithMessage") {
                await expect(attempt).to.be.revertedWith("ERC721ReceiverBehaviourMock: no");
              } else if (behaviour === "RevertWithCustomError") {
                await expect(attempt)
                  .to.be.revertedWithCustomError(scene.receivers[behaviour], "ReceiverRefused")
                  .withArgs(alice.address, t0);
              } else if (behaviour === "Panic") {
                await expect(attempt).to.be.revertedWithPanic(PANIC_DIVISION_BY_ZERO);
              } else {
                await expect(attempt)
                  .to.be.revertedWithCustomError(errors, "ERC721InvalidReceiver")
                  .withArgs(to);
              }
              expect(await token.ownerOf(t0)).to.equal(alice.address);
            });
          }

          it("checks ownership and approval before asking the receiver", async function () {
            const { token, errors, stranger, receivers, t0 } = await loadFixture(sceneFixture);
            const receiver = receivers.Accept;
            await expect(send(token, stranger, stranger.address, await receiver.getAddress(), t0))
              .to.be.revertedWithCustomError(errors, "ERC721InsufficientApproval")
              .withArgs(stranger.address, t0);
          });
        });
      }
    });

    describe("approve and getApproved", function () {
      it("lets the owner approve an address: Approval event, getApproved answers it", async function () {
        const { token, alice, carol, t0 } = await loadFixture(sceneFixture);
        await expect(token.connect(alice).approve(carol, t0))
          .to.emit(token, "Approval")
          .withArgs(alice.address, carol.address, t0);
        expect(await token.getApproved(t0)).to.equal(carol.address);
      });

      it("lets an operator approve on the owner's behalf (the event names the owner)", async function () {
        const { token, alice, carol, operator, t0 } = await loadFixture(sceneFixture);
        await sent(token.connect(alice).setApprovalForAll(operator, true));
        await expect(token.connect(operator).approve(carol, t0))
          .to.emit(token, "Approval")
          .withArgs(alice.address, carol.address, t0);
        expect(await token.getApproved(t0)).to.equal(carol.address);
      });

      it("clears an approval with approve(0)", async function () {
        const { token, alice, carol, t0 } = await loadFixture(sceneFixture);
        await sent(token.connect(alice).approve(carol, t0));
        await expect(token.connect(alice).approve(ethers.ZeroAddress, t0))
          .to.emit(token, "Approval")
          .withArgs(alice.address, ethers.ZeroAddress, t0);
        expect(await token.getApproved(t0)).to.equal(ethers.ZeroAddress);
      });

      it("refuses a stranger and an approved address with ERC721InvalidApprover", async function () {
        const { token, errors, alice, carol, stranger, t0 } = await loadFixture(sceneFixture);
        await expect(token.connect(stranger).approve(stranger, t0))
          .to.be.revertedWithCustomError(errors, "ERC721InvalidApprover")
          .withArgs(stranger.address);
        await sent(token.connect(alice).approve(carol, t0));
        await expect(token.connect(carol).approve(stranger, t0))
          .to.be.revertedWithCustomError(errors, "ERC721InvalidApprover")
          .withArgs(carol.address);
      });

      it("refuses approve and getApproved for a token that does not exist", async function () {
        const { token, errors, alice, carol } = await loadFixture(sceneFixture);
        await expect(token.connect(alice).approve(carol, 99n))
          .to.be.revertedWithCustomError(errors, "ERC721NonexistentToken")
          .withArgs(99n);
        await expect(token.getApproved(99n))
          .to.be.revertedWithCustomError(errors, "ERC721NonexistentToken")
          .withArgs(99n);
      });
    });

    describe("setApprovalForAll and isApprovedForAll", function () {
      it("sets and unsets an operator with ApprovalForAll events", async function () {
        const { token, alice, bob, operator } = await loadFixture(sceneFixture);
        await expect(token.connect(alice).setApprovalForAll(operator, true))
          .to.emit(token, "ApprovalForAll")
          .withArgs(alice.address, operator.address, true);
        expect(await token.isApprovedForAll(alice, operator)).to.equal(true);
        expect(await token.isApprovedForAll(bob, operator)).to.equal(false);
        await expect(token.connect(alice).setApprovalForAll(operator, false))
          .to.emit(token, "ApprovalForAll")
          .withArgs(alice.address, operator.address, false);
        expect(await token.isApprovedForAll(alice, operator)).to.equal(false);
      });

      it("refuses the zero address as operator with ERC721InvalidOperator(0)", async function () {
        const { token, errors, alice } = await loadFixture(sceneFixture);
        await expect(token.connect(alice).setApprovalForAll(ethers.ZeroAddress, true))
          .to.be.revertedWithCustomError(errors, "ERC721InvalidOperator")
          .withArgs(ethers.ZeroAddress);
      });
    });

    describe("burn", function () {
      for (const by of ["owner", "approved address", "operator"] as const) {
        it(`lets the ${by} burn: Transfer to 0, no owner, balance and supply down`, async function () {
          const { token, errors, alice, carol, operator, t0 } = await loadFixture(sceneFixture);
          const burner = by === "owner" ? alice : by === "approved address" ? carol : operator;
          if (by === "approved address") await sent(token.connect(alice).approve(carol, t0));
          if (by === "operator") await sent(token.connect(alice).setApprovalForAll(operator, true));
          await expect(token.connect(burner).burn(t0))
            .to.emit(token, "Transfer")
            .withArgs(alice.address, ethers.ZeroAddress, t0);
          await expect(token.ownerOf(t0))
            .to.be.revertedWithCustomError(errors, "ERC721NonexistentToken")
            .withArgs(t0);
          await expect(token.getApproved(t0))
            .to.be.revertedWithCustomError(errors, "ERC721NonexistentToken")
            .withArgs(t0);
          expect(await token.balanceOf(alice)).to.equal(1n);
          expect(await token.totalSupply()).to.equal(2n);
        });
      }

      it("refuses a stranger with ERC721InsufficientApproval", async function () {
        const { token, errors, stranger, t0 } = await loadFixture(sceneFixture);
        await expect(token.connect(stranger).burn(t0))
          .to.be.revertedWithCustomError(errors, "ERC721InsufficientApproval")
          .withArgs(stranger.address, t0);
      });

      it("refuses a token that does not exist, or no longer does", async function () {
        const { token, errors, alice, t0 } = await loadFixture(sceneFixture);
        await expect(token.connect(alice).burn(31337n))
          .to.be.revertedWithCustomError(errors, "ERC721NonexistentToken")
          .withArgs(31337n);
        await sent(token.connect(alice).burn(t0));
        await expect(token.connect(alice).burn(t0))
          .to.be.revertedWithCustomError(errors, "ERC721NonexistentToken")
          .withArgs(t0);
      });

      it("drops an approval when the token changes hands", async function () {
        const { token, alice, bob, carol, t1 } = await loadFixture(sceneFixture);
        await sent(token.connect(alice).approve(carol, t1));
        await sent(token.connect(alice).transferFrom(alice, bob, t1));
        expect(await token.getApproved(t1)).to.equal(ethers.ZeroAddress);
        await sent(token.connect(bob).burn(t1));
        expect(await token.balanceOf(bob)).to.equal(1n);
      });
    });
  });
}

/** Connects `address` through the shared surface the behaviour drives. */
export function erc721Surface(address: string): IERC721EnumerableBurnable {
  return IERC721EnumerableBurnable__factory.connect(address, ethers.provider);
}
