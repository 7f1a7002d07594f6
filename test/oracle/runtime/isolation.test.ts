import { expect } from "chai";
import { ActionRuntime } from "../../../src/oracle/runtime";
import { FakeHost, IPFS_ID, expectFailure, expectHealthy } from "./fakeHost";

/** Every global name a fresh sandbox has: QuickJS's ECMAScript built-ins plus our API. */
// prettier-ignore
const ALLOWED_GLOBALS = new Set([
  "Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError",
  "InternalError", "AggregateError", "Array", "Object", "Function", "Iterator", "parseInt",
  "parseFloat", "isNaN", "isFinite", "decodeURI", "decodeURIComponent", "encodeURI",
  "encodeURIComponent", "escape", "unescape", "Infinity", "NaN", "undefined", "eval", "Number",
  "Boolean", "String", "Math", "Reflect", "Symbol", "globalThis", "BigInt", "Date", "RegExp",
  "JSON", "Proxy", "Map", "Set", "WeakMap", "WeakSet", "ArrayBuffer", "SharedArrayBuffer",
  "Uint8ClampedArray", "Int8Array", "Uint8Array", "Int16Array", "Uint16Array", "Int32Array",
  "Uint32Array", "BigInt64Array", "BigUint64Array", "Float16Array", "Float32Array",
  "Float64Array", "DataView", "Promise", "WeakRef", "FinalizationRegistry",
  // ours: Lit's globals, console, timers, jsParams
  "Lit", "LitActions", "LitAuth", "LitHeaders", "jsParams", "console", "setTimeout",
  "setInterval", "clearTimeout", "clearInterval",
  // Lit's Deno runtime's web APIs and its ethers/jwt (compiled on first use; host-mediated fetch)
  "TextEncoder", "TextDecoder", "atob", "btoa", "URL", "URLSearchParams", "Headers", "Request",
  "Response", "DOMException", "crypto", "structuredClone", "fetch", "ethers", "jwt", "global",
]);

describe("ActionRuntime: isolation of sandboxed code", function () {
  let runtime: ActionRuntime;

  before(function () {
    runtime = new ActionRuntime({ poolSize: 2, limits: { timeoutMs: 1_000 } });
  });

  after(async function () {
    await runtime.close();
  });

  afterEach(async function () {
    await expectHealthy(runtime);
  });

  async function respond(code: string): Promise<string> {
    const outcome = await runtime.run({ code, ipfsId: IPFS_ID, host: new FakeHost() });
    return outcome.response;
  }

  it("has no process, require, module, Buffer, WebAssembly or Deno (global is globalThis)", async function () {
    const names = ["process", "require", "module", "exports", "Buffer", "WebAssembly", "Deno"];
    const response = await respond(
      `LitActions.setResponse({ response: JSON.stringify([${JSON.stringify(names.concat(["__filename", "__dirname"]))}.map((n) => typeof globalThis[n]), global === globalThis]) });`,
    );
    expect(JSON.parse(response)).to.deep.equal([Array(9).fill("undefined"), true]);
  });

  it("exposes only ES built-ins and the Lit API as globals", async function () {
    const response = await respond(
      "LitActions.setResponse({ response: JSON.stringify(Reflect.ownKeys(globalThis).map(String)) });",
    );
    const unexpected = (JSON.parse(response) as string[]).filter(
      (name) => !ALLOWED_GLOBALS.has(name) && !name.startsWith("Symbol("),
    );
    expect(unexpected).to.deep.equal([]);
  });

  it("finds no host object when walking everything reachable from globalThis", async function () {
    const response = await respond(`
      const seen = new Set();
      const suspicious = [];
      const hostMarkers = ["process", "require", "Buffer", "mainModule", "binding", "dlopen", "_load"];
      function walk(value, path, depth) {
        if ((typeof value !== "object" && typeof value !== "function") || value === null) return;
        if (seen.has(value) || depth > 6) return;
        seen.add(value);
        for (const key of Reflect.ownKeys(value)) {
          const name = String(key);
          if (hostMarkers.includes(name)) suspicious.push(path + "." + name);
          let child;
          try {
            const d = Object.getOwnPropertyDescriptor(value, key);
            child = d && ("value" in d ? d.value : d.get);
          } catch (e) { continue; }
          walk(child, path + "." + name, depth + 1);
        }
        walk(Object.getPrototypeOf(value), path + ".__proto__", depth + 1);
      }
      walk(globalThis, "globalThis", 0);
      LitActions.setResponse({ response: JSON.stringify({ visited: seen.size, suspicious }) });
    `);
    const { visited, suspicious } = JSON.parse(response) as {
      visited: number;
      suspicious: string[];
    };
    expect(visited).to.be.greaterThan(100);
    expect(suspicious).to.deep.equal([]);
  });

  it("finds no host object after loading every lazy global and all of ethers", async function () {
    this.timeout(60_000);
    const outcome = await runtime.run({
      ipfsId: IPFS_ID,
      host: new FakeHost(),
      limits: { timeoutMs: 20_000 },
      code: `
      for (const name of ["TextEncoder", "URL", "Headers", "crypto", "fetch", "jwt", "ethers", "LitHeaders"]) globalThis[name];
      for (const key of Object.keys(ethers)) ethers[key];
      for (const key of Object.keys(ethers.utils)) ethers.utils[key];
      const seen = new Set();
      const suspicious = [];
      const hostMarkers = ["process", "require", "Buffer", "mainModule", "binding", "dlopen", "_load", "natives", "hostCall"];
      function walk(value, path, depth) {
        if ((typeof value !== "object" && typeof value !== "function") || value === null) return;
        if (seen.has(value) || depth > 5) return;
        seen.add(value);
        for (const key of Reflect.ownKeys(value)) {
          const name = String(key);
          if (hostMarkers.includes(name)) suspicious.push(path + "." + name);
          let child;
          try {
            const d = Object.getOwnPropertyDescriptor(value, key);
            child = d && ("value" in d ? d.value : d.get);
          } catch (e) { continue; }
          walk(child, path + "." + name, depth + 1);
        }
        walk(Object.getPrototypeOf(value), path + ".__proto__", depth + 1);
      }
      walk(globalThis, "globalThis", 0);
      LitActions.setResponse({ response: JSON.stringify({ visited: seen.size, suspicious }) });`,
    });
    const { visited, suspicious } = JSON.parse(outcome.response) as {
      visited: number;
      suspicious: string[];
    };
    expect(visited).to.be.greaterThan(1000);
    expect(suspicious).to.deep.equal([]);
  });

  it("gives the sandbox's own realm to this.constructor.constructor('return process')()", async function () {
    await expectFailure(
      runtime.run({
        code: "this.constructor.constructor('return process')()",
        ipfsId: IPFS_ID,
        host: new FakeHost(),
      }),
      "ACTION_ERROR",
      /ReferenceError: '?process'? is not defined/,
    );
    const response = await respond(`
      const viaFunction = Function("return this")();
      const viaLit = Lit.Actions.signEcdsa.constructor("return typeof process")();
      LitActions.setResponse({ response: String(viaFunction === globalThis) + "," + viaLit });
    `);
    expect(response).to.equal("true,undefined");
  });

  it("rejects dynamic import('fs') because there is no module loader", async function () {
    const response = await respond(`
      const result = await import("fs").then(() => "loaded", (e) => "rejected: " + e.message);
      LitActions.setResponse({ response: result });
    `);
    expect(response).to.match(/^rejected: /);
  });

  it("gives errors from host calls no path to the host realm", async function () {
    const host = new FakeHost(() => {
      throw new Error("host failure");
    });
    const outcome = await runtime.run({
      ipfsId: IPFS_ID,
      host,
      code: `
        const found = [];
        try { await LitActions.getPermittedActions({ tokenId: 1 }); } catch (e) {
          found.push(e instanceof Error, Object.getPrototypeOf(e) === Error.prototype);
          found.push(e.constructor.constructor("return typeof process")());
          found.push(Object.getOwnPropertyNames(e).sort().join(","));
        }
        try { LitActions.setResponse(); } catch (e) {
          found.push(e.constructor.constructor("return typeof require")());
        }
        LitActions.setResponse({ response: JSON.stringify(found) });
      `,
    });
    expect(JSON.parse(outcome.response)).to.deep.equal([
      true,
      true,
      "undefined",
      "message,stack",
      "undefined",
    ]);
  });

  it("ends an endless Promise.resolve().then chain with ACTION_TIMEOUT", async function () {
    await expectFailure(
      runtime.run({
        code: "function spin() { Promise.resolve().then(spin); } spin();",
        ipfsId: IPFS_ID,
        host: new FakeHost(),
        limits: { timeoutMs: 500 },
      }),
      "ACTION_TIMEOUT",
    );
  });

  it("ends an endless queueMicrotask-style async loop with ACTION_TIMEOUT", async function () {
    await expectFailure(
      runtime.run({
        code: "(async () => { for (;;) { await null; } })();",
        ipfsId: IPFS_ID,
        host: new FakeHost(),
        limits: { timeoutMs: 500 },
      }),
      "ACTION_TIMEOUT",
    );
  });

  it("keeps a jsParam named __proto__ an ordinary global: the global object's prototype is untouched", async function () {
    const outcome = await runtime.run({
      code: `Lit.Actions.setResponse({ response: JSON.stringify({
        protoIsObject: Object.getPrototypeOf(globalThis) === Object.prototype,
        polluted: typeof globalThis.polluted,
        own: Object.getOwnPropertyDescriptor(globalThis, "__proto__").value.polluted,
        plain: jsParams.plain,
      }) });`,
      ipfsId: IPFS_ID,
      host: new FakeHost(),
      jsParams: JSON.parse('{"__proto__": {"polluted": "yes"}, "plain": 1}') as Record<
        string,
        unknown
      >,
    });
    expect(JSON.parse(outcome.response)).to.deep.equal({
      protoIsObject: true,
      polluted: "undefined",
      own: "yes",
      plain: 1,
    });
  });

  it("starts every run with fresh globals (nothing leaks between executions)", async function () {
    await respond("globalThis.leak = 'secret'; Object.prototype.polluted = 1; Lit.Actions.x = 1;");
    const response = await respond(
      "LitActions.setResponse({ response: [typeof leak, typeof ({}).polluted, typeof Lit.Actions.x].join() });",
    );
    expect(response).to.equal("undefined,undefined,undefined");
  });

  it("keeps an action that overwrites JSON and Promise from breaking the API for itself", async function () {
    const response = await respond(`
      const ok = Lit.Actions.isPermittedAction;
      JSON.parse = () => "hijacked"; JSON.stringify = () => "hijacked";
      Promise.prototype.then = function () { throw new Error("hijacked then"); };
      const permitted = await ok({ tokenId: 1, ipfsId: "${IPFS_ID}" });
      LitActions.setResponse({ response: "permitted:" + permitted });
    `);
    expect(response).to.equal("permitted:true");
  });
});
