// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The pool of one key type in PubkeyRouter, in one word:
/// `[derived:64 | tail:64 | head:64]`. Positions [head, tail) hold unminted keys, oldest first;
/// `derived` keys of the type were routed for claims, outside the pool.
type KeyPool is uint256;

using KeyPoolLibrary for KeyPool global;

/// @title KeyPoolLibrary
/// @notice Reads and builds a {KeyPool}. Every function is pure.
library KeyPoolLibrary {
    uint256 private constant TAIL_SHIFT = 64;
    uint256 private constant DERIVED_SHIFT = 128;

    /// @notice A pool from all its fields (each below 2^64).
    function pack(uint256 head, uint256 tail, uint256 derived) internal pure returns (KeyPool) {
        return KeyPool.wrap(head | (tail << TAIL_SHIFT) | (derived << DERIVED_SHIFT));
    }

    /// @notice The position of the oldest unminted key.
    function head(KeyPool pool) internal pure returns (uint256) {
        return uint64(KeyPool.unwrap(pool));
    }

    /// @notice The position the next registered key takes.
    function tail(KeyPool pool) internal pure returns (uint256) {
        return uint64(KeyPool.unwrap(pool) >> TAIL_SHIFT);
    }

    /// @notice How many derived keys of the type were routed.
    function derived(KeyPool pool) internal pure returns (uint256) {
        return uint64(KeyPool.unwrap(pool) >> DERIVED_SHIFT);
    }
}
