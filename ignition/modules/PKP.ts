import { buildModule } from "@nomicfoundation/ignition-core";

/**
 * Deploys and wires the whole PKP stack.
 *
 * Order: the router first (it has no dependencies), then the metadata renderer and PKPNFT (router
 * and renderer are immutables of PKPNFT), then PKPPermissions (PKPNFT and router are its
 * immutables), then the two one-time wiring calls, then PKPHelper.
 *
 * Parameters (all optional): `owner` owns PKPNFT and the router (default: the deployer),
 * `keyProvider` is granted the key-provider role on the router (default: the deployer, who holds it
 * from the router's constructor already — Ignition modules are static, so the grant is always
 * made), `mintCost` in wei (default: 1 wei, PKPNFT's own default).
 */
const PKPModule = buildModule("PKP", (m) => {
  const owner = m.getParameter("owner", m.getAccount(0));
  const keyProvider = m.getParameter("keyProvider", m.getAccount(0));
  const mintCost = m.getParameter<bigint>("mintCost", 1n);

  const pubkeyRouter = m.contract("PubkeyRouter", [owner]);
  const pkpNftMetadata = m.contract("PKPNFTMetadata", []);
  const pkpNft = m.contract("PKPNFT", [owner, pubkeyRouter, pkpNftMetadata]);
  const pkpPermissions = m.contract("PKPPermissions", [pkpNft, pubkeyRouter]);

  const wireRouter = m.call(pubkeyRouter, "setPkpNftAddress", [pkpNft], { id: "wireRouter" });
  m.call(pubkeyRouter, "grantKeyProvider", [keyProvider], { id: "grantKeyProvider" });
  const wireNft = m.call(pkpNft, "setPkpPermissionsAddress", [pkpPermissions], {
    id: "wirePermissions",
  });
  m.call(pkpNft, "setMintCost", [mintCost], { id: "setMintCost", after: [wireNft] });

  const pkpHelper = m.contract("PKPHelper", [pkpNft, pkpPermissions], {
    after: [wireRouter, wireNft],
  });

  return { pubkeyRouter, pkpNftMetadata, pkpNft, pkpPermissions, pkpHelper };
});

export default PKPModule;
