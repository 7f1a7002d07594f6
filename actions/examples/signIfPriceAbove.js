// signIfPriceAbove.js — a Lit Action, as in Lit's docs ("conditional signing" with fetch).
//
// Reads a price from an HTTP API and signs an attestation of it with the PKP only if the API
// says the price is above a threshold. The oracle performs the fetch (the API's origin must be
// allowed: pkp:oracle --fetch-allow <origin>), and records the response in the outcome, so a
// proof of the signature can be re-executed against the very response the action saw.
//
// jsParams: { publicKey: "0x04…", url: "https://…/price?asset=ETH", threshold: number }

const go = async () => {
  const response = await fetch(url, { headers: { accept: "application/json" } });
  if (!response.ok) {
    Lit.Actions.setResponse({
      response: JSON.stringify({ signed: false, reason: `the API answered ${response.status}` }),
    });
    return;
  }
  const { asset, price } = await response.json();
  if (!(Number(price) > Number(threshold))) {
    Lit.Actions.setResponse({
      response: JSON.stringify({
        signed: false,
        asset,
        price,
        reason: `${price} is not above ${threshold}`,
      }),
    });
    return;
  }
  const message = `${asset} price ${price} is above ${threshold}`;
  await Lit.Actions.ethPersonalSignMessageEcdsa({ message, publicKey, sigName: "attestation" });
  Lit.Actions.setResponse({ response: JSON.stringify({ signed: true, asset, price, message }) });
};

go();
