// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPKPNFT} from "../../interfaces/IPKPNFT.sol";

// A test attacker: the low-level call captures the re-entrant call's revert data, and the
// receive function is where the attack happens.
// solhint-disable avoid-low-level-calls, no-complex-fallback

/// @title WithdrawingOwner
/// @notice Test-only: a contract that owns PKPNFT and withdraws its balance, then either refuses
/// the ether (its receive reverts) or re-enters withdraw from its receive.
contract WithdrawingOwner {
    enum OnReceive {
        Accept,
        Refuse,
        Reenter
    }

    /// @notice This contract refuses ether.
    error EtherRefused(uint256 amount);

    /// @notice The re-entrant withdraw from receive ran, with this outcome.
    event ReenteredWithdraw(bool ok, bytes result);

    IPKPNFT private immutable _nft;
    OnReceive public onReceive;
    bool private _reentered;

    constructor(IPKPNFT nft) {
        _nft = nft;
    }

    function setOnReceive(OnReceive mode) external {
        onReceive = mode;
    }

    function withdraw() external {
        _nft.withdraw();
    }

    /// @notice Hands PKPNFT's ownership on (so a test can take it back after a refusal).
    function transferNftOwnership(address newOwner) external {
        Ownable(address(_nft)).transferOwnership(newOwner);
    }

    receive() external payable {
        if (onReceive == OnReceive.Refuse) revert EtherRefused(msg.value);
        if (onReceive == OnReceive.Reenter && !_reentered) {
            _reentered = true;
            (bool ok, bytes memory result) = address(_nft).call(
                abi.encodeCall(IPKPNFT.withdraw, ())
            );
            emit ReenteredWithdraw(ok, result);
        }
    }
}
