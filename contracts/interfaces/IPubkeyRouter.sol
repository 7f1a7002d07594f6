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
///
/// Claimed keys (Lit's `claimAndMint`): the oracle derives a key from a derived key id and
/// routes it with {setDerivedRoutingData} before it answers a claim. Such a key is reserved for
/// its claim: it never enters the pool, and PKPNFT takes it once, through {takeDerivedKey}.
interface IPubkeyRouter {
    /// @notice Routing data of one key, as Lit's router returns it.
    /// @param pubkey the 65-byte uncompressed secp256k1 public key (empty if unrouted).
    /// @param keyType the key type (2: ECDSA secp256k1).
    /// @param derivedKeyId the derived key id given at registration (zero if none).
    struct PubkeyRoutingData {
        bytes pubkey;
        uint256 keyType;
        bytes32 derivedKeyId;
    }

    /// @notice An ECDSA signature, as Lit's router declares it (the ABI tuple
    /// `(bytes32,bytes32,uint8)` of `claimAndMint`).
    /// @param r the signature's r.
    /// @param s the signature's s.
    /// @param v the recovery id, 27 or 28.
    struct Signature {
        bytes32 r;
        bytes32 s;
        uint8 v;
    }

    /// @notice Where a key is in its life. Pool keys go Unminted → Minted (also once burned) or
    /// Withdrawn; derived keys go Claimable → Minted.
    enum KeyStatus {
        Unrouted,
        Unminted,
        Minted,
        Withdrawn,
        Claimable
    }

    /// @notice A key was registered: into the pool of unminted keys of `keyType`, or, with a
    /// derived key id and from {setDerivedRoutingData}, reserved for its claim.
    /// @dev Same signature as Lit's. Keys registered in a batch carry a zero staking contract
    /// and a zero derived key id.
    /// @param tokenId the key's token id, `uint256(keccak256(pubkey))`.
    /// @param pubkey the 65-byte public key.
    /// @param stakingContract the staking contract given (not used here).
    /// @param keyType the key type.
    /// @param derivedKeyId the derived key id given (zero if none).
    event PubkeyRoutingDataSet(
        uint256 indexed tokenId,
        bytes pubkey,
        address stakingContract,
        uint256 keyType,
        bytes32 derivedKeyId
    );

    /// @notice An unminted key was taken out of the pool for good.
    /// @param tokenId the key's token id.
    /// @param keyType its key type.
    event UnmintedKeyWithdrawn(uint256 indexed tokenId, uint256 indexed keyType);

    /// @notice `account` may now register and withdraw keys.
    /// @param account the new key provider.
    event KeyProviderGranted(address indexed account);

    /// @notice `account` may no longer register or withdraw keys.
    /// @param account the former key provider.
    event KeyProviderRevoked(address indexed account);

    /// @notice The PKPNFT contract that takes keys from the pool was wired, once and for all.
    /// @param pkpNft its address.
    event PkpNftAddressSet(address indexed pkpNft);

    /// @notice `account` does not hold the key-provider role.
    /// @param account the caller.
    error NotKeyProvider(address account);
    /// @notice Only the wired PKPNFT contract may take keys from the pool.
    /// @param caller the caller.
    error CallerNotPkpNft(address caller);
    /// @notice The PKPNFT address was already wired (it can be set only once).
    /// @param current the address wired.
    error PkpNftAlreadySet(address current);
    /// @notice The zero address is not a valid argument here.
    error ZeroAddress();
    /// @notice A public key must be 65 bytes (uncompressed secp256k1).
    /// @param length the length given.
    error InvalidPubkeyLength(uint256 length);
    /// @notice An uncompressed public key starts with 0x04.
    /// @param prefix the first byte given.
    error InvalidPubkeyPrefix(bytes1 prefix);
    /// @notice The point (x, y) is not on the secp256k1 curve.
    /// @param tokenId the token id given with the key.
    error PubkeyNotOnCurve(uint256 tokenId);
    /// @notice `tokenId` must equal uint256(keccak256(pubkey)).
    /// @param tokenId the token id given.
    /// @param expectedTokenId the hash of the key given.
    error TokenIdMismatch(uint256 tokenId, uint256 expectedTokenId);
    /// @notice The key was routed before (it may since have been minted, burned or withdrawn).
    /// @param tokenId the key's token id.
    error AlreadyRouted(uint256 tokenId);
    /// @notice Key types are limited to 16 bits in this implementation.
    /// @param keyType the key type given.
    error KeyTypeOutOfRange(uint256 keyType);
    /// @notice The pool of `keyType` holds 2^39 positions, all used.
    /// @param keyType the key type.
    error PoolFull(uint256 keyType);
    /// @notice A derived key id must not be zero (zero means "none" in the routing data).
    error ZeroDerivedKeyId();
    /// @notice A key is already routed for this derived key id.
    /// @param derivedKeyId the derived key id.
    /// @param tokenId the key routed for it.
    error DerivedKeyAlreadyRouted(bytes32 derivedKeyId, uint256 tokenId);
    /// @notice No key is routed for this derived key id.
    /// @param derivedKeyId the derived key id.
    error DerivedKeyNotRouted(bytes32 derivedKeyId);
    /// @notice The key routed for this derived key id was claimed already.
    /// @param derivedKeyId the derived key id.
    /// @param tokenId the key, minted by its first claim.
    error DerivedKeyAlreadyClaimed(bytes32 derivedKeyId, uint256 tokenId);
    /// @notice The key routed for this derived key id is of another key type.
    /// @param derivedKeyId the derived key id.
    /// @param keyType the key type asked for.
    /// @param routedKeyType the key type it was routed with.
    error DerivedKeyTypeMismatch(bytes32 derivedKeyId, uint256 keyType, uint256 routedKeyType);
    /// @notice The pool of unminted keys of `keyType` is empty.
    /// @param keyType the key type asked for.
    error NoUnmintedKeys(uint256 keyType);
    /// @notice The key is not an unminted key of `keyType`.
    /// @param tokenId the key's token id.
    /// @param keyType the key type given.
    error KeyNotInPool(uint256 tokenId, uint256 keyType);
    /// @notice Two arrays that must be of the same length are not.
    /// @param tokenIdsLength how many token ids were given.
    /// @param pubkeysLength how many public keys were given.
    error ArrayLengthMismatch(uint256 tokenIdsLength, uint256 pubkeysLength);
    /// @notice The key was never routed.
    /// @param tokenId the token id asked about.
    error KeyNotRouted(uint256 tokenId);

    // ------------------------------------------------------------------ administration

    /// @notice Wires the PKPNFT contract, the only caller of {takeNextUnmintedKey}, once only.
    /// @dev Requirements: the caller is the owner (OpenZeppelin's `OwnableUnauthorizedAccount`);
    /// `pkpNft` is not zero (`ZeroAddress`); nothing was wired before (`PkpNftAlreadySet`).
    /// Emits {PkpNftAddressSet}.
    /// @param pkpNft the PKPNFT address.
    function setPkpNftAddress(address pkpNft) external;

    /// @notice Lets `account` register and withdraw keys.
    /// @dev Requirements: the caller is the owner (`OwnableUnauthorizedAccount`); `account` is
    /// not zero (`ZeroAddress`). Emits {KeyProviderGranted} (also if it already held the role).
    /// @param account the new key provider.
    function grantKeyProvider(address account) external;

    /// @notice Stops `account` from registering and withdrawing keys.
    /// @dev Requirements: the caller is the owner (`OwnableUnauthorizedAccount`). Emits
    /// {KeyProviderRevoked} (also if it did not hold the role).
    /// @param account the former key provider.
    function revokeKeyProvider(address account) external;

    /// @notice Whether `account` holds the key-provider role.
    /// @param account the account asked about.
    /// @return whether it is a key provider.
    function isKeyProvider(address account) external view returns (bool);

    // ------------------------------------------------------------------ key provider

    /// @notice Registers one key at the end of the pool of unminted keys of `keyType`.
    /// @dev Lit's signature. Requirements: the caller is a key provider (`NotKeyProvider`);
    /// `keyType` fits in 16 bits (`KeyTypeOutOfRange`); the pool has room (`PoolFull`, after
    /// 2^39 keys); the key is 65 bytes
    /// (`InvalidPubkeyLength`), starts with 0x04 (`InvalidPubkeyPrefix`), lies on secp256k1
    /// (`PubkeyNotOnCurve`), hashes to `tokenId` (`TokenIdMismatch`) and was never routed, nor
    /// any key with its address (`AlreadyRouted`). Emits {PubkeyRoutingDataSet}.
    /// @param tokenId `uint256(keccak256(pubkey))`.
    /// @param pubkey the 65-byte uncompressed public key.
    /// @param stakingContract accepted for Lit's ABI and echoed in the event; not used.
    /// @param keyType the pool to register into (2: ECDSA secp256k1).
    /// @param derivedKeyId returned by {getRoutingData}; zero for none.
    function setRoutingData(
        uint256 tokenId,
        bytes calldata pubkey,
        address stakingContract,
        uint256 keyType,
        bytes32 derivedKeyId
    ) external;

    /// @notice Registers many keys of one type at the end of its pool, in the order given.
    /// @dev Requirements: the caller is a key provider (`NotKeyProvider`); both arrays have one
    /// length (`ArrayLengthMismatch`); the pool has room for all (`PoolFull`); every key passes
    /// the checks of {setRoutingData} (the
    /// whole batch reverts otherwise). Emits {PubkeyRoutingDataSet} per key, with a zero staking
    /// contract and derived key id.
    /// @param tokenIds the keys' token ids.
    /// @param publicKeys the keys, 65 bytes each.
    /// @param keyType the pool to register into.
    function setRoutingDataBatch(
        uint256[] calldata tokenIds,
        bytes[] calldata publicKeys,
        uint256 keyType
    ) external;

    /// @notice Takes unminted keys out of the pool for good (e.g. keys whose private half the
    /// oracle no longer holds). A withdrawn key can never be routed or minted again. The other
    /// keys keep their first-in-first-out order.
    /// @dev Requirements: the caller is a key provider (`NotKeyProvider`); every key is an
    /// unminted key of `keyType` (`KeyNotInPool`; the whole call reverts otherwise). Emits
    /// {UnmintedKeyWithdrawn} per key. Work grows with each key's distance from the pool's head,
    /// which only key providers can grow.
    /// @param keyType the pool the keys are in.
    /// @param tokenIds the keys to withdraw.
    function withdrawUnmintedKeys(uint256 keyType, uint256[] calldata tokenIds) external;

    /// @notice Routes the key derived for `derivedKeyId` and reserves it for its claim
    /// (PKPNFT's `claimAndMint`): the key does not enter the pool of unminted keys, so
    /// `mintNext` never hands it out. The oracle calls this before it answers a claim.
    /// @dev Requirements: the caller is a key provider (`NotKeyProvider`); `derivedKeyId` is not
    /// zero (`ZeroDerivedKeyId`) and has no key routed yet (`DerivedKeyAlreadyRouted`); the key
    /// passes the checks of {setRoutingData} (`KeyTypeOutOfRange`, `InvalidPubkeyLength`,
    /// `InvalidPubkeyPrefix`, `PubkeyNotOnCurve`, `AlreadyRouted`), its token id being
    /// `keccak256(pubkey)`. Emits {PubkeyRoutingDataSet} with `derivedKeyId` and a zero staking
    /// contract. {keyStatus} answers Claimable until the claim, then Minted.
    /// @param derivedKeyId the derived key id the key was derived from (never zero).
    /// @param pubkey the 65-byte uncompressed public key.
    /// @param keyType the key type (2: ECDSA secp256k1).
    function setDerivedRoutingData(
        bytes32 derivedKeyId,
        bytes calldata pubkey,
        uint256 keyType
    ) external;

    // ------------------------------------------------------------------ PKPNFT

    /// @notice Takes the oldest unminted key of `keyType` out of the pool (first in, first out).
    /// @dev Requirements: the caller is the wired PKPNFT (`CallerNotPkpNft`); the pool is not
    /// empty (`NoUnmintedKeys`).
    /// @param keyType the pool to take from.
    /// @return tokenId the key's token id.
    /// @return pubkey the key's 65-byte public key.
    /// @return keyRef the key's reference ({keyRefOf}).
    function takeNextUnmintedKey(
        uint256 keyType
    ) external returns (uint256 tokenId, bytes memory pubkey, uint56 keyRef);

    /// @notice Takes the key routed for `derivedKeyId`, once ever, for its claim.
    /// @dev Requirements: the caller is the wired PKPNFT (`CallerNotPkpNft`); a key is routed
    /// for `derivedKeyId` (`DerivedKeyNotRouted`) with `keyType` (`DerivedKeyTypeMismatch`) and
    /// was not taken before (`DerivedKeyAlreadyClaimed`).
    /// @param derivedKeyId the derived key id.
    /// @param keyType the key type the claim asks for.
    /// @return tokenId the key's token id.
    /// @return pubkey the key's 65-byte public key.
    /// @return keyRef the key's reference ({keyRefOf}).
    function takeDerivedKey(
        bytes32 derivedKeyId,
        uint256 keyType
    ) external returns (uint256 tokenId, bytes memory pubkey, uint56 keyRef);

    // ------------------------------------------------------------------ views (Lit)

    /// @notice The routing data of `tokenId`'s key (all empty for an unrouted key).
    /// @param tokenId the key's token id.
    /// @return the public key, key type and derived key id.
    function getRoutingData(uint256 tokenId) external view returns (PubkeyRoutingData memory);

    /// @notice {getRoutingData}, under the name of Lit's public mapping.
    /// @param tokenId the key's token id.
    /// @return the public key, key type and derived key id.
    function pubkeys(uint256 tokenId) external view returns (PubkeyRoutingData memory);

    /// @notice The 65-byte public key of `tokenId`, or empty bytes for an unknown key.
    /// @param tokenId the key's token id.
    /// @return the public key.
    function getPubkey(uint256 tokenId) external view returns (bytes memory);

    /// @notice The Ethereum address of `tokenId`'s key, or the zero address for an unknown key.
    /// @param tokenId the key's token id.
    /// @return the address.
    function getEthAddress(uint256 tokenId) external view returns (address);

    /// @notice The token id whose key has this Ethereum address, or 0.
    /// @param ethAddress the address asked about.
    /// @return the token id.
    function ethAddressToPkpId(address ethAddress) external view returns (uint256);

    /// @notice keccak256(pubkey[1:65])[12:], for a 65-byte 0x04-prefixed key.
    /// @dev Reverts with `InvalidPubkeyLength` or `InvalidPubkeyPrefix` for anything else.
    /// @param pubkey the uncompressed public key.
    /// @return the address.
    function deriveEthAddressFromPubkey(bytes calldata pubkey) external pure returns (address);

    /// @notice The public key routed for `derivedKeyId` by {setDerivedRoutingData} (also once
    /// claimed), or empty bytes. Lit derives it on chain from the validators' root keys; here the
    /// oracle routed it.
    /// @param stakingContract accepted for Lit's ABI; not used.
    /// @param derivedKeyId the derived key id.
    /// @return the 65-byte public key, or empty bytes.
    function getDerivedPubkey(
        address stakingContract,
        bytes32 derivedKeyId
    ) external view returns (bytes memory);

    /// @notice Whether the key was ever registered (also after it was minted, burned or withdrawn).
    /// @param tokenId the key's token id.
    /// @return whether it was routed.
    function isRouted(uint256 tokenId) external view returns (bool);

    /// @notice The wired PKPNFT contract (zero until wired).
    /// @return the PKPNFT address.
    function getPkpNftAddress() external view returns (address);

    // ------------------------------------------------------------------ views (ours)

    /// @notice Where `tokenId`'s key is in its life.
    /// @param tokenId the key's token id.
    /// @return Unrouted; Unminted (in the pool), Minted (also once burned) or Withdrawn for a
    /// pool key; Claimable (routed for a claim) or Minted (claimed) for a derived key.
    function keyStatus(uint256 tokenId) external view returns (KeyStatus);

    /// @notice How many unminted keys of `keyType` wait in the pool.
    /// @param keyType the pool.
    /// @return the number of unminted keys.
    function unmintedKeyCount(uint256 keyType) external view returns (uint256);

    /// @notice Up to `limit` unminted keys of `keyType`, from the `offset`-th oldest on.
    /// @param keyType the pool.
    /// @param offset how many of the oldest keys to skip.
    /// @param limit the most keys to return.
    /// @return tokenIds the keys, oldest first.
    function unmintedKeys(
        uint256 keyType,
        uint256 offset,
        uint256 limit
    ) external view returns (uint256[] memory tokenIds);

    /// @notice A compact, 56-bit reference to a routed key: its key type and its position in
    /// that type's position space (`keyType << 40 | position`; pool keys below 2^39, derived keys
    /// from 2^39 up). Permanent from the key's mint on (a withdrawal may move unminted keys up the
    /// pool). PKPPermissions' reverse index and PKPNFT's owner lists store these instead of
    /// 256-bit token ids.
    /// @dev Reverts with `KeyNotRouted` for a key that was never routed.
    /// @param tokenId the key's token id.
    /// @return the key reference.
    function keyRefOf(uint256 tokenId) external view returns (uint56);

    /// @notice The token id a key reference names (0 for a reference to no key).
    /// @param keyRef the key reference.
    /// @return the token id.
    function tokenIdOfKeyRef(uint56 keyRef) external view returns (uint256);
}
