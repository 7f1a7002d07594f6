/**
 * Chain reads and revert decoding for key provisioning: walking the router's pool page by page at
 * one pinned block, and recognising the router's custom errors in whatever shape the provider
 * wraps them (ethers' CallExceptionError over HTTP, Hardhat's in-process errors, nested causes).
 */
import type { PubkeyRouter } from "../../../typechain-types";

/** Keys read per `unmintedKeys` call: keeps every view call small whatever the pool's size. */
export const POOL_PAGE_SIZE = 200n;

/** KeyStatus of IPubkeyRouter, in declaration order. */
export const KeyStatus = { Unrouted: 0n, Unminted: 1n, Minted: 2n, Withdrawn: 3n } as const;

/** Every unminted key of `keyType`, oldest first, as the pool stood at `blockTag`. */
export async function walkPool(
  router: PubkeyRouter,
  keyType: bigint,
  blockTag: number,
): Promise<bigint[]> {
  const keys: bigint[] = [];
  for (let offset = 0n; ; offset += POOL_PAGE_SIZE) {
    const page = await router.unmintedKeys(keyType, offset, POOL_PAGE_SIZE, { blockTag });
    keys.push(...page);
    if (BigInt(page.length) < POOL_PAGE_SIZE) return keys;
  }
}

/** A decoded custom error of the router. */
export interface RouterRevert {
  name: string;
  args: readonly unknown[];
}

/**
 * The router custom error carried by `err`, if any. Looks at ethers' decoded `revert`, then at any
 * revert `data` found on the error or its nested `error` / `cause` / `info.error`.
 */
export function decodeRouterRevert(router: PubkeyRouter, err: unknown): RouterRevert | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const current = queue.shift();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    const record = current as Record<string, unknown>;
    const revert = record.revert as { name?: unknown; args?: unknown } | null | undefined;
    if (revert && typeof revert.name === "string" && Array.isArray(revert.args)) {
      return { name: revert.name, args: revert.args };
    }
    if (typeof record.data === "string" && /^0x[0-9a-fA-F]{8}/.test(record.data)) {
      try {
        const parsed = router.interface.parseError(record.data);
        if (parsed) return { name: parsed.name, args: [...parsed.args] };
      } catch {
        // not one of the router's errors; keep looking
      }
    }
    for (const key of ["error", "cause", "info", "data"]) queue.push(record[key]);
  }
  return undefined;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
