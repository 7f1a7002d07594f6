// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

/// @title IPKPHelper
/// @notice Mints a PKP and sets up its permissions in one transaction, then hands the PKP to the
/// caller (or to the PKP's own address). The PKP never stays with the helper.
/// @dev ABI-compatible with the two mint functions of Lit Protocol's datil PKPHelper.
interface IPKPHelper is IERC721Receiver {
    /// @notice The helper only accepts the PKPs it mints itself: anything else would be stuck.
    error UnsolicitedTransfer(address sender, address operator);
    /// @notice The permitted action CIDs and their scopes differ in length.
    error IpfsCidScopesLengthMismatch(uint256 cids, uint256 scopes);
    /// @notice The permitted addresses and their scopes differ in length.
    error AddressScopesLengthMismatch(uint256 addresses, uint256 scopes);
    /// @notice The auth method types and ids differ in length.
    error AuthMethodIdsLengthMismatch(uint256 types, uint256 ids);
    /// @notice The auth method types and pubkeys differ in length.
    error AuthMethodPubkeysLengthMismatch(uint256 types, uint256 pubkeys);
    /// @notice The auth method types and scopes differ in length.
    error AuthMethodScopesLengthMismatch(uint256 types, uint256 scopes);
    /// @notice The zero address is not a valid argument here.
    error ZeroAddress();

    /// @notice Mints the next PKP of `keyType` (paying exactly PKPNFT's mint cost, forwarded
    /// from msg.value), permits the given auth methods, optionally permits the PKP's own address
    /// (with no scopes), then sends the PKP to the caller, or to its own address if
    /// `sendPkpToItself`.
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

    function getPkpNftAddress() external view returns (address);

    function getPkpPermissionsAddress() external view returns (address);
}
