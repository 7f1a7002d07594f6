// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AddressRecord, AddressRecordLibrary} from "../libraries/AddressRecord.sol";
import {KeyPool, KeyPoolLibrary} from "../libraries/KeyPool.sol";
import {KeyRecord, KeyRecordLibrary} from "../libraries/KeyRecord.sol";
import {MethodRecord, MethodRecordLibrary} from "../libraries/MethodRecord.sol";
import {PackedRefs} from "../libraries/PackedRefs.sol";
import {PkpHead, PkpHeadLibrary} from "../libraries/PkpHead.sol";

/// @title PackedWordsHarness
/// @notice Test-only: exposes the internal libraries behind the packed storage words of
/// PKPPermissions (PkpHead, PackedRefs, MethodRecord, AddressRecord) and PubkeyRouter
/// (KeyRecord, KeyPool) so that their round trips can be tested alone (test/libraries/).
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

    // ------------------------------------------------------------------ MethodRecord

    /// @notice Every field of a {MethodRecord}, as its getters read them.
    struct MethodFields {
        uint56 ref;
        uint256 pkpCount;
        bool hasUserPubkey;
        uint256 pkps;
    }

    /// @notice The fields of `record`.
    function methodFields(MethodRecord record) external pure returns (MethodFields memory) {
        return MethodFields(record.ref(), record.pkpCount(), record.hasUserPubkey(), record.pkps());
    }

    /// @notice {MethodRecordLibrary-pack}.
    function methodPack(
        uint56 methodRef,
        uint256 count,
        bool userPubkey,
        uint256 pkpLanes
    ) external pure returns (MethodRecord) {
        return MethodRecordLibrary.pack(methodRef, count, userPubkey, pkpLanes);
    }

    /// @notice {MethodRecordLibrary-INLINE_PKPS}.
    function methodInlinePkps() external pure returns (uint256) {
        return MethodRecordLibrary.INLINE_PKPS;
    }

    // ------------------------------------------------------------------ AddressRecord

    /// @notice Every field of an {AddressRecord}, as its getters read them.
    struct AddressFields {
        bool isOccupied;
        address user;
        uint256 pkpCount;
        bool hasUserPubkey;
        uint256 pkps;
    }

    /// @notice The fields of `record`.
    function addressFields(AddressRecord record) external pure returns (AddressFields memory) {
        return
            AddressFields(
                record.isOccupied(),
                record.user(),
                record.pkpCount(),
                record.hasUserPubkey(),
                record.pkps()
            );
    }

    /// @notice {AddressRecordLibrary-pack}.
    function addressPack(
        address account,
        uint256 count,
        bool userPubkey,
        uint256 firstPkp
    ) external pure returns (AddressRecord) {
        return AddressRecordLibrary.pack(account, count, userPubkey, firstPkp);
    }

    /// @notice {AddressRecordLibrary-INLINE_PKPS}.
    function addressInlinePkps() external pure returns (uint256) {
        return AddressRecordLibrary.INLINE_PKPS;
    }

    // ------------------------------------------------------------------ KeyRecord

    /// @notice Every field of a {KeyRecord}, as its getters read them.
    struct KeyFields {
        bool isRouted;
        address ethAddress;
        uint8 flags;
        uint32 keyType;
        uint56 position;
    }

    /// @notice The fields of `record`.
    function keyFields(KeyRecord record) external pure returns (KeyFields memory) {
        return
            KeyFields(
                record.isRouted(),
                record.ethAddress(),
                record.flags(),
                record.keyType(),
                record.position()
            );
    }

    /// @notice {KeyRecordLibrary-pack}.
    function keyPack(
        address ethAddress,
        uint8 flags,
        uint32 keyType,
        uint56 position
    ) external pure returns (KeyRecord) {
        return KeyRecordLibrary.pack(ethAddress, flags, keyType, position);
    }

    /// @notice {KeyRecordLibrary-has}.
    function keyHas(KeyRecord record, uint8 flag) external pure returns (bool) {
        return record.has(flag);
    }

    /// @notice {KeyRecordLibrary-withFlag}.
    function keyWithFlag(KeyRecord record, uint8 flag) external pure returns (KeyRecord) {
        return record.withFlag(flag);
    }

    /// @notice {KeyRecordLibrary-withPosition}.
    function keyWithPosition(
        KeyRecord record,
        uint56 newPosition
    ) external pure returns (KeyRecord) {
        return record.withPosition(newPosition);
    }

    /// @notice The FLAG_* constants of {KeyRecordLibrary}, in declaration order.
    function keyFlags()
        external
        pure
        returns (uint8 yOdd, uint8 withdrawn, uint8 derived, uint8 claimed)
    {
        return (
            KeyRecordLibrary.FLAG_Y_ODD,
            KeyRecordLibrary.FLAG_WITHDRAWN,
            KeyRecordLibrary.FLAG_DERIVED,
            KeyRecordLibrary.FLAG_CLAIMED
        );
    }

    // ------------------------------------------------------------------ KeyPool

    /// @notice Every field of a {KeyPool}, as its getters read them.
    struct PoolFields {
        uint256 head;
        uint256 tail;
        uint256 derived;
    }

    /// @notice The fields of `pool`.
    function poolFields(KeyPool pool) external pure returns (PoolFields memory) {
        return PoolFields(pool.head(), pool.tail(), pool.derived());
    }

    /// @notice {KeyPoolLibrary-pack}.
    function poolPack(uint256 head, uint256 tail, uint256 derived) external pure returns (KeyPool) {
        return KeyPoolLibrary.pack(head, tail, derived);
    }
}
