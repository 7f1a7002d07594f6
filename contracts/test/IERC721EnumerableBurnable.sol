// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721Enumerable} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Enumerable.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";

/// @title IERC721EnumerableBurnable
/// @notice Test-only: the surface the ERC-721 conformance behaviour drives, shared by PKPNFT and
/// OpenZeppelinERC721Mock (ERC-721, Enumerable, Metadata, and Burnable's burn).
interface IERC721EnumerableBurnable is IERC721Enumerable, IERC721Metadata {
    /// @notice Burns `tokenId` (owner, approved address or operator).
    function burn(uint256 tokenId) external;
}
