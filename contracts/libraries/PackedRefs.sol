// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title PackedRefs
/// @notice Lane arithmetic for lists of fixed-width references packed several to a storage word:
/// entry `index` of a list packed `perWord` entries of `bits` bits to a word lives in word
/// `index / perWord`, at bit offset `(index % perWord) * bits` (lane 0 in the low bits).
/// @dev PKPPermissions keeps two such lists: a PKP's auth method references (56 bits, four to a
/// word) and an auth method's PKP key references (88 bits, two to a word). The callers pass
/// constants, so every call inlines to a few shifts and masks.
library PackedRefs {
    /// @notice The word that holds entry `index`, and the entry's bit offset in that word.
    function locate(
        uint256 index,
        uint256 perWord,
        uint256 bits
    ) internal pure returns (uint256 wordIndex, uint256 shift) {
        wordIndex = index / perWord;
        shift = (index % perWord) * bits;
    }

    /// @notice The `bits`-wide entry at bit offset `shift` of `word`.
    function read(uint256 word, uint256 shift, uint256 bits) internal pure returns (uint256) {
        return (word >> shift) & ((1 << bits) - 1);
    }

    /// @notice `word` with the `bits`-wide entry at bit offset `shift` replaced by `value`
    /// (`value` must fit in `bits` bits); the other lanes are unchanged.
    function write(
        uint256 word,
        uint256 shift,
        uint256 bits,
        uint256 value
    ) internal pure returns (uint256) {
        return (word & ~(((1 << bits) - 1) << shift)) | (value << shift);
    }
}
