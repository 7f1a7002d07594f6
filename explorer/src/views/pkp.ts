/**
 * PKP: its key and address, owner history (Transfer logs), its grants with scopes read from the
 * chain now (actions with their CID and code, addresses, other auth methods by type name), and
 * every transaction whose logs name it.
 */
import { getAddress, hexlify, toBeHex } from "ethers";
import type { LogLike } from "../../../src/proof/chainLogs";
import { scanLogs } from "../../../src/proof/chainLogs";
import { AUTH_METHOD_ACTION, AUTH_METHOD_ADDRESS } from "../../../src/protocol";
import type { App } from "../app";
import { describeError, rawLogSource } from "../chain";
import { copyButton, fact, h, hexValue, notice, shortHex } from "../dom";
import { addressOf, authMethodTypeName, cidOf, parseTokenId, scopeName } from "../format";
import { ethAddressOf, isMintGrantBurn, type PkpRecord } from "../indexer";
import { oracleCode } from "./code";
import { deploymentReady, progressLine } from "./states";

/** Scope ids read per auth method: 0–255, as the verifier reads them. */
const SCOPES_READ = 256n;

interface ChainGrant {
  type: bigint;
  id: string;
  userPubkey: string;
  scopes: number[];
}

async function readGrants(app: App, tokenId: bigint): Promise<ChainGrant[]> {
  const permissions = app.contracts!.pkpPermissions;
  const methods = await permissions.getPermittedAuthMethods(tokenId);
  return Promise.all(
    methods.map(async (method) => {
      const bits = await permissions.getPermittedAuthMethodScopes(
        tokenId,
        method.authMethodType,
        method.id,
        SCOPES_READ,
      );
      return {
        type: method.authMethodType,
        id: hexlify(method.id),
        userPubkey: hexlify(method.userPubkey),
        scopes: bits.flatMap((set, index) => (set ? [index] : [])),
      };
    }),
  );
}

function scopesCell(scopes: number[]): HTMLElement {
  if (scopes.length === 0) return h("span", { class: "muted" }, "no scopes");
  return h(
    "ul",
    { class: "scopes" },
    scopes.map((s) => h("li", { class: "tag" }, scopeName(s))),
  );
}

function grantsSection(app: App, grants: ChainGrant[]): HTMLElement {
  const actions = grants.filter((g) => g.type === AUTH_METHOD_ACTION);
  const addresses = grants.filter((g) => g.type === AUTH_METHOD_ADDRESS);
  const others = grants.filter(
    (g) => g.type !== AUTH_METHOD_ACTION && g.type !== AUTH_METHOD_ADDRESS,
  );
  const none = (what: string) => h("p", { class: "muted" }, `No ${what}.`);
  const section = h(
    "section",
    { "aria-labelledby": "grants-title", "data-test": "grants" },
    h("h2", { id: "grants-title" }, "Grants"),
    h(
      "p",
      { class: "muted" },
      `Read from PKPPermissions now: ${grants.length} permitted auth method(s).`,
    ),
  );

  section.append(h("h3", {}, "Actions"));
  if (actions.length === 0) section.append(none("actions"));
  for (const grant of actions) {
    const cid = cidOf(grant.id);
    const code = h("div", { class: "code-slot" }, h("p", { class: "muted" }, "Loading the code…"));
    section.append(
      h(
        "article",
        { class: "grant action", "data-test": "grant-action", "data-cid": cid ?? grant.id },
        h(
          "p",
          {},
          "Lit Action ",
          cid === undefined
            ? hexValue(grant.id, "action id")
            : hexValue(cid, "CID", { full: true, href: `#/action/${cid}` }),
        ),
        h("div", { class: "scopes-line" }, "Scopes: ", scopesCell(grant.scopes)),
        h("details", { class: "code-details" }, h("summary", {}, "Code"), code),
      ),
    );
    if (cid !== undefined) {
      void oracleCode(app, cid).then((element) => code.replaceChildren(element));
    } else {
      code.replaceChildren(h("p", { class: "muted" }, "This id is not a CID: no code to show."));
    }
  }

  section.append(h("h3", {}, "Addresses"));
  if (addresses.length === 0) section.append(none("addresses"));
  for (const grant of addresses) {
    const address = addressOf(grant.id);
    section.append(
      h(
        "article",
        { class: "grant address", "data-test": "grant-address" },
        h(
          "p",
          {},
          "Address ",
          address ? hexValue(address, "address", { full: true }) : hexValue(grant.id, "id"),
        ),
        h("div", { class: "scopes-line" }, "Scopes: ", scopesCell(grant.scopes)),
      ),
    );
  }

  section.append(h("h3", {}, "Other auth methods"));
  if (others.length === 0) section.append(none("other auth methods"));
  for (const grant of others) {
    section.append(
      h(
        "article",
        { class: "grant auth-method", "data-test": "grant-auth-method" },
        h(
          "p",
          {},
          `${authMethodTypeName(grant.type)} (type ${grant.type}) `,
          hexValue(grant.id, "auth method id"),
        ),
        grant.userPubkey !== "0x"
          ? h("p", {}, "User public key ", hexValue(grant.userPubkey, "user public key"))
          : null,
        h("div", { class: "scopes-line" }, "Scopes: ", scopesCell(grant.scopes)),
      ),
    );
  }
  return section;
}

function ownerHistory(pkp: PkpRecord): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "owners-title" },
    h("h2", { id: "owners-title" }, "Owner history"),
    h(
      "ol",
      { class: "history", "data-test": "owner-history" },
      pkp.transfers.map((t) =>
        h(
          "li",
          {},
          `Block ${t.block}: `,
          t.from === "0x0000000000000000000000000000000000000000"
            ? "minted to "
            : `${shortHex(t.from)} → `,
          t.to === "0x0000000000000000000000000000000000000000"
            ? h("strong", {}, "burned")
            : hexValue(t.to, "new owner"),
          " in tx ",
          hexValue(t.tx, "transaction hash"),
        ),
      ),
    ),
  );
}

/** Every log of PKPNFT and PKPPermissions naming the PKP (as the verifier's history search). */
async function transactions(app: App, pkp: PkpRecord): Promise<HTMLElement> {
  const deployment = app.config.deployment!;
  const nft = deployment.contracts.PKPNFT;
  const permissions = deployment.contracts.PKPPermissions;
  const topic = toBeHex(pkp.tokenId, 32);
  const common = {
    provider: rawLogSource(),
    fromBlock: pkp.mint.block,
    toBlock: await app.chain!.provider.getBlockNumber(),
    chunkBlocks: app.config.logChunkBlocks,
  };
  const [byTopic1, byTopic3] = await Promise.all([
    scanLogs({
      ...common,
      label: "events naming the PKP",
      address: [nft.address, permissions.address],
      topics: [null, topic],
    }),
    scanLogs({
      ...common,
      label: "transfers of the PKP",
      address: nft.address,
      topics: [null, null, null, topic],
    }),
  ]);
  const logs = [...byTopic1, ...byTopic3].sort(
    (a, b) => a.blockNumber - b.blockNumber || a.index - b.index,
  );
  const byTx = new Map<string, LogLike[]>();
  for (const log of logs) {
    const list = byTx.get(log.transactionHash) ?? [];
    list.push(log);
    byTx.set(log.transactionHash, list);
  }
  const nameOf = (log: LogLike) => {
    const iface =
      getAddress(log.address) === nft.address
        ? app.contracts!.pkpNft.interface
        : app.contracts!.pkpPermissions.interface;
    try {
      return iface.parseLog({ topics: [...log.topics], data: log.data })?.name ?? log.topics[0];
    } catch {
      return log.topics[0];
    }
  };
  return h(
    "ol",
    { class: "transactions", "data-test": "transactions" },
    [...byTx.entries()].map(([tx, txLogs]) =>
      h(
        "li",
        {},
        hexValue(tx, "transaction hash"),
        ` block ${txLogs[0].blockNumber}: `,
        txLogs.map((log) => `${nameOf(log)} (log ${log.index})`).join(", "),
      ),
    ),
  );
}

export async function renderPkp(app: App, view: HTMLElement, idText: string): Promise<void> {
  const tokenId = parseTokenId(decodeURIComponent(idText));
  const title = h("h1", { tabindex: "-1" }, "PKP");
  view.append(title);
  if (tokenId === undefined) {
    view.append(
      notice(
        "error",
        "Not a token id",
        h("p", {}, `"${idText}" is neither 0x-hex nor a decimal token id.`),
      ),
    );
    return;
  }
  if (!deploymentReady(app, view)) return;
  const progress = progressLine();
  view.append(progress.element);
  const index = await app.index();
  progress.element.remove();
  const pkp = index.pkps.get(tokenId);
  title.textContent = `PKP ${shortHex(toBeHex(tokenId, 32), 6)}`;
  if (pkp === undefined) {
    view.append(
      notice(
        "empty",
        "No such PKP on this deployment",
        h(
          "p",
          {},
          `PKPNFT ${app.config.deployment!.contracts.PKPNFT.address} never minted ${toBeHex(tokenId, 32)}.`,
        ),
        h("p", {}, h("a", { href: "#/" }, "All PKPs")),
      ),
    );
    return;
  }
  if (pkp.burned) title.append(" ", h("span", { class: "tag burned" }, "burned"));
  if (isMintGrantBurn(pkp)) title.append(" ", h("span", { class: "badge mgb" }, "mint/grant/burn"));

  view.append(
    h(
      "dl",
      { class: "facts", "data-test": "pkp-facts" },
      fact("Token ID", hexValue(pkp.hex, "token id", { full: true })),
      fact(
        "Token ID (decimal)",
        h("code", { class: "hex full" }, pkp.tokenId.toString()),
        copyButton(pkp.tokenId.toString(), "decimal token id"),
      ),
      fact("Public key", hexValue(pkp.publicKey, "public key", { full: true })),
      fact("ETH address", hexValue(ethAddressOf(pkp), "ETH address", { full: true })),
      fact(
        "Owner",
        pkp.owner === null
          ? h("strong", {}, "burned: nobody can change its grants")
          : hexValue(pkp.owner, "owner", { full: true }),
      ),
      fact(
        "Minted",
        `block ${pkp.mint.block}, tx `,
        hexValue(pkp.mint.tx, "mint transaction hash"),
      ),
    ),
  );
  if (isMintGrantBurn(pkp)) {
    view.append(
      h(
        "p",
        { class: "muted" },
        "Minted, granted and burned in one transaction: it can only sign through its action. ",
        h("a", { href: "#/verify" }, "Verify a proof"),
        " to check every step against the chain.",
      ),
    );
  }

  const grantsSlot = h("div", {}, h("p", { class: "muted" }, "Reading grants…"));
  const txSlot = h("div", {}, h("p", { class: "muted" }, "Reading the PKP's transactions…"));
  view.append(
    grantsSlot,
    ownerHistory(pkp),
    h(
      "section",
      { "aria-labelledby": "txs-title" },
      h("h2", { id: "txs-title" }, "Transactions"),
      txSlot,
    ),
  );
  await Promise.all([
    readGrants(app, tokenId).then(
      (grants) => grantsSlot.replaceChildren(grantsSection(app, grants)),
      (error) =>
        grantsSlot.replaceChildren(
          notice("error", "Could not read the grants", h("p", {}, describeError(error))),
        ),
    ),
    transactions(app, pkp).then(
      (list) => txSlot.replaceChildren(list),
      (error) =>
        txSlot.replaceChildren(
          notice("error", "Could not read the transactions", h("p", {}, describeError(error))),
        ),
    ),
  ]);
}
