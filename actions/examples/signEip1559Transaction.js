// signEip1559Transaction.js — a Lit Action, as in Lit's docs ("signing a transaction").
//
// Builds an EIP-1559 transaction with ethers.utils, serializes it, and signs its keccak256 with the
// PKP. The client gets the signature (signatures.sig1) and the unsigned serialized transaction
// (response), joins them with ethers' serializeTransaction(tx, signature) and broadcasts.
//
// jsParams: { publicKey: "0x04…", chainId, nonce, to, value (wei, decimal), gasLimit,
//             maxFeePerGas, maxPriorityFeePerGas (wei, decimal) }

const go = async () => {
  const unsignedTransaction = {
    type: 2,
    chainId: Number(chainId),
    nonce: Number(nonce),
    to,
    value: ethers.BigNumber.from(value),
    gasLimit: ethers.BigNumber.from(gasLimit),
    maxFeePerGas: ethers.BigNumber.from(maxFeePerGas),
    maxPriorityFeePerGas: ethers.BigNumber.from(maxPriorityFeePerGas),
    data: "0x",
  };
  const serializedTx = ethers.utils.serializeTransaction(unsignedTransaction);
  const toSign = ethers.utils.arrayify(ethers.utils.keccak256(serializedTx));
  await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: "sig1" });
  Lit.Actions.setResponse({ response: JSON.stringify({ serializedTx }) });
};

go();
