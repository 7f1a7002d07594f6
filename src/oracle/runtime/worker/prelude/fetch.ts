/**
 * Sandbox part `fetch` (compiled on first use): WHATWG `fetch(input, init)`, performed by the
 * HOST, never by the sandbox: the request goes out as one `fetch` host call (url, method,
 * headers, body as base64, redirect mode), the host applies its allow-list, limits and redirect
 * checks (src/oracle/fetch/), and its answer becomes a `Response`. A refusal or a network failure
 * rejects with a TypeError, as a browser's fetch does, carrying the host's message and `code`.
 */
export const FETCH_SOURCE = String.raw`(function fetchPart(deps) {
  "use strict";
  const { natives, callHost, part, TypeErrorCtor, Uint8ArrayCtor } = deps;
  const http = part("http");
  async function fetch(input, init = undefined) {
    const request = new http.Request(input, init);
    const parts = http.requestParts(request);
    const args = { url: parts.url, method: parts.method, headers: parts.headers, redirect: parts.redirect };
    if (parts.body !== null) args.bodyBase64 = natives.base64Encode(parts.body.slice().buffer);
    let answer;
    try {
      answer = await callHost("fetch", args);
    } catch (e) {
      const error = new TypeErrorCtor(e.message);
      if (e.code) error.code = e.code;
      throw error;
    }
    const body =
      answer.bodyBase64 !== undefined
        ? { bytes: new Uint8ArrayCtor(natives.base64Decode(answer.bodyBase64)) }
        : { text: answer.body };
    return http.makeResponse({
      status: answer.status, statusText: answer.statusText, headers: answer.headers, body,
      url: answer.url, redirected: answer.redirected,
    });
  }
  return { fetch };
})`;
