/**
 * Reads the shell commands of a marked section of README.md, so that a test runs exactly what the
 * README tells a newcomer to run (the two can never drift apart).
 *
 * A section is delimited by `<!-- <name>:begin … -->` and `<!-- <name>:end -->`; its commands are
 * the lines of its fenced code blocks, with `\` continuations joined and `# …` comments dropped.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "./hardhatNode";

export interface ReadmeCommand {
  /** The command as written (continuations joined, comment dropped). */
  readonly text: string;
  /** Its words, quotes removed. */
  readonly argv: readonly string[];
}

/** Synchronous, so that a suite can declare one test per command. */
export function readmeCommands(
  section: string,
  readme = path.join(PROJECT_ROOT, "README.md"),
): ReadmeCommand[] {
  const text = readFileSync(readme, "utf8");
  const begin = text.indexOf(`<!-- ${section}:begin`);
  const end = text.indexOf(`<!-- ${section}:end -->`);
  if (begin < 0 || end < begin) {
    throw new Error(`README.md has no section marked <!-- ${section}:begin --> … :end`);
  }
  const body = text.slice(begin, end);
  const commands: ReadmeCommand[] = [];
  for (const block of body.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) {
    const joined = block[1].replace(/\\\n\s*/g, "");
    for (const line of joined.split("\n")) {
      const argv = splitWords(line);
      if (argv.length > 0) commands.push({ text: argv.join(" "), argv });
    }
  }
  return commands;
}

/** POSIX-like word splitting of one line: '…' and "…" quoting, an unquoted `#` starts a comment. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      if (close < 0) throw new Error(`unbalanced ${c} in: ${line}`);
      word = (word ?? "") + line.slice(i + 1, close);
      i = close;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "#" && word === undefined) {
      break;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
