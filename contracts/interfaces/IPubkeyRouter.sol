// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPubkeyRouter
/// @notice Routing data of every PKP key, and the pool of keys that are ready to be minted.
/// @dev ABI-compatible with the routing views of Lit Protocol's datil PubkeyRouter. Unlike Lit's
/// router, keys are not derived on chain from validator root keys: the signing oracle generates
/// them, keeps the private halves, and registers the public halves here through a key-provider
/// account. A registered key waits in a first-in, first-out pool per key type until PKPNFT takes
/// it for a mint. Every key is routed at most once, ever: a minted, burned or withdrawn key can
/// never be registered or minted again.
interface IPubkeyRouter {
    /// @notice Routing data of one key, as Lit's router returns it.
    struct PubkeyRoutingData {
        bytes pubkey;
        uint256 keyType;
        bytes32 derivedKeyId;
    }

    /// @notice Where a key is in its life.
    enum KeyStatus {
        Unrouted,
        Unminted,
        Minted,
        Withdrawn
    }

    /// @notice A key was registered into the pool of unminted keys of `keyType`.
    /// @dev Same signature as Lit's. Keys registered in a batch carry a zero staking contract
    /// and a zero derived key id.
    event PubkeyRoutingDataSet(
        uint256 indexed tokenId,
        bytes pubkey,
        address stakingContract,
        uint256 keyType,
        bytes32 derivedKeyId
    );

    /// @notice An unminted key was taken out of the pool for good.
    event UnmintedKeyWithdrawn(uint256 indexed tokenId, uint256 indexed keyType);

    /// @notice `account` may now register and withdraw keys.
    event KeyProviderGranted(address indexed account);

    /// @notice `account` may no longer register or withdraw keys.
    event KeyProviderRevoked(address indexed account);

    /// @notice The PKPNFT contract that takes keys from the pool was wired, once and for all.
    event PkpNftAddressSet(address indexed pkpNft);

    /// @notice `account` does not hold the key-provider role.
    error NotKeyProvider(address account);
    /// @notice Only the wired PKPNFT contract may take keys from the pool.
    error CallerNotPkpNft(address caller);
    /// @notice The PKPNFT address was already wired (it can be set only once).
    error PkpNftAlreadySet(address current);
    /// @notice The zero address is not a valid argument here.
    error ZeroAddress();
    /// @notice A public key must be 65 bytes (uncompressed secp256k1).
    error InvalidPubkeyLength(uint256 length);
    /// @notice An uncompressed public key starts with 0x04.
    error InvalidPubkeyPrefix(bytes1 prefix);
    /// @notice The point (x, y) is not on the secp256k1 curve.
    error PubkeyNotOnCurve(uint256 tokenId);
    /// @notice `tokenId` must equal uint256(keccak256(pubkey)).
    error TokenIdMismatch(uint256 tokenId, uint256 expectedTokenId);
    /// @notice The key was routed before (it may since have been minted, burned or withdrawn).
    error AlreadyRouted(uint256 tokenId);
    /// @notice Key types are limited to 32 bits in this implementation.
    error KeyTypeOutOfRange(uint256 keyType);
    /// @notice The pool of unminted keys of `keyType` is empty.
    error NoUnmintedKeys(uint256 keyType);
    /// @notice The key is not an unminted key of `keyType`.
    error KeyNotInPool(uint256 tokenId, uint256 keyType);
    /// @notice Two arrays that must be of the same length are not.
    error ArrayLengthMismatch(uint256 tokenIdsLength, uint256 pubkeysLength);
    /// @notice The key was never routed.
    error KeyNotRouted(uint256 tokenId);

    // ------------------------------------------------------------------ administration

    /// @notice Wires the PKPNFT contract, the only caller of {takeNextUnmintedKey}. Once only.
    function setPkpNftAddress(address pkpNft) external;

    /// @notice Lets `account` register and withdraw keys. Owner only.
    function grantKeyProvider(address account) external;

    /// @notice Stops `account` from registering and withdrawing keys. Owner only.
    function revokeKeyProvider(address account) external;

    /// @notice Whether `account` holds the key-provider role.
    function isKeyProvider(address account) external view returns (bool);

    // ------------------------------------------------------------------ key provider

    /// @notice Registers one key into the pool of unminted keys of `keyType`. Key providers only.
    /// @dev Lit's signature. The key must be 65 bytes, start with 0x04, lie on secp256k1, hash to
    /// `tokenId`, and never have been routed before.
    function setRoutingData(
        uint256 tokenId,
        bytes calldata pubkey,
        address stakingContract,
        uint256 keyType,
        bytes32 derivedKeyId
    ) external;

    /// @notice Registers many keys of one type into the pool, in order. Key providers only.
    function setRoutingDataBatch(
        uint256[] calldata tokenIds,
        bytes[] calldata publicKeys,
        uint256 keyType
    ) external;

    /// @notice Takes unminted keys out of the pool for good (e.g. keys whose private half the
    /// oracle no longer holds). A withdrawn key can never be routed or minted again. The other
    /// keys keep their first-in-first-out order.
    function withdrawUnmintedKeys(uint256 keyType, uint256[] calldata tokenIds) external;

    // ------------------------------------------------------------------ PKPNFT

    /// @notice Takes the oldest unminted key of `keyType` out of the pool (first in, first out).
    /// Callable by the wired PKPNFT only.
    function takeNextUnmintedKey(
        uint256 keyType
    ) external returns (uint256 tokenId, bytes memory pubkey);

    // ------------------------------------------------------------------ views (Lit)

    function getRoutingData(uint256 tokenId) external view returns (PubkeyRoutingData memory);

    function pubkeys(uint256 tokenId) external view returns (PubkeyRoutingData memory);

    /// @notice The 65-byte public key of `tokenId`, or empty bytes for an unknown key.
    function getPubkey(uint256 tokenId) external view returns (bytes memory);

    /// @notice The Ethereum address of `tokenId`'s key, or the zero address for an unknown key.
    function getEthAddress(uint256 tokenId) external view returns (address);

    /// @notice The token id whose key has this Ethereum address, or 0.
    function ethAddressToPkpId(address ethAddress) external view returns (uint256);

    /// @notice keccak256(pubkey[1:65])[12:], for a 65-byte 0x04-prefixed key.
    function deriveEthAddressFromPubkey(bytes calldata pubkey) external pure returns (address);

    /// @notice Whether the key was ever registered (also after it was minted, burned or withdrawn).
    function isRouted(uint256 tokenId) external view returns (bool);

    function getPkpNftAddress() external view returns (address);

    // ------------------------------------------------------------------ views (ours)

    /// @notice Where `tokenId`'s key is in its life.
    function keyStatus(uint256 tokenId) external view returns (KeyStatus);

    /// @notice How many unminted keys of `keyType` wait in the pool.
    function unmintedKeyCount(uint256 keyType) external view returns (uint256);

    /// @notice Up to `limit` unminted keys of `keyType`, from the `offset`-th oldest on.
    function unmintedKeys(
        uint256 keyType,
        uint256 offset,
        uint256 limit
    ) external view returns (uint256[] memory tokenIds);

    /// @notice A compact reference to a routed key: its key type and its position in that type's
    /// pool (`keyType << 56 | position`). Permanent from the key's mint on (a withdrawal may move
    /// unminted keys up the pool). PKPPermissions stores these instead of 256-bit token ids in
    /// its reverse index.
    function keyRefOf(uint256 tokenId) external view returns (uint88);

    /// @notice The token id a key reference names (0 for a reference to no key).
    function tokenIdOfKeyRef(uint88 keyRef) external view returns (uint256);
}
