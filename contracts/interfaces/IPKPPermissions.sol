// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPKPPermissions
/// @notice Who and what may use each PKP: auth methods (Lit Actions, Ethereum addresses, and any
/// other auth method type), each with a set of scopes, plus per-PKP Merkle root hashes.
/// @dev ABI-compatible with the PKPPermissions of Lit Protocol's datil network (all but the
/// Diamond, contract-resolver and trusted-forwarder functions). Only the current owner of a PKP
/// changes its permissions; once a PKP is burned its permissions are frozen for ever and stay
/// readable. Deliberate differences from Lit are listed in docs/COMPATIBILITY.md.
interface IPKPPermissions {
    /// @notice An auth method: its type (1 address, 2 Lit Action, 3 WebAuthn, …, or any custom
    /// type), its id (20 address bytes, the 34-byte CIDv0 multihash, …) and an optional user pubkey.
    struct AuthMethod {
        uint256 authMethodType;
        bytes id;
        bytes userPubkey;
    }

    /// @notice `tokenId` now permits the auth method.
    event PermittedAuthMethodAdded(
        uint256 indexed tokenId,
        uint256 authMethodType,
        bytes id,
        bytes userPubkey
    );

    /// @notice `tokenId` no longer permits the auth method (emitted also when it did not).
    /// @dev Unlike Lit, `authMethodType` is the real type, not the auth method id hash.
    event PermittedAuthMethodRemoved(uint256 indexed tokenId, uint256 authMethodType, bytes id);

    /// @notice The auth method has scope `scopeId` on `tokenId`.
    /// @dev Unlike Lit, `authMethodType` is the real type, not the auth method id hash.
    event PermittedAuthMethodScopeAdded(
        uint256 indexed tokenId,
        uint256 authMethodType,
        bytes id,
        uint256 scopeId
    );

    /// @notice The auth method no longer has scope `scopeId` on `tokenId`.
    event PermittedAuthMethodScopeRemoved(
        uint256 indexed tokenId,
        uint256 authMethodType,
        bytes id,
        uint256 scopeId
    );

    /// @notice The Merkle root of `group` for `tokenId` changed.
    event RootHashUpdated(uint256 indexed tokenId, uint256 indexed group, bytes32 root);

    /// @notice The PKP does not exist: it was never minted, or it was burned (a burned PKP's
    /// permissions can never change).
    error NonexistentPKP(uint256 tokenId);
    /// @notice Only the current owner of the PKP may change its permissions.
    error NotPKPOwner(uint256 tokenId, address caller);
    /// @notice A scope can only be added to an auth method the PKP permits.
    error AuthMethodNotPermitted(uint256 tokenId, uint256 authMethodType, bytes id);
    /// @notice A WebAuthn auth method keeps the user pubkey it was first added with.
    error UserPubkeyMismatch(uint256 authMethodType, bytes id);
    /// @notice The batch arrays to add (types, ids, pubkeys, scopes) differ in length.
    error AddArraysLengthMismatch(
        uint256 typesLength,
        uint256 idsLength,
        uint256 pubkeysLength,
        uint256 scopesLength
    );
    /// @notice The batch arrays to remove (types, ids) differ in length.
    error RemoveArraysLengthMismatch(uint256 typesLength, uint256 idsLength);
    /// @notice The zero address is not a valid argument here.
    error ZeroAddress();

    // ------------------------------------------------------------------ mutators (owner only)

    function addPermittedAuthMethod(
        uint256 tokenId,
        AuthMethod calldata authMethod,
        uint256[] calldata scopes
    ) external;

    function removePermittedAuthMethod(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id
    ) external;

    function addPermittedAuthMethodScope(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external;

    function removePermittedAuthMethodScope(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external;

    /// @notice Permits the Lit Action `ipfsCID` (auth method type 2) with `scopes`.
    function addPermittedAction(
        uint256 tokenId,
        bytes calldata ipfsCID,
        uint256[] calldata scopes
    ) external;

    function removePermittedAction(uint256 tokenId, bytes calldata ipfsCID) external;

    /// @notice Permits the address `user` (auth method type 1, id = its 20 bytes) with `scopes`.
    function addPermittedAddress(uint256 tokenId, address user, uint256[] calldata scopes) external;

    function removePermittedAddress(uint256 tokenId, address user) external;

    /// @notice Adds the given auth methods, then removes the given ones, in one call.
    function batchAddRemoveAuthMethods(
        uint256 tokenId,
        uint256[] calldata permittedAuthMethodTypesToAdd,
        bytes[] calldata permittedAuthMethodIdsToAdd,
        bytes[] calldata permittedAuthMethodPubkeysToAdd,
        uint256[][] calldata permittedAuthMethodScopesToAdd,
        uint256[] calldata permittedAuthMethodTypesToRemove,
        bytes[] calldata permittedAuthMethodIdsToRemove
    ) external;

    function setRootHash(uint256 tokenId, uint256 group, bytes32 root) external;

    // ------------------------------------------------------------------ views

    /// @notice uint256(keccak256(abi.encode(authMethodType, id))).
    function getAuthMethodId(
        uint256 authMethodType,
        bytes memory id
    ) external pure returns (uint256);

    function getUserPubkeyForAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (bytes memory);

    /// @notice The PKPs that permit the auth method, in the order they were granted (a removal
    /// moves the last one into the freed place).
    function getTokenIdsForAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (uint256[] memory);

    function getPKPPubKeysByAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (bytes[] memory);

    /// @notice The auth methods `tokenId` permits, in the order they were added (a removal moves
    /// the last one into the freed place).
    function getPermittedAuthMethods(uint256 tokenId) external view returns (AuthMethod[] memory);

    /// @notice Element i says whether the auth method has scope i, for i < maxScopeId.
    function getPermittedAuthMethodScopes(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 maxScopeId
    ) external view returns (bool[] memory);

    function getPermittedActions(uint256 tokenId) external view returns (bytes[] memory);

    /// @notice The PKP's owner first (while the PKP exists), then every permitted address.
    function getPermittedAddresses(uint256 tokenId) external view returns (address[] memory);

    function isPermittedAuthMethod(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (bool);

    function isPermittedAuthMethodScopePresent(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external view returns (bool);

    function isPermittedAction(
        uint256 tokenId,
        bytes calldata ipfsCID
    ) external view returns (bool);

    /// @notice Whether `user` is a permitted address of `tokenId`, or its current owner.
    function isPermittedAddress(uint256 tokenId, address user) external view returns (bool);

    function getEthAddress(uint256 tokenId) external view returns (address);

    function getPubkey(uint256 tokenId) external view returns (bytes memory);

    function getPkpNftAddress() external view returns (address);

    function getRouterAddress() external view returns (address);

    /// @notice Whether `leaf` is in the Merkle tree of `group` for `tokenId` (false if no root).
    function verifyState(
        uint256 tokenId,
        uint256 group,
        bytes32[] calldata proof,
        bytes32 leaf
    ) external view returns (bool);

    /// @notice Whether all `leaves` are in the Merkle tree of `group` for `tokenId` (multiproof).
    function verifyStates(
        uint256 tokenId,
        uint256 group,
        bytes32[] calldata proof,
        bool[] calldata proofFlags,
        bytes32[] calldata leaves
    ) external view returns (bool);
}
