// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPKPPermissions
/// @notice Who and what may use each PKP: auth methods (Lit Actions, Ethereum addresses, and any
/// other auth method type), each with a set of scopes, plus per-PKP Merkle root hashes.
/// @dev ABI-compatible with the PKPPermissions of Lit Protocol's datil network (all but the
/// Diamond, contract-resolver and trusted-forwarder functions). Only the current owner of a PKP
/// changes its permissions (an approved address or operator may not); once a PKP is burned its
/// permissions are frozen for ever and stay readable. Deliberate differences from Lit are listed
/// in docs/COMPATIBILITY.md.
///
/// Terms used below: an auth method is the pair (type, id); its auth method id is
/// `uint256(keccak256(abi.encode(type, id)))` ({getAuthMethodId}). Type 1 is an Ethereum address
/// (id: its 20 bytes), type 2 a Lit Action (id: the 34-byte CIDv0 multihash, `0x1220` followed by
/// the sha2-256 digest), type 3 WebAuthn, 6 a Google ID token, and any other uint256 a custom
/// type. Scopes are uint256 ids: 1 SignAnything, 2 PersonalSign, any other id is stored as given.
///
/// Every mutator requires, in this order: the PKP exists (`NonexistentPKP` if it was never minted
/// or is burned) and the caller is its owner (`NotPKPOwner`).
interface IPKPPermissions {
    /// @notice An auth method as Lit shapes it (the ABI tuple `(uint256,bytes,bytes)`).
    /// @param authMethodType 1 address, 2 Lit Action, 3 WebAuthn, 6 Google ID token, … or custom.
    /// @param id the method's id bytes (20 address bytes, the 34-byte CIDv0 multihash, …).
    /// @param userPubkey an optional public key of the user, stored once per auth method.
    struct AuthMethod {
        uint256 authMethodType;
        bytes id;
        bytes userPubkey;
    }

    /// @notice `tokenId` now permits the auth method (emitted on every add, also when the PKP
    /// already permitted it).
    /// @param tokenId the PKP.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @param userPubkey the user pubkey given with this add (empty if none).
    event PermittedAuthMethodAdded(
        uint256 indexed tokenId,
        uint256 authMethodType,
        bytes id,
        bytes userPubkey
    );

    /// @notice `tokenId` no longer permits the auth method (emitted also when it did not).
    /// @dev Unlike Lit, `authMethodType` is the real type, not the auth method id hash.
    /// @param tokenId the PKP.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    event PermittedAuthMethodRemoved(uint256 indexed tokenId, uint256 authMethodType, bytes id);

    /// @notice The auth method has scope `scopeId` on `tokenId` (emitted on every add of the
    /// scope, also when it was already set).
    /// @dev Unlike Lit, `authMethodType` is the real type, not the auth method id hash.
    /// @param tokenId the PKP.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @param scopeId the scope added.
    event PermittedAuthMethodScopeAdded(
        uint256 indexed tokenId,
        uint256 authMethodType,
        bytes id,
        uint256 scopeId
    );

    /// @notice The auth method no longer has scope `scopeId` on `tokenId` (emitted also when it
    /// did not have it).
    /// @param tokenId the PKP.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @param scopeId the scope removed.
    event PermittedAuthMethodScopeRemoved(
        uint256 indexed tokenId,
        uint256 authMethodType,
        bytes id,
        uint256 scopeId
    );

    /// @notice The Merkle root of `group` for `tokenId` changed.
    /// @param tokenId the PKP.
    /// @param group the group whose root changed.
    /// @param root the new root (zero: no root, every proof of the group fails).
    event RootHashUpdated(uint256 indexed tokenId, uint256 indexed group, bytes32 root);

    /// @notice The PKP does not exist: it was never minted, or it was burned (a burned PKP's
    /// permissions can never change).
    /// @param tokenId the PKP.
    error NonexistentPKP(uint256 tokenId);
    /// @notice Only the current owner of the PKP may change its permissions.
    /// @param tokenId the PKP.
    /// @param caller the account that tried.
    error NotPKPOwner(uint256 tokenId, address caller);
    /// @notice A scope can only be added to an auth method the PKP permits.
    /// @param tokenId the PKP.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    error AuthMethodNotPermitted(uint256 tokenId, uint256 authMethodType, bytes id);
    /// @notice A WebAuthn auth method keeps the user pubkey it was first added with.
    /// @param authMethodType the auth method's type (3).
    /// @param id the auth method's id bytes.
    error UserPubkeyMismatch(uint256 authMethodType, bytes id);
    /// @notice The batch arrays to add (types, ids, pubkeys, scopes) differ in length.
    /// @param typesLength how many types were given.
    /// @param idsLength how many ids were given.
    /// @param pubkeysLength how many user pubkeys were given.
    /// @param scopesLength how many scope lists were given.
    error AddArraysLengthMismatch(
        uint256 typesLength,
        uint256 idsLength,
        uint256 pubkeysLength,
        uint256 scopesLength
    );
    /// @notice The batch arrays to remove (types, ids) differ in length.
    /// @param typesLength how many types were given.
    /// @param idsLength how many ids were given.
    error RemoveArraysLengthMismatch(uint256 typesLength, uint256 idsLength);
    /// @notice The zero address is not a valid argument here.
    error ZeroAddress();
    /// @notice Only PKPNFT may record the grant of a PKP it mints, grants and burns.
    /// @param caller the account that tried.
    error CallerNotPkpNft(address caller);

    // ------------------------------------------------------------------ mutators (owner only)

    /// @notice Permits the auth method on `tokenId` and adds `scopes` to its grant.
    /// @dev Requirements: the PKP exists and the caller owns it. A WebAuthn method (type 3)
    /// whose stored user pubkey is non-empty reverts with `UserPubkeyMismatch` if
    /// `authMethod.userPubkey` differs; for every other type the stored user pubkey (one per
    /// auth method, shared by all PKPs) is replaced by the one given, as Lit does. Adding a
    /// method the PKP already permits only adds the scopes.
    /// Emits {PermittedAuthMethodScopeAdded} once per entry of `scopes`, in order, then
    /// {PermittedAuthMethodAdded}.
    /// @param tokenId the PKP.
    /// @param authMethod the auth method and its optional user pubkey.
    /// @param scopes scope ids to add (any uint256; duplicates are harmless).
    function addPermittedAuthMethod(
        uint256 tokenId,
        AuthMethod calldata authMethod,
        uint256[] calldata scopes
    ) external;

    /// @notice Stops `tokenId` from permitting the auth method; its scopes on this PKP go too.
    /// @dev Requirements: the PKP exists and the caller owns it. Removing a method the PKP does
    /// not permit changes nothing and does not revert. The method's user pubkey stays stored.
    /// Emits {PermittedAuthMethodRemoved}.
    /// @param tokenId the PKP.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    function removePermittedAuthMethod(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id
    ) external;

    /// @notice Adds scope `scopeId` to the grant of an auth method `tokenId` permits.
    /// @dev Requirements: the PKP exists and the caller owns it; the PKP permits the method
    /// (`AuthMethodNotPermitted` otherwise). Emits {PermittedAuthMethodScopeAdded}.
    /// @param tokenId the PKP.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @param scopeId the scope to add.
    function addPermittedAuthMethodScope(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external;

    /// @notice Removes scope `scopeId` from the auth method's grant on `tokenId`; the method
    /// stays permitted.
    /// @dev Requirements: the PKP exists and the caller owns it. Removing a scope the grant
    /// lacks, or from a method the PKP does not permit, changes nothing and does not revert.
    /// Emits {PermittedAuthMethodScopeRemoved}.
    /// @param tokenId the PKP.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @param scopeId the scope to remove.
    function removePermittedAuthMethodScope(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external;

    /// @notice Permits the Lit Action `ipfsCID` (auth method type 2) on `tokenId` with `scopes`:
    /// {addPermittedAuthMethod} with `(2, ipfsCID, "")`.
    /// @dev Requirements and events as {addPermittedAuthMethod}. Any bytes are accepted; a
    /// 34-byte `0x1220…` CIDv0 is stored most compactly.
    /// @param tokenId the PKP.
    /// @param ipfsCID the action's CIDv0 multihash bytes (34 bytes: `0x1220` and the digest).
    /// @param scopes scope ids to add.
    function addPermittedAction(
        uint256 tokenId,
        bytes calldata ipfsCID,
        uint256[] calldata scopes
    ) external;

    /// @notice {removePermittedAuthMethod} with `(2, ipfsCID)`.
    /// @dev Requirements and events as {removePermittedAuthMethod}.
    /// @param tokenId the PKP.
    /// @param ipfsCID the action's CIDv0 multihash bytes.
    function removePermittedAction(uint256 tokenId, bytes calldata ipfsCID) external;

    /// @notice Permits the address `user` (auth method type 1, id = its 20 bytes) on `tokenId`
    /// with `scopes`: {addPermittedAuthMethod} with `(1, abi.encodePacked(user), "")`.
    /// @dev Requirements and events as {addPermittedAuthMethod}.
    /// @param tokenId the PKP.
    /// @param user the address to permit.
    /// @param scopes scope ids to add.
    function addPermittedAddress(uint256 tokenId, address user, uint256[] calldata scopes) external;

    /// @notice {removePermittedAuthMethod} with `(1, abi.encodePacked(user))`.
    /// @dev Requirements and events as {removePermittedAuthMethod}. The PKP's owner stays
    /// permitted through {isPermittedAddress} while it owns the PKP.
    /// @param tokenId the PKP.
    /// @param user the address to remove.
    function removePermittedAddress(uint256 tokenId, address user) external;

    /// @notice Adds the given auth methods (as {addPermittedAuthMethod}, in order), then removes
    /// the given ones (as {removePermittedAuthMethod}, in order), in one call.
    /// @dev Requirements: the PKP exists and the caller owns it; the four arrays to add have one
    /// length (`AddArraysLengthMismatch`) and the two arrays to remove have one length
    /// (`RemoveArraysLengthMismatch`); each add may revert as {addPermittedAuthMethod} does.
    /// Emits the events of each add and each remove, in that order.
    /// @param tokenId the PKP.
    /// @param permittedAuthMethodTypesToAdd the types of the methods to add.
    /// @param permittedAuthMethodIdsToAdd their ids.
    /// @param permittedAuthMethodPubkeysToAdd their user pubkeys (empty bytes for none).
    /// @param permittedAuthMethodScopesToAdd their scope lists.
    /// @param permittedAuthMethodTypesToRemove the types of the methods to remove.
    /// @param permittedAuthMethodIdsToRemove their ids.
    function batchAddRemoveAuthMethods(
        uint256 tokenId,
        uint256[] calldata permittedAuthMethodTypesToAdd,
        bytes[] calldata permittedAuthMethodIdsToAdd,
        bytes[] calldata permittedAuthMethodPubkeysToAdd,
        uint256[][] calldata permittedAuthMethodScopesToAdd,
        uint256[] calldata permittedAuthMethodTypesToRemove,
        bytes[] calldata permittedAuthMethodIdsToRemove
    ) external;

    /// @notice Sets the Merkle root of `group` for `tokenId`, which {verifyState} and
    /// {verifyStates} check proofs against.
    /// @dev Requirements: the PKP exists and the caller owns it. Emits {RootHashUpdated}.
    /// @param tokenId the PKP.
    /// @param group any group number the owner chooses.
    /// @param root the new root (zero removes it).
    function setRootHash(uint256 tokenId, uint256 group, bytes32 root) external;

    /// @notice Records the one grant of a PKP that PKPNFT's `mintGrantAndBurnNext` mints, grants
    /// and burns in this same call: the Lit Action `ipfsCID` with scope 1 (SignAnything), frozen
    /// for ever. The views answer it like any grant; the PKP joins the action's list of PKPs.
    /// @dev Requirements: the caller is PKPNFT (`CallerNotPkpNft`), which calls it only for a key
    /// it has just taken from the router — a PKP that never had an owner, hence no permissions —
    /// with a CIDv0 it has checked (34 bytes, `0x1220`, a non-zero digest), and burns the PKP
    /// right after. As any add of `(2, ipfsCID, "")`, a stored user pubkey of the action is
    /// replaced by the empty one. Emits {PermittedAuthMethodScopeAdded} `(tokenId, 2, ipfsCID, 1)`
    /// then {PermittedAuthMethodAdded} `(tokenId, 2, ipfsCID, "")`, between PKPNFT's mint and
    /// burn `Transfer` events.
    /// @param tokenId the PKP being minted, granted and burned.
    /// @param keyRef its key reference (the router's {IPubkeyRouter-keyRefOf}).
    /// @param ipfsCID the action's CIDv0 multihash bytes.
    function grantFrozenAction(uint256 tokenId, uint56 keyRef, bytes calldata ipfsCID) external;

    // ------------------------------------------------------------------ views

    /// @notice The auth method id of (`authMethodType`, `id`):
    /// `uint256(keccak256(abi.encode(authMethodType, id)))`, as Lit computes it.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @return the auth method id.
    function getAuthMethodId(
        uint256 authMethodType,
        bytes memory id
    ) external pure returns (uint256);

    /// @notice The user pubkey last stored for the auth method (by any PKP's add), or empty
    /// bytes. It stays after the method is removed.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @return the stored user pubkey.
    function getUserPubkeyForAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (bytes memory);

    /// @notice The PKPs that permit the auth method, burned ones included, in the order they
    /// were granted (a removal moves the last one into the freed place).
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @return the PKPs' token ids.
    function getTokenIdsForAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (uint256[] memory);

    /// @notice The public keys of {getTokenIdsForAuthMethod}, in the same order.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @return the PKPs' 65-byte public keys.
    function getPKPPubKeysByAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (bytes[] memory);

    /// @notice The auth methods `tokenId` permits, with their stored user pubkeys, in the order
    /// they were added (a removal moves the last one into the freed place). Also after a burn.
    /// @param tokenId the PKP.
    /// @return the auth methods.
    function getPermittedAuthMethods(uint256 tokenId) external view returns (AuthMethod[] memory);

    /// @notice Element i says whether the auth method has scope i on `tokenId`, for
    /// i < `maxScopeId` (all false if the PKP does not permit the method).
    /// @param tokenId the PKP.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @param maxScopeId the length of the answer.
    /// @return one flag per scope id below `maxScopeId`.
    function getPermittedAuthMethodScopes(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 maxScopeId
    ) external view returns (bool[] memory);

    /// @notice The ids of the Lit Actions (type 2) `tokenId` permits, in the order of
    /// {getPermittedAuthMethods}.
    /// @param tokenId the PKP.
    /// @return the actions' CIDv0 multihash bytes.
    function getPermittedActions(uint256 tokenId) external view returns (bytes[] memory);

    /// @notice The PKP's owner first (while the PKP exists), then every permitted address
    /// (type 1) in the order of {getPermittedAuthMethods}; the owner appears twice if it was also
    /// permitted explicitly, as on Lit.
    /// @param tokenId the PKP.
    /// @return the addresses.
    function getPermittedAddresses(uint256 tokenId) external view returns (address[] memory);

    /// @notice Whether `tokenId` permits the auth method (with any scopes, or none).
    /// @param tokenId the PKP.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @return whether it is permitted.
    function isPermittedAuthMethod(
        uint256 tokenId,
        uint256 authMethodType,
        bytes memory id
    ) external view returns (bool);

    /// @notice Whether `tokenId` permits the auth method with scope `scopeId`.
    /// @param tokenId the PKP.
    /// @param authMethodType the auth method's type.
    /// @param id the auth method's id bytes.
    /// @param scopeId the scope asked about.
    /// @return whether the grant exists and holds the scope.
    function isPermittedAuthMethodScopePresent(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external view returns (bool);

    /// @notice Whether `tokenId` permits the Lit Action `ipfsCID`: {isPermittedAuthMethod} with
    /// type 2.
    /// @param tokenId the PKP.
    /// @param ipfsCID the action's CIDv0 multihash bytes.
    /// @return whether it is permitted.
    function isPermittedAction(
        uint256 tokenId,
        bytes calldata ipfsCID
    ) external view returns (bool);

    /// @notice Whether `user` is a permitted address (type 1) of `tokenId`, or its current owner.
    /// @param tokenId the PKP.
    /// @param user the address asked about.
    /// @return whether it is permitted or owns the PKP.
    function isPermittedAddress(uint256 tokenId, address user) external view returns (bool);

    /// @notice The Ethereum address of the PKP's key (the router's answer; zero if unknown).
    /// @param tokenId the PKP.
    /// @return the address.
    function getEthAddress(uint256 tokenId) external view returns (address);

    /// @notice The 65-byte public key of the PKP (the router's answer; empty if unknown).
    /// @param tokenId the PKP.
    /// @return the public key.
    function getPubkey(uint256 tokenId) external view returns (bytes memory);

    /// @notice The PKPNFT contract whose owners manage permissions here (fixed at deployment).
    /// @return the PKPNFT address.
    function getPkpNftAddress() external view returns (address);

    /// @notice The PubkeyRouter this contract reads keys from (fixed at deployment).
    /// @return the router address.
    function getRouterAddress() external view returns (address);

    /// @notice Whether `leaf` is in the Merkle tree of `group` for `tokenId` (OpenZeppelin's
    /// MerkleProof; false if the group has no root).
    /// @param tokenId the PKP.
    /// @param group the group whose root is used.
    /// @param proof the sibling hashes from the leaf up.
    /// @param leaf the leaf hash.
    /// @return whether the proof holds.
    function verifyState(
        uint256 tokenId,
        uint256 group,
        bytes32[] calldata proof,
        bytes32 leaf
    ) external view returns (bool);

    /// @notice Whether all `leaves` are in the Merkle tree of `group` for `tokenId`
    /// (OpenZeppelin's multiproof; false if the group has no root).
    /// @param tokenId the PKP.
    /// @param group the group whose root is used.
    /// @param proof the multiproof's sibling hashes.
    /// @param proofFlags the multiproof's flags.
    /// @param leaves the leaf hashes.
    /// @return whether the multiproof holds.
    function verifyStates(
        uint256 tokenId,
        uint256 group,
        bytes32[] calldata proof,
        bool[] calldata proofFlags,
        bytes32[] calldata leaves
    ) external view returns (bool);
}
