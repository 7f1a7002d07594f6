// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPKPNFT} from "../interfaces/IPKPNFT.sol";

/// @title NonReceiverMock
/// @notice Test double: a contract that does not implement IERC721Receiver, so safe transfers
/// and safe mints to it must fail.
contract NonReceiverMock {
    /// @notice Tries to mint the next PKP of `keyType` to this contract, forwarding the payment.
    function mintNext(IPKPNFT pkpNft, uint256 keyType) external payable returns (uint256) {
        return pkpNft.mintNext{value: msg.value}(keyType);
    }
}
