/**
 * A task option that may be given several times (`--fetch-allow a --fetch-allow b`): Hardhat 2
 * refuses a repeated parameter, unless its value parses to `undefined` (it only checks for a value
 * already parsed). This type therefore collects every occurrence itself and parses to
 * `undefined`; the task reads them with `values()`. Comma-separated lists work too
 * (`--fetch-allow a,b`). Programmatic callers (`hre.run`) may pass an array instead.
 */
import type { CLIArgumentType } from "hardhat/types";

export interface RepeatableOption {
  type: CLIArgumentType<string[]>;
  /** Every value given on the command line, in order. */
  values(): string[];
}

export function repeatableOption(name: string): RepeatableOption {
  const collected: string[] = [];
  const type: CLIArgumentType<string[]> = {
    name,
    parse: (_argName: string, value: string) => {
      for (const item of value.split(",")) {
        if (item.trim() !== "") collected.push(item.trim());
      }
      return undefined as unknown as string[];
    },
    validate: (argName: string, value: unknown) => {
      if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
        throw new Error(`--${argName} must be a list of strings`);
      }
    },
  };
  return { type, values: () => [...collected] };
}

/** The values of a repeatable option: from the command line and from a programmatic array. */
export function optionValues(option: RepeatableOption, given: string[] | undefined): string[] {
  return [...(given ?? []), ...option.values()];
}
