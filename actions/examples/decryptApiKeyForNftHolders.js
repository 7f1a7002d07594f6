// decryptApiKeyForNftHolders.js — a Lit Action, as in Lit's docs ("decrypt within an action").
//
// An API key was encrypted (POST /encrypt, or Lit.Actions.encrypt) under access-control
// conditions: "the caller holds at least one token of this ERC-721". The action decrypts it —
// which the oracle does only if the conditions hold for the caller (the authSig's address) at the
// pinned block — and uses it in a fetch; the key itself never leaves the action.
//
// jsParams: { accessControlConditions, ciphertext, dataToEncryptHash, chain, url }

const go = async () => {
  const apiKey = await Lit.Actions.decryptAndCombine({
    accessControlConditions,
    ciphertext,
    dataToEncryptHash,
    authSig: null,
    chain,
  });
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
  const data = await response.json();
  Lit.Actions.setResponse({ response: JSON.stringify({ status: response.status, data }) });
};

go();
