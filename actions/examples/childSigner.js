// childSigner.js — the child action of callChildSigner.js: signs `toSign` with the PKP and says
// which actions were running (Lit.Auth.actionIpfsIdStack: parent → child).
//
// params (from Lit.Actions.call): { toSign: number[32], publicKey: "0x04…" }

const go = async () => {
  await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: "childSig" });
  Lit.Actions.setResponse({
    response: JSON.stringify({
      signedBy: Lit.Auth.actionIpfsIds[0],
      stack: Lit.Auth.actionIpfsIdStack,
    }),
  });
};

go();
