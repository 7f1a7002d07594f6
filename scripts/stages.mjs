// Runs npm scripts as named stages, prints each stage's wall time as it ends and a table of all
// of them at the end, and stops after the first failing step with its exit code. `npm test` is
// this over compile, checks and the tests, so a slow stage is visible in every run.
//
//   node scripts/stages.mjs compile typecheck test:mocha
//   node scripts/stages.mjs compile "test:mocha&checks"
//
// A step "a&b" runs a and b at the same time (the machine has two cores; the static checks fit
// beside the mocha run): the first streams its output, the others' output is held and printed
// when they end, so logs never interleave. The step fails if any of them fails.
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";

const steps = process.argv.slice(2);
if (steps.length === 0) {
  console.error('usage: node scripts/stages.mjs <npm script | "script&script…">…');
  process.exit(2);
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const times = [];

/** Runs one npm script; `live` streams its output, otherwise it is collected and returned. */
function run(script, live) {
  return new Promise((resolve) => {
    const child = spawn(npm, ["run", "--silent", script], {
      stdio: live ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    const held = [];
    if (!live) {
      child.stdout.on("data", (chunk) => held.push(chunk));
      child.stderr.on("data", (chunk) => held.push(chunk));
    }
    child.on("close", (code, signal) =>
      resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(held) }),
    );
    child.on("error", (error) => {
      console.error(`cannot start npm run ${script}: ${error.message}`);
      resolve({ code: 1, output: Buffer.alloc(0) });
    });
  });
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function summary() {
  const width = Math.max(...times.map((t) => t.stage.length));
  console.log("\n── stage times ──");
  for (const { stage, ms, code } of times) {
    console.log(
      `  ${stage.padEnd(width)}  ${seconds(ms).padStart(8)}${code === 0 ? "" : "  FAILED"}`,
    );
  }
  console.log(`  ${"total (wall)".padEnd(width)}  ${seconds(Date.now() - began).padStart(8)}`);
}

async function stage(script, live) {
  if (live) console.log(`\n── stage: ${script} ──`);
  const started = Date.now();
  const { code, output } = await run(script, live);
  const ms = Date.now() - started;
  if (!live) {
    console.log(`\n── stage: ${script} (ran beside the others; its output) ──`);
    process.stdout.write(output);
  }
  times.push({ stage: script, ms, code });
  console.log(`── ${script}: ${code === 0 ? "ok" : `failed (exit ${code})`} in ${seconds(ms)}`);
  return code;
}

const began = Date.now();
for (const step of steps) {
  const scripts = step.split("&").filter((s) => s !== "");
  if (scripts.length > 1) console.log(`\n── stages at once: ${scripts.join(", ")} ──`);
  const codes = await Promise.all(scripts.map((script, i) => stage(script, i === 0)));
  const failed = codes.find((code) => code !== 0);
  if (failed !== undefined) {
    summary();
    process.exit(failed);
  }
}
summary();
