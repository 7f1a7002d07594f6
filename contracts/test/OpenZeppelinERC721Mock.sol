// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721Burnable} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721Burnable.sol";
import {ERC721Enumerable} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721Enumerable.sol";

/// @title OpenZeppelinERC721Mock
/// @notice Test-only reference: OpenZeppelin's own ERC721 + ERC721Enumerable + ERC721Burnable,
/// which the ERC-721 conformance behaviour (test/helpers/erc721.behaviour.ts) runs against
/// beside PKPNFT, so that both are held to the same expectations.
contract OpenZeppelinERC721Mock is ERC721Enumerable, ERC721Burnable {
    constructor() ERC721("OpenZeppelin reference", "OZ") {}

    /// @notice Mints `tokenId` to `to` (anyone may call: test only).
    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }

    /// @inheritdoc ERC721Enumerable
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC721, ERC721Enumerable) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _update(
        address to,
        uint256 tokenId,
        address auth
    ) internal override(ERC721, ERC721Enumerable) returns (address) {
        return super._update(to, tokenId, auth);
    }

    function _increaseBalance(
        address account,
        uint128 amount
    ) internal override(ERC721, ERC721Enumerable) {
        super._increaseBalance(account, amount);
    }
}
