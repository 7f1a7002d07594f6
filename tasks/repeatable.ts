/**
 * A task option that may be given several times (`--fetch-allow a --fetch-allow b`): Hardhat 2
 * refuses a repeated parameter, unless its value parses to `undefined` (it only checks for a value
 * already parsed). This type therefore collects every occurrence itself and parses to
 * `undefined`; the task reads them with `optionValues()`. Comma-separated lists work too
 * (`--fetch-allow a,b`). Programmatic callers (`hre.run`) may pass an array instead.
 */
import type { CLIArgumentType } from "hardhat/types";

export interface RepeatableOptionSettings {
  /**
   * Collect each occurrence exactly as given (commas and empty values included) and leave the
   * splitting to the task: so that an empty value (`--x ""`, e.g. an unset shell variable) can be
   * refused instead of reading as "not given".
   */
  verbatim?: boolean;
}

export interface RepeatableOption {
  type: CLIArgumentType<string[]>;
  /**
   * Every value given on the command line since the last call, in order. Reading forgets them,
   * so that each parse of a command line (one per process from the CLI, several in tests) starts
   * empty.
   */
  take(): string[];
}

export function repeatableOption(
  name: string,
  settings: RepeatableOptionSettings = {},
): RepeatableOption {
  let collected: string[] = [];
  const type: CLIArgumentType<string[]> = {
    name,
    parse: (_argName: string, value: string) => {
      if (settings.verbatim === true) {
        collected.push(value);
      } else {
        for (const item of value.split(",")) {
          if (item.trim() !== "") collected.push(item.trim());
        }
      }
      return undefined as unknown as string[];
    },
    validate: (argName: string, value: unknown) => {
      if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
        throw new Error(`--${argName} must be a list of strings`);
      }
    },
  };
  return {
    type,
    take: () => {
      const values = collected;
      collected = [];
      return values;
    },
  };
}

/** The values of a repeatable option: from a programmatic array and from the command line. */
export function optionValues(option: RepeatableOption, given: string[] | undefined): string[] {
  return [...(given ?? []), ...option.take()];
}
