/**
 * pkp:oracle's options that need parsing (durations, lists): shared by the task's checks
 * (tasks/oracle.ts, before compiling) and its implementation (tasks/oracleAction.ts).
 */
import { OracleTaskError } from "./taskErrors";

const DURATION_UNITS_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `<n>s|m|h|d` (or plain seconds) as milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (match === null || Number(match[1]) <= 0) {
    throw new OracleTaskError(
      "INVALID_OPTION",
      `${flag} ${JSON.stringify(text)} must be a positive duration such as 3600s, 90m, 12h or 7d`,
    );
  }
  return Number(match[1]) * DURATION_UNITS_MS[match[2] === "" ? "s" : match[2]];
}

/**
 * The --authsig-domain values, each a domain or a comma-separated list of them, as one list
 * without repeats (undefined when none is given: any domain). An empty value is refused, not read
 * as "any domain".
 */
export function authsigDomains(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const domains = values
    .flatMap((value) => value.split(","))
    .map((domain) => domain.trim())
    .filter((domain) => domain !== "");
  for (const domain of domains) {
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(domain)) {
      throw new OracleTaskError(
        "INVALID_OPTION",
        `--authsig-domain ${JSON.stringify(domain)} is not a host name (with an optional :port)`,
      );
    }
  }
  if (domains.length === 0) {
    throw new OracleTaskError("INVALID_OPTION", "--authsig-domain needs at least one domain");
  }
  return [...new Set(domains)];
}
