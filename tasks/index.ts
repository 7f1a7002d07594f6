/**
 * Registers every `pkp:*` task: the one list, imported by the plugin entry (plugin/index.ts),
 * which is both what this repository's hardhat.config.ts loads and what a user's
 * `import "<package>/hardhat"` loads. A new task's file is imported here and nowhere else.
 *
 * Loaded with hardhat.config.ts: the task files register names and flags only; implementations
 * are imported when a task runs (tasks/runner.ts).
 */
import "./deploy";
import "./oracle";
import "./proof";
import "./explorer";
import "./streams";
import "./wallet";
