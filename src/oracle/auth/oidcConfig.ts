/**
 * The trusted issuers from `pkp:oracle --oidc-issuer <url> --oidc-audience <id>` (both repeatable):
 * - no `--oidc-issuer`: Google's (`https://accounts.google.com`, its JWKS URL);
 * - `--oidc-audience <id>` is accepted from every configured issuer,
 *   `--oidc-audience <issuer-url>#<id>` from that issuer only.
 * One audience may belong to one issuer only (./oidc.ts refuses otherwise): the auth method id is
 * `keccak("<sub>:<aud>")`, so two issuers sharing a client id could speak for each other's users.
 *
 * Imports nothing generated: the task checks these options before compiling.
 */
import { AuthError } from "./authErrors";
import { checkIssuerUrl } from "./jwks";
import { GOOGLE_ISSUER, googleIssuer, type OidcIssuerConfig } from "./oidc";

export function oidcIssuersFromOptions(issuers: string[], audiences: string[]): OidcIssuerConfig[] {
  const urls = issuers.length > 0 ? issuers.map((url) => url.replace(/\/+$/, "")) : [GOOGLE_ISSUER];
  for (const url of urls) checkIssuerUrl(url);
  if (new Set(urls).size !== urls.length) {
    throw new AuthError("OIDC_UNAVAILABLE", "an --oidc-issuer is given twice");
  }
  const byIssuer = new Map(urls.map((url) => [url, [] as string[]]));
  for (const audience of audiences) {
    const hash = audience.lastIndexOf("#");
    const issuer = hash > 0 ? audience.slice(0, hash).replace(/\/+$/, "") : undefined;
    const id = hash > 0 ? audience.slice(hash + 1) : audience;
    if (id === "")
      throw new AuthError("OIDC_UNAVAILABLE", `--oidc-audience ${audience} names no client id`);
    if (issuer !== undefined && !byIssuer.has(issuer)) {
      throw new AuthError(
        "OIDC_UNAVAILABLE",
        `--oidc-audience ${audience} names issuer ${issuer}, which is not an --oidc-issuer`,
      );
    }
    for (const [url, list] of byIssuer) {
      if (issuer === undefined || issuer === url) list.push(id);
    }
  }
  return urls.map((url) =>
    url === GOOGLE_ISSUER
      ? googleIssuer(byIssuer.get(url) ?? [])
      : { issuer: url, audiences: byIssuer.get(url) ?? [] },
  );
}
