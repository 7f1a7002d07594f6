// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice What PKPPermissions keeps about one auth method other than an address, keyed by its
/// auth method id, in one word:
/// `[pkp 2:56 | pkp 1:56 | pkp 0:56 | has user pubkey:1 | pkp count:31 | reference:56]`.
/// The reference is 0 until a PKP's own list first names the method; pkp 0–2 are the first
/// three key references of the method's list of PKPs (the reverse index), the rest live in
/// overflow words.
type MethodRecord is uint256;

using MethodRecordLibrary for MethodRecord global;

/// @title MethodRecordLibrary
/// @notice Reads and rebuilds a {MethodRecord}. Every function is pure.
library MethodRecordLibrary {
    /// @notice How many key references of the reverse index the record holds itself.
    uint256 internal constant INLINE_PKPS = 3;

    uint256 private constant REF_MASK = (1 << 56) - 1;
    uint256 private constant COUNT_SHIFT = 56;
    uint256 private constant COUNT_MASK = ((1 << 31) - 1) << COUNT_SHIFT;
    uint256 private constant USER_PUBKEY_BIT = 1 << 87;
    uint256 private constant PKPS_SHIFT = 88;

    /// @notice The method's compact reference (0: none allocated yet).
    function ref(MethodRecord record) internal pure returns (uint56) {
        return uint56(MethodRecord.unwrap(record));
    }

    /// @notice How many PKPs permit the method (burned ones included).
    function pkpCount(MethodRecord record) internal pure returns (uint256) {
        return (MethodRecord.unwrap(record) & COUNT_MASK) >> COUNT_SHIFT;
    }

    /// @notice Whether a user pubkey is stored for the method.
    function hasUserPubkey(MethodRecord record) internal pure returns (bool) {
        return MethodRecord.unwrap(record) & USER_PUBKEY_BIT != 0;
    }

    /// @notice The first {INLINE_PKPS} entries of the method's list of PKPs, as 56-bit lanes
    /// (entry i at bit 56 * i).
    function pkps(MethodRecord record) internal pure returns (uint256) {
        return MethodRecord.unwrap(record) >> PKPS_SHIFT;
    }

    /// @notice A record from all its fields; `count` must be below 2^31 and `pkpLanes` below
    /// 2^168 (three 56-bit lanes).
    function pack(
        uint56 methodRef,
        uint256 count,
        bool userPubkey,
        uint256 pkpLanes
    ) internal pure returns (MethodRecord) {
        return
            MethodRecord.wrap(
                uint256(methodRef) |
                    (count << COUNT_SHIFT) |
                    (userPubkey ? USER_PUBKEY_BIT : 0) |
                    (pkpLanes << PKPS_SHIFT)
            );
    }
}
