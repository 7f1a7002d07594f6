// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IPKPNFTMetadata} from "./interfaces/IPKPNFTMetadata.sol";

/// @title PKPNFTMetadata
/// @notice See {IPKPNFTMetadata}. Stateless: kept out of PKPNFT to keep that contract small.
contract PKPNFTMetadata is IPKPNFTMetadata {
    /// @inheritdoc IPKPNFTMetadata
    function tokenURI(
        uint256 tokenId,
        bytes memory pubKey,
        address ethAddress
    ) external pure returns (string memory) {
        string memory id = Strings.toString(tokenId);
        string memory pubKeyHex = _toHex(pubKey);
        string memory addressHex = Strings.toHexString(ethAddress);
        bytes memory json = abi.encodePacked(
            '{"name":"Lit PKP #',
            id,
            '","description":"This NFT entitles the holder to use a Lit Protocol PKP, and to ',
            'grant access to other users and Lit Actions to use this PKP","image_data":"',
            _svg(addressHex),
            '","attributes":[{"trait_type":"Public Key","value":"',
            pubKeyHex,
            '"},{"trait_type":"ETH Wallet Address","value":"',
            addressHex,
            '"},{"trait_type":"Token ID","value":"',
            id,
            '"}]}'
        );
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    /// @dev Lowercase 0x-prefixed hex of `data`.
    function _toHex(bytes memory data) private pure returns (string memory) {
        bytes16 digits = "0123456789abcdef";
        bytes memory out = new bytes(2 + data.length * 2);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i = 0; i < data.length; ++i) {
            out[2 + i * 2] = digits[uint8(data[i]) >> 4];
            out[3 + i * 2] = digits[uint8(data[i]) & 0x0f];
        }
        return string(out);
    }

    /// @dev A small badge; single quotes only, so it sits in a JSON string unescaped.
    function _svg(string memory addressHex) private pure returns (string memory) {
        return
            string.concat(
                "<svg xmlns='http://www.w3.org/2000/svg' width='400' height='120' viewBox='0 0 400 120'>",
                "<rect width='400' height='120' rx='12' fill='#1a1a2e'/>",
                "<text x='20' y='50' fill='#ffffff' font-family='monospace' font-size='22'>Lit PKP</text>",
                "<text x='20' y='90' fill='#b8b8ff' font-family='monospace' font-size='11'>",
                addressHex,
                "</text></svg>"
            );
    }
}
