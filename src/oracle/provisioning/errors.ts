/**
 * Typed refusals of key provisioning. Misconfiguration (wrong account, router without a signer,
 * nonsense options) is permanent: the provisioner stops and says what to fix instead of retrying.
 * Transient chain failures are not wrapped here; they are reported and retried.
 */

import { CodedError } from "../../codedError";

export type ProvisioningErrorCode = "NOT_KEY_PROVIDER" | "NO_SIGNER" | "INVALID_OPTIONS";

export class ProvisioningError extends CodedError<ProvisioningErrorCode> {}

/** The router's signer lacks the key-provider role, so it can neither register nor withdraw. */
export class NotKeyProviderError extends ProvisioningError {
  constructor(
    readonly account: string,
    readonly router: string,
    options?: { cause?: unknown },
  ) {
    super(
      "NOT_KEY_PROVIDER",
      `account ${account} is not a key provider of PubkeyRouter ${router}: the router's owner ` +
        `must call grantKeyProvider(${account}) (e.g. \`npx hardhat pkp:deploy --network <name> ` +
        `--key-provider ${account}\`), or connect the router to an account that is one`,
      options,
    );
  }
}

/** The router handle cannot send transactions (connected to a provider, not a signer). */
export class NoSignerError extends ProvisioningError {
  constructor(router: string) {
    super(
      "NO_SIGNER",
      `PubkeyRouter ${router} is connected to a provider only: connect it to the key-provider ` +
        `signer (router.connect(signer)) so provisioning can register and withdraw keys`,
    );
  }
}

export class InvalidProvisioningOptionsError extends ProvisioningError {
  constructor(message: string) {
    super("INVALID_OPTIONS", message);
  }
}
