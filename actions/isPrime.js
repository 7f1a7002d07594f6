// isPrime.js — a Lit Action.
//
// Signs the number given in jsParams.number with the PKP `publicKey` if, and only if, it is
// prime. What is signed (`dataSigned`) is the number as a 32-byte big-endian integer, so anyone
// holding a signature can see which number the PKP vouched for. For any other input the action
// ends without a signature and says why in its response.
//
// jsParams: { number: number | string (decimal), publicKey: "0x04…", sigName?: string }

const isPrime = (n) => {
  if (n < 2n) return false;
  if (n % 2n === 0n) return n === 2n;
  for (let d = 3n; d * d <= n; d += 2n) {
    if (n % d === 0n) return false;
  }
  return true;
};

const toUint256Bytes = (n) => {
  const bytes = new Uint8Array(32);
  for (let i = 31, v = n; i >= 0; i--, v >>= 8n) bytes[i] = Number(v & 0xffn);
  return bytes;
};

const go = async () => {
  const text = String(jsParams.number ?? "");
  if (!/^[0-9]{1,15}$/.test(text)) {
    LitActions.setResponse({
      response: JSON.stringify({
        signed: false,
        reason: "number must be a decimal integer below 10^15",
      }),
    });
    return;
  }
  const n = BigInt(text);
  if (!isPrime(n)) {
    LitActions.setResponse({
      response: JSON.stringify({ number: text, signed: false, reason: `${text} is not prime` }),
    });
    return;
  }
  await LitActions.signEcdsa({
    toSign: toUint256Bytes(n),
    publicKey: jsParams.publicKey,
    sigName: jsParams.sigName ?? "prime",
  });
  LitActions.setResponse({ response: JSON.stringify({ number: text, signed: true, prime: true }) });
};

go();
