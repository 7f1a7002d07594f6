// payoutVoucher.js — a Lit Action.
//
// A bounded payout signer: signs an EIP-191 ("\x19Ethereum Signed Message:\n") voucher that lets
// `recipient` claim `amount` units from a vault contract, if and only if the request fits the
// policy written below. The policy lives in the code, so it is part of the action's CID: a PKP
// granted only this action (e.g. minted, granted and burned in one transaction) can never sign a
// voucher outside it, whoever asks. The vault checks `ecrecover(voucher) == PKP address`, the
// nonce (once only) and the expiry.
//
// jsParams: { recipient: "0x…" (20 bytes), amount: decimal string, nonce: decimal string,
//             expiresAt: unix seconds, publicKey: "0x04…", sigName?: string }
// response: JSON { signed: true, message } with the exact text signed, or { signed: false, reason }.

const POLICY = {
  maxAmount: 1000n, // units per voucher
  maxLifetimeSeconds: 3600, // a voucher expires at most one hour after it is signed
  // Vault operators: never vouch for a payout to these.
  blockedRecipients: ["0x0000000000000000000000000000000000000000"],
};

const refuse = (reason) =>
  LitActions.setResponse({ response: JSON.stringify({ signed: false, reason }) });

const checkRequest = (params, nowSeconds) => {
  const recipient = String(params.recipient ?? "");
  if (!/^0x[0-9a-fA-F]{40}$/.test(recipient)) return { reason: "recipient must be a 0x address" };
  if (POLICY.blockedRecipients.includes(recipient.toLowerCase())) {
    return { reason: `recipient ${recipient} is blocked` };
  }
  const amountText = String(params.amount ?? "");
  if (!/^[1-9][0-9]{0,30}$/.test(amountText)) {
    return { reason: "amount must be a positive decimal integer" };
  }
  const amount = BigInt(amountText);
  if (amount > POLICY.maxAmount) {
    return { reason: `amount ${amountText} exceeds the cap of ${POLICY.maxAmount}` };
  }
  const nonceText = String(params.nonce ?? "");
  if (!/^[0-9]{1,30}$/.test(nonceText)) return { reason: "nonce must be a decimal integer" };
  const expiresAt = Number(params.expiresAt);
  if (!Number.isSafeInteger(expiresAt)) return { reason: "expiresAt must be unix seconds" };
  if (expiresAt <= nowSeconds) return { reason: "expiresAt is in the past" };
  if (expiresAt > nowSeconds + POLICY.maxLifetimeSeconds) {
    return { reason: `expiresAt is more than ${POLICY.maxLifetimeSeconds} s ahead` };
  }
  return {
    message: [
      "payout voucher v1",
      `recipient: ${recipient.toLowerCase()}`,
      `amount: ${amountText}`,
      `nonce: ${nonceText}`,
      `expiresAt: ${expiresAt}`,
    ].join("\n"),
  };
};

const go = async () => {
  const checked = checkRequest(jsParams, Math.floor(Date.now() / 1000));
  if (checked.reason !== undefined) {
    refuse(checked.reason);
    return;
  }
  await LitActions.ethPersonalSignMessageEcdsa({
    message: checked.message,
    publicKey: jsParams.publicKey,
    sigName: jsParams.sigName ?? "voucher",
  });
  LitActions.setResponse({ response: JSON.stringify({ signed: true, message: checked.message }) });
};

go();
