// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IPKPHelper} from "../../interfaces/IPKPHelper.sol";
import {IPKPNFT} from "../../interfaces/IPKPNFT.sol";
import {IPKPPermissions} from "../../interfaces/IPKPPermissions.sol";

// A test attacker: the low-level calls capture each re-entrant call's revert data.
// solhint-disable avoid-low-level-calls

/// @title ReentrantReceiver
/// @notice Test-only attacker: receives a PKP (from a mint, or from PKPHelper) and, in the
/// onERC721Received callback — while the mint is still in flight — re-enters PKPNFT,
/// PKPPermissions or PKPHelper. Each re-entry is a low-level call whose outcome (success, or the
/// revert data) is emitted, so that tests can assert exactly what it did.
contract ReentrantReceiver is IERC721Receiver {
    enum Action {
        None,
        MintNext,
        MintGrantAndBurn,
        Burn,
        TransferAway,
        GrantOnInFlight,
        GrantThroughAccomplice,
        HelperMint,
        ReturnToHelper,
        CallHelperHook
    }

    /// @notice The callback for `tokenId` ran `action`, while PKPNFT said `ownerDuringCallback`
    /// owned the PKP; `ok` and `result` are the re-entrant call's outcome.
    event Reentered(
        Action action,
        uint256 tokenId,
        address ownerDuringCallback,
        bool ok,
        bytes result
    );

    uint256 private constant KEY_TYPE = 2;

    IPKPNFT private immutable _nft;
    IPKPPermissions private immutable _permissions;
    IPKPHelper private immutable _helper;

    Action private _action;
    address private _target;
    bytes private _cid;
    bool private _inCallback;

    constructor(IPKPNFT nft, IPKPPermissions permissions, IPKPHelper helper) {
        _nft = nft;
        _permissions = permissions;
        _helper = helper;
    }

    /// @notice Pays for re-entrant mints.
    receive() external payable {}

    /// @notice What the next callback does; `target` is a recipient or an accomplice contract.
    function arm(Action action, address target, bytes calldata cid) external {
        _action = action;
        _target = target;
        _cid = cid;
    }

    function mintNext() external payable returns (uint256) {
        return _nft.mintNext{value: msg.value}(KEY_TYPE);
    }

    function mintThroughHelper() external payable returns (uint256) {
        return
            _helper.mintNextAndAddAuthMethods{value: msg.value}(
                KEY_TYPE,
                new uint256[](0),
                new bytes[](0),
                new bytes[](0),
                new uint256[][](0),
                false,
                false
            );
    }

    /// @inheritdoc IERC721Receiver
    function onERC721Received(
        address,
        address,
        uint256 tokenId,
        bytes calldata
    ) external returns (bytes4) {
        // Only the outermost callback re-enters: nested deliveries are simply accepted.
        if (!_inCallback && _action != Action.None) {
            _inCallback = true;
            address ownerNow = _nft.ownerOrZero(tokenId);
            (bool ok, bytes memory result) = _reenter(tokenId);
            emit Reentered(_action, tokenId, ownerNow, ok, result);
            _inCallback = false;
        }
        return IERC721Receiver.onERC721Received.selector;
    }

    function _reenter(uint256 tokenId) private returns (bool, bytes memory) {
        Action action = _action;
        uint256 cost = _nft.mintCost();
        if (action == Action.MintNext) {
            return address(_nft).call{value: cost}(abi.encodeCall(IPKPNFT.mintNext, (KEY_TYPE)));
        }
        if (action == Action.MintGrantAndBurn) {
            return
                address(_nft).call{value: cost}(
                    abi.encodeCall(IPKPNFT.mintGrantAndBurnNext, (KEY_TYPE, _cid))
                );
        }
        if (action == Action.Burn) {
            return address(_nft).call(abi.encodeCall(IPKPNFT.burn, (tokenId)));
        }
        if (action == Action.TransferAway) {
            return
                address(_nft).call(
                    abi.encodeWithSignature(
                        "transferFrom(address,address,uint256)",
                        address(this),
                        _target,
                        tokenId
                    )
                );
        }
        return _reenterElsewhere(action, tokenId, cost);
    }

    /// @dev The re-entries into PKPPermissions and PKPHelper.
    function _reenterElsewhere(
        Action action,
        uint256 tokenId,
        uint256 cost
    ) private returns (bool, bytes memory) {
        if (action == Action.GrantOnInFlight) {
            return address(_permissions).call(_grant(tokenId));
        }
        if (action == Action.GrantThroughAccomplice) {
            // `_target` is a ContractCaller: not the owner, so PKPPermissions must refuse it.
            return
                _target.call(
                    abi.encodeWithSignature(
                        "forward(address,bytes)",
                        address(_permissions),
                        _grant(tokenId)
                    )
                );
        }
        if (action == Action.HelperMint) {
            return address(this).call{value: cost}(abi.encodeCall(this.mintThroughHelper, ()));
        }
        if (action == Action.ReturnToHelper) {
            return
                address(_nft).call(
                    abi.encodeWithSignature(
                        "safeTransferFrom(address,address,uint256)",
                        address(this),
                        address(_helper),
                        tokenId
                    )
                );
        }
        // CallHelperHook: pretend to be PKPNFT delivering a PKP the helper "minted".
        return
            address(_helper).call(
                abi.encodeCall(
                    IERC721Receiver.onERC721Received,
                    (address(_helper), address(0), tokenId, "")
                )
            );
    }

    function _grant(uint256 tokenId) private view returns (bytes memory) {
        uint256[] memory scopes = new uint256[](1);
        scopes[0] = 1;
        return abi.encodeCall(IPKPPermissions.addPermittedAction, (tokenId, _cid, scopes));
    }
}
