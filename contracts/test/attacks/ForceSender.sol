// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ForceSender
/// @notice Test-only: pushes ether into a contract that has no receive function, with
/// selfdestruct (on cancun it still sends the whole balance, EIP-6780).
contract ForceSender {
    constructor() payable {}

    function forceSend(address payable target) external {
        assembly ("memory-safe") {
            selfdestruct(target)
        }
    }
}
