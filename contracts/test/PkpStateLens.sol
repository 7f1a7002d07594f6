// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPKPNFT} from "../interfaces/IPKPNFT.sol";
import {IPKPPermissions} from "../interfaces/IPKPPermissions.sol";
import {IPubkeyRouter} from "../interfaces/IPubkeyRouter.sol";

/// @title PkpStateLens
/// @notice Test-only: reads every public view of PKPNFT, PKPPermissions and PubkeyRouter that
/// the property tests compare with their TypeScript model, in one eth_call. Thousands of random
/// sequences are checked after every step, so one call instead of hundreds keeps the suite fast.
/// It only calls the contracts' external views: it knows nothing of their storage.
contract PkpStateLens {
    struct MethodProbe {
        uint256 authMethodType;
        bytes id;
    }

    struct Query {
        uint256[] tokenIds;
        MethodProbe[] methods;
        /// @dev Scope ids probed with isPermittedAuthMethodScopePresent (bit i of scopeBits).
        uint256[] scopes;
        /// @dev getPermittedAuthMethodScopes is read for 0..listedScopes-1 (bits 128+ of scopeBits).
        uint256 listedScopes;
        /// @dev Read the scopes of every probed method, or only of those the PKP permits.
        bool allScopes;
        /// @dev Read the reverse index and user pubkey of every probed method.
        bool methodIndex;
        address[] addresses;
        uint256[] groups;
        bytes32[] roots;
        address[] owners;
        address[] operators;
        uint256 keyType;
        uint256[] keys;
    }

    struct TokenView {
        address owner;
        bool exists;
        address approved;
        IPKPPermissions.AuthMethod[] methods;
        bytes[] actions;
        address[] permittedAddresses;
        uint256 permittedBits;
        uint256 actionBits;
        uint256[] scopeBits;
        uint256 addressBits;
        uint256 rootBits;
    }

    struct GlobalView {
        uint256[] allTokens;
        uint256[][] owned;
        uint256 operatorBits;
        uint256[][] methodTokens;
        bytes[] methodPubkeys;
        uint256[] pool;
        uint256[] keyStatuses;
    }

    IPKPNFT private immutable _nft;
    IPKPPermissions private immutable _permissions;
    IPubkeyRouter private immutable _router;

    constructor(IPKPNFT nft, IPKPPermissions permissions, IPubkeyRouter router) {
        _nft = nft;
        _permissions = permissions;
        _router = router;
    }

    function read(
        Query calldata q
    ) external view returns (TokenView[] memory tokens, GlobalView memory global) {
        tokens = new TokenView[](q.tokenIds.length);
        for (uint256 i = 0; i < q.tokenIds.length; ++i) tokens[i] = _token(q, q.tokenIds[i]);
        global = _global(q);
    }

    function _token(Query calldata q, uint256 tokenId) private view returns (TokenView memory t) {
        t.owner = _nft.ownerOrZero(tokenId);
        t.exists = _nft.exists(tokenId);
        if (t.exists) t.approved = _nft.getApproved(tokenId);
        t.methods = _permissions.getPermittedAuthMethods(tokenId);
        t.actions = _permissions.getPermittedActions(tokenId);
        t.permittedAddresses = _permissions.getPermittedAddresses(tokenId);
        t.scopeBits = new uint256[](q.methods.length);
        for (uint256 m = 0; m < q.methods.length; ++m) {
            MethodProbe calldata method = q.methods[m];
            bool permitted = _permissions.isPermittedAuthMethod(
                tokenId,
                method.authMethodType,
                method.id
            );
            if (permitted) t.permittedBits |= 1 << m;
            if (method.authMethodType == 2 && _permissions.isPermittedAction(tokenId, method.id)) {
                t.actionBits |= 1 << m;
            }
            if (q.allScopes || permitted) t.scopeBits[m] = _scopeBits(q, tokenId, method);
        }
        for (uint256 a = 0; a < q.addresses.length; ++a) {
            if (_permissions.isPermittedAddress(tokenId, q.addresses[a])) t.addressBits |= 1 << a;
        }
        bytes32[] memory noProof = new bytes32[](0);
        for (uint256 g = 0; g < q.groups.length; ++g) {
            for (uint256 r = 0; r < q.roots.length; ++r) {
                if (_permissions.verifyState(tokenId, q.groups[g], noProof, q.roots[r])) {
                    t.rootBits |= 1 << (g * q.roots.length + r);
                }
            }
        }
    }

    function _scopeBits(
        Query calldata q,
        uint256 tokenId,
        MethodProbe calldata method
    ) private view returns (uint256 bits) {
        for (uint256 s = 0; s < q.scopes.length; ++s) {
            bool present = _permissions.isPermittedAuthMethodScopePresent(
                tokenId,
                method.authMethodType,
                method.id,
                q.scopes[s]
            );
            if (present) bits |= 1 << s;
        }
        bool[] memory listed = _permissions.getPermittedAuthMethodScopes(
            tokenId,
            method.authMethodType,
            method.id,
            q.listedScopes
        );
        for (uint256 s = 0; s < listed.length; ++s) {
            if (listed[s]) bits |= 1 << (128 + s);
        }
    }

    function _global(Query calldata q) private view returns (GlobalView memory g) {
        uint256 supply = _nft.totalSupply();
        g.allTokens = new uint256[](supply);
        for (uint256 i = 0; i < supply; ++i) g.allTokens[i] = _nft.tokenByIndex(i);
        g.owned = new uint256[][](q.owners.length);
        for (uint256 o = 0; o < q.owners.length; ++o) {
            uint256 balance = _nft.balanceOf(q.owners[o]);
            g.owned[o] = new uint256[](balance);
            for (uint256 i = 0; i < balance; ++i) {
                g.owned[o][i] = _nft.tokenOfOwnerByIndex(q.owners[o], i);
            }
            for (uint256 p = 0; p < q.operators.length; ++p) {
                if (_nft.isApprovedForAll(q.owners[o], q.operators[p])) {
                    g.operatorBits |= 1 << (o * q.operators.length + p);
                }
            }
        }
        uint256 indexCount = q.methodIndex ? q.methods.length : 0;
        g.methodTokens = new uint256[][](indexCount);
        g.methodPubkeys = new bytes[](indexCount);
        for (uint256 m = 0; m < indexCount; ++m) {
            MethodProbe calldata method = q.methods[m];
            g.methodTokens[m] = _permissions.getTokenIdsForAuthMethod(
                method.authMethodType,
                method.id
            );
            g.methodPubkeys[m] = _permissions.getUserPubkeyForAuthMethod(
                method.authMethodType,
                method.id
            );
        }
        g.pool = _router.unmintedKeys(q.keyType, 0, 256);
        g.keyStatuses = new uint256[](q.keys.length);
        for (uint256 k = 0; k < q.keys.length; ++k) {
            g.keyStatuses[k] = uint256(_router.keyStatus(q.keys[k]));
        }
    }
}
