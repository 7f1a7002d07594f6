// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IPKPNFT} from "../../interfaces/IPKPNFT.sol";
import {IPKPPermissions} from "../../interfaces/IPKPPermissions.sol";

// A test attacker: the low-level calls capture each attempt's revert data, and the receive and
// fallback functions record any control it is given.
// solhint-disable avoid-low-level-calls, no-complex-fallback

/// @title MintGrantBurnWrapper
/// @notice Test-only attacker: wraps mintGrantAndBurnNext and is ready to act in the middle of
/// it — it records any callback it gets (ERC-721 receiver hook, ether, any other call) — and,
/// right after it in the same transaction, tries every way to take or change the fresh PKP.
/// Each attempt is a low-level call whose outcome is emitted; none reverts the transaction.
contract MintGrantBurnWrapper is IERC721Receiver {
    enum Attempt {
        Burn,
        TransferFromNft,
        Approve,
        AddAction,
        RemoveAction,
        AddScope,
        RemoveScope,
        SetRootHash,
        AddAddress,
        BatchAdd
    }

    /// @notice The attacker got control during a call (it never should during the mint).
    event CallbackReceived(bytes4 selector, uint256 value);
    /// @notice An attempt after mintGrantAndBurnNext, with its outcome.
    event Attempted(Attempt attempt, bool ok, bytes result);

    IPKPNFT private immutable _nft;
    IPKPPermissions private immutable _permissions;

    /// @notice How many times this contract got control while not driving a call itself.
    uint256 public callbacks;

    constructor(IPKPNFT nft, IPKPPermissions permissions) {
        _nft = nft;
        _permissions = permissions;
    }

    receive() external payable {
        ++callbacks;
        emit CallbackReceived(bytes4(0), msg.value);
    }

    fallback() external payable {
        ++callbacks;
        emit CallbackReceived(msg.sig, msg.value);
    }

    /// @inheritdoc IERC721Receiver
    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        ++callbacks;
        emit CallbackReceived(msg.sig, 0);
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @notice mintGrantAndBurnNext, then every attempt on the fresh PKP.
    function attack(
        uint256 keyType,
        bytes calldata cid,
        bytes calldata otherCid
    ) external payable returns (uint256 tokenId) {
        tokenId = _nft.mintGrantAndBurnNext{value: msg.value}(keyType, cid);
        for (uint256 i = 0; i <= uint256(type(Attempt).max); ++i) {
            Attempt attempt = Attempt(i);
            (bool ok, bytes memory result) = _target(attempt).call(
                _calldata(attempt, tokenId, cid, otherCid)
            );
            emit Attempted(attempt, ok, result);
        }
    }

    function _target(Attempt attempt) private view returns (address) {
        return attempt <= Attempt.Approve ? address(_nft) : address(_permissions);
    }

    function _calldata(
        Attempt attempt,
        uint256 tokenId,
        bytes calldata cid,
        bytes calldata otherCid
    ) private view returns (bytes memory) {
        uint256[] memory scopes = new uint256[](1);
        scopes[0] = 1;
        if (attempt == Attempt.Burn) return abi.encodeCall(IPKPNFT.burn, (tokenId));
        if (attempt == Attempt.TransferFromNft) {
            return
                abi.encodeWithSignature(
                    "transferFrom(address,address,uint256)",
                    address(_nft),
                    address(this),
                    tokenId
                );
        }
        if (attempt == Attempt.Approve) {
            return abi.encodeWithSignature("approve(address,uint256)", address(this), tokenId);
        }
        if (attempt == Attempt.AddAction) {
            return abi.encodeCall(IPKPPermissions.addPermittedAction, (tokenId, otherCid, scopes));
        }
        if (attempt == Attempt.RemoveAction) {
            return abi.encodeCall(IPKPPermissions.removePermittedAction, (tokenId, cid));
        }
        if (attempt == Attempt.AddScope) {
            return
                abi.encodeCall(IPKPPermissions.addPermittedAuthMethodScope, (tokenId, 2, cid, 2));
        }
        if (attempt == Attempt.RemoveScope) {
            return
                abi.encodeCall(
                    IPKPPermissions.removePermittedAuthMethodScope,
                    (tokenId, 2, cid, 1)
                );
        }
        if (attempt == Attempt.SetRootHash) {
            return abi.encodeCall(IPKPPermissions.setRootHash, (tokenId, 0, keccak256("root")));
        }
        if (attempt == Attempt.AddAddress) {
            return
                abi.encodeCall(
                    IPKPPermissions.addPermittedAddress,
                    (tokenId, address(this), scopes)
                );
        }
        return _batchAdd(tokenId, otherCid, scopes);
    }

    function _batchAdd(
        uint256 tokenId,
        bytes calldata otherCid,
        uint256[] memory scopes
    ) private pure returns (bytes memory) {
        uint256[] memory types = new uint256[](1);
        types[0] = 2;
        bytes[] memory ids = new bytes[](1);
        ids[0] = otherCid;
        uint256[][] memory allScopes = new uint256[][](1);
        allScopes[0] = scopes;
        return
            abi.encodeCall(
                IPKPPermissions.batchAddRemoveAuthMethods,
                (tokenId, types, ids, new bytes[](1), allScopes, new uint256[](0), new bytes[](0))
            );
    }
}
