import { ethers } from "hardhat";
import { deployStack, registerKeys, mintTo, mintGrantAndBurn, Stack } from "../test/helpers/stack";
import { testKeys, fakeCid } from "../test/helpers/keys";

async function main() {
  const s = await deployStack();
  const keys = testKeys(20, "batch");
  const tx = await s.router.setRoutingDataBatch(
    keys.map((k) => k.tokenId),
    keys.map((k) => k.publicKey),
    2n,
  );
  const r = await tx.wait();
  console.log("register 20:", r!.gasUsed, "per key", Number(r!.gasUsed) / 20);
  const stack: Stack = { ...s, poolKeys: keys };
  await mintTo(stack, s.alice);
  const cost = await s.pkpNft.mintCost();
  const t2 = await (await s.pkpNft.connect(s.alice).mintNext(2n, { value: cost })).wait();
  console.log("mintNext second:", t2!.gasUsed);
  const tokenId = await s.pkpNft.tokenOfOwnerByIndex(s.alice.address, 1);
  const { receipt } = await mintGrantAndBurn(stack, s.bob, fakeCid("new-1"));
  console.log("mgb new cid:", receipt.gasUsed);
  const { receipt: r2 } = await mintGrantAndBurn(stack, s.bob, fakeCid("new-1"));
  console.log("mgb seen cid:", r2.gasUsed);
  const t3 = await (await s.pkpNft.connect(s.carol).mintNext(2n, { value: cost })).wait();
  const carolToken = await s.pkpNft.tokenOfOwnerByIndex(s.carol.address, 0);
  const a1 = await (
    await s.permissions.connect(s.carol).addPermittedAction(carolToken, fakeCid("new-2"), [1])
  ).wait();
  console.log("addPermittedAction new [1]:", a1!.gasUsed);
  const rm = await (
    await s.permissions.connect(s.carol).removePermittedAction(carolToken, fakeCid("new-2"))
  ).wait();
  console.log("removePermittedAction only holder:", rm!.gasUsed);
  const a2 = await (
    await s.permissions.connect(s.carol).addPermittedAction(carolToken, fakeCid("new-1"), [])
  ).wait();
  console.log("addPermittedAction known []:", a2!.gasUsed);
  await (await s.pkpNft.connect(s.deployer).mintNext(2n, { value: cost })).wait();
  const dTok = await s.pkpNft.tokenOfOwnerByIndex(s.deployer.address, 0);
  const a3 = await (
    await s.permissions.addPermittedAddress(dTok, ethers.Wallet.createRandom().address, [1])
  ).wait();
  console.log("addPermittedAddress new [1]:", a3!.gasUsed);
  const b = await (await s.pkpNft.connect(s.alice).burn(tokenId)).wait();
  console.log("burn:", b!.gasUsed, t3 ? "" : "");
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
