// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPubkeyRouter} from "./interfaces/IPubkeyRouter.sol";
import {KeyPool, KeyPoolLibrary} from "./libraries/KeyPool.sol";
import {KeyRecord, KeyRecordLibrary} from "./libraries/KeyRecord.sol";
import {Secp256k1} from "./libraries/Secp256k1.sol";

/// @title PubkeyRouter
/// @notice See {IPubkeyRouter}.
/// @dev Storage per key: one record keyed by token id ({KeyRecord}: eth address, y parity and
/// other flags, key type, position), the x coordinate keyed by eth address, and the token id at
/// its position. Three slots in all, which is what lets a key be registered for well under
/// 100,000 gas. A pool key's position is its place in its key type's pool ({KeyPool}); a derived
/// key (routed for a claim) takes a position from 2^39 up instead, so it has a key reference too
/// but is never handed out by mintNext; two more slots map its derived key id to its token id
/// and back.
contract PubkeyRouter is IPubkeyRouter, Ownable {
    uint256 private constant PUBKEY_LENGTH = 65;
    /// @dev A key reference is `keyType << POSITION_BITS | position`, 56 bits in all.
    uint256 private constant POSITION_BITS = 40;
    uint256 private constant MAX_KEY_TYPE = type(uint16).max;
    /// @dev Pool positions stay below this; derived keys take the positions from here up.
    uint256 private constant DERIVED_BASE = 1 << 39;

    address private _pkpNft;
    mapping(address account => bool isProvider) private _keyProviders;
    mapping(uint256 tokenId => KeyRecord record) private _keys;
    mapping(address ethAddress => uint256 x) private _pubkeyXs;
    mapping(uint256 tokenId => bytes32 derivedKeyId) private _derivedKeyIds;
    mapping(bytes32 derivedKeyId => uint256 tokenId) private _derivedTokenIds;
    mapping(uint256 keyType => KeyPool pool) private _pools;
    mapping(uint256 keyType => mapping(uint256 position => uint256 tokenId)) private _poolTokenIds;

    modifier onlyKeyProvider() {
        if (!_keyProviders[msg.sender]) revert NotKeyProvider(msg.sender);
        _;
    }

    modifier onlyPkpNft() {
        if (msg.sender != _pkpNft) revert CallerNotPkpNft(msg.sender);
        _;
    }

    /// @param initialOwner owns the router and is its first key provider.
    constructor(address initialOwner) Ownable(initialOwner) {
        _keyProviders[initialOwner] = true;
        emit KeyProviderGranted(initialOwner);
    }

    // ------------------------------------------------------------------ administration

    /// @inheritdoc IPubkeyRouter
    function setPkpNftAddress(address pkpNft) external onlyOwner {
        if (pkpNft == address(0)) revert ZeroAddress();
        if (_pkpNft != address(0)) revert PkpNftAlreadySet(_pkpNft);
        _pkpNft = pkpNft;
        emit PkpNftAddressSet(pkpNft);
    }

    /// @inheritdoc IPubkeyRouter
    function grantKeyProvider(address account) external onlyOwner {
        if (account == address(0)) revert ZeroAddress();
        _keyProviders[account] = true;
        emit KeyProviderGranted(account);
    }

    /// @inheritdoc IPubkeyRouter
    function revokeKeyProvider(address account) external onlyOwner {
        _keyProviders[account] = false;
        emit KeyProviderRevoked(account);
    }

    /// @inheritdoc IPubkeyRouter
    function isKeyProvider(address account) external view returns (bool) {
        return _keyProviders[account];
    }

    // ------------------------------------------------------------------ key provider

    /// @inheritdoc IPubkeyRouter
    function setRoutingData(
        uint256 tokenId,
        bytes calldata pubkey,
        address stakingContract,
        uint256 keyType,
        bytes32 derivedKeyId
    ) external onlyKeyProvider {
        KeyPool pool = _pools[keyType];
        uint256 tail = pool.tail();
        _checkPoolRoom(keyType, tail, 1);
        _register(tokenId, pubkey, keyType, tail, 0);
        _pools[keyType] = KeyPoolLibrary.pack(pool.head(), tail + 1, pool.derived());
        if (derivedKeyId != bytes32(0)) _derivedKeyIds[tokenId] = derivedKeyId;
        emit PubkeyRoutingDataSet(tokenId, pubkey, stakingContract, keyType, derivedKeyId);
    }

    /// @inheritdoc IPubkeyRouter
    function setRoutingDataBatch(
        uint256[] calldata tokenIds,
        bytes[] calldata publicKeys,
        uint256 keyType
    ) external onlyKeyProvider {
        if (tokenIds.length != publicKeys.length) {
            revert ArrayLengthMismatch(tokenIds.length, publicKeys.length);
        }
        KeyPool pool = _pools[keyType];
        uint256 tail = pool.tail();
        _checkPoolRoom(keyType, tail, tokenIds.length);
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            _register(tokenIds[i], publicKeys[i], keyType, tail + i, 0);
            emit PubkeyRoutingDataSet(tokenIds[i], publicKeys[i], address(0), keyType, bytes32(0));
        }
        _pools[keyType] = KeyPoolLibrary.pack(pool.head(), tail + tokenIds.length, pool.derived());
    }

    /// @inheritdoc IPubkeyRouter
    function withdrawUnmintedKeys(
        uint256 keyType,
        uint256[] calldata tokenIds
    ) external onlyKeyProvider {
        KeyPool pool = _pools[keyType];
        uint256 head = pool.head();
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            uint256 tokenId = tokenIds[i];
            KeyRecord record = _keys[tokenId];
            uint256 position = record.position();
            bool inPool =
                record.isRouted() &&
                    record.keyType() == keyType &&
                    position >= head &&
                    position < pool.tail();
            if (!inPool) revert KeyNotInPool(tokenId, keyType);
            // Consume the withdrawn key at the head: the older keys before it move up one place,
            // so the pool stays contiguous and first-in-first-out. Only unminted keys move, and
            // a key's reference is permanent only from its mint on. The loop is bounded by the
            // pool, which only key providers grow.
            for (; position > head; --position) {
                uint256 olderTokenId = _poolTokenIds[keyType][position - 1];
                _poolTokenIds[keyType][position] = olderTokenId;
                _keys[olderTokenId] = _keys[olderTokenId].withPosition(uint56(position));
            }
            _poolTokenIds[keyType][head] = tokenId;
            _keys[tokenId] = record.withPosition(uint56(head)).withFlag(
                KeyRecordLibrary.FLAG_WITHDRAWN
            );
            head += 1;
            emit UnmintedKeyWithdrawn(tokenId, keyType);
        }
        _pools[keyType] = KeyPoolLibrary.pack(head, pool.tail(), pool.derived());
    }

    /// @inheritdoc IPubkeyRouter
    function setDerivedRoutingData(
        bytes32 derivedKeyId,
        bytes calldata pubkey,
        uint256 keyType
    ) external onlyKeyProvider {
        if (derivedKeyId == bytes32(0)) revert ZeroDerivedKeyId();
        uint256 routed = _derivedTokenIds[derivedKeyId];
        if (routed != 0) revert DerivedKeyAlreadyRouted(derivedKeyId, routed);
        uint256 tokenId = uint256(keccak256(pubkey));
        KeyPool pool = _pools[keyType];
        uint256 derived = pool.derived();
        _register(tokenId, pubkey, keyType, DERIVED_BASE + derived, KeyRecordLibrary.FLAG_DERIVED);
        _pools[keyType] = KeyPoolLibrary.pack(pool.head(), pool.tail(), derived + 1);
        _derivedTokenIds[derivedKeyId] = tokenId;
        _derivedKeyIds[tokenId] = derivedKeyId;
        emit PubkeyRoutingDataSet(tokenId, pubkey, address(0), keyType, derivedKeyId);
    }

    // ------------------------------------------------------------------ PKPNFT

    /// @inheritdoc IPubkeyRouter
    function takeNextUnmintedKey(
        uint256 keyType
    ) external onlyPkpNft returns (uint256 tokenId, bytes memory pubkey, uint56 keyRef) {
        KeyPool pool = _pools[keyType];
        uint256 head = pool.head();
        if (head >= pool.tail()) revert NoUnmintedKeys(keyType);
        tokenId = _poolTokenIds[keyType][head];
        _pools[keyType] = KeyPool.wrap(KeyPool.unwrap(pool) + 1); // head + 1: below the tail
        KeyRecord record = _keys[tokenId];
        pubkey = _pubkeyOf(record);
        keyRef = _keyRefOf(record);
    }

    /// @inheritdoc IPubkeyRouter
    function takeDerivedKey(
        bytes32 derivedKeyId,
        uint256 keyType
    ) external onlyPkpNft returns (uint256 tokenId, bytes memory pubkey, uint56 keyRef) {
        tokenId = _derivedTokenIds[derivedKeyId];
        if (tokenId == 0) revert DerivedKeyNotRouted(derivedKeyId);
        KeyRecord record = _keys[tokenId];
        if (record.keyType() != keyType) {
            revert DerivedKeyTypeMismatch(derivedKeyId, keyType, record.keyType());
        }
        if (record.has(KeyRecordLibrary.FLAG_CLAIMED)) {
            revert DerivedKeyAlreadyClaimed(derivedKeyId, tokenId);
        }
        _keys[tokenId] = record.withFlag(KeyRecordLibrary.FLAG_CLAIMED);
        pubkey = _pubkeyOf(record);
        keyRef = _keyRefOf(record);
    }

    // ------------------------------------------------------------------ views (Lit)

    /// @inheritdoc IPubkeyRouter
    function getRoutingData(uint256 tokenId) public view returns (PubkeyRoutingData memory data) {
        KeyRecord record = _keys[tokenId];
        if (!record.isRouted()) return data;
        data.pubkey = _pubkeyOf(record);
        data.keyType = record.keyType();
        data.derivedKeyId = _derivedKeyIds[tokenId];
    }

    /// @inheritdoc IPubkeyRouter
    function pubkeys(uint256 tokenId) external view returns (PubkeyRoutingData memory) {
        return getRoutingData(tokenId);
    }

    /// @inheritdoc IPubkeyRouter
    function getPubkey(uint256 tokenId) external view returns (bytes memory) {
        KeyRecord record = _keys[tokenId];
        if (!record.isRouted()) return "";
        return _pubkeyOf(record);
    }

    /// @inheritdoc IPubkeyRouter
    function getEthAddress(uint256 tokenId) external view returns (address) {
        return _keys[tokenId].ethAddress();
    }

    /// @inheritdoc IPubkeyRouter
    function ethAddressToPkpId(address ethAddress) external view returns (uint256) {
        uint256 x = _pubkeyXs[ethAddress];
        if (x == 0) return 0;
        // The parity of y is stored under the token id, which is what we are looking for: try
        // both roots and keep the one whose record points back at this address.
        uint256 y = Secp256k1.deriveY(x, false);
        uint256 tokenId = uint256(keccak256(abi.encodePacked(bytes1(0x04), x, y)));
        if (_keys[tokenId].ethAddress() == ethAddress) return tokenId;
        return uint256(keccak256(abi.encodePacked(bytes1(0x04), x, Secp256k1.P - y)));
    }

    /// @inheritdoc IPubkeyRouter
    function deriveEthAddressFromPubkey(bytes calldata pubkey) external pure returns (address) {
        _checkPubkeyShape(pubkey);
        return address(uint160(uint256(keccak256(pubkey[1:]))));
    }

    /// @inheritdoc IPubkeyRouter
    function getDerivedPubkey(address, bytes32 derivedKeyId) external view returns (bytes memory) {
        uint256 tokenId = _derivedTokenIds[derivedKeyId];
        if (tokenId == 0) return "";
        return _pubkeyOf(_keys[tokenId]);
    }

    /// @inheritdoc IPubkeyRouter
    function isRouted(uint256 tokenId) external view returns (bool) {
        return _keys[tokenId].isRouted();
    }

    /// @inheritdoc IPubkeyRouter
    function getPkpNftAddress() external view returns (address) {
        return _pkpNft;
    }

    // ------------------------------------------------------------------ views (ours)

    /// @inheritdoc IPubkeyRouter
    function keyStatus(uint256 tokenId) external view returns (KeyStatus) {
        KeyRecord record = _keys[tokenId];
        if (!record.isRouted()) return KeyStatus.Unrouted;
        if (record.has(KeyRecordLibrary.FLAG_WITHDRAWN)) return KeyStatus.Withdrawn;
        if (record.has(KeyRecordLibrary.FLAG_DERIVED)) {
            return
                record.has(KeyRecordLibrary.FLAG_CLAIMED) ? KeyStatus.Minted : KeyStatus.Claimable;
        }
        if (record.position() >= _pools[record.keyType()].head()) return KeyStatus.Unminted;
        return KeyStatus.Minted;
    }

    /// @inheritdoc IPubkeyRouter
    function unmintedKeyCount(uint256 keyType) external view returns (uint256) {
        KeyPool pool = _pools[keyType];
        return pool.tail() - pool.head();
    }

    /// @inheritdoc IPubkeyRouter
    function unmintedKeys(
        uint256 keyType,
        uint256 offset,
        uint256 limit
    ) external view returns (uint256[] memory tokenIds) {
        KeyPool pool = _pools[keyType];
        uint256 available = pool.tail() - pool.head();
        if (offset >= available) return tokenIds;
        uint256 count = available - offset < limit ? available - offset : limit;
        tokenIds = new uint256[](count);
        uint256 first = pool.head() + offset;
        for (uint256 i = 0; i < count; ++i) {
            tokenIds[i] = _poolTokenIds[keyType][first + i];
        }
    }

    /// @inheritdoc IPubkeyRouter
    function keyRefOf(uint256 tokenId) external view returns (uint56) {
        KeyRecord record = _keys[tokenId];
        if (!record.isRouted()) revert KeyNotRouted(tokenId);
        return _keyRefOf(record);
    }

    /// @inheritdoc IPubkeyRouter
    function tokenIdOfKeyRef(uint56 keyRef) external view returns (uint256) {
        return _poolTokenIds[keyRef >> POSITION_BITS][uint40(keyRef)];
    }

    // ------------------------------------------------------------------ internals

    /// @dev Checks a key and records it at `position` of `keyType`'s position space.
    function _register(
        uint256 tokenId,
        bytes calldata pubkey,
        uint256 keyType,
        uint256 position,
        uint8 flags
    ) private {
        if (keyType > MAX_KEY_TYPE) revert KeyTypeOutOfRange(keyType);
        _checkPubkeyShape(pubkey);
        uint256 x = uint256(bytes32(pubkey[1:33]));
        uint256 y = uint256(bytes32(pubkey[33:65]));
        if (!Secp256k1.isOnCurve(x, y)) revert PubkeyNotOnCurve(tokenId);
        uint256 expectedTokenId = uint256(keccak256(pubkey));
        if (tokenId != expectedTokenId) revert TokenIdMismatch(tokenId, expectedTokenId);
        if (_keys[tokenId].isRouted()) revert AlreadyRouted(tokenId);

        address ethAddress = address(uint160(uint256(keccak256(pubkey[1:]))));
        // Two keys with one address would need a keccak collision; refuse rather than overwrite.
        if (_pubkeyXs[ethAddress] != 0) revert AlreadyRouted(tokenId);

        if (y & 1 == 1) flags |= KeyRecordLibrary.FLAG_Y_ODD;
        _keys[tokenId] = KeyRecordLibrary.pack(
            ethAddress,
            flags,
            uint32(keyType),
            uint56(position)
        );
        _pubkeyXs[ethAddress] = x;
        _poolTokenIds[keyType][position] = tokenId;
    }

    /// @dev Pool positions stay below DERIVED_BASE, where derived keys' positions begin.
    function _checkPoolRoom(uint256 keyType, uint256 tail, uint256 count) private pure {
        if (tail + count > DERIVED_BASE) revert PoolFull(keyType);
    }

    function _keyRefOf(KeyRecord record) private pure returns (uint56) {
        return uint56((uint256(record.keyType()) << POSITION_BITS) | record.position());
    }

    function _pubkeyOf(KeyRecord record) private view returns (bytes memory) {
        uint256 x = _pubkeyXs[record.ethAddress()];
        uint256 y = Secp256k1.deriveY(x, record.has(KeyRecordLibrary.FLAG_Y_ODD));
        return abi.encodePacked(bytes1(0x04), x, y);
    }

    function _checkPubkeyShape(bytes calldata pubkey) private pure {
        if (pubkey.length != PUBKEY_LENGTH) revert InvalidPubkeyLength(pubkey.length);
        if (pubkey[0] != 0x04) revert InvalidPubkeyPrefix(pubkey[0]);
    }
}
