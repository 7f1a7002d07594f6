// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IPKPNFT} from "./interfaces/IPKPNFT.sol";
import {IPKPPermissions} from "./interfaces/IPKPPermissions.sol";
import {IPubkeyRouter} from "./interfaces/IPubkeyRouter.sol";
import {AddressRecord, AddressRecordLibrary} from "./libraries/AddressRecord.sol";
import {MethodRecord, MethodRecordLibrary} from "./libraries/MethodRecord.sol";
import {PackedRefs} from "./libraries/PackedRefs.sol";
import {PkpHead, PkpHeadLibrary} from "./libraries/PkpHead.sol";

/// @title PKPPermissions
/// @notice See {IPKPPermissions}.
/// @dev Storage layout, chosen for gas (the views answer exactly as Lit's do):
/// - Each distinct auth method is stored once, globally, under a compact 56-bit reference
///   (`serial << 8 | kind`) whose serial is the low 48 bits of its auth method id, or the next
///   free one after it (open addressing; a reference, once taken, is never given to another
///   method). The data slot of a reference holds a CID's sha2-256 digest, or the id of a full
///   copy of a method of any other shape — or, for an address, the method's whole record.
/// - Every method but an address also has a record keyed by its auth method id ({MethodRecord}:
///   its reference, how many PKPs permit it, and the first three of them). A method with no
///   grant left and no user pubkey has its record cleared; its reference comes back through the
///   data slot it still holds. An address's record ({AddressRecord}: the address, the count and
///   the first PKP) lives in its data slot, found by probing from its serial: a never-seen
///   address costs one fresh slot, not two.
/// - Each PKP has one head slot ({PkpHead}): the number of auth methods it permits, the reference
///   of the first and that first method's grant inline (its position in the method's PKP list and
///   scopes 0–127). Every other method's reference is packed four to a slot after the head, and
///   its grant has a slot of its own (its positions in both lists and scopes 0–183). Larger scope
///   ids of either kind of grant live in an overflow bitmap.
/// - The reverse index (method → PKPs) stores the router's 56-bit key references, not 256-bit
///   token ids: the first three (one for an address) in the method's record, then four to a slot.
/// - A PKP minted, granted and burned by mintGrantAndBurnNext has no head: its one grant (scope 1
///   of one action, frozen for ever) is the action's digest in one slot of its own, recorded by
///   PKPNFT through {grantFrozenAction}. An action first seen there needs no data slot either:
///   its reference names that first PKP (`keyRef << 8 | KIND_FROZEN_ACTION`), whose frozen slot
///   holds the digest for ever.
contract PKPPermissions is IPKPPermissions {
    /// @dev A grant slot, and in memory any grant: position 1 is the head grant (in the PKP's head
    /// slot, with only PkpHeadLibrary.INLINE_SCOPES inline scopes), positions >= 2 have a slot of
    /// their own.
    struct Grant {
        uint32 position; // 1-based position in the PKP's method list; 0 = not permitted
        uint32 pkpPosition; // 0-based position in the method's PKP list
        bool hasExtraScopes; // some scope id >= INLINE_SCOPES was set
        uint184 scopes; // bit i = scope i, for i < INLINE_SCOPES
    }

    /// @dev One auth method in memory, whichever record it is stored in.
    struct Method {
        uint256 authMethodId;
        uint56 ref; // 0: none allocated yet (not an address)
        bool isAddress; // its record is its data slot (an AddressRecord)
        address user; // the address, for an address
        bool hasUserPubkey;
        uint256 pkpCount;
        uint256 pkpLanes; // the reverse index's inline entries, 56-bit lanes (one for an address)
    }

    struct ExtraScopeWords {
        mapping(uint256 wordIndex => uint256 bits) bits;
    }

    struct GenericMethod {
        uint256 authMethodType;
        bytes id;
    }

    uint256 private constant AUTH_METHOD_ADDRESS = 1;
    uint256 private constant AUTH_METHOD_ACTION = 2;
    uint256 private constant AUTH_METHOD_WEBAUTHN = 3;
    uint256 private constant SCOPE_SIGN_ANYTHING = 1;

    uint8 private constant KIND_ACTION = 1; // type 2, 34-byte CIDv0 with a non-zero sha2-256 digest
    uint8 private constant KIND_ADDRESS = 2; // type 1, 20-byte address
    uint8 private constant KIND_GENERIC = 3; // anything else
    /// @dev An action first seen through mintGrantAndBurnNext: the serial is the key reference of
    /// that first PKP, whose frozen action slot holds the digest (no data slot of its own).
    uint8 private constant KIND_FROZEN_ACTION = 4;

    /// @dev Scope ids below this live in a grant slot; the head grant keeps fewer (see PkpHead).
    uint256 private constant INLINE_SCOPES = 184;
    /// @dev A PKP's method references after the first, and a method's key references after the
    /// inline ones: 56 bits, four to a word.
    uint256 private constant REFS_PER_WORD = 4;
    uint256 private constant REF_BITS = 56;

    IPKPNFT private immutable _pkpNft;
    IPubkeyRouter private immutable _router;

    /// @dev Records of every method but addresses (whose records live in _methodData).
    mapping(uint256 authMethodId => MethodRecord record) private _records;
    /// @dev By reference: a CID's digest, an AddressRecord, or a generic method's auth method id.
    mapping(uint56 ref => uint256 data) private _methodData;
    mapping(uint256 authMethodId => GenericMethod method) private _genericMethods;
    mapping(uint256 authMethodId => bytes userPubkey) private _userPubkeys;
    /// @dev Each PKP's count, first method reference and first grant.
    mapping(uint256 tokenId => PkpHead head) private _heads;
    /// @dev Grants at positions >= 2 (the head grant lives in the head slot).
    mapping(uint256 tokenId => mapping(uint56 ref => Grant grant)) private _grants;
    /// @dev A PKP's method references after the first: the one at 0-based list index i >= 1 is
    /// entry i - 1 of these words (see {PackedRefs}).
    mapping(uint256 tokenId => mapping(uint256 wordIndex => uint256 word)) private _methodRefWords;
    /// @dev A method's key references after the inline ones, four to a word.
    mapping(uint256 authMethodId => mapping(uint256 wordIndex => uint256 word))
        private _keyRefWords;
    /// @dev The one action of each PKP minted, granted and burned by mintGrantAndBurnNext.
    mapping(uint256 tokenId => bytes32 digest) private _frozenActions;
    mapping(uint256 tokenId => mapping(uint56 ref => uint256 epoch)) private _extraScopeEpochs;
    /// @dev Scopes >= INLINE_SCOPES, per grant epoch: a removal moves on to a fresh, empty epoch.
    mapping(uint256 tokenId => mapping(uint56 ref => mapping(uint256 epoch => ExtraScopeWords words)))
        private _extraScopes;
    mapping(uint256 tokenId => mapping(uint256 group => bytes32 root)) private _rootHashes;

    modifier onlyPKPOwner(uint256 tokenId) {
        address owner = _ownerOrZero(tokenId);
        if (owner == address(0)) revert NonexistentPKP(tokenId);
        if (owner != msg.sender) revert NotPKPOwner(tokenId, msg.sender);
        _;
    }

    constructor(IPKPNFT pkpNft, IPubkeyRouter router) {
        if (address(pkpNft) == address(0) || address(router) == address(0)) revert ZeroAddress();
        _pkpNft = pkpNft;
        _router = router;
    }

    // ------------------------------------------------------------------ mutators

    /// @inheritdoc IPKPPermissions
    function addPermittedAuthMethod(
        uint256 tokenId,
        AuthMethod calldata authMethod,
        uint256[] calldata scopes
    ) external onlyPKPOwner(tokenId) {
        _add(tokenId, authMethod.authMethodType, authMethod.id, authMethod.userPubkey, scopes);
    }

    /// @inheritdoc IPKPPermissions
    function removePermittedAuthMethod(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id
    ) external onlyPKPOwner(tokenId) {
        _remove(tokenId, authMethodType, id);
    }

    /// @inheritdoc IPKPPermissions
    function addPermittedAuthMethodScope(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external onlyPKPOwner(tokenId) {
        (uint56 ref, PkpHead head, Grant memory grant) = _permittedGrant(
            tokenId,
            authMethodType,
            id,
            false
        );
        if (grant.position == 0) revert AuthMethodNotPermitted(tokenId, authMethodType, id);
        _setScope(tokenId, ref, grant, scopeId);
        _storeGrant(tokenId, ref, grant, head);
        emit PermittedAuthMethodScopeAdded(tokenId, authMethodType, id, scopeId);
    }

    /// @inheritdoc IPKPPermissions
    function removePermittedAuthMethodScope(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external onlyPKPOwner(tokenId) {
        (uint56 ref, PkpHead head, Grant memory grant) = _permittedGrant(
            tokenId,
            authMethodType,
            id,
            false
        );
        if (grant.position != 0) {
            if (scopeId < _inlineScopes(grant)) {
                grant.scopes &= ~uint184(1 << scopeId);
                _storeGrant(tokenId, ref, grant, head);
            } else if (grant.hasExtraScopes) {
                uint256 epoch = _extraScopeEpochs[tokenId][ref];
                _extraScopes[tokenId][ref][epoch].bits[scopeId >> 8] &= ~(1 << (scopeId & 0xff));
            }
        }
        emit PermittedAuthMethodScopeRemoved(tokenId, authMethodType, id, scopeId);
    }

    /// @inheritdoc IPKPPermissions
    function addPermittedAction(
        uint256 tokenId,
        bytes calldata ipfsCID,
        uint256[] calldata scopes
    ) external onlyPKPOwner(tokenId) {
        _add(tokenId, AUTH_METHOD_ACTION, ipfsCID, "", scopes);
    }

    /// @inheritdoc IPKPPermissions
    function removePermittedAction(
        uint256 tokenId,
        bytes calldata ipfsCID
    ) external onlyPKPOwner(tokenId) {
        _remove(tokenId, AUTH_METHOD_ACTION, ipfsCID);
    }

    /// @inheritdoc IPKPPermissions
    function addPermittedAddress(
        uint256 tokenId,
        address user,
        uint256[] calldata scopes
    ) external onlyPKPOwner(tokenId) {
        _add(tokenId, AUTH_METHOD_ADDRESS, abi.encodePacked(user), "", scopes);
    }

    /// @inheritdoc IPKPPermissions
    function removePermittedAddress(uint256 tokenId, address user) external onlyPKPOwner(tokenId) {
        _remove(tokenId, AUTH_METHOD_ADDRESS, abi.encodePacked(user));
    }

    /// @inheritdoc IPKPPermissions
    function batchAddRemoveAuthMethods(
        uint256 tokenId,
        uint256[] calldata permittedAuthMethodTypesToAdd,
        bytes[] calldata permittedAuthMethodIdsToAdd,
        bytes[] calldata permittedAuthMethodPubkeysToAdd,
        uint256[][] calldata permittedAuthMethodScopesToAdd,
        uint256[] calldata permittedAuthMethodTypesToRemove,
        bytes[] calldata permittedAuthMethodIdsToRemove
    ) external onlyPKPOwner(tokenId) {
        uint256 addCount = permittedAuthMethodTypesToAdd.length;
        if (
            permittedAuthMethodIdsToAdd.length != addCount ||
            permittedAuthMethodPubkeysToAdd.length != addCount ||
            permittedAuthMethodScopesToAdd.length != addCount
        ) {
            revert AddArraysLengthMismatch(
                addCount,
                permittedAuthMethodIdsToAdd.length,
                permittedAuthMethodPubkeysToAdd.length,
                permittedAuthMethodScopesToAdd.length
            );
        }
        if (permittedAuthMethodIdsToRemove.length != permittedAuthMethodTypesToRemove.length) {
            revert RemoveArraysLengthMismatch(
                permittedAuthMethodTypesToRemove.length,
                permittedAuthMethodIdsToRemove.length
            );
        }
        for (uint256 i = 0; i < addCount; ++i) {
            _add(
                tokenId,
                permittedAuthMethodTypesToAdd[i],
                permittedAuthMethodIdsToAdd[i],
                permittedAuthMethodPubkeysToAdd[i],
                permittedAuthMethodScopesToAdd[i]
            );
        }
        for (uint256 i = 0; i < permittedAuthMethodTypesToRemove.length; ++i) {
            _remove(
                tokenId,
                permittedAuthMethodTypesToRemove[i],
                permittedAuthMethodIdsToRemove[i]
            );
        }
    }

    /// @inheritdoc IPKPPermissions
    function setRootHash(
        uint256 tokenId,
        uint256 group,
        bytes32 root
    ) external onlyPKPOwner(tokenId) {
        _rootHashes[tokenId][group] = root;
        emit RootHashUpdated(tokenId, group, root);
    }

    /// @inheritdoc IPKPPermissions
    function grantFrozenAction(uint256 tokenId, uint56 keyRef, bytes calldata ipfsCID) external {
        if (msg.sender != address(_pkpNft)) revert CallerNotPkpNft(msg.sender);
        Method memory method = _loadMethod(AUTH_METHOD_ACTION, ipfsCID);
        // A method first seen here is referred to through this PKP's frozen slot (key types
        // above 255 do not fit a reference: such a method gets a data slot on its first add).
        if (method.ref == 0 && keyRef >> 48 == 0) method.ref = (keyRef << 8) | KIND_FROZEN_ACTION;
        // As any add of (2, cid, ""): a stored user pubkey is replaced by the empty one.
        if (method.hasUserPubkey) {
            delete _userPubkeys[method.authMethodId];
            method.hasUserPubkey = false;
        }
        _appendKeyRef(method, keyRef);
        _storeMethod(method);
        _frozenActions[tokenId] = bytes32(ipfsCID[2:]);
        emit PermittedAuthMethodScopeAdded(
            tokenId,
            AUTH_METHOD_ACTION,
            ipfsCID,
            SCOPE_SIGN_ANYTHING
        );
        emit PermittedAuthMethodAdded(tokenId, AUTH_METHOD_ACTION, ipfsCID, "");
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPKPPermissions
    function getAuthMethodId(
        uint256 authMethodType,
        bytes memory id
    ) public pure returns (uint256 authMethodId) {
        // keccak256(abi.encode(authMethodType, id)), hashed in scratch memory past the free
        // memory pointer instead of an allocated copy: type, offset 0x40, length, data, padding.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let length := mload(id)
            let padded := and(add(length, 31), not(31))
            mstore(ptr, authMethodType)
            mstore(add(ptr, 0x20), 0x40)
            mstore(add(add(ptr, 0x40), padded), 0)
            mcopy(add(ptr, 0x40), id, add(length, 0x20))
            authMethodId := keccak256(ptr, add(0x60, padded))
        }
    }

    /// @inheritdoc IPKPPermissions
    function getUserPubkeyForAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (bytes memory) {
        return _userPubkeys[getAuthMethodId(authMethodType, id)];
    }

    /// @inheritdoc IPKPPermissions
    function getTokenIdsForAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) public view returns (uint256[] memory tokenIds) {
        Method memory method = _loadMethod(authMethodType, id);
        tokenIds = new uint256[](method.pkpCount);
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            tokenIds[i] = _router.tokenIdOfKeyRef(_keyRefAt(method, i));
        }
    }

    /// @inheritdoc IPKPPermissions
    function getPKPPubKeysByAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (bytes[] memory pubkeys) {
        uint256[] memory tokenIds = getTokenIdsForAuthMethod(authMethodType, id);
        pubkeys = new bytes[](tokenIds.length);
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            pubkeys[i] = _router.getPubkey(tokenIds[i]);
        }
    }

    /// @inheritdoc IPKPPermissions
    function getPermittedAuthMethods(
        uint256 tokenId
    ) external view returns (AuthMethod[] memory methods) {
        (uint256[] memory types, bytes[] memory ids, uint256[] memory authMethodIds) = _methodsOf(
            tokenId
        );
        methods = new AuthMethod[](types.length);
        for (uint256 i = 0; i < types.length; ++i) {
            methods[i] = AuthMethod(types[i], ids[i], _userPubkeys[authMethodIds[i]]);
        }
    }

    /// @inheritdoc IPKPPermissions
    function getPermittedAuthMethodScopes(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 maxScopeId
    ) external view returns (bool[] memory scopes) {
        (uint56 ref, , Grant memory grant) = _permittedGrant(tokenId, authMethodType, id, true);
        scopes = new bool[](maxScopeId);
        if (grant.position == 0) return scopes;
        for (uint256 i = 0; i < maxScopeId; ++i) {
            scopes[i] = _hasScope(tokenId, ref, grant, i);
        }
    }

    /// @inheritdoc IPKPPermissions
    function getPermittedActions(uint256 tokenId) external view returns (bytes[] memory actions) {
        (uint256[] memory types, bytes[] memory ids, ) = _methodsOf(tokenId);
        actions = new bytes[](types.length);
        uint256 count = 0;
        for (uint256 i = 0; i < types.length; ++i) {
            if (types[i] == AUTH_METHOD_ACTION) actions[count++] = ids[i];
        }
        assembly ("memory-safe") {
            mstore(actions, count)
        }
    }

    /// @inheritdoc IPKPPermissions
    function getPermittedAddresses(
        uint256 tokenId
    ) external view returns (address[] memory addresses) {
        (uint256[] memory types, bytes[] memory ids, ) = _methodsOf(tokenId);
        address owner = _pkpNft.ownerOrZero(tokenId);
        addresses = new address[](types.length + 1);
        uint256 count = 0;
        if (owner != address(0)) addresses[count++] = owner;
        for (uint256 i = 0; i < types.length; ++i) {
            if (types[i] == AUTH_METHOD_ADDRESS) addresses[count++] = address(bytes20(ids[i]));
        }
        assembly ("memory-safe") {
            mstore(addresses, count)
        }
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAuthMethod(
        uint256 tokenId,
        uint256 authMethodType,
        bytes memory id
    ) public view returns (bool) {
        (, , Grant memory grant) = _permittedGrant(tokenId, authMethodType, id, true);
        return grant.position != 0;
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAuthMethodScopePresent(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external view returns (bool) {
        (uint56 ref, , Grant memory grant) = _permittedGrant(tokenId, authMethodType, id, true);
        return grant.position != 0 && _hasScope(tokenId, ref, grant, scopeId);
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAction(
        uint256 tokenId,
        bytes calldata ipfsCID
    ) external view returns (bool) {
        return isPermittedAuthMethod(tokenId, AUTH_METHOD_ACTION, ipfsCID);
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAddress(uint256 tokenId, address user) external view returns (bool) {
        if (isPermittedAuthMethod(tokenId, AUTH_METHOD_ADDRESS, abi.encodePacked(user)))
            return true;
        address owner = _pkpNft.ownerOrZero(tokenId);
        return owner != address(0) && owner == user;
    }

    /// @inheritdoc IPKPPermissions
    function getEthAddress(uint256 tokenId) external view returns (address) {
        return _router.getEthAddress(tokenId);
    }

    /// @inheritdoc IPKPPermissions
    function getPubkey(uint256 tokenId) external view returns (bytes memory) {
        return _router.getPubkey(tokenId);
    }

    /// @inheritdoc IPKPPermissions
    function getPkpNftAddress() external view returns (address) {
        return address(_pkpNft);
    }

    /// @inheritdoc IPKPPermissions
    function getRouterAddress() external view returns (address) {
        return address(_router);
    }

    /// @inheritdoc IPKPPermissions
    function verifyState(
        uint256 tokenId,
        uint256 group,
        bytes32[] calldata proof,
        bytes32 leaf
    ) external view returns (bool) {
        bytes32 root = _rootHashes[tokenId][group];
        if (root == bytes32(0)) return false;
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IPKPPermissions
    function verifyStates(
        uint256 tokenId,
        uint256 group,
        bytes32[] calldata proof,
        bool[] calldata proofFlags,
        bytes32[] calldata leaves
    ) external view returns (bool) {
        bytes32 root = _rootHashes[tokenId][group];
        if (root == bytes32(0)) return false;
        return MerkleProof.multiProofVerifyCalldata(proof, proofFlags, root, leaves);
    }

    /// @dev PKPNFT's `presentOwnerOfPkp(tokenId)` (its `ownerOrZero`, first in its dispatcher),
    /// called with the call data in scratch space rather than an encoded copy: every mutator
    /// pays for this call. PKPNFT's view never fails; if it did, the answer would be zero (no
    /// owner), which every mutator refuses.
    function _ownerOrZero(uint256 tokenId) private view returns (address owner) {
        address nft = address(_pkpNft);
        bytes4 selector = IPKPNFT.presentOwnerOfPkp.selector;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, tokenId)
            let ok := staticcall(gas(), nft, 0x00, 0x24, 0x00, 0x20)
            ok := and(ok, gt(returndatasize(), 0x1f))
            owner := mul(ok, and(mload(0x00), 0xffffffffffffffffffffffffffffffffffffffff))
        }
    }

    // ------------------------------------------------------------------ add and remove

    function _add(
        uint256 tokenId,
        uint256 authMethodType,
        bytes memory id,
        bytes memory userPubkey,
        uint256[] memory scopes
    ) private {
        Method memory method = _loadMethod(authMethodType, id);
        bool methodChanged = false;
        if (method.ref == 0) {
            method.ref = _allocateRef(method.authMethodId, authMethodType, id);
            methodChanged = true;
        }
        if (_updateUserPubkey(method, authMethodType, id, userPubkey)) methodChanged = true;

        PkpHead head = _heads[tokenId];
        Grant memory grant = _grantOf(tokenId, head, method.ref);
        if (grant.position == 0) {
            (head, grant.position) = _appendMethodRef(tokenId, head, method.ref);
            grant.pkpPosition = uint32(method.pkpCount);
            _appendKeyRef(method, _router.keyRefOf(tokenId));
            methodChanged = true;
        }
        for (uint256 i = 0; i < scopes.length; ++i) {
            _setScope(tokenId, method.ref, grant, scopes[i]);
            emit PermittedAuthMethodScopeAdded(tokenId, authMethodType, id, scopes[i]);
        }
        // One write of the head slot covers a new reference and a head grant alike.
        _storeGrant(tokenId, method.ref, grant, head);
        if (methodChanged) _storeMethod(method);
        emit PermittedAuthMethodAdded(tokenId, authMethodType, id, userPubkey);
    }

    function _remove(uint256 tokenId, uint256 authMethodType, bytes memory id) private {
        Method memory method = _loadMethod(authMethodType, id);
        PkpHead head = _heads[tokenId];
        // A method never stored has reference 0, which no grant slot is ever written under.
        Grant memory grant = _grantOf(tokenId, head, method.ref);
        if (grant.position != 0) {
            _heads[tokenId] = _removeMethodRefAt(tokenId, head, grant.position - 1);
            _removeKeyRefAt(method, grant.pkpPosition);
            // Scopes go with the grant (Lit keeps them): forget any overflow scopes too.
            if (grant.hasExtraScopes) _extraScopeEpochs[tokenId][method.ref] += 1;
            if (grant.position != 1) delete _grants[tokenId][method.ref];
            _storeMethod(method);
        }
        emit PermittedAuthMethodRemoved(tokenId, authMethodType, id);
    }

    /// @dev Lit overwrites a method's user pubkey on every add, except that a WebAuthn method
    /// keeps the non-empty pubkey it has. Returns whether the method's record changed.
    function _updateUserPubkey(
        Method memory method,
        uint256 authMethodType,
        bytes memory id,
        bytes memory userPubkey
    ) private returns (bool) {
        if (!method.hasUserPubkey && userPubkey.length == 0) return false;
        bytes memory stored = method.hasUserPubkey ? _userPubkeys[method.authMethodId] : bytes("");
        if (keccak256(stored) == keccak256(userPubkey)) return false;
        if (authMethodType == AUTH_METHOD_WEBAUTHN && stored.length != 0) {
            revert UserPubkeyMismatch(authMethodType, id);
        }
        if (userPubkey.length == 0) delete _userPubkeys[method.authMethodId];
        else _userPubkeys[method.authMethodId] = userPubkey;
        method.hasUserPubkey = userPubkey.length != 0;
        return true;
    }

    // ------------------------------------------------------------------ the method store

    /// @dev The method (`authMethodType`, `id`) as stored; a never-seen method has a zero count
    /// (and, for an address, the reference of the free slot its record will take).
    function _loadMethod(
        uint256 authMethodType,
        bytes memory id
    ) private view returns (Method memory method) {
        method.authMethodId = getAuthMethodId(authMethodType, id);
        if (_kindOf(authMethodType, id) == KIND_ADDRESS) {
            method.isAddress = true;
            method.user = address(bytes20(id));
            AddressRecord record;
            (method.ref, record) = _findAddress(method.authMethodId, method.user);
            method.hasUserPubkey = record.hasUserPubkey();
            method.pkpCount = record.pkpCount();
            method.pkpLanes = record.pkps();
        } else {
            MethodRecord record = _records[method.authMethodId];
            method.ref = record.ref();
            method.hasUserPubkey = record.hasUserPubkey();
            method.pkpCount = record.pkpCount();
            method.pkpLanes = record.pkps();
        }
    }

    /// @dev Writes the method's record back. A record (not an address's) that holds nothing but
    /// its reference is cleared instead: the reference comes back from its data slot.
    function _storeMethod(Method memory method) private {
        if (method.isAddress) {
            _methodData[method.ref] = AddressRecord.unwrap(
                AddressRecordLibrary.pack(
                    method.user,
                    method.pkpCount,
                    method.hasUserPubkey,
                    method.pkpLanes
                )
            );
        } else if (method.pkpCount == 0 && !method.hasUserPubkey) {
            _records[method.authMethodId] = MethodRecord.wrap(0);
        } else {
            _records[method.authMethodId] = MethodRecordLibrary.pack(
                method.ref,
                method.pkpCount,
                method.hasUserPubkey,
                method.pkpLanes
            );
        }
    }

    /// @dev The reference of the address's record and the record, found by probing from the
    /// serial its auth method id gives; for a never-seen address, the first free reference and
    /// an empty record.
    function _findAddress(
        uint256 authMethodId,
        address user
    ) private view returns (uint56 ref, AddressRecord record) {
        for (uint256 i = 0; ; ++i) {
            ref = _probe(authMethodId, i, KIND_ADDRESS);
            record = AddressRecord.wrap(_methodData[ref]);
            if (!record.isOccupied() || record.user() == user) return (ref, record);
        }
    }

    /// @dev Gives a method that is not an address its reference: the first one, probing from
    /// the serial its auth method id gives, whose data slot is free (the data is then stored
    /// there, and a full copy of a generic method) or already holds this method's data (a
    /// method whose record was cleared gets its reference back).
    function _allocateRef(
        uint256 authMethodId,
        uint256 authMethodType,
        bytes memory id
    ) private returns (uint56 ref) {
        uint8 kind = _kindOf(authMethodType, id);
        uint256 data = kind == KIND_ACTION ? uint256(_digestOf(id)) : authMethodId;
        for (uint256 i = 0; ; ++i) {
            ref = _probe(authMethodId, i, kind);
            uint256 stored = _methodData[ref];
            if (stored == data) return ref;
            if (stored == 0) break;
        }
        _methodData[ref] = data;
        if (kind == KIND_GENERIC) _genericMethods[authMethodId] = GenericMethod(authMethodType, id);
    }

    /// @dev Probe `i` of the open-addressing sequence of a method: serials from the low 48 bits
    /// of its auth method id upwards (wrapping), with the kind in the low byte (never zero).
    function _probe(uint256 authMethodId, uint256 i, uint8 kind) private pure returns (uint56) {
        unchecked {
            return (uint56(uint48(authMethodId + i)) << 8) | kind;
        }
    }

    /// @dev How a method is stored: a CIDv0 action with a non-zero digest by its digest, a
    /// 20-byte address by its address record, anything else as a full copy.
    function _kindOf(uint256 authMethodType, bytes memory id) private pure returns (uint8) {
        if (authMethodType == AUTH_METHOD_ACTION && _isCidV0(id) && _digestOf(id) != 0) {
            return KIND_ACTION;
        }
        if (authMethodType == AUTH_METHOD_ADDRESS && id.length == 20) return KIND_ADDRESS;
        return KIND_GENERIC;
    }

    // ------------------------------------------------------------------ scopes

    function _setScope(uint256 tokenId, uint56 ref, Grant memory grant, uint256 scopeId) private {
        if (scopeId < _inlineScopes(grant)) {
            grant.scopes |= uint184(1 << scopeId);
            return;
        }
        uint256 epoch = _extraScopeEpochs[tokenId][ref];
        _extraScopes[tokenId][ref][epoch].bits[scopeId >> 8] |= 1 << (scopeId & 0xff);
        grant.hasExtraScopes = true;
    }

    function _hasScope(
        uint256 tokenId,
        uint56 ref,
        Grant memory grant,
        uint256 scopeId
    ) private view returns (bool) {
        if (scopeId < _inlineScopes(grant)) return (grant.scopes >> scopeId) & 1 == 1;
        if (!grant.hasExtraScopes) return false;
        uint256 epoch = _extraScopeEpochs[tokenId][ref];
        return (_extraScopes[tokenId][ref][epoch].bits[scopeId >> 8] >> (scopeId & 0xff)) & 1 == 1;
    }

    // ------------------------------------------------------------------ grants

    /// @dev The grant of the auth method (`authMethodType`, `id`) on `tokenId`, with the method's
    /// reference and the PKP's head as read: the prologue of every scope function. A grant at
    /// position 0 means the PKP does not permit the method. With `withFrozen`, the frozen grant
    /// of a PKP from mintGrantAndBurnNext is answered too (views only: such a PKP is burned, so
    /// every mutator refuses it before asking).
    function _permittedGrant(
        uint256 tokenId,
        uint256 authMethodType,
        bytes memory id,
        bool withFrozen
    ) private view returns (uint56 ref, PkpHead head, Grant memory grant) {
        if (_kindOf(authMethodType, id) == KIND_ADDRESS) {
            AddressRecord record;
            (ref, record) = _findAddress(getAuthMethodId(authMethodType, id), address(bytes20(id)));
            if (!record.isOccupied()) ref = 0;
        } else {
            ref = _records[getAuthMethodId(authMethodType, id)].ref();
        }
        head = _heads[tokenId];
        if (ref != 0) grant = _grantOf(tokenId, head, ref);
        if (withFrozen && head.count() == 0 && _kindOf(authMethodType, id) == KIND_ACTION) {
            if (_frozenActions[tokenId] == _digestOf(id)) {
                grant.position = 1;
                grant.scopes = uint184(1 << SCOPE_SIGN_ANYTHING);
            }
        }
    }

    /// @dev The grant of `ref` on the PKP whose head is `head` (position 0: not permitted).
    /// The head grant is answered from `head`; a PKP with no methods needs no further read.
    function _grantOf(
        uint256 tokenId,
        PkpHead head,
        uint56 ref
    ) private view returns (Grant memory grant) {
        if (head.count() == 0) return grant;
        if (head.firstRef() == ref) {
            grant.position = 1;
            grant.pkpPosition = head.pkpPosition();
            grant.hasExtraScopes = head.hasExtraScopes();
            grant.scopes = head.scopes();
            return grant;
        }
        return _grants[tokenId][ref];
    }

    /// @dev Stores `grant` where it lives: into the head (`head` is the head as it is to be
    /// stored, written only if it changed) for the head grant, otherwise into its grant slot.
    function _storeGrant(uint256 tokenId, uint56 ref, Grant memory grant, PkpHead head) private {
        if (grant.position == 1) head = _withHeadGrant(head, grant);
        else _grants[tokenId][ref] = grant;
        if (PkpHead.unwrap(head) != PkpHead.unwrap(_heads[tokenId])) _heads[tokenId] = head;
    }

    /// @dev `head` carrying `grant` as its head grant; scopes must be below the head's inlineCount
    /// scopes (see {_inlineScopes}).
    function _withHeadGrant(PkpHead head, Grant memory grant) private pure returns (PkpHead) {
        return head.withGrant(grant.pkpPosition, grant.hasExtraScopes, uint128(grant.scopes));
    }

    /// @dev How many scope ids the grant keeps inlineCount; the rest go to the overflow bitmap.
    function _inlineScopes(Grant memory grant) private pure returns (uint256) {
        return grant.position == 1 ? PkpHeadLibrary.INLINE_SCOPES : INLINE_SCOPES;
    }

    /// @dev Records that the PKP's entry in `ref`'s PKP list moved to `pkpPosition`. A PKP from
    /// mintGrantAndBurnNext has no head and no grant to update (its grant never moves).
    function _setPkpPosition(uint256 tokenId, uint56 ref, uint32 pkpPosition) private {
        PkpHead head = _heads[tokenId];
        if (head.count() == 0) return;
        if (head.firstRef() == ref) _heads[tokenId] = head.withPkpPosition(pkpPosition);
        else _grants[tokenId][ref].pkpPosition = pkpPosition;
    }

    // ------------------------------------------------------------------ a PKP's method list

    /// @dev Appends `ref` to the PKP's list: returns the new head (the caller stores it) and the
    /// 1-based position. The first reference goes into the head, the others into the words.
    function _appendMethodRef(
        uint256 tokenId,
        PkpHead head,
        uint56 ref
    ) private returns (PkpHead, uint32) {
        uint256 index = head.count();
        // An empty list has an all-zero head (see _removeMethodRefAt).
        if (index == 0) return (PkpHeadLibrary.startingWith(ref), 1);
        _writeMethodRef(tokenId, index, ref);
        return (head.withCount(index + 1), uint32(index + 1));
    }

    /// @dev Removes the entry at `index` by moving the last entry into its place; returns the new
    /// head (the caller stores it). A grant that moves to the front moves into the head:
    /// its scopes 128–183 move to its overflow bitmap, and its grant slot is cleared.
    function _removeMethodRefAt(
        uint256 tokenId,
        PkpHead head,
        uint256 index
    ) private returns (PkpHead) {
        uint256 last = head.count() - 1;
        if (last == 0) return PkpHead.wrap(0);
        uint56 moved = _methodRefAt(tokenId, head, last);
        _writeMethodRef(tokenId, last, 0);
        if (index != 0) {
            if (index != last) {
                _writeMethodRef(tokenId, index, moved);
                _grants[tokenId][moved].position = uint32(index + 1);
            }
            return head.withCount(last);
        }
        Grant memory grant = _grants[tokenId][moved];
        delete _grants[tokenId][moved];
        grant.position = 1;
        uint256 spilled = grant.scopes >> PkpHeadLibrary.INLINE_SCOPES;
        if (spilled != 0) {
            uint256 epoch = _extraScopeEpochs[tokenId][moved];
            // Word 0 of the overflow bitmap holds scopes 0–255; a grant slot only ever set 184+.
            _extraScopes[tokenId][moved][epoch].bits[0] |= spilled << PkpHeadLibrary.INLINE_SCOPES;
            grant.hasExtraScopes = true;
            grant.scopes = uint184(uint128(grant.scopes));
        }
        return _withHeadGrant(PkpHeadLibrary.startingWith(moved).withCount(last), grant);
    }

    /// @dev Writes `ref` at list index `index` >= 1 (outside the head).
    function _writeMethodRef(uint256 tokenId, uint256 index, uint56 ref) private {
        (uint256 wordIndex, uint256 shift) = PackedRefs.locate(index - 1, REFS_PER_WORD, REF_BITS);
        uint256 word = _methodRefWords[tokenId][wordIndex];
        _methodRefWords[tokenId][wordIndex] = PackedRefs.write(word, shift, REF_BITS, ref);
    }

    function _methodRefAt(
        uint256 tokenId,
        PkpHead head,
        uint256 index
    ) private view returns (uint56) {
        if (index == 0) return head.firstRef();
        (uint256 wordIndex, uint256 shift) = PackedRefs.locate(index - 1, REFS_PER_WORD, REF_BITS);
        return uint56(PackedRefs.read(_methodRefWords[tokenId][wordIndex], shift, REF_BITS));
    }

    // ------------------------------------------------------------------ a method's PKP list

    /// @dev How many entries of the method's PKP list its record holds.
    function _inlinePkps(Method memory method) private pure returns (uint256) {
        return
            method.isAddress ? AddressRecordLibrary.INLINE_PKPS : MethodRecordLibrary.INLINE_PKPS;
    }

    function _appendKeyRef(Method memory method, uint56 keyRef) private {
        uint256 index = method.pkpCount;
        uint256 inlineCount = _inlinePkps(method);
        if (index < inlineCount) method.pkpLanes = _withLane(method.pkpLanes, index, keyRef);
        else _writeKeyRef(method.authMethodId, index - inlineCount, keyRef);
        method.pkpCount = index + 1;
    }

    /// @dev Removes the entry at `index` by moving the last entry into its place, and tells the
    /// moved PKP's grant where its entry now is.
    function _removeKeyRefAt(Method memory method, uint256 index) private {
        uint256 last = method.pkpCount - 1;
        uint256 inlineCount = _inlinePkps(method);
        if (index != last) {
            uint56 moved = _keyRefAt(method, last);
            if (index < inlineCount) method.pkpLanes = _withLane(method.pkpLanes, index, moved);
            else _writeKeyRef(method.authMethodId, index - inlineCount, moved);
            _setPkpPosition(_router.tokenIdOfKeyRef(moved), method.ref, uint32(index));
        }
        if (last < inlineCount) method.pkpLanes = _withLane(method.pkpLanes, last, 0);
        else _writeKeyRef(method.authMethodId, last - inlineCount, 0);
        method.pkpCount = last;
    }

    function _withLane(uint256 lanes, uint256 index, uint56 keyRef) private pure returns (uint256) {
        return PackedRefs.write(lanes, index * REF_BITS, REF_BITS, keyRef);
    }

    /// @dev Writes `keyRef` at overflow index `index` (list index minus the inlineCount entries).
    function _writeKeyRef(uint256 authMethodId, uint256 index, uint56 keyRef) private {
        (uint256 wordIndex, uint256 shift) = PackedRefs.locate(index, REFS_PER_WORD, REF_BITS);
        uint256 word = _keyRefWords[authMethodId][wordIndex];
        _keyRefWords[authMethodId][wordIndex] = PackedRefs.write(word, shift, REF_BITS, keyRef);
    }

    function _keyRefAt(Method memory method, uint256 index) private view returns (uint56) {
        uint256 inlineCount = _inlinePkps(method);
        if (index < inlineCount) {
            return uint56(PackedRefs.read(method.pkpLanes, index * REF_BITS, REF_BITS));
        }
        (uint256 wordIndex, uint256 shift) = PackedRefs.locate(
            index - inlineCount,
            REFS_PER_WORD,
            REF_BITS
        );
        return
            uint56(PackedRefs.read(_keyRefWords[method.authMethodId][wordIndex], shift, REF_BITS));
    }

    // ------------------------------------------------------------------ decoding

    /// @dev Every auth method `tokenId` permits, in list order, with their auth method ids.
    function _methodsOf(
        uint256 tokenId
    )
        private
        view
        returns (uint256[] memory types, bytes[] memory ids, uint256[] memory authMethodIds)
    {
        PkpHead head = _heads[tokenId];
        uint256 count = head.count();
        bytes32 frozen = count == 0 ? _frozenActions[tokenId] : bytes32(0);
        if (frozen != 0) count = 1;
        types = new uint256[](count);
        ids = new bytes[](count);
        authMethodIds = new uint256[](count);
        if (frozen != 0) {
            (types[0], ids[0]) = (AUTH_METHOD_ACTION, abi.encodePacked(bytes2(0x1220), frozen));
            authMethodIds[0] = getAuthMethodId(AUTH_METHOD_ACTION, ids[0]);
            return (types, ids, authMethodIds);
        }
        for (uint256 i = 0; i < count; ++i) {
            (types[i], ids[i], authMethodIds[i]) = _decode(_methodRefAt(tokenId, head, i));
        }
    }

    /// @dev The type, id and auth method id of the method with reference `ref`.
    function _decode(
        uint56 ref
    ) private view returns (uint256 authMethodType, bytes memory id, uint256 authMethodId) {
        uint8 kind = uint8(ref);
        if (kind == KIND_FROZEN_ACTION) {
            uint256 firstPkp = _router.tokenIdOfKeyRef(ref >> 8);
            authMethodType = AUTH_METHOD_ACTION;
            id = abi.encodePacked(bytes2(0x1220), _frozenActions[firstPkp]);
            return (authMethodType, id, getAuthMethodId(authMethodType, id));
        }
        uint256 data = _methodData[ref];
        if (kind == KIND_ACTION) {
            authMethodType = AUTH_METHOD_ACTION;
            id = abi.encodePacked(bytes2(0x1220), bytes32(data));
        } else if (kind == KIND_ADDRESS) {
            authMethodType = AUTH_METHOD_ADDRESS;
            id = abi.encodePacked(AddressRecord.wrap(data).user());
        } else {
            GenericMethod memory generic = _genericMethods[data];
            return (generic.authMethodType, generic.id, data);
        }
        authMethodId = getAuthMethodId(authMethodType, id);
    }

    function _isCidV0(bytes memory id) private pure returns (bool) {
        return id.length == 34 && bytes2(id) == 0x1220;
    }

    /// @dev The 32 digest bytes of a CIDv0 multihash (after its 0x1220 prefix).
    function _digestOf(bytes memory cid) private pure returns (bytes32 digest) {
        assembly ("memory-safe") {
            digest := mload(add(cid, 34))
        }
    }
}
