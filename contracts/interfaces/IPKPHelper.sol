// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IPubkeyRouter} from "./IPubkeyRouter.sol";

/// @title IPKPHelper
/// @notice Mints a PKP and sets up its permissions in one transaction, then hands the PKP to the
/// caller (or to the PKP's own address). The PKP never stays with the helper.
/// @dev ABI-compatible with three mint functions of Lit Protocol's datil PKPHelper.
interface IPKPHelper is IERC721Receiver {
    /// @notice The permissions to set on a freshly minted PKP, as Lit's `AuthMethodData`.
    /// @param keyType the key type to mint (for a claim: the claim's key type).
    /// @param permittedIpfsCIDs the Lit Actions to permit (CIDv0 multihash bytes).
    /// @param permittedIpfsCIDScopes their scope lists.
    /// @param permittedAddresses the addresses to permit.
    /// @param permittedAddressScopes their scope lists.
    /// @param permittedAuthMethodTypes the types of the other auth methods to permit.
    /// @param permittedAuthMethodIds their ids.
    /// @param permittedAuthMethodPubkeys their user pubkeys (empty bytes for none).
    /// @param permittedAuthMethodScopes their scope lists.
    /// @param addPkpEthAddressAsPermittedAddress also permit the PKP's own address, no scopes.
    /// @param sendPkpToItself send the PKP to its own address instead of the caller.
    struct AuthMethodData {
        uint256 keyType;
        bytes[] permittedIpfsCIDs;
        uint256[][] permittedIpfsCIDScopes;
        address[] permittedAddresses;
        uint256[][] permittedAddressScopes;
        uint256[] permittedAuthMethodTypes;
        bytes[] permittedAuthMethodIds;
        bytes[] permittedAuthMethodPubkeys;
        uint256[][] permittedAuthMethodScopes;
        bool addPkpEthAddressAsPermittedAddress;
        bool sendPkpToItself;
    }

    /// @notice What claims a derived key, as Lit's `ClaimMaterial`.
    /// @param keyType the key type the key was routed with.
    /// @param derivedKeyId the derived key id.
    /// @param signatures the validators' signatures of `derivedKeyId`.
    struct ClaimMaterial {
        uint256 keyType;
        bytes32 derivedKeyId;
        IPubkeyRouter.Signature[] signatures;
    }

    /// @notice The helper only accepts the PKPs it mints itself: anything else would be stuck.
    /// @param sender the contract that called `onERC721Received`.
    /// @param operator the operator it reported.
    error UnsolicitedTransfer(address sender, address operator);
    /// @notice The permitted action CIDs and their scopes differ in length.
    /// @param cids how many CIDs were given.
    /// @param scopes how many scope lists were given.
    error IpfsCidScopesLengthMismatch(uint256 cids, uint256 scopes);
    /// @notice The permitted addresses and their scopes differ in length.
    /// @param addresses how many addresses were given.
    /// @param scopes how many scope lists were given.
    error AddressScopesLengthMismatch(uint256 addresses, uint256 scopes);
    /// @notice The auth method types and ids differ in length.
    /// @param types how many types were given.
    /// @param ids how many ids were given.
    error AuthMethodIdsLengthMismatch(uint256 types, uint256 ids);
    /// @notice The auth method types and pubkeys differ in length.
    /// @param types how many types were given.
    /// @param pubkeys how many user pubkeys were given.
    error AuthMethodPubkeysLengthMismatch(uint256 types, uint256 pubkeys);
    /// @notice The auth method types and scopes differ in length.
    /// @param types how many types were given.
    /// @param scopes how many scope lists were given.
    error AuthMethodScopesLengthMismatch(uint256 types, uint256 scopes);
    /// @notice The zero address is not a valid argument here.
    error ZeroAddress();
    /// @notice A claim's key type and the auth method data's key type differ.
    /// @param claimKeyType the key type of the claim material.
    /// @param authMethodDataKeyType the key type of the auth method data.
    error ClaimKeyTypeMismatch(uint256 claimKeyType, uint256 authMethodDataKeyType);

    /// @notice Mints the next PKP of `keyType` (paying exactly PKPNFT's mint cost, forwarded
    /// from msg.value), permits the given auth methods, optionally permits the PKP's own address
    /// (with no scopes), then sends the PKP to the caller, or to its own address if
    /// `sendPkpToItself`.
    /// @dev Requirements: the auth method arrays have one length (`AuthMethodIdsLengthMismatch`,
    /// `AuthMethodPubkeysLengthMismatch`, `AuthMethodScopesLengthMismatch`, checked before the
    /// mint); everything {IPKPNFT-mintNext} and {IPKPPermissions-addPermittedAuthMethod} require
    /// (their errors pass through); a contract receiver accepts the PKP (`ERC721InvalidReceiver`).
    /// Emits PKPNFT's {IPKPNFT-PKPMinted} and `Transfer(0, helper, tokenId)`, PKPPermissions'
    /// events of each grant, then `Transfer(helper, receiver, tokenId)`.
    /// @param keyType the key type to mint (2: ECDSA secp256k1).
    /// @param permittedAuthMethodTypes the types of the auth methods to permit.
    /// @param permittedAuthMethodIds their ids.
    /// @param permittedAuthMethodPubkeys their user pubkeys (empty bytes for none).
    /// @param permittedAuthMethodScopes their scope lists.
    /// @param addPkpEthAddressAsPermittedAddress also permit the PKP's own address, no scopes.
    /// @param sendPkpToItself send the PKP to its own address instead of the caller.
    /// @return tokenId the minted PKP.
    function mintNextAndAddAuthMethods(
        uint256 keyType,
        uint256[] calldata permittedAuthMethodTypes,
        bytes[] calldata permittedAuthMethodIds,
        bytes[] calldata permittedAuthMethodPubkeys,
        uint256[][] calldata permittedAuthMethodScopes,
        bool addPkpEthAddressAsPermittedAddress,
        bool sendPkpToItself
    ) external payable returns (uint256 tokenId);

    /// @notice As {mintNextAndAddAuthMethods}, with actions and addresses given separately.
    /// Actions are added first, then addresses, then the other auth methods.
    /// @dev Requirements and events as {mintNextAndAddAuthMethods}; also the CIDs and their
    /// scopes (`IpfsCidScopesLengthMismatch`) and the addresses and their scopes
    /// (`AddressScopesLengthMismatch`) have one length each.
    /// @param keyType the key type to mint (2: ECDSA secp256k1).
    /// @param permittedIpfsCIDs the Lit Actions to permit (CIDv0 multihash bytes).
    /// @param permittedIpfsCIDScopes their scope lists.
    /// @param permittedAddresses the addresses to permit.
    /// @param permittedAddressScopes their scope lists.
    /// @param permittedAuthMethodTypes the types of the other auth methods to permit.
    /// @param permittedAuthMethodIds their ids.
    /// @param permittedAuthMethodPubkeys their user pubkeys (empty bytes for none).
    /// @param permittedAuthMethodScopes their scope lists.
    /// @param addPkpEthAddressAsPermittedAddress also permit the PKP's own address, no scopes.
    /// @param sendPkpToItself send the PKP to its own address instead of the caller.
    /// @return tokenId the minted PKP.
    function mintNextAndAddAuthMethodsWithTypes(
        uint256 keyType,
        bytes[] memory permittedIpfsCIDs,
        uint256[][] memory permittedIpfsCIDScopes,
        address[] memory permittedAddresses,
        uint256[][] memory permittedAddressScopes,
        uint256[] memory permittedAuthMethodTypes,
        bytes[] memory permittedAuthMethodIds,
        bytes[] memory permittedAuthMethodPubkeys,
        uint256[][] memory permittedAuthMethodScopes,
        bool addPkpEthAddressAsPermittedAddress,
        bool sendPkpToItself
    ) external payable returns (uint256 tokenId);

    /// @notice Claims the derived key of `claimMaterial` (PKPNFT's `claimAndMint`, paying exactly
    /// the mint cost from msg.value, the PKP minted to the helper), sets the permissions of
    /// `authMethodData` in the order of {mintNextAndAddAuthMethodsWithTypes}, then sends the PKP
    /// to the caller, or to its own address if `authMethodData.sendPkpToItself`.
    /// @dev Datil's ABI. Requirements: both key types are equal (`ClaimKeyTypeMismatch`); the
    /// arrays' lengths match as {mintNextAndAddAuthMethodsWithTypes} requires (checked before
    /// the claim); everything {IPKPNFT-claimAndMint} requires (its errors and the router's pass
    /// through: payment, signatures, routed and unclaimed key); the grants' requirements.
    /// Emits PKPNFT's {IPKPNFT-PKPMinted} and `Transfer(0, helper, tokenId)`, each grant's events,
    /// then `Transfer(helper, receiver, tokenId)`. The staking contract passed on is zero.
    /// Whoever submits the claim material first gets the PKP (see {IPKPNFT-claimAndMint}); a
    /// relayer should use `sendPkpToItself`.
    /// @param claimMaterial the claim: key type, derived key id, validator signatures.
    /// @param authMethodData the permissions to set and where the PKP goes.
    /// @return tokenId the claimed PKP.
    function claimAndMintNextAndAddAuthMethods(
        ClaimMaterial calldata claimMaterial,
        AuthMethodData calldata authMethodData
    ) external payable returns (uint256 tokenId);

    /// @notice The PKPNFT the helper mints from (fixed at deployment).
    /// @return the PKPNFT address.
    function getPkpNftAddress() external view returns (address);

    /// @notice The PKPPermissions the helper grants through (fixed at deployment).
    /// @return the PKPPermissions address.
    function getPkpPermissionsAddress() external view returns (address);
}
