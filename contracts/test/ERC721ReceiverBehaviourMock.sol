// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

/// @title ERC721ReceiverBehaviourMock
/// @notice Test double for safe transfers: a receiver that accepts, answers a wrong value, or
/// fails in one of the ways a receiver can fail, as chosen at deployment.
contract ERC721ReceiverBehaviourMock is IERC721Receiver {
    /// @notice How onERC721Received answers.
    enum Behaviour {
        Accept,
        WrongReturnValue,
        RevertWithMessage,
        RevertWithCustomError,
        RevertWithoutData,
        Panic
    }

    /// @notice onERC721Received accepted a token with these arguments.
    event Received(address operator, address from, uint256 tokenId, bytes data);

    /// @notice The custom error of {Behaviour.RevertWithCustomError}.
    error ReceiverRefused(address operator, uint256 tokenId);

    Behaviour private immutable _behaviour;

    constructor(Behaviour behaviour) {
        _behaviour = behaviour;
    }

    /// @inheritdoc IERC721Receiver
    function onERC721Received(
        address operator,
        address from,
        uint256 tokenId,
        bytes calldata data
    ) external returns (bytes4) {
        Behaviour behaviour = _behaviour;
        if (behaviour == Behaviour.WrongReturnValue) return bytes4(0xdeadbeef);
        if (behaviour == Behaviour.RevertWithMessage) revert("ERC721ReceiverBehaviourMock: no");
        if (behaviour == Behaviour.RevertWithCustomError) revert ReceiverRefused(operator, tokenId);
        // solhint-disable-next-line reason-string
        if (behaviour == Behaviour.RevertWithoutData) revert();
        if (behaviour == Behaviour.Panic) {
            uint256 zero = 0;
            return bytes4(bytes32(tokenId / zero));
        }
        emit Received(operator, from, tokenId, data);
        return IERC721Receiver.onERC721Received.selector;
    }
}
