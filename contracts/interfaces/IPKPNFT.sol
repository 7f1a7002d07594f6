// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721Enumerable} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Enumerable.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";

/// @title IPKPNFT
/// @notice Programmable key pairs as ERC-721 tokens: a PKP's token id is the keccak256 hash of its
/// 65-byte public key, whose private half the signing oracle holds.
/// @dev ABI-compatible with the PKPNFT of Lit Protocol's datil network for every function and
/// event declared here (see docs/COMPATIBILITY.md for what differs in behaviour and why).
interface IPKPNFT is IERC721Metadata, IERC721Enumerable {
    /// @notice A PKP was minted. Emitted first in every mint transaction, before the ERC-721
    /// Transfer, so that the first log of the receipt carries the token id in topics[1] (Lit's
    /// contracts-sdk reads the minted id from there).
    event PKPMinted(uint256 indexed tokenId, bytes pubkey);

    /// @notice The price of a mint changed.
    event MintCostSet(uint256 newMintCost);

    /// @notice The owner withdrew the contract's balance (`amount` wei).
    event Withdrew(uint256 amount);

    /// @notice The PKPPermissions contract was wired, once and for all.
    event PkpPermissionsAddressSet(address indexed pkpPermissions);

    /// @notice A mint must pay exactly the mint cost.
    error IncorrectMintPayment(uint256 paid, uint256 mintCost);
    /// @notice mintGrantAndBurnNext takes a CIDv0 multihash: 34 bytes, 0x1220 and a sha2-256 digest.
    error InvalidIpfsCID(bytes ipfsCID);
    /// @notice The mint cost must fit in 96 bits.
    error MintCostTooHigh(uint256 mintCost, uint256 maxMintCost);
    /// @notice The PKPPermissions address was already wired (it can be set only once).
    error PkpPermissionsAlreadySet(address current);
    /// @notice The PKPPermissions address is not wired yet.
    error PkpPermissionsNotSet();
    /// @notice The zero address is not a valid argument here.
    error ZeroAddress();

    /// @notice Mints the oldest unminted PKP of `keyType` to the caller, for exactly {mintCost}.
    /// @return tokenId the minted PKP.
    function mintNext(uint256 keyType) external payable returns (uint256 tokenId);

    /// @notice Mints the next PKP of `keyType`, permits the Lit Action `ipfsCID` with scope 1
    /// (SignAnything), and burns the PKP, in this one call: afterwards nobody can ever change
    /// its permissions, so the PKP can only ever sign through that action.
    /// @param ipfsCID the action's CIDv0 as 34 bytes (0x1220 followed by the sha2-256 digest).
    function mintGrantAndBurnNext(
        uint256 keyType,
        bytes calldata ipfsCID
    ) external payable returns (uint256 tokenId);

    /// @notice Burns `tokenId` (owner, approved address or operator only). Its permissions stay
    /// readable and become unchangeable for ever; its id can never be minted again.
    function burn(uint256 tokenId) external;

    /// @notice Whether `tokenId` exists now (minted and not burned).
    function exists(uint256 tokenId) external view returns (bool);

    /// @notice Like ownerOf, but returns the zero address instead of reverting for a PKP that
    /// does not exist (never minted, or burned).
    function ownerOrZero(uint256 tokenId) external view returns (address);

    /// @notice The 65-byte public key of `tokenId` (also after a burn), or empty bytes.
    function getPubkey(uint256 tokenId) external view returns (bytes memory);

    /// @notice The Ethereum address of `tokenId`'s key (also after a burn), or the zero address.
    function getEthAddress(uint256 tokenId) external view returns (address);

    /// @notice The price of one mint, in wei (1 wei after deployment).
    function mintCost() external view returns (uint256);

    /// @notice Sets the price of one mint. Owner only.
    function setMintCost(uint256 newMintCost) external;

    /// @notice Sends the contract's whole balance to the owner. Owner only.
    function withdraw() external;

    /// @notice Wires the PKPPermissions contract used by mintGrantAndBurnNext. Owner only, once.
    function setPkpPermissionsAddress(address pkpPermissions) external;

    function getRouterAddress() external view returns (address);

    function getPkpPermissionsAddress() external view returns (address);

    function getPkpNftMetadataAddress() external view returns (address);
}
