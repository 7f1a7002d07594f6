// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPKPNFTMetadata
/// @notice Renders a PKP's ERC-721 metadata.
interface IPKPNFTMetadata {
    /// @notice `data:application/json;base64,` followed by a JSON document shaped like Lit's:
    /// name `Lit PKP #<tokenId>`, a description, an SVG image, and the attributes Public Key,
    /// ETH Wallet Address and Token ID.
    /// @param tokenId the PKP.
    /// @param pubKey its 65-byte public key.
    /// @param ethAddress its Ethereum address.
    /// @return the data URI.
    function tokenURI(
        uint256 tokenId,
        bytes memory pubKey,
        address ethAddress
    ) external pure returns (string memory);
}
