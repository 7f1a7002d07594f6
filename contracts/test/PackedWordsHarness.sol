// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PackedRefs} from "../libraries/PackedRefs.sol";
import {PkpHead, PkpHeadLibrary} from "../libraries/PkpHead.sol";

/// @title PackedWordsHarness
/// @notice Test-only: exposes the internal libraries behind PKPPermissions' packed storage words
/// so that their round trips can be tested alone (test/libraries/).
contract PackedWordsHarness {
    /// @notice Every field of a {PkpHead}, as its getters read them.
    struct HeadFields {
        uint256 count;
        uint56 firstRef;
        uint32 pkpPosition;
        bool hasExtraScopes;
        uint128 scopes;
    }

    /// @notice The fields of `head`.
    function headFields(PkpHead head) public pure returns (HeadFields memory) {
        return
            HeadFields(
                head.count(),
                head.firstRef(),
                head.pkpPosition(),
                head.hasExtraScopes(),
                head.scopes()
            );
    }

    /// @notice {PkpHeadLibrary-startingWith}.
    function headStartingWith(uint56 ref) external pure returns (PkpHead) {
        return PkpHeadLibrary.startingWith(ref);
    }

    /// @notice {PkpHeadLibrary-withCount}.
    function headWithCount(PkpHead head, uint256 newCount) external pure returns (PkpHead) {
        return head.withCount(newCount);
    }

    /// @notice {PkpHeadLibrary-withPkpPosition}.
    function headWithPkpPosition(PkpHead head, uint32 position) external pure returns (PkpHead) {
        return head.withPkpPosition(position);
    }

    /// @notice {PkpHeadLibrary-withGrant}.
    function headWithGrant(
        PkpHead head,
        uint32 position,
        bool extraScopes,
        uint128 scopes
    ) external pure returns (PkpHead) {
        return head.withGrant(position, extraScopes, scopes);
    }

    /// @notice {PackedRefs-locate}.
    function refsLocate(
        uint256 index,
        uint256 perWord,
        uint256 bits
    ) external pure returns (uint256 wordIndex, uint256 shift) {
        return PackedRefs.locate(index, perWord, bits);
    }

    /// @notice {PackedRefs-read}.
    function refsRead(uint256 word, uint256 shift, uint256 bits) external pure returns (uint256) {
        return PackedRefs.read(word, shift, bits);
    }

    /// @notice {PackedRefs-write}.
    function refsWrite(
        uint256 word,
        uint256 shift,
        uint256 bits,
        uint256 value
    ) external pure returns (uint256) {
        return PackedRefs.write(word, shift, bits, value);
    }
}
