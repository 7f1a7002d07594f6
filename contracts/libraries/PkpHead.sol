// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The head slot of a PKP in PKPPermissions: how many auth methods the PKP permits, the
/// reference of the first of them, and that first method's grant (its position in the method's
/// list of PKPs and its scopes 0–127), packed into one word:
/// `[count:32 | scopes:128 | extra-scopes flag:8 | pkp position:32 | first reference:56]`.
/// An all-zero head is a PKP with no methods.
type PkpHead is uint256;

using PkpHeadLibrary for PkpHead global;

/// @title PkpHeadLibrary
/// @notice Reads and rebuilds a {PkpHead}. Every function is pure: the caller loads and stores
/// the word.
library PkpHeadLibrary {
    /// @notice Scope ids below this one live in the head; larger ones in the overflow bitmap.
    uint256 internal constant INLINE_SCOPES = 128;

    uint256 private constant REF_MASK = (1 << 56) - 1;
    uint256 private constant PKP_POSITION_SHIFT = 56;
    uint256 private constant EXTRA_SCOPES_SHIFT = 88;
    uint256 private constant SCOPES_SHIFT = 96;
    uint256 private constant COUNT_SHIFT = 224;
    /// @dev The parts of the head that describe the list, not the first grant.
    uint256 private constant LIST_MASK = REF_MASK | (uint256(type(uint32).max) << COUNT_SHIFT);
    uint256 private constant PKP_POSITION_MASK = uint256(type(uint32).max) << PKP_POSITION_SHIFT;

    /// @notice The head of a PKP whose only method is `ref`, with an empty grant.
    function startingWith(uint56 ref) internal pure returns (PkpHead) {
        return PkpHead.wrap(uint256(ref) | (1 << COUNT_SHIFT));
    }

    /// @notice How many auth methods the PKP permits.
    function count(PkpHead head) internal pure returns (uint256) {
        return PkpHead.unwrap(head) >> COUNT_SHIFT;
    }

    /// @notice The reference of the PKP's first auth method (0 for a PKP with none).
    function firstRef(PkpHead head) internal pure returns (uint56) {
        return uint56(PkpHead.unwrap(head));
    }

    /// @notice The first grant's position in its method's list of PKPs.
    function pkpPosition(PkpHead head) internal pure returns (uint32) {
        return uint32(PkpHead.unwrap(head) >> PKP_POSITION_SHIFT);
    }

    /// @notice Whether the first grant has a scope id of at least {INLINE_SCOPES}.
    function hasExtraScopes(PkpHead head) internal pure returns (bool) {
        return uint8(PkpHead.unwrap(head) >> EXTRA_SCOPES_SHIFT) != 0;
    }

    /// @notice The first grant's scopes below {INLINE_SCOPES}: bit i is scope i.
    function scopes(PkpHead head) internal pure returns (uint128) {
        return uint128(PkpHead.unwrap(head) >> SCOPES_SHIFT);
    }

    /// @notice `head` with the method count set to `newCount` (below 2^32).
    function withCount(PkpHead head, uint256 newCount) internal pure returns (PkpHead) {
        return
            PkpHead.wrap(
                (PkpHead.unwrap(head) & ((1 << COUNT_SHIFT) - 1)) | (newCount << COUNT_SHIFT)
            );
    }

    /// @notice `head` with the first grant's position in its method's list set to `position`.
    function withPkpPosition(PkpHead head, uint32 position) internal pure returns (PkpHead) {
        return
            PkpHead.wrap(
                (PkpHead.unwrap(head) & ~PKP_POSITION_MASK) |
                    (uint256(position) << PKP_POSITION_SHIFT)
            );
    }

    /// @notice `head` with the whole first grant replaced; the count and first reference stay.
    function withGrant(
        PkpHead head,
        uint32 position,
        bool extraScopes,
        uint128 inlineScopes
    ) internal pure returns (PkpHead) {
        return
            PkpHead.wrap(
                (PkpHead.unwrap(head) & LIST_MASK) |
                    (uint256(position) << PKP_POSITION_SHIFT) |
                    ((extraScopes ? uint256(1) : 0) << EXTRA_SCOPES_SHIFT) |
                    (uint256(inlineScopes) << SCOPES_SHIFT)
            );
    }
}
