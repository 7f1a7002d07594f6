/**
 * actions/social/backend.js against a stubbed host, for its rule tests: the action runs with the
 * globals it uses — `jsParams`, `Lit.Auth`, `Lit.Actions.signEcdsa/setResponse`, `ethers` (v5, as
 * Lit's nodes ship it), `fetch`, `TextEncoder` — each answered here: fetch by a stream store in this process (or
 * a test's own answer), signEcdsa by a test key standing in for the PKP.
 *
 * node:vm is not a sandbox; it is used here only to give the action its globals. What the oracle
 * does around it (authorization, the QuickJS sandbox, the fetch allow-list) is tested elsewhere;
 * the end-to-end test runs the same action through the real oracle.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { ethers } from "ethers";
import { ethers as ethers5 } from "ethers5";
import { basicAuthContext, type AuthContext } from "../../../src/oracle/auth/authContext";
import { verifyAuthSig } from "../../../src/oracle/authSig";
import type { ExecuteRequest, ExecuteResult } from "../../../src/oracle/oracle";
import type { LitSignature } from "../../../src/oracle/signing";
import type { StreamStore } from "../../../src/streams";

export const BACKEND_CODE = readFileSync(
  path.join(__dirname, "../../../actions/social/backend.js"),
  "utf8",
);
export const BACKEND_CID = "QmSocialBackendStubbedHostxxxxxxxxxxxxxxxxxxxxx";
export const STREAMS_URL = "http://streams.test";
export const CHAIN_ID = 31337;

/** What a fetch answers: a status and a body. */
export interface StubResponse {
  status: number;
  body: string;
}
export type StubFetch = (url: string) => Promise<StubResponse>;

/** A fetch answered by `store`, as `pkp:streams` would answer the GETs the action makes. */
export function storeFetch(store: StreamStore): StubFetch {
  return async (url) => {
    const parsed = new URL(url);
    const match = /^\/streams\/([^/]+)$/.exec(parsed.pathname);
    if (parsed.origin !== STREAMS_URL || match === null) return { status: 404, body: "{}" };
    try {
      const view = parsed.searchParams.get("view") === "payloads" ? "payloads" : "commits";
      return { status: 200, body: store.readStreamJson(match[1], view) };
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      return {
        status,
        body: JSON.stringify({ error: { code: (error as { code?: string }).code } }),
      };
    }
  };
}

export interface StubRun {
  /** The action's response, parsed. */
  answer: {
    ok: boolean;
    code?: string;
    reason?: string;
    method?: string;
    streamId?: string;
    hash?: string;
    commit?: { streamId: string; prev: string | null; payload: unknown };
  };
  response: string;
  signatures: Record<string, LitSignature>;
  /** URLs fetched, in order. */
  fetched: string[];
}

/** Runs backend.js once with `jsParams`, the caller `auth`, a fetch and the PKP's key. */
export async function runBackend(input: {
  jsParams: Record<string, unknown>;
  auth: AuthContext;
  fetch: StubFetch;
  pkp: ethers.SigningKey;
}): Promise<StubRun> {
  let response = "";
  const signatures: Record<string, LitSignature> = {};
  const fetched: string[] = [];
  const actions = {
    setResponse: ({ response: text }: { response: string }) => {
      response = text;
    },
    signEcdsa: async (request: { toSign: Uint8Array; publicKey: string; sigName: string }) => {
      if (request.publicKey.toLowerCase() !== input.pkp.publicKey.toLowerCase()) {
        throw new Error("NOT_PERMITTED: not the PKP's public key");
      }
      const digest = ethers.hexlify(request.toSign);
      const sig = input.pkp.sign(digest);
      signatures[request.sigName] = {
        r: sig.r.slice(2),
        s: sig.s.slice(2),
        recid: sig.yParity,
        signature: sig.serialized,
        publicKey: input.pkp.publicKey,
        dataSigned: digest,
      };
      return "success";
    },
  };
  const fetchInSandbox = async (url: string) => {
    fetched.push(url);
    const answer = await input.fetch(url);
    return {
      status: answer.status,
      ok: answer.status >= 200 && answer.status < 300,
      text: async () => answer.body,
      json: async () => JSON.parse(answer.body) as unknown,
    };
  };
  const context = vm.createContext({
    jsParams: input.jsParams,
    ...input.jsParams,
    Lit: { Actions: actions, Auth: input.auth },
    LitActions: actions,
    ethers: ethers5,
    fetch: fetchInSandbox,
    TextEncoder,
    console,
  });
  const completion = vm.runInContext(BACKEND_CODE, context, { filename: "backend.js" }) as unknown;
  await completion;
  return { answer: JSON.parse(response) as StubRun["answer"], response, signatures, fetched };
}

/**
 * The oracle's `execute`, stubbed around runBackend: the authSig is verified as the oracle does
 * and becomes `Lit.Auth.authSigAddress`; `authMethodContexts` stand in for verified auth methods.
 * Lets SocialBackend (the client) run against the stubbed host.
 */
export class StubOracle {
  runs = 0;
  constructor(
    private readonly pkp: ethers.SigningKey,
    private readonly fetch: StubFetch,
  ) {}

  async execute(
    request: ExecuteRequest & { authMethodContexts?: AuthContext["authMethodContexts"] },
  ): Promise<ExecuteResult> {
    this.runs += 1;
    const address =
      request.authSig === undefined
        ? undefined
        : verifyAuthSig(request.authSig, { chainId: CHAIN_ID }).address;
    const auth = {
      ...basicAuthContext(BACKEND_CID, address),
      authMethodContexts: request.authMethodContexts ?? [],
    };
    const run = await runBackend({
      jsParams: request.jsParams ?? {},
      auth,
      fetch: this.fetch,
      pkp: this.pkp,
    });
    return { success: true, signatures: run.signatures, response: run.response, logs: "" };
  }
}
