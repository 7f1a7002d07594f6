// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IPKPNFT} from "./interfaces/IPKPNFT.sol";
import {IPKPPermissions} from "./interfaces/IPKPPermissions.sol";
import {IPubkeyRouter} from "./interfaces/IPubkeyRouter.sol";
import {PackedRefs} from "./libraries/PackedRefs.sol";
import {PkpHead, PkpHeadLibrary} from "./libraries/PkpHead.sol";

/// @title PKPPermissions
/// @notice See {IPKPPermissions}.
/// @dev Storage layout, chosen for gas (the views answer exactly as Lit's do):
/// - Each distinct auth method is stored once, globally: a record keyed by its auth method id
///   (a compact 56-bit reference, the number of PKPs that permit it, and the first of them) and
///   one data slot keyed by the reference (a CID's sha2-256 digest, an address, or — for any
///   other shape — the id of a full copy of the method).
/// - Each PKP has one head slot: the number of auth methods it permits, the reference of the first
///   and that first method's grant inline (its position in the method's PKP list and scopes 0–127).
///   Every other method's reference is packed four to a slot after the head, and its grant has a
///   slot of its own (its positions in both lists and scopes 0–183). Larger scope ids of either
///   kind of grant live in an overflow bitmap. A PKP with one grant — every PKP minted by
///   mintGrantAndBurnNext — therefore costs one fresh slot, not two.
/// - The reverse index (method → PKPs) stores the router's 88-bit key references instead of
///   256-bit token ids: the first in the method record, then two to a slot.
contract PKPPermissions is IPKPPermissions {
    struct MethodRecord {
        uint56 ref;
        bool hasUserPubkey;
        uint32 pkpCount;
        uint88 firstPkp;
    }

    /// @dev A grant slot, and in memory any grant: position 1 is the head grant (in the PKP's head
    /// slot, with only PkpHeadLibrary.INLINE_SCOPES inline scopes), positions >= 2 have a slot of their own.
    struct Grant {
        uint32 position; // 1-based position in the PKP's method list; 0 = not permitted
        uint32 pkpPosition; // 0-based position in the method's PKP list
        bool hasExtraScopes; // some scope id >= INLINE_SCOPES was set
        uint184 scopes; // bit i = scope i, for i < INLINE_SCOPES
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

    uint8 private constant KIND_ACTION = 1; // type 2, 34-byte CIDv0 sha2-256 multihash
    uint8 private constant KIND_ADDRESS = 2; // type 1, 20-byte address
    uint8 private constant KIND_GENERIC = 3; // anything else

    /// @dev Scope ids below this live in a grant slot; the head grant keeps fewer (see PkpHead).
    uint256 private constant INLINE_SCOPES = 184;
    /// @dev A PKP's method references after the first: 56 bits, four to a word.
    uint256 private constant REFS_PER_WORD = 4;
    uint256 private constant REF_BITS = 56;
    /// @dev A method's PKP key references after the first: 88 bits, two to a word.
    uint256 private constant KEY_REFS_PER_WORD = 2;
    uint256 private constant KEY_REF_BITS = 88;

    IPKPNFT private immutable _pkpNft;
    IPubkeyRouter private immutable _router;

    /// @dev Serial of the next method stored once; starts at 1 (set by the constructor, so the
    /// first method ever added does not pay for turning a zero slot non-zero).
    uint48 private _nextMethodSerial;
    mapping(uint256 authMethodId => MethodRecord record) private _methods;
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
    mapping(uint56 ref => mapping(uint256 wordIndex => uint256 word)) private _keyRefWords;
    mapping(uint256 tokenId => mapping(uint56 ref => uint256 epoch)) private _extraScopeEpochs;
    /// @dev Scopes >= INLINE_SCOPES, per grant epoch: a removal moves on to a fresh, empty epoch.
    mapping(uint256 tokenId => mapping(uint56 ref => mapping(uint256 epoch => ExtraScopeWords words)))
        private _extraScopes;
    mapping(uint256 tokenId => mapping(uint256 group => bytes32 root)) private _rootHashes;

    modifier onlyPKPOwner(uint256 tokenId) {
        address owner = _pkpNft.ownerOrZero(tokenId);
        if (owner == address(0)) revert NonexistentPKP(tokenId);
        if (owner != msg.sender) revert NotPKPOwner(tokenId, msg.sender);
        _;
    }

    constructor(IPKPNFT pkpNft, IPubkeyRouter router) {
        if (address(pkpNft) == address(0) || address(router) == address(0)) revert ZeroAddress();
        _pkpNft = pkpNft;
        _router = router;
        _nextMethodSerial = 1;
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
            id
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
            id
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

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPKPPermissions
    function getAuthMethodId(
        uint256 authMethodType,
        bytes memory id
    ) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(authMethodType, id)));
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
        MethodRecord memory method = _methods[getAuthMethodId(authMethodType, id)];
        tokenIds = new uint256[](method.pkpCount);
        for (uint256 i = 0; i < method.pkpCount; ++i) {
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
        uint56[] memory refs = _methodRefsOf(tokenId);
        methods = new AuthMethod[](refs.length);
        for (uint256 i = 0; i < refs.length; ++i) {
            (uint256 authMethodType, bytes memory id, uint256 authMethodId) = _decode(refs[i]);
            methods[i] = AuthMethod(authMethodType, id, _userPubkeys[authMethodId]);
        }
    }

    /// @inheritdoc IPKPPermissions
    function getPermittedAuthMethodScopes(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 maxScopeId
    ) external view returns (bool[] memory scopes) {
        (uint56 ref, , Grant memory grant) = _permittedGrant(tokenId, authMethodType, id);
        scopes = new bool[](maxScopeId);
        if (grant.position == 0) return scopes;
        for (uint256 i = 0; i < maxScopeId; ++i) {
            scopes[i] = _hasScope(tokenId, ref, grant, i);
        }
    }

    /// @inheritdoc IPKPPermissions
    function getPermittedActions(uint256 tokenId) external view returns (bytes[] memory actions) {
        uint56[] memory refs = _methodRefsOf(tokenId);
        actions = new bytes[](refs.length);
        uint256 count = 0;
        for (uint256 i = 0; i < refs.length; ++i) {
            (uint256 authMethodType, bytes memory id, ) = _decode(refs[i]);
            if (authMethodType == AUTH_METHOD_ACTION) actions[count++] = id;
        }
        assembly ("memory-safe") {
            mstore(actions, count)
        }
    }

    /// @inheritdoc IPKPPermissions
    function getPermittedAddresses(
        uint256 tokenId
    ) external view returns (address[] memory addresses) {
        uint56[] memory refs = _methodRefsOf(tokenId);
        address owner = _pkpNft.ownerOrZero(tokenId);
        addresses = new address[](refs.length + 1);
        uint256 count = 0;
        if (owner != address(0)) addresses[count++] = owner;
        for (uint256 i = 0; i < refs.length; ++i) {
            (uint256 authMethodType, bytes memory id, ) = _decode(refs[i]);
            if (authMethodType == AUTH_METHOD_ADDRESS) addresses[count++] = address(bytes20(id));
        }
        assembly ("memory-safe") {
            mstore(addresses, count)
        }
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAuthMethod(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id
    ) public view returns (bool) {
        return _isPermitted(tokenId, authMethodType, id);
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAuthMethodScopePresent(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external view returns (bool) {
        (uint56 ref, , Grant memory grant) = _permittedGrant(tokenId, authMethodType, id);
        return grant.position != 0 && _hasScope(tokenId, ref, grant, scopeId);
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAction(
        uint256 tokenId,
        bytes calldata ipfsCID
    ) external view returns (bool) {
        return _isPermitted(tokenId, AUTH_METHOD_ACTION, ipfsCID);
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAddress(uint256 tokenId, address user) external view returns (bool) {
        if (_isPermitted(tokenId, AUTH_METHOD_ADDRESS, abi.encodePacked(user))) return true;
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

    // ------------------------------------------------------------------ add and remove

    function _add(
        uint256 tokenId,
        uint256 authMethodType,
        bytes memory id,
        bytes memory userPubkey,
        uint256[] memory scopes
    ) private {
        uint256 authMethodId = getAuthMethodId(authMethodType, id);
        MethodRecord memory method = _methods[authMethodId];
        bool methodChanged = false;
        if (method.ref == 0) {
            method.ref = _storeMethod(authMethodId, authMethodType, id);
            methodChanged = true;
        }
        if (_updateUserPubkey(method, authMethodId, authMethodType, id, userPubkey)) {
            methodChanged = true;
        }

        PkpHead head = _heads[tokenId];
        Grant memory grant = _grantOf(tokenId, head, method.ref);
        if (grant.position == 0) {
            (head, grant.position) = _appendMethodRef(tokenId, head, method.ref);
            grant.pkpPosition = method.pkpCount;
            _appendKeyRef(method, _router.keyRefOf(tokenId));
            methodChanged = true;
        }
        for (uint256 i = 0; i < scopes.length; ++i) {
            _setScope(tokenId, method.ref, grant, scopes[i]);
            emit PermittedAuthMethodScopeAdded(tokenId, authMethodType, id, scopes[i]);
        }
        // One write of the head slot covers a new reference and a head grant alike.
        _storeGrant(tokenId, method.ref, grant, head);
        if (methodChanged) _methods[authMethodId] = method;
        emit PermittedAuthMethodAdded(tokenId, authMethodType, id, userPubkey);
    }

    function _remove(uint256 tokenId, uint256 authMethodType, bytes memory id) private {
        uint256 authMethodId = getAuthMethodId(authMethodType, id);
        MethodRecord memory method = _methods[authMethodId];
        PkpHead head = _heads[tokenId];
        Grant memory grant = _grantOf(tokenId, head, method.ref);
        if (grant.position != 0) {
            _heads[tokenId] = _removeMethodRefAt(tokenId, head, grant.position - 1);
            _removeKeyRefAt(method, grant.pkpPosition);
            // Scopes go with the grant (Lit keeps them): forget any overflow scopes too.
            if (grant.hasExtraScopes) _extraScopeEpochs[tokenId][method.ref] += 1;
            if (grant.position != 1) delete _grants[tokenId][method.ref];
            _methods[authMethodId] = method;
        }
        emit PermittedAuthMethodRemoved(tokenId, authMethodType, id);
    }

    /// @dev Gives a never-seen auth method its compact reference and stores what is needed to
    /// list it again: a CID's digest, an address, or a full copy for any other shape.
    function _storeMethod(
        uint256 authMethodId,
        uint256 authMethodType,
        bytes memory id
    ) private returns (uint56 ref) {
        uint48 serial = _nextMethodSerial;
        _nextMethodSerial = serial + 1;
        uint8 kind;
        uint256 data;
        if (authMethodType == AUTH_METHOD_ACTION && _isCidV0(id)) {
            kind = KIND_ACTION;
            assembly ("memory-safe") {
                data := mload(add(id, 34)) // the 32 digest bytes after the 0x1220 prefix
            }
        } else if (authMethodType == AUTH_METHOD_ADDRESS && id.length == 20) {
            kind = KIND_ADDRESS;
            data = uint160(bytes20(id));
        } else {
            kind = KIND_GENERIC;
            data = authMethodId;
            _genericMethods[authMethodId] = GenericMethod(authMethodType, id);
        }
        ref = (uint56(serial) << 8) | kind;
        _methodData[ref] = data;
    }

    /// @dev Lit overwrites a method's user pubkey on every add, except that a WebAuthn method
    /// keeps the non-empty pubkey it has. Returns whether the record changed.
    function _updateUserPubkey(
        MethodRecord memory method,
        uint256 authMethodId,
        uint256 authMethodType,
        bytes memory id,
        bytes memory userPubkey
    ) private returns (bool) {
        if (!method.hasUserPubkey && userPubkey.length == 0) return false;
        bytes memory stored = method.hasUserPubkey ? _userPubkeys[authMethodId] : bytes("");
        if (keccak256(stored) == keccak256(userPubkey)) return false;
        if (authMethodType == AUTH_METHOD_WEBAUTHN && stored.length != 0) {
            revert UserPubkeyMismatch(authMethodType, id);
        }
        if (userPubkey.length == 0) delete _userPubkeys[authMethodId];
        else _userPubkeys[authMethodId] = userPubkey;
        method.hasUserPubkey = userPubkey.length != 0;
        return true;
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
    /// position 0 means the PKP does not permit the method (or the method was never stored).
    function _permittedGrant(
        uint256 tokenId,
        uint256 authMethodType,
        bytes memory id
    ) private view returns (uint56 ref, PkpHead head, Grant memory grant) {
        ref = _methods[getAuthMethodId(authMethodType, id)].ref;
        head = _heads[tokenId];
        if (ref != 0) grant = _grantOf(tokenId, head, ref);
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
            return
                Grant({
                    position: 1,
                    pkpPosition: head.pkpPosition(),
                    hasExtraScopes: head.hasExtraScopes(),
                    scopes: head.scopes()
                });
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

    /// @dev `head` carrying `grant` as its head grant; scopes must be below the head's inline
    /// scopes (see {_inlineScopes}).
    function _withHeadGrant(PkpHead head, Grant memory grant) private pure returns (PkpHead) {
        return head.withGrant(grant.pkpPosition, grant.hasExtraScopes, uint128(grant.scopes));
    }

    /// @dev How many scope ids the grant keeps inline; the rest go to the overflow bitmap.
    function _inlineScopes(Grant memory grant) private pure returns (uint256) {
        return grant.position == 1 ? PkpHeadLibrary.INLINE_SCOPES : INLINE_SCOPES;
    }

    /// @dev Records that the PKP's entry in `ref`'s PKP list moved to `pkpPosition`. The PKP
    /// permits `ref`, so its head holds at least one reference.
    function _setPkpPosition(uint256 tokenId, uint56 ref, uint32 pkpPosition) private {
        PkpHead head = _heads[tokenId];
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

    function _methodRefsOf(uint256 tokenId) private view returns (uint56[] memory refs) {
        PkpHead head = _heads[tokenId];
        refs = new uint56[](head.count());
        for (uint256 i = 0; i < refs.length; ++i) {
            refs[i] = _methodRefAt(tokenId, head, i);
        }
    }

    // ------------------------------------------------------------------ a method's PKP list

    function _appendKeyRef(MethodRecord memory method, uint88 keyRef) private {
        uint256 index = method.pkpCount;
        if (index == 0) method.firstPkp = keyRef;
        else _writeKeyRef(method.ref, index, keyRef);
        method.pkpCount = uint32(index + 1);
    }

    /// @dev Removes the entry at `index` by moving the last entry into its place, and tells the
    /// moved PKP's grant where its entry now is.
    function _removeKeyRefAt(MethodRecord memory method, uint256 index) private {
        uint256 last = method.pkpCount - 1;
        if (index != last) {
            uint88 moved = _keyRefAt(method, last);
            if (index == 0) method.firstPkp = moved;
            else _writeKeyRef(method.ref, index, moved);
            _setPkpPosition(_router.tokenIdOfKeyRef(moved), method.ref, uint32(index));
        }
        if (last == 0) method.firstPkp = 0;
        else _writeKeyRef(method.ref, last, 0);
        method.pkpCount = uint32(last);
    }

    /// @dev Writes `keyRef` at list index `index` >= 1 (outside the method record).
    function _writeKeyRef(uint56 ref, uint256 index, uint88 keyRef) private {
        (uint256 wordIndex, uint256 shift) = PackedRefs.locate(
            index - 1,
            KEY_REFS_PER_WORD,
            KEY_REF_BITS
        );
        uint256 word = _keyRefWords[ref][wordIndex];
        _keyRefWords[ref][wordIndex] = PackedRefs.write(word, shift, KEY_REF_BITS, keyRef);
    }

    function _keyRefAt(MethodRecord memory method, uint256 index) private view returns (uint88) {
        if (index == 0) return method.firstPkp;
        (uint256 wordIndex, uint256 shift) = PackedRefs.locate(
            index - 1,
            KEY_REFS_PER_WORD,
            KEY_REF_BITS
        );
        return uint88(PackedRefs.read(_keyRefWords[method.ref][wordIndex], shift, KEY_REF_BITS));
    }

    // ------------------------------------------------------------------ decoding

    function _isPermitted(
        uint256 tokenId,
        uint256 authMethodType,
        bytes memory id
    ) private view returns (bool) {
        (, , Grant memory grant) = _permittedGrant(tokenId, authMethodType, id);
        return grant.position != 0;
    }

    /// @dev The type, id and auth method id of the method with reference `ref`.
    function _decode(
        uint56 ref
    ) private view returns (uint256 authMethodType, bytes memory id, uint256 authMethodId) {
        uint256 data = _methodData[ref];
        uint8 kind = uint8(ref);
        if (kind == KIND_ACTION) {
            authMethodType = AUTH_METHOD_ACTION;
            id = abi.encodePacked(bytes2(0x1220), bytes32(data));
        } else if (kind == KIND_ADDRESS) {
            authMethodType = AUTH_METHOD_ADDRESS;
            id = abi.encodePacked(address(uint160(data)));
        } else {
            GenericMethod memory generic = _genericMethods[data];
            return (generic.authMethodType, generic.id, data);
        }
        authMethodId = getAuthMethodId(authMethodType, id);
    }

    function _isCidV0(bytes memory id) private pure returns (bool) {
        return id.length == 34 && id[0] == 0x12 && id[1] == 0x20;
    }
}
