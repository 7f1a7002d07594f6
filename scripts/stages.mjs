// Runs npm scripts one after another as named stages, prints each stage's wall time as it ends
// and a table of all of them at the end, and stops at the first failing stage with its exit code.
// `npm test` is this over compile, checks and the tests, so a slow stage is visible in every run.
//
//   node scripts/stages.mjs compile typecheck test:mocha
import { spawn } from "node:child_process";

const stages = process.argv.slice(2);
if (stages.length === 0) {
  console.error("usage: node scripts/stages.mjs <npm script>…");
  process.exit(2);
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const times = [];

function run(script) {
  return new Promise((resolve) => {
    const child = spawn(npm, ["run", "--silent", script], { stdio: "inherit" });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on("error", (error) => {
      console.error(`cannot start npm run ${script}: ${error.message}`);
      resolve(1);
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
  console.log(
    `  ${"total".padEnd(width)}  ${seconds(times.reduce((s, t) => s + t.ms, 0)).padStart(8)}`,
  );
}

for (const stage of stages) {
  console.log(`\n── stage: ${stage} ──`);
  const started = Date.now();
  const code = await run(stage);
  const ms = Date.now() - started;
  times.push({ stage, ms, code });
  console.log(`── ${stage}: ${code === 0 ? "ok" : `failed (exit ${code})`} in ${seconds(ms)}`);
  if (code !== 0) {
    summary();
    process.exit(code);
  }
}
summary();
