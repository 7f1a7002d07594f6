// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ERC20Mock
/// @notice Test double: an ERC-20 anyone can mint, for access-control conditions on balances.
contract ERC20Mock is ERC20 {
    constructor() ERC20("Condition Token", "CND") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
