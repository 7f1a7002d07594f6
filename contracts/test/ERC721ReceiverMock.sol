// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IPKPNFT} from "../interfaces/IPKPNFT.sol";

/// @title ERC721ReceiverMock
/// @notice Test double: a contract that accepts every ERC-721 token and records each delivery.
contract ERC721ReceiverMock is IERC721Receiver {
    /// @notice onERC721Received was called with these arguments.
    event Received(address operator, address from, uint256 tokenId, bytes data);

    /// @inheritdoc IERC721Receiver
    function onERC721Received(
        address operator,
        address from,
        uint256 tokenId,
        bytes calldata data
    ) external returns (bytes4) {
        emit Received(operator, from, tokenId, data);
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @notice Mints the next PKP of `keyType` to this contract, forwarding the payment.
    function mintNext(IPKPNFT pkpNft, uint256 keyType) external payable returns (uint256) {
        return pkpNft.mintNext{value: msg.value}(keyType);
    }
}
