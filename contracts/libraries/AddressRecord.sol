// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice What PKPPermissions keeps about one address auth method (type 1, 20-byte id), in the
/// method's data slot itself, in one word:
/// `[occupied:8 | pkp 0:56 | has user pubkey:1 | pkp count:31 | address:160]`.
/// The occupied byte is never zero, so even the zero address's record marks its slot as taken.
type AddressRecord is uint256;

using AddressRecordLibrary for AddressRecord global;

/// @title AddressRecordLibrary
/// @notice Reads and rebuilds an {AddressRecord}. Every function is pure.
library AddressRecordLibrary {
    /// @notice How many key references of the reverse index the record holds itself.
    uint256 internal constant INLINE_PKPS = 1;

    uint256 private constant COUNT_SHIFT = 160;
    uint256 private constant COUNT_MASK = ((1 << 31) - 1) << COUNT_SHIFT;
    uint256 private constant USER_PUBKEY_BIT = 1 << 191;
    uint256 private constant PKP_SHIFT = 192;
    uint256 private constant OCCUPIED = 1 << 248;

    /// @notice Whether the slot holds a record (an empty slot reads as zero).
    function isOccupied(AddressRecord record) internal pure returns (bool) {
        return AddressRecord.unwrap(record) != 0;
    }

    /// @notice The address the record is about.
    function user(AddressRecord record) internal pure returns (address) {
        return address(uint160(AddressRecord.unwrap(record)));
    }

    /// @notice How many PKPs permit the address (burned ones included).
    function pkpCount(AddressRecord record) internal pure returns (uint256) {
        return (AddressRecord.unwrap(record) & COUNT_MASK) >> COUNT_SHIFT;
    }

    /// @notice Whether a user pubkey is stored for the method.
    function hasUserPubkey(AddressRecord record) internal pure returns (bool) {
        return AddressRecord.unwrap(record) & USER_PUBKEY_BIT != 0;
    }

    /// @notice Entry 0 of the method's list of PKPs, as a 56-bit lane.
    function pkps(AddressRecord record) internal pure returns (uint256) {
        return uint56(AddressRecord.unwrap(record) >> PKP_SHIFT);
    }

    /// @notice An occupied record from all its fields; `count` must be below 2^31 and
    /// `firstPkp` below 2^56.
    function pack(
        address account,
        uint256 count,
        bool userPubkey,
        uint256 firstPkp
    ) internal pure returns (AddressRecord) {
        return
            AddressRecord.wrap(
                OCCUPIED |
                    uint256(uint160(account)) |
                    (count << COUNT_SHIFT) |
                    (userPubkey ? USER_PUBKEY_BIT : 0) |
                    (firstPkp << PKP_SHIFT)
            );
    }
}
