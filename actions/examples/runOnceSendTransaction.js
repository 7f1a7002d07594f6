// runOnceSendTransaction.js — a Lit Action, as in Lit's docs ("combining signatures" and
// runOnce): signs a transaction inside the action with signAndCombineEcdsa, joins the signature
// with ethers.utils, and sends the transaction once (runOnce; on Lit only the elected node sends)
// through the chain's RPC from getRpcUrl. This oracle's RPC answers reads and
// eth_sendRawTransaction, never the node's own accounts.
//
// jsParams: { publicKey: "0x04…", chain, to, value (wei, decimal) }

const go = async () => {
  const fromAddress = ethers.utils.computeAddress(publicKey);
  const nonce = await Lit.Actions.getLatestNonce({ address: fromAddress, chain });
  const rpcUrl = await Lit.Actions.getRpcUrl({ chain });
  const provider = new ethers.providers.JsonRpcProvider(rpcUrl);
  const feeData = await provider.getFeeData();
  const { chainId } = await provider.getNetwork();
  const unsignedTransaction = {
    type: 2,
    chainId,
    nonce: ethers.BigNumber.from(nonce).toNumber(),
    to,
    value: ethers.BigNumber.from(value),
    gasLimit: 21000,
    maxFeePerGas: feeData.maxFeePerGas,
    maxPriorityFeePerGas: feeData.maxPriorityFeePerGas,
  };
  const toSign = ethers.utils.arrayify(
    ethers.utils.keccak256(ethers.utils.serializeTransaction(unsignedTransaction)),
  );
  const signature = await Lit.Actions.signAndCombineEcdsa({ toSign, publicKey, sigName: "txSig" });
  const jsonSignature = JSON.parse(signature);
  jsonSignature.r = "0x" + jsonSignature.r.substring(2);
  jsonSignature.s = "0x" + jsonSignature.s;
  const hexSignature = ethers.utils.joinSignature(jsonSignature);
  const signedTx = ethers.utils.serializeTransaction(unsignedTransaction, hexSignature);
  const recoveredAddress = ethers.utils.recoverAddress(toSign, hexSignature);
  const response = await Lit.Actions.runOnce(
    { waitForResponse: true, name: "txnSender" },
    async () => {
      const transaction = await provider.sendTransaction(signedTx);
      return transaction.hash;
    },
  );
  Lit.Actions.setResponse({
    response: JSON.stringify({ from: recoveredAddress, txHash: response }),
  });
};

go();
