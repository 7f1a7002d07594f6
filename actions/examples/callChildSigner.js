// callChildSigner.js — a Lit Action that calls another one (Lit.Actions.call), as in Lit's docs.
//
// The parent holds no permission itself: it checks its input, then calls the child action by its
// CID. The child runs in its own sandbox realm with the parent's budget; it signs with the PKP
// only because the child's CID is a permitted action of that PKP. Its signature is returned with
// the parent's, and its response becomes the value of the call.
//
// jsParams: { childIpfsId: "Qm…", publicKey: "0x04…", message: string }

const go = async () => {
  if (typeof message !== "string" || message.length === 0 || message.length > 256) {
    Lit.Actions.setResponse({
      response: JSON.stringify({ signed: false, reason: "message must be 1..256 characters" }),
    });
    return;
  }
  const toSign = Array.from(
    ethers.utils.arrayify(ethers.utils.keccak256(ethers.utils.toUtf8Bytes(message))),
  );
  const childResponse = await Lit.Actions.call({
    ipfsId: childIpfsId,
    params: { toSign, publicKey },
  });
  Lit.Actions.setResponse({
    response: JSON.stringify({
      signed: true,
      child: JSON.parse(childResponse),
      stack: Lit.Auth.actionIpfsIdStack,
    }),
  });
};

go();
