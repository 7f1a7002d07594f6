/**
 * Key provisioning: `KeyProvisioner` (./keyProvisioner) keeps the router's pool of unminted keys
 * at target and withdraws pool keys nobody holds; ./chain reads the pool and decodes the router's
 * reverts; ./errors holds the typed refusals (misconfiguration, never retried).
 */
export * from "./keyProvisioner";
export * from "./errors";
