/**
 * Verify a proof: drop or paste a bundle (docs/PROOFS.md) and the page runs the checks of
 * `pkp:verify-proof` — the same code, src/proof/verification.ts — against the chain, in the
 * browser, re-executing the action in QuickJS (WebAssembly, in a Web Worker) when asked. Each
 * check is shown as it completes, with the CLI's words and evidence.
 */
import { ProofBundleError, parseProofBundle } from "../../../src/proof/schema";
import { CHECK_TITLES, renderReport, verdictLine } from "../../../src/proof/report";
import { runVerification, type CheckResult } from "../../../src/proof/verification";
import type { ProofBundle } from "../../../src/proof/bundle";
import type { App } from "../app";
import { describeError } from "../chain";
import { announce, h, mark, notice } from "../dom";
import { BrowserActionRunner } from "../verify/browserRunner";
import { chainUnreachable } from "./states";

function checkItem(result: CheckResult): HTMLElement {
  return h(
    "li",
    { class: `check-item ${result.status}`, "data-check": result.id, "data-status": result.status },
    h(
      "p",
      { class: "check-line" },
      mark(result.status),
      " ",
      h("strong", { class: "check-title" }, CHECK_TITLES[result.id]),
      " ",
      h("span", { class: "check-summary" }, result.summary),
    ),
    result.evidence.length === 0
      ? null
      : h(
          "details",
          { open: result.status === "fail" },
          h("summary", {}, `Evidence (${result.evidence.length})`),
          h(
            "ul",
            { class: "evidence" },
            result.evidence.map((line) => h("li", {}, h("code", {}, line))),
          ),
        ),
  );
}

function parseBundle(text: string, source: string): ProofBundle | HTMLElement {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return notice(
      "error",
      "Not a proof bundle",
      h(
        "p",
        {},
        `${source} is not JSON (${(error as Error).message}); a proof bundle is a JSON document.`,
      ),
    );
  }
  try {
    return parseProofBundle(json, source);
  } catch (error) {
    if (!(error instanceof ProofBundleError)) throw error;
    return notice(
      "error",
      "Not a valid proof bundle",
      h("p", {}, error.message.split("\n")[0]),
      h(
        "ul",
        { class: "problems" },
        (error.problems.length > 0 ? error.problems : [error.message]).map((p) => h("li", {}, p)),
      ),
    );
  }
}

export function renderVerify(app: App, view: HTMLElement): void {
  view.append(
    h("h1", { tabindex: "-1" }, "Verify a proof"),
    h(
      "p",
      {},
      "Drop a proof bundle (",
      h("code", {}, "npm run demo"),
      " writes ",
      h("code", {}, "proofs/demo-prime-7919.json"),
      ") or paste it. This page runs the checks of ",
      h("code", {}, "npx hardhat pkp:verify-proof"),
      " — the same code — against the chain, in your browser.",
    ),
  );
  if (app.chainError !== undefined) {
    view.append(chainUnreachable(app));
    return;
  }
  const fileInput = h("input", {
    id: "bundle-file",
    type: "file",
    accept: ".json,application/json",
  });
  const drop = h(
    "div",
    { class: "drop", "data-test": "drop-zone" },
    h("label", { for: "bundle-file" }, "Drop a proof bundle here, or choose a file: "),
    fileInput,
  );
  const text = h("textarea", {
    id: "bundle-text",
    rows: "8",
    spellcheck: "false",
    placeholder: '{ "version": 1, … }',
  });
  const reexecute = h("input", { id: "reexecute", type: "checkbox", checked: true });
  const button = h("button", { type: "submit" }, "Verify");
  const results = h("section", {
    class: "results",
    "aria-live": "polite",
    "aria-labelledby": "results-title",
  });
  const form = h(
    "form",
    { class: "verify", "aria-label": "Proof bundle" },
    drop,
    h("label", { for: "bundle-text" }, "…or paste the bundle (JSON):"),
    text,
    h(
      "p",
      { class: "field check" },
      reexecute,
      h(
        "label",
        { for: "reexecute" },
        "Re-execute the action here, in QuickJS compiled to WebAssembly (as --reexecute)",
      ),
    ),
    h("p", {}, button),
  );
  view.append(form, results);

  let running = false;
  const verify = async (source: string) => {
    if (running) return;
    const parsed = parseBundle(text.value, source);
    if (parsed instanceof HTMLElement) {
      results.replaceChildren(parsed);
      announce("The bundle was refused");
      return;
    }
    running = true;
    button.disabled = true;
    results.setAttribute("aria-busy", "true");
    const list = h("ol", { class: "checks", "data-test": "checks" });
    const status = h("p", { class: "progress", role: "status" }, "Checking…");
    results.replaceChildren(
      h("h2", { id: "results-title" }, `Proof (${source})`),
      h("p", {}, `PKP ${parsed.pkp.tokenId}`),
      status,
      list,
    );
    const runner = reexecute.checked ? new BrowserActionRunner() : undefined;
    try {
      const compiled = app.compiled;
      const report = await runVerification(parsed, {
        provider: app.chain!.provider,
        compiled,
        runner,
        logChunkBlocks: app.config.logChunkBlocks,
        onProgress: (p) =>
          (status.textContent = `Reading ${p.label}: block ${p.scannedTo} of ${p.toBlock}…`),
        onCheck: (result) => {
          list.append(checkItem(result));
          status.textContent = `Checked ${CHECK_TITLES[result.id]}…`;
        },
      });
      status.replaceWith(
        h(
          "p",
          { class: "muted" },
          `chain ${report.chainId}, read at block ${report.block}; action ${report.ipfsId}; mint tx ${report.mintTxHash}`,
        ),
      );
      const verdict = verdictLine(report);
      results.append(
        h(
          "p",
          {
            class: `verdict ${report.ok ? "ok" : "bad"}`,
            "data-test": "verdict",
            "data-ok": String(report.ok),
            "data-source": source,
          },
          mark(report.ok ? "pass" : "fail"),
          ` ${verdict}`,
        ),
        h(
          "details",
          { class: "text-report" },
          h("summary", {}, "The same report as text (as pkp:verify-proof prints it)"),
          h("pre", {}, renderReport(report, { source })),
        ),
      );
      announce(verdict);
    } catch (error) {
      results.append(
        notice("error", "The proof could not be checked", h("p", {}, describeError(error))),
      );
    } finally {
      runner?.close();
      running = false;
      button.disabled = false;
      results.removeAttribute("aria-busy");
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void verify("pasted bundle");
  });
  const load = (file: File) =>
    void file.text().then((content) => {
      text.value = content;
      void verify(file.name);
    });
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file) load(file);
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer?.files[0];
    if (file) load(file);
  });
}
