// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPubkeyRouter} from "./interfaces/IPubkeyRouter.sol";
import {Secp256k1} from "./libraries/Secp256k1.sol";

/// @title PubkeyRouter
/// @notice See {IPubkeyRouter}.
/// @dev Storage per key: one record keyed by token id (eth address, y parity, key type, pool
/// position), the x coordinate keyed by eth address, and the token id at its pool position.
/// Three slots in all, which is what lets a key be registered for well under 100,000 gas.
contract PubkeyRouter is IPubkeyRouter, Ownable {
    /// @dev One slot. `ethAddress` is never zero for a routed key, so a zero record means unrouted.
    struct KeyRecord {
        address ethAddress;
        uint8 flags;
        uint32 keyType;
        uint56 position;
    }

    /// @dev The pool of one key type: positions [head, tail) are unminted, below head consumed.
    struct Pool {
        uint64 head;
        uint64 tail;
    }

    uint8 private constant FLAG_Y_ODD = 1;
    uint8 private constant FLAG_WITHDRAWN = 2;
    uint256 private constant PUBKEY_LENGTH = 65;

    address private _pkpNft;
    mapping(address account => bool isProvider) private _keyProviders;
    mapping(uint256 tokenId => KeyRecord record) private _keys;
    mapping(address ethAddress => uint256 x) private _pubkeyXs;
    mapping(uint256 tokenId => bytes32 derivedKeyId) private _derivedKeyIds;
    mapping(uint256 keyType => Pool pool) private _pools;
    mapping(uint256 keyType => mapping(uint256 position => uint256 tokenId)) private _poolTokenIds;

    modifier onlyKeyProvider() {
        if (!_keyProviders[msg.sender]) revert NotKeyProvider(msg.sender);
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
        Pool memory pool = _pools[keyType];
        _register(tokenId, pubkey, keyType, pool.tail);
        pool.tail += 1;
        _pools[keyType] = pool;
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
        Pool memory pool = _pools[keyType];
        uint256 tail = pool.tail;
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            _register(tokenIds[i], publicKeys[i], keyType, tail + i);
            emit PubkeyRoutingDataSet(tokenIds[i], publicKeys[i], address(0), keyType, bytes32(0));
        }
        pool.tail = uint64(tail + tokenIds.length);
        _pools[keyType] = pool;
    }

    /// @inheritdoc IPubkeyRouter
    function withdrawUnmintedKeys(
        uint256 keyType,
        uint256[] calldata tokenIds
    ) external onlyKeyProvider {
        Pool memory pool = _pools[keyType];
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            uint256 tokenId = tokenIds[i];
            KeyRecord memory record = _keys[tokenId];
            bool inPool =
                record.ethAddress != address(0) &&
                    record.keyType == keyType &&
                    record.position >= pool.head &&
                    record.position < pool.tail;
            if (!inPool) revert KeyNotInPool(tokenId, keyType);
            // Consume the withdrawn key at the head: the older keys before it move up one place,
            // so the pool stays contiguous and first-in-first-out. Only unminted keys move, and
            // a key's reference is permanent only from its mint on. The loop is bounded by the
            // pool, which only key providers grow.
            for (uint256 position = record.position; position > pool.head; --position) {
                uint256 olderTokenId = _poolTokenIds[keyType][position - 1];
                _poolTokenIds[keyType][position] = olderTokenId;
                _keys[olderTokenId].position = uint56(position);
            }
            _poolTokenIds[keyType][pool.head] = tokenId;
            record.position = uint56(pool.head);
            record.flags |= FLAG_WITHDRAWN;
            _keys[tokenId] = record;
            pool.head += 1;
            emit UnmintedKeyWithdrawn(tokenId, keyType);
        }
        _pools[keyType] = pool;
    }

    // ------------------------------------------------------------------ PKPNFT

    /// @inheritdoc IPubkeyRouter
    function takeNextUnmintedKey(
        uint256 keyType
    ) external returns (uint256 tokenId, bytes memory pubkey) {
        if (msg.sender != _pkpNft) revert CallerNotPkpNft(msg.sender);
        Pool memory pool = _pools[keyType];
        if (pool.head >= pool.tail) revert NoUnmintedKeys(keyType);
        tokenId = _poolTokenIds[keyType][pool.head];
        _pools[keyType].head = pool.head + 1;
        pubkey = _pubkeyOf(_keys[tokenId]);
    }

    // ------------------------------------------------------------------ views (Lit)

    /// @inheritdoc IPubkeyRouter
    function getRoutingData(uint256 tokenId) public view returns (PubkeyRoutingData memory data) {
        KeyRecord memory record = _keys[tokenId];
        if (record.ethAddress == address(0)) return data;
        data.pubkey = _pubkeyOf(record);
        data.keyType = record.keyType;
        data.derivedKeyId = _derivedKeyIds[tokenId];
    }

    /// @inheritdoc IPubkeyRouter
    function pubkeys(uint256 tokenId) external view returns (PubkeyRoutingData memory) {
        return getRoutingData(tokenId);
    }

    /// @inheritdoc IPubkeyRouter
    function getPubkey(uint256 tokenId) external view returns (bytes memory) {
        KeyRecord memory record = _keys[tokenId];
        if (record.ethAddress == address(0)) return "";
        return _pubkeyOf(record);
    }

    /// @inheritdoc IPubkeyRouter
    function getEthAddress(uint256 tokenId) external view returns (address) {
        return _keys[tokenId].ethAddress;
    }

    /// @inheritdoc IPubkeyRouter
    function ethAddressToPkpId(address ethAddress) external view returns (uint256) {
        uint256 x = _pubkeyXs[ethAddress];
        if (x == 0) return 0;
        // The parity of y is stored under the token id, which is what we are looking for: try
        // both roots and keep the one whose record points back at this address.
        uint256 y = Secp256k1.deriveY(x, false);
        uint256 tokenId = uint256(keccak256(abi.encodePacked(bytes1(0x04), x, y)));
        if (_keys[tokenId].ethAddress == ethAddress) return tokenId;
        return uint256(keccak256(abi.encodePacked(bytes1(0x04), x, Secp256k1.P - y)));
    }

    /// @inheritdoc IPubkeyRouter
    function deriveEthAddressFromPubkey(bytes calldata pubkey) external pure returns (address) {
        _checkPubkeyShape(pubkey);
        return address(uint160(uint256(keccak256(pubkey[1:]))));
    }

    /// @inheritdoc IPubkeyRouter
    function isRouted(uint256 tokenId) external view returns (bool) {
        return _keys[tokenId].ethAddress != address(0);
    }

    /// @inheritdoc IPubkeyRouter
    function getPkpNftAddress() external view returns (address) {
        return _pkpNft;
    }

    // ------------------------------------------------------------------ views (ours)

    /// @inheritdoc IPubkeyRouter
    function keyStatus(uint256 tokenId) external view returns (KeyStatus) {
        KeyRecord memory record = _keys[tokenId];
        if (record.ethAddress == address(0)) return KeyStatus.Unrouted;
        if (record.flags & FLAG_WITHDRAWN != 0) return KeyStatus.Withdrawn;
        if (record.position >= _pools[record.keyType].head) return KeyStatus.Unminted;
        return KeyStatus.Minted;
    }

    /// @inheritdoc IPubkeyRouter
    function unmintedKeyCount(uint256 keyType) external view returns (uint256) {
        Pool memory pool = _pools[keyType];
        return pool.tail - pool.head;
    }

    /// @inheritdoc IPubkeyRouter
    function unmintedKeys(
        uint256 keyType,
        uint256 offset,
        uint256 limit
    ) external view returns (uint256[] memory tokenIds) {
        Pool memory pool = _pools[keyType];
        uint256 available = pool.tail - pool.head;
        if (offset >= available) return tokenIds;
        uint256 count = available - offset < limit ? available - offset : limit;
        tokenIds = new uint256[](count);
        uint256 first = pool.head + offset;
        for (uint256 i = 0; i < count; ++i) {
            tokenIds[i] = _poolTokenIds[keyType][first + i];
        }
    }

    /// @inheritdoc IPubkeyRouter
    function keyRefOf(uint256 tokenId) external view returns (uint88) {
        KeyRecord memory record = _keys[tokenId];
        if (record.ethAddress == address(0)) revert KeyNotRouted(tokenId);
        return (uint88(record.keyType) << 56) | uint88(record.position);
    }

    /// @inheritdoc IPubkeyRouter
    function tokenIdOfKeyRef(uint88 keyRef) external view returns (uint256) {
        return _poolTokenIds[keyRef >> 56][uint56(keyRef)];
    }

    // ------------------------------------------------------------------ internals

    function _register(
        uint256 tokenId,
        bytes calldata pubkey,
        uint256 keyType,
        uint256 position
    ) private {
        if (keyType > type(uint32).max) revert KeyTypeOutOfRange(keyType);
        _checkPubkeyShape(pubkey);
        uint256 x = uint256(bytes32(pubkey[1:33]));
        uint256 y = uint256(bytes32(pubkey[33:65]));
        if (!Secp256k1.isOnCurve(x, y)) revert PubkeyNotOnCurve(tokenId);
        uint256 expectedTokenId = uint256(keccak256(pubkey));
        if (tokenId != expectedTokenId) revert TokenIdMismatch(tokenId, expectedTokenId);
        if (_keys[tokenId].ethAddress != address(0)) revert AlreadyRouted(tokenId);

        address ethAddress = address(uint160(uint256(keccak256(pubkey[1:]))));
        // Two keys with one address would need a keccak collision; refuse rather than overwrite.
        if (_pubkeyXs[ethAddress] != 0) revert AlreadyRouted(tokenId);

        _keys[tokenId] = KeyRecord({
            ethAddress: ethAddress,
            flags: y & 1 == 1 ? FLAG_Y_ODD : 0,
            keyType: uint32(keyType),
            position: uint56(position)
        });
        _pubkeyXs[ethAddress] = x;
        _poolTokenIds[keyType][position] = tokenId;
    }

    function _pubkeyOf(KeyRecord memory record) private view returns (bytes memory) {
        uint256 x = _pubkeyXs[record.ethAddress];
        uint256 y = Secp256k1.deriveY(x, record.flags & FLAG_Y_ODD != 0);
        return abi.encodePacked(bytes1(0x04), x, y);
    }

    function _checkPubkeyShape(bytes calldata pubkey) private pure {
        if (pubkey.length != PUBKEY_LENGTH) revert InvalidPubkeyLength(pubkey.length);
        if (pubkey[0] != 0x04) revert InvalidPubkeyPrefix(pubkey[0]);
    }
}
