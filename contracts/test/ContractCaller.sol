// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ContractCaller
/// @notice Test-only: forwards a call with value, as a contract (with no ERC-721 receiver hook)
/// would make it. Used to check that PKPs are never left with a caller that cannot take them.
contract ContractCaller {
    /// @notice The forwarded call reverted with `reason`.
    error ForwardedCallFailed(bytes reason);

    function forward(address target, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        return result;
    }
}
