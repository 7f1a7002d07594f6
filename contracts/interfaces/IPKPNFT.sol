// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721Enumerable} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Enumerable.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {IPubkeyRouter} from "./IPubkeyRouter.sol";

/// @title IPKPNFT
/// @notice Programmable key pairs as ERC-721 tokens: a PKP's token id is the keccak256 hash of its
/// 65-byte public key, whose private half the signing oracle holds.
/// @dev ABI-compatible with the PKPNFT of Lit Protocol's datil network for every function and
/// event declared here (see docs/COMPATIBILITY.md for what differs in behaviour and why).
interface IPKPNFT is IERC721Metadata, IERC721Enumerable {
    /// @notice A PKP was minted. Emitted first in every mint transaction, before the ERC-721
    /// Transfer, so that the first log of the receipt carries the token id in topics[1] (Lit's
    /// contracts-sdk reads the minted id from there).
    /// @param tokenId the PKP: `uint256(keccak256(pubkey))`.
    /// @param pubkey its 65-byte uncompressed secp256k1 public key.
    event PKPMinted(uint256 indexed tokenId, bytes pubkey);

    /// @notice The price of a mint changed.
    /// @param newMintCost the new price, in wei.
    event MintCostSet(uint256 newMintCost);

    /// @notice The owner withdrew the contract's balance.
    /// @param amount the wei sent to the owner.
    event Withdrew(uint256 amount);

    /// @notice The PKPPermissions contract was wired, once and for all.
    /// @param pkpPermissions its address.
    event PkpPermissionsAddressSet(address indexed pkpPermissions);

    /// @notice A mint must pay exactly the mint cost.
    /// @param paid the msg.value sent.
    /// @param mintCost the price of a mint.
    error IncorrectMintPayment(uint256 paid, uint256 mintCost);
    /// @notice mintGrantAndBurnNext takes a CIDv0 multihash: 34 bytes, 0x1220 and a non-zero
    /// sha2-256 digest (no code hashes to zero; the grant could never be used or undone).
    /// @param ipfsCID the bytes given.
    error InvalidIpfsCID(bytes ipfsCID);
    /// @notice A claim needs at least `required` signatures.
    /// @param given how many were given.
    /// @param required the threshold (1: the oracle is the one validator).
    error TooFewClaimSignatures(uint256 given, uint256 required);
    /// @notice Claim signature `index` is malformed (s in the upper half, v not 27/28, or no
    /// signer recovered).
    /// @param index its position in the array.
    error InvalidClaimSignature(uint256 index);
    /// @notice Claim signature `index` was made by an account that is not a validator (here: a
    /// key provider of the router).
    /// @param index its position in the array.
    /// @param signer the account it recovers to.
    error ClaimSignerNotValidator(uint256 index, address signer);
    /// @notice The mint cost must fit in 96 bits.
    /// @param mintCost the cost asked for.
    /// @param maxMintCost the largest cost accepted.
    error MintCostTooHigh(uint256 mintCost, uint256 maxMintCost);
    /// @notice The PKPPermissions address was already wired (it can be set only once).
    /// @param current the address wired.
    error PkpPermissionsAlreadySet(address current);
    /// @notice The PKPPermissions address is not wired yet.
    error PkpPermissionsNotSet();
    /// @notice The zero address is not a valid argument here.
    error ZeroAddress();

    /// @notice Mints the oldest unminted PKP of `keyType` to the caller, for exactly {mintCost}.
    /// @dev Requirements: `msg.value == mintCost()` (`IncorrectMintPayment`); the router's pool
    /// of `keyType` is not empty (the router's `NoUnmintedKeys`); a contract caller accepts the
    /// token through `onERC721Received` (OpenZeppelin's `ERC721InvalidReceiver` otherwise).
    /// Emits {PKPMinted}, then `Transfer(0, caller, tokenId)`.
    /// @param keyType the key type to mint (2: ECDSA secp256k1).
    /// @return tokenId the minted PKP.
    function mintNext(uint256 keyType) external payable returns (uint256 tokenId);

    /// @notice Mints the key the oracle derived and routed for `derivedKeyId` to the caller, for
    /// exactly {mintCost}: Lit's claimed keys (a key that exists before anyone pays gas, whose id
    /// comes from an action and a key id, or from an auth method).
    /// @dev Datil's ABI and order of checks. Requirements: `msg.value == mintCost()`
    /// (`IncorrectMintPayment`); at least one signature (`TooFewClaimSignatures`); every
    /// signature an EIP-191 signature of `derivedKeyId` (`toEthSignedMessageHash(derivedKeyId)`,
    /// v 27/28, low s: `InvalidClaimSignature`) by a key provider of the router — the oracle, the
    /// one validator here (`ClaimSignerNotValidator`); a duplicate signature is harmless with a
    /// threshold of 1; a key routed for `derivedKeyId` with `keyType` (the router's
    /// `DerivedKeyNotRouted`, `DerivedKeyTypeMismatch`) and not claimed before
    /// (`DerivedKeyAlreadyClaimed`); a contract caller accepts the token
    /// (`ERC721InvalidReceiver`). Emits {PKPMinted}, then `Transfer(0, caller, tokenId)`.
    /// As on Lit, the signatures bind only `derivedKeyId` — not the minter, the chain or this
    /// contract — so whoever submits them first owns the PKP: that keeps Lit's SDK and relayer
    /// flow working unchanged. A relayer that mints for a user should make the PKP its own owner
    /// (PKPHelper's `sendPkpToItself`), so that only the user's auth method controls it.
    /// @param keyType the key type the key was routed with (2: ECDSA secp256k1).
    /// @param derivedKeyId the derived key id the oracle signed.
    /// @param signatures the validators' signatures of `derivedKeyId`.
    /// @param stakingContractAddress accepted for datil's ABI and ignored (no staking contract).
    /// @return tokenId the minted PKP, `uint256(keccak256(pubkey))`.
    function claimAndMint(
        uint256 keyType,
        bytes32 derivedKeyId,
        IPubkeyRouter.Signature[] calldata signatures,
        address stakingContractAddress
    ) external payable returns (uint256 tokenId);

    /// @notice Mints the next PKP of `keyType`, permits the Lit Action `ipfsCID` with scope 1
    /// (SignAnything), and burns the PKP, in this one call: afterwards nobody can ever change
    /// its permissions, so the PKP can only ever sign through that action.
    /// PKPPermissions records the grant through {IPKPPermissions-grantFrozenAction}, which only
    /// this contract may call; the PKP's ownership is never written to storage.
    /// @dev Requirements: `ipfsCID` is 34 bytes starting 0x1220 with a non-zero digest
    /// (`InvalidIpfsCID`); the
    /// PKPPermissions address is wired (`PkpPermissionsNotSet`); `msg.value == mintCost()`
    /// (`IncorrectMintPayment`); the pool of `keyType` is not empty (the router's
    /// `NoUnmintedKeys`). Emits, in this order: {PKPMinted}, `Transfer(0, PKPNFT, tokenId)`,
    /// PKPPermissions' `PermittedAuthMethodScopeAdded(tokenId, 2, ipfsCID, 1)` and
    /// `PermittedAuthMethodAdded(tokenId, 2, ipfsCID, "")`, then `Transfer(PKPNFT, 0, tokenId)`.
    /// @param keyType the key type to mint (2: ECDSA secp256k1).
    /// @param ipfsCID the action's CIDv0 as 34 bytes (0x1220 followed by the sha2-256 digest).
    /// @return tokenId the PKP, minted and burned.
    function mintGrantAndBurnNext(
        uint256 keyType,
        bytes calldata ipfsCID
    ) external payable returns (uint256 tokenId);

    /// @notice Burns `tokenId`. Its permissions stay readable and become unchangeable for ever;
    /// its id can never be minted again.
    /// @dev Requirements: the PKP exists (`ERC721NonexistentToken`); the caller owns it, is
    /// approved for it or is an operator of its owner (`ERC721InsufficientApproval`), as
    /// OpenZeppelin's ERC721Burnable. Emits `Transfer(owner, 0, tokenId)`.
    /// @param tokenId the PKP to burn.
    function burn(uint256 tokenId) external;

    /// @notice Whether `tokenId` exists now (minted and not burned).
    /// @param tokenId the PKP.
    /// @return whether it exists.
    function exists(uint256 tokenId) external view returns (bool);

    /// @notice Like ownerOf, but returns the zero address instead of reverting for a PKP that
    /// does not exist (never minted, or burned).
    /// @param tokenId the PKP.
    /// @return its owner, or the zero address.
    function ownerOrZero(uint256 tokenId) external view returns (address);

    /// @notice {ownerOrZero} under a second name, for PKPPermissions' owner check.
    /// @dev The contract dispatches a call by comparing its selector with every function's, in
    /// selector order; this name's selector (0x006fc935) comes first, so the owner check that
    /// every permission change makes costs about 600 gas less than through {ownerOrZero}.
    /// @param tokenId the PKP.
    /// @return its owner, or the zero address.
    function presentOwnerOfPkp(uint256 tokenId) external view returns (address);

    /// @notice The 65-byte public key of `tokenId` (also after a burn), or empty bytes.
    /// @param tokenId the PKP.
    /// @return the public key.
    function getPubkey(uint256 tokenId) external view returns (bytes memory);

    /// @notice The Ethereum address of `tokenId`'s key (also after a burn), or the zero address.
    /// @param tokenId the PKP.
    /// @return the address.
    function getEthAddress(uint256 tokenId) external view returns (address);

    /// @notice The price of one mint, in wei (1 wei after deployment).
    /// @return the price.
    function mintCost() external view returns (uint256);

    /// @notice Sets the price of one mint.
    /// @dev Requirements: the caller is the owner (OpenZeppelin's `OwnableUnauthorizedAccount`);
    /// the cost fits in 96 bits (`MintCostTooHigh`). Emits {MintCostSet}.
    /// @param newMintCost the new price, in wei.
    function setMintCost(uint256 newMintCost) external;

    /// @notice Sends the contract's whole balance (the mint payments) to the owner.
    /// @dev Requirements: the caller is the owner (`OwnableUnauthorizedAccount`); the owner
    /// accepts the ether (OpenZeppelin's `FailedCall` otherwise). Emits {Withdrew}.
    function withdraw() external;

    /// @notice Wires the PKPPermissions contract used by mintGrantAndBurnNext, once only.
    /// @dev Requirements: the caller is the owner (`OwnableUnauthorizedAccount`);
    /// `pkpPermissions` is not zero (`ZeroAddress`); nothing was wired before
    /// (`PkpPermissionsAlreadySet`). Emits {PkpPermissionsAddressSet}.
    /// @param pkpPermissions the PKPPermissions address.
    function setPkpPermissionsAddress(address pkpPermissions) external;

    /// @notice The PubkeyRouter the keys come from (fixed at deployment).
    /// @return the router address.
    function getRouterAddress() external view returns (address);

    /// @notice The wired PKPPermissions contract (zero until wired).
    /// @return the PKPPermissions address.
    function getPkpPermissionsAddress() external view returns (address);

    /// @notice The contract that renders {tokenURI} (fixed at deployment).
    /// @return the PKPNFTMetadata address.
    function getPkpNftMetadataAddress() external view returns (address);
}
