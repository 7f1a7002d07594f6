// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ERC721PackedEnumerable} from "./base/ERC721PackedEnumerable.sol";
import {IPKPNFT} from "./interfaces/IPKPNFT.sol";
import {IPKPNFTMetadata} from "./interfaces/IPKPNFTMetadata.sol";
import {IPKPPermissions} from "./interfaces/IPKPPermissions.sol";
import {IPubkeyRouter} from "./interfaces/IPubkeyRouter.sol";

/// @title PKPNFT
/// @notice See {IPKPNFT}.
/// @dev mintGrantAndBurnNext never writes the PKP's ownership to storage: the PKP is minted to
/// this contract and burned in the same call, and PKPPermissions records its one grant through
/// a PKPNFT-only entry point ({IPKPPermissions-grantFrozenAction}) in between. The receipt still
/// shows the mint, the grant and the burn, in that order. Owner lists hold the router's 56-bit
/// key references as compact ids (see {ERC721PackedEnumerable}).
contract PKPNFT is IPKPNFT, ERC721PackedEnumerable, Ownable {
    /// @dev Read together by every mint: one slot.
    struct MintConfig {
        address pkpPermissions;
        uint96 mintCost;
    }

    bytes2 private constant CIDV0_SHA256_PREFIX = 0x1220;
    uint256 private constant CIDV0_LENGTH = 34;
    /// @dev Signatures a claim needs (Lit: the validators' consensus threshold; one oracle here).
    uint256 private constant CLAIM_SIGNATURE_THRESHOLD = 1;

    IPubkeyRouter private immutable _router;
    IPKPNFTMetadata private immutable _metadata;

    MintConfig private _mintConfig;

    constructor(
        address initialOwner,
        IPubkeyRouter router,
        IPKPNFTMetadata metadata
    ) ERC721PackedEnumerable("Programmable Keypair", "PKP") Ownable(initialOwner) {
        if (address(router) == address(0) || address(metadata) == address(0)) revert ZeroAddress();
        _router = router;
        _metadata = metadata;
        _mintConfig.mintCost = 1;
        emit MintCostSet(1);
    }

    // ------------------------------------------------------------------ minting

    /// @inheritdoc IPKPNFT
    function mintNext(uint256 keyType) external payable returns (uint256 tokenId) {
        _checkPayment(_mintConfig.mintCost);
        bytes memory pubkey;
        uint56 keyRef;
        (tokenId, pubkey, keyRef) = _router.takeNextUnmintedKey(keyType);
        // Emitted before the mint's Transfer on purpose: see {IPKPNFT-PKPMinted}.
        emit PKPMinted(tokenId, pubkey);
        _safeMint(msg.sender, tokenId, keyRef);
    }

    /// @inheritdoc IPKPNFT
    function claimAndMint(
        uint256 keyType,
        bytes32 derivedKeyId,
        IPubkeyRouter.Signature[] calldata signatures,
        address
    ) external payable returns (uint256 tokenId) {
        _checkPayment(_mintConfig.mintCost);
        _checkClaimSignatures(derivedKeyId, signatures);
        bytes memory pubkey;
        uint56 keyRef;
        (tokenId, pubkey, keyRef) = _router.takeDerivedKey(derivedKeyId, keyType);
        emit PKPMinted(tokenId, pubkey);
        _safeMint(msg.sender, tokenId, keyRef);
    }

    /// @inheritdoc IPKPNFT
    function mintGrantAndBurnNext(
        uint256 keyType,
        bytes calldata ipfsCID
    ) external payable returns (uint256 tokenId) {
        if (
            ipfsCID.length != CIDV0_LENGTH ||
            bytes2(ipfsCID[0:2]) != CIDV0_SHA256_PREFIX ||
            bytes32(ipfsCID[2:]) == 0
        ) revert InvalidIpfsCID(ipfsCID);
        MintConfig memory config = _mintConfig;
        if (config.pkpPermissions == address(0)) revert PkpPermissionsNotSet();
        _checkPayment(config.mintCost);

        bytes memory pubkey;
        uint56 keyRef;
        (tokenId, pubkey, keyRef) = _router.takeNextUnmintedKey(keyType);
        emit PKPMinted(tokenId, pubkey);
        emit Transfer(address(0), address(this), tokenId);
        // The PKP never had an owner but this contract, for this call: PKPPermissions takes its
        // one grant from PKPNFT alone, and the burn below freezes it.
        IPKPPermissions(config.pkpPermissions).grantFrozenAction(tokenId, keyRef, ipfsCID);
        emit Transfer(address(this), address(0), tokenId);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPKPNFT
    function exists(uint256 tokenId) external view returns (bool) {
        return _ownerOf(tokenId) != address(0);
    }

    /// @inheritdoc IPKPNFT
    function ownerOrZero(uint256 tokenId) external view returns (address) {
        return _ownerOf(tokenId);
    }

    /// @inheritdoc IPKPNFT
    function presentOwnerOfPkp(uint256 tokenId) external view returns (address) {
        return _ownerOf(tokenId);
    }

    /// @inheritdoc IPKPNFT
    function getPubkey(uint256 tokenId) public view returns (bytes memory) {
        return _router.getPubkey(tokenId);
    }

    /// @inheritdoc IPKPNFT
    function getEthAddress(uint256 tokenId) public view returns (address) {
        return _router.getEthAddress(tokenId);
    }

    /// @inheritdoc IPKPNFT
    function mintCost() external view returns (uint256) {
        return _mintConfig.mintCost;
    }

    /// @notice A data: URI with the PKP's metadata, shaped like Lit's. Reverts for a PKP that
    /// does not exist.
    function tokenURI(uint256 tokenId) external view returns (string memory) {
        _requireOwned(tokenId);
        return _metadata.tokenURI(tokenId, getPubkey(tokenId), getEthAddress(tokenId));
    }

    /// @inheritdoc IPKPNFT
    function getRouterAddress() external view returns (address) {
        return address(_router);
    }

    /// @inheritdoc IPKPNFT
    function getPkpPermissionsAddress() external view returns (address) {
        return _mintConfig.pkpPermissions;
    }

    /// @inheritdoc IPKPNFT
    function getPkpNftMetadataAddress() external view returns (address) {
        return address(_metadata);
    }

    // ------------------------------------------------------------------ ERC-721

    /// @inheritdoc IPKPNFT
    function burn(uint256 tokenId) public override(IPKPNFT, ERC721PackedEnumerable) {
        super.burn(tokenId);
    }

    /// @dev Owner lists hold the router's key references (see {IPubkeyRouter-keyRefOf}).
    function _tokenIdOfCompact(uint56 compactId) internal view override returns (uint256) {
        return _router.tokenIdOfKeyRef(compactId);
    }

    // ------------------------------------------------------------------ administration

    /// @inheritdoc IPKPNFT
    function setMintCost(uint256 newMintCost) external onlyOwner {
        if (newMintCost > type(uint96).max) revert MintCostTooHigh(newMintCost, type(uint96).max);
        _mintConfig.mintCost = uint96(newMintCost);
        emit MintCostSet(newMintCost);
    }

    /// @inheritdoc IPKPNFT
    function withdraw() external onlyOwner {
        uint256 amount = address(this).balance;
        Address.sendValue(payable(msg.sender), amount);
        emit Withdrew(amount);
    }

    /// @inheritdoc IPKPNFT
    function setPkpPermissionsAddress(address pkpPermissions) external onlyOwner {
        if (pkpPermissions == address(0)) revert ZeroAddress();
        address current = _mintConfig.pkpPermissions;
        if (current != address(0)) revert PkpPermissionsAlreadySet(current);
        _mintConfig.pkpPermissions = pkpPermissions;
        emit PkpPermissionsAddressSet(pkpPermissions);
    }

    function _checkPayment(uint256 cost) private view {
        if (msg.value != cost) revert IncorrectMintPayment(msg.value, cost);
    }

    /// @dev Lit's checkNodeSignatures with one validator set, ours: at least the threshold of
    /// signatures, each an EIP-191 signature of `derivedKeyId` by a key provider of the router.
    /// A signature may appear twice (Lit counts entries too); with a threshold of 1 a duplicate
    /// adds nothing an attacker could use.
    function _checkClaimSignatures(
        bytes32 derivedKeyId,
        IPubkeyRouter.Signature[] calldata signatures
    ) private view {
        if (signatures.length < CLAIM_SIGNATURE_THRESHOLD) {
            revert TooFewClaimSignatures(signatures.length, CLAIM_SIGNATURE_THRESHOLD);
        }
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(derivedKeyId);
        for (uint256 i = 0; i < signatures.length; ++i) {
            IPubkeyRouter.Signature calldata signature = signatures[i];
            (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(
                digest,
                signature.v,
                signature.r,
                signature.s
            );
            if (error != ECDSA.RecoverError.NoError) revert InvalidClaimSignature(i);
            if (!_router.isKeyProvider(signer)) revert ClaimSignerNotValidator(i, signer);
        }
    }
}
