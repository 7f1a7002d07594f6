// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IPKPHelper} from "./interfaces/IPKPHelper.sol";
import {IPKPNFT} from "./interfaces/IPKPNFT.sol";
import {IPKPPermissions} from "./interfaces/IPKPPermissions.sol";

/// @title PKPHelper
/// @notice See {IPKPHelper}. Holds no funds and no PKPs between calls, and has no owner.
contract PKPHelper is IPKPHelper {
    IPKPNFT private immutable _pkpNft;
    IPKPPermissions private immutable _pkpPermissions;

    constructor(IPKPNFT pkpNft, IPKPPermissions pkpPermissions) {
        if (address(pkpNft) == address(0) || address(pkpPermissions) == address(0)) {
            revert ZeroAddress();
        }
        _pkpNft = pkpNft;
        _pkpPermissions = pkpPermissions;
    }

    /// @inheritdoc IPKPHelper
    function mintNextAndAddAuthMethods(
        uint256 keyType,
        uint256[] calldata permittedAuthMethodTypes,
        bytes[] calldata permittedAuthMethodIds,
        bytes[] calldata permittedAuthMethodPubkeys,
        uint256[][] calldata permittedAuthMethodScopes,
        bool addPkpEthAddressAsPermittedAddress,
        bool sendPkpToItself
    ) external payable returns (uint256) {
        AuthMethodData memory data;
        data.keyType = keyType;
        data.permittedAuthMethodTypes = permittedAuthMethodTypes;
        data.permittedAuthMethodIds = permittedAuthMethodIds;
        data.permittedAuthMethodPubkeys = permittedAuthMethodPubkeys;
        data.permittedAuthMethodScopes = permittedAuthMethodScopes;
        data.addPkpEthAddressAsPermittedAddress = addPkpEthAddressAsPermittedAddress;
        data.sendPkpToItself = sendPkpToItself;
        return _mintAndSetUp(data);
    }

    /// @inheritdoc IPKPHelper
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
    ) external payable returns (uint256) {
        return
            _mintAndSetUp(
                AuthMethodData(
                    keyType,
                    permittedIpfsCIDs,
                    permittedIpfsCIDScopes,
                    permittedAddresses,
                    permittedAddressScopes,
                    permittedAuthMethodTypes,
                    permittedAuthMethodIds,
                    permittedAuthMethodPubkeys,
                    permittedAuthMethodScopes,
                    addPkpEthAddressAsPermittedAddress,
                    sendPkpToItself
                )
            );
    }

    /// @inheritdoc IPKPHelper
    function claimAndMintNextAndAddAuthMethods(
        ClaimMaterial calldata claimMaterial,
        AuthMethodData calldata authMethodData
    ) external payable returns (uint256 tokenId) {
        if (claimMaterial.keyType != authMethodData.keyType) {
            revert ClaimKeyTypeMismatch(claimMaterial.keyType, authMethodData.keyType);
        }
        AuthMethodData memory data = authMethodData;
        _checkLengths(data);
        tokenId = _pkpNft.claimAndMint{value: msg.value}(
            claimMaterial.keyType,
            claimMaterial.derivedKeyId,
            claimMaterial.signatures,
            address(0)
        );
        _setUp(tokenId, data);
    }

    /// @inheritdoc IERC721Receiver
    /// @dev Lit's helper checks only that PKPNFT is the caller, which lets anyone safe-transfer a
    /// PKP in for good. Here the helper must also be the operator: true only for its own mints.
    function onERC721Received(
        address operator,
        address,
        uint256,
        bytes calldata
    ) external view returns (bytes4) {
        if (msg.sender != address(_pkpNft) || operator != address(this)) {
            revert UnsolicitedTransfer(msg.sender, operator);
        }
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @inheritdoc IPKPHelper
    function getPkpNftAddress() external view returns (address) {
        return address(_pkpNft);
    }

    /// @inheritdoc IPKPHelper
    function getPkpPermissionsAddress() external view returns (address) {
        return address(_pkpPermissions);
    }

    function _mintAndSetUp(AuthMethodData memory data) private returns (uint256 tokenId) {
        _checkLengths(data);
        tokenId = _pkpNft.mintNext{value: msg.value}(data.keyType);
        _setUp(tokenId, data);
    }

    /// @dev Lit's order: actions, addresses, other auth methods, the PKP's own address, then the
    /// hand-over to the caller or to the PKP itself.
    function _setUp(uint256 tokenId, AuthMethodData memory data) private {
        for (uint256 i = 0; i < data.permittedIpfsCIDs.length; ++i) {
            _pkpPermissions.addPermittedAction(
                tokenId,
                data.permittedIpfsCIDs[i],
                data.permittedIpfsCIDScopes[i]
            );
        }
        for (uint256 i = 0; i < data.permittedAddresses.length; ++i) {
            _pkpPermissions.addPermittedAddress(
                tokenId,
                data.permittedAddresses[i],
                data.permittedAddressScopes[i]
            );
        }
        for (uint256 i = 0; i < data.permittedAuthMethodTypes.length; ++i) {
            _pkpPermissions.addPermittedAuthMethod(
                tokenId,
                IPKPPermissions.AuthMethod(
                    data.permittedAuthMethodTypes[i],
                    data.permittedAuthMethodIds[i],
                    data.permittedAuthMethodPubkeys[i]
                ),
                data.permittedAuthMethodScopes[i]
            );
        }

        address pkpEthAddress = _pkpNft.getEthAddress(tokenId);
        if (data.addPkpEthAddressAsPermittedAddress) {
            _pkpPermissions.addPermittedAddress(tokenId, pkpEthAddress, new uint256[](0));
        }
        _pkpNft.safeTransferFrom(
            address(this),
            data.sendPkpToItself ? pkpEthAddress : msg.sender,
            tokenId
        );
    }

    function _checkLengths(AuthMethodData memory data) private pure {
        if (data.permittedIpfsCIDs.length != data.permittedIpfsCIDScopes.length) {
            revert IpfsCidScopesLengthMismatch(
                data.permittedIpfsCIDs.length,
                data.permittedIpfsCIDScopes.length
            );
        }
        if (data.permittedAddresses.length != data.permittedAddressScopes.length) {
            revert AddressScopesLengthMismatch(
                data.permittedAddresses.length,
                data.permittedAddressScopes.length
            );
        }
        uint256 types = data.permittedAuthMethodTypes.length;
        if (data.permittedAuthMethodIds.length != types) {
            revert AuthMethodIdsLengthMismatch(types, data.permittedAuthMethodIds.length);
        }
        if (data.permittedAuthMethodPubkeys.length != types) {
            revert AuthMethodPubkeysLengthMismatch(types, data.permittedAuthMethodPubkeys.length);
        }
        if (data.permittedAuthMethodScopes.length != types) {
            revert AuthMethodScopesLengthMismatch(types, data.permittedAuthMethodScopes.length);
        }
    }
}
