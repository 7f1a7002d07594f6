// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPKPNFT} from "../interfaces/IPKPNFT.sol";
import {IPKPPermissions} from "../interfaces/IPKPPermissions.sol";

/// @title MintGrantBurnThenMutate
/// @notice Test-only attacker: calls mintGrantAndBurnNext and then, in the same transaction,
/// tries to change the fresh PKP's permissions. Every attempt must fail, and with it the whole
/// transaction.
contract MintGrantBurnThenMutate {
    enum Attempt {
        AddAction,
        AddAddress,
        RemoveAction,
        AddScope,
        RemoveScope,
        SetRootHash,
        BatchAdd,
        AddAuthMethod
    }

    IPKPNFT private immutable _pkpNft;
    IPKPPermissions private immutable _permissions;

    constructor(IPKPNFT pkpNft, IPKPPermissions permissions) {
        _pkpNft = pkpNft;
        _permissions = permissions;
    }

    function attack(
        uint256 keyType,
        bytes calldata cid,
        bytes calldata otherCid,
        Attempt attempt
    ) external payable returns (uint256 tokenId) {
        tokenId = _pkpNft.mintGrantAndBurnNext{value: msg.value}(keyType, cid);
        uint256[] memory scopes = new uint256[](1);
        scopes[0] = 1;
        if (attempt == Attempt.AddAction) {
            _permissions.addPermittedAction(tokenId, otherCid, scopes);
        } else if (attempt == Attempt.AddAddress) {
            _permissions.addPermittedAddress(tokenId, address(this), scopes);
        } else if (attempt == Attempt.RemoveAction) {
            _permissions.removePermittedAction(tokenId, cid);
        } else if (attempt == Attempt.AddScope) {
            _permissions.addPermittedAuthMethodScope(tokenId, 2, cid, 2);
        } else if (attempt == Attempt.RemoveScope) {
            _permissions.removePermittedAuthMethodScope(tokenId, 2, cid, 1);
        } else if (attempt == Attempt.SetRootHash) {
            _permissions.setRootHash(tokenId, 0, keccak256("root"));
        } else if (attempt == Attempt.BatchAdd) {
            uint256[] memory types = new uint256[](1);
            types[0] = 2;
            bytes[] memory ids = new bytes[](1);
            ids[0] = otherCid;
            bytes[] memory pubkeys = new bytes[](1);
            uint256[][] memory allScopes = new uint256[][](1);
            allScopes[0] = scopes;
            _permissions.batchAddRemoveAuthMethods(
                tokenId,
                types,
                ids,
                pubkeys,
                allScopes,
                new uint256[](0),
                new bytes[](0)
            );
        } else {
            _permissions.addPermittedAuthMethod(
                tokenId,
                IPKPPermissions.AuthMethod(2, otherCid, ""),
                scopes
            );
        }
    }
}
