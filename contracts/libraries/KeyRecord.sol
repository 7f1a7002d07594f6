// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice What PubkeyRouter keeps about one routed key, keyed by its token id, in one word:
/// `[position:56 | key type:32 | flags:8 | eth address:160]`. The eth address of a routed key is
/// never zero, so an all-zero record is an unrouted key.
type KeyRecord is uint256;

using KeyRecordLibrary for KeyRecord global;

/// @title KeyRecordLibrary
/// @notice Reads and builds a {KeyRecord}. Every function is pure.
library KeyRecordLibrary {
    /// @notice Flag: the key's y coordinate is odd.
    uint8 internal constant FLAG_Y_ODD = 1;
    /// @notice Flag: the key was withdrawn from the pool unminted.
    uint8 internal constant FLAG_WITHDRAWN = 2;
    /// @notice Flag: the key was routed for a claim (a derived key), outside the pool.
    uint8 internal constant FLAG_DERIVED = 4;
    /// @notice Flag: the derived key was claimed.
    uint8 internal constant FLAG_CLAIMED = 8;

    uint256 private constant FLAGS_SHIFT = 160;
    uint256 private constant KEY_TYPE_SHIFT = 168;
    uint256 private constant POSITION_SHIFT = 200;
    uint256 private constant POSITION_MASK = uint256(type(uint56).max) << POSITION_SHIFT;

    /// @notice A record from all its fields.
    function pack(
        address ethAddress,
        uint8 flags,
        uint32 keyType,
        uint56 position
    ) internal pure returns (KeyRecord) {
        return
            KeyRecord.wrap(
                uint256(uint160(ethAddress)) |
                    (uint256(flags) << FLAGS_SHIFT) |
                    (uint256(keyType) << KEY_TYPE_SHIFT) |
                    (uint256(position) << POSITION_SHIFT)
            );
    }

    /// @notice Whether the key was ever routed.
    function isRouted(KeyRecord record) internal pure returns (bool) {
        return KeyRecord.unwrap(record) != 0;
    }

    /// @notice The key's Ethereum address.
    function ethAddress(KeyRecord record) internal pure returns (address) {
        return address(uint160(KeyRecord.unwrap(record)));
    }

    /// @notice The key's flags (FLAG_*).
    function flags(KeyRecord record) internal pure returns (uint8) {
        return uint8(KeyRecord.unwrap(record) >> FLAGS_SHIFT);
    }

    /// @notice Whether the record has `flag` set.
    function has(KeyRecord record, uint8 flag) internal pure returns (bool) {
        return flags(record) & flag != 0;
    }

    /// @notice The key's type.
    function keyType(KeyRecord record) internal pure returns (uint32) {
        return uint32(KeyRecord.unwrap(record) >> KEY_TYPE_SHIFT);
    }

    /// @notice The key's position in its key type's position space.
    function position(KeyRecord record) internal pure returns (uint56) {
        return uint56(KeyRecord.unwrap(record) >> POSITION_SHIFT);
    }

    /// @notice `record` with `flag` set as well.
    function withFlag(KeyRecord record, uint8 flag) internal pure returns (KeyRecord) {
        return KeyRecord.wrap(KeyRecord.unwrap(record) | (uint256(flag) << FLAGS_SHIFT));
    }

    /// @notice `record` at position `newPosition`.
    function withPosition(KeyRecord record, uint56 newPosition) internal pure returns (KeyRecord) {
        return
            KeyRecord.wrap(
                (KeyRecord.unwrap(record) & ~POSITION_MASK) |
                    (uint256(newPosition) << POSITION_SHIFT)
            );
    }
}
