// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title PrimeRegistry
/// @notice Records the numbers one PKP vouched for. The PKP is given at deployment: minted,
/// granted `isPrime.js` and burned in one transaction, it can only ever sign through that action,
/// which signs a number only if it is prime. So every number recorded here is prime — and anyone
/// can check why (the PKP's proof bundle, `npx hardhat pkp:verify-proof`).
contract PrimeRegistry {
    /// @notice The PKP's Ethereum address: the only signer this registry accepts.
    address public immutable pkp;

    mapping(uint256 n => bool recorded) private _recorded;

    /// @notice `n` was recorded.
    event Recorded(uint256 indexed n);

    /// @notice The signature over `n` is not the PKP's (`signer` is who signed, if anyone).
    error NotSignedByPkp(uint256 n, address signer);
    /// @notice `n` is recorded already.
    error AlreadyRecorded(uint256 n);
    /// @notice The PKP address given at deployment is zero.
    error ZeroPkp();

    constructor(address pkp_) {
        if (pkp_ == address(0)) revert ZeroPkp();
        pkp = pkp_;
    }

    /// @notice Records `n` if `signature` is the PKP's ECDSA signature over `n` as a 32-byte
    /// big-endian word — the digest isPrime.js signs (its `dataSigned`).
    function record(uint256 n, bytes calldata signature) external {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(bytes32(n), signature);
        if (error != ECDSA.RecoverError.NoError || signer != pkp) revert NotSignedByPkp(n, signer);
        if (_recorded[n]) revert AlreadyRecorded(n);
        _recorded[n] = true;
        emit Recorded(n);
    }

    /// @notice Whether `n` was recorded.
    function isRecorded(uint256 n) external view returns (bool) {
        return _recorded[n];
    }
}
