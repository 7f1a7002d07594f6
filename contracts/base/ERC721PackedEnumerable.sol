// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {IERC721Enumerable} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Enumerable.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";
import {ERC165, IERC165} from "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import {PackedRefs} from "../libraries/PackedRefs.sol";

/// @title ERC721PackedEnumerable
/// @notice ERC-721 with the Enumerable and Burnable extensions, behaving like OpenZeppelin's
/// ERC721 + ERC721Enumerable + ERC721Burnable (same errors, same events, same rules), with a
/// storage layout built for cheap mints and burns.
/// @dev OpenZeppelin keeps a token's owner, its index in its owner's list and its index in the
/// global list in three slots; here they share one. A flag in the same slot records whether an
/// approval is set, so transfers and burns of unapproved tokens never touch the approval slot.
/// An owner's list holds 56-bit compact ids (which the derived contract assigns at mint and
/// resolves back, {_tokenIdOfCompact}), not 256-bit token ids: the balance and the first three
/// entries share one word, later entries pack four to a word. A holder's first three tokens
/// therefore cost one slot, where OpenZeppelin writes a balance and one slot per token. Lanes
/// past the balance, and global-list slots past the supply, may hold stale entries: they are
/// never read, and overwriting them later is cheaper than filling a fresh slot.
abstract contract ERC721PackedEnumerable is
    ERC165,
    IERC721,
    IERC721Metadata,
    IERC721Enumerable,
    IERC721Errors
{
    /// @dev One slot per existing token.
    struct TokenRecord {
        address owner;
        uint40 ownerIndex;
        uint40 globalIndex;
        bool hasApproval;
    }

    /// @notice An index past the end of the owner's (or, for the zero address, the global) list.
    /// @dev As OpenZeppelin's ERC721Enumerable.
    error ERC721OutOfBoundsIndex(address owner, uint256 index);

    string private _name;
    string private _symbol;

    /// @dev Word 0: `[balance:88 | entry 2:56 | entry 1:56 | entry 0:56]`; entry i >= 3 is in
    /// word 1 + (i - 3) / 4, lane (i - 3) % 4.
    uint256 private constant INLINE_ENTRIES = 3;
    uint256 private constant ENTRIES_PER_WORD = 4;
    uint256 private constant ENTRY_BITS = 56;
    uint256 private constant BALANCE_SHIFT = 168;

    mapping(uint256 tokenId => TokenRecord record) private _tokens;
    mapping(address owner => mapping(uint256 wordIndex => uint256 word)) private _ownerWords;
    mapping(uint256 index => uint256 tokenId) private _allTokens;
    uint256 private _totalSupply;
    mapping(uint256 tokenId => address approved) private _tokenApprovals;
    mapping(address owner => mapping(address operator => bool approved)) private _operatorApprovals;

    constructor(string memory name_, string memory symbol_) {
        _name = name_;
        _symbol = symbol_;
    }

    /// @inheritdoc IERC165
    function supportsInterface(
        bytes4 interfaceId
    ) public view virtual override(ERC165, IERC165) returns (bool) {
        return
            interfaceId == type(IERC721).interfaceId ||
            interfaceId == type(IERC721Metadata).interfaceId ||
            interfaceId == type(IERC721Enumerable).interfaceId ||
            super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ metadata

    /// @inheritdoc IERC721Metadata
    function name() external view returns (string memory) {
        return _name;
    }

    /// @inheritdoc IERC721Metadata
    function symbol() external view returns (string memory) {
        return _symbol;
    }

    // ------------------------------------------------------------------ ownership

    /// @inheritdoc IERC721
    function balanceOf(address owner) external view returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _ownerWords[owner][0] >> BALANCE_SHIFT;
    }

    /// @inheritdoc IERC721
    function ownerOf(uint256 tokenId) public view returns (address) {
        return _requireOwned(tokenId);
    }

    // ------------------------------------------------------------------ enumeration

    /// @inheritdoc IERC721Enumerable
    function totalSupply() external view returns (uint256) {
        return _totalSupply;
    }

    /// @inheritdoc IERC721Enumerable
    function tokenByIndex(uint256 index) external view returns (uint256) {
        if (index >= _totalSupply) revert ERC721OutOfBoundsIndex(address(0), index);
        return _allTokens[index];
    }

    /// @inheritdoc IERC721Enumerable
    function tokenOfOwnerByIndex(address owner, uint256 index) external view returns (uint256) {
        uint256 head = _ownerWords[owner][0];
        if (index >= head >> BALANCE_SHIFT) revert ERC721OutOfBoundsIndex(owner, index);
        return _tokenIdOfCompact(_entryAt(owner, head, index));
    }

    // ------------------------------------------------------------------ approvals

    /// @inheritdoc IERC721
    function approve(address to, uint256 tokenId) external {
        address owner = _requireOwned(tokenId);
        if (msg.sender != owner && !_operatorApprovals[owner][msg.sender]) {
            revert ERC721InvalidApprover(msg.sender);
        }
        _tokenApprovals[tokenId] = to;
        _tokens[tokenId].hasApproval = to != address(0);
        emit Approval(owner, to, tokenId);
    }

    /// @inheritdoc IERC721
    function getApproved(uint256 tokenId) public view returns (address) {
        _requireOwned(tokenId);
        return _tokens[tokenId].hasApproval ? _tokenApprovals[tokenId] : address(0);
    }

    /// @inheritdoc IERC721
    function setApprovalForAll(address operator, bool approved) external {
        if (operator == address(0)) revert ERC721InvalidOperator(operator);
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    /// @inheritdoc IERC721
    function isApprovedForAll(address owner, address operator) public view returns (bool) {
        return _operatorApprovals[owner][operator];
    }

    // ------------------------------------------------------------------ transfers and burns

    /// @inheritdoc IERC721
    function transferFrom(address from, address to, uint256 tokenId) public {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        TokenRecord memory record = _tokens[tokenId];
        address owner = _existingOwner(record, tokenId);
        _checkAuthorized(record, owner, msg.sender, tokenId);
        if (owner != from) revert ERC721IncorrectOwner(from, tokenId, owner);
        if (to != owner) {
            uint56 compactId = _removeFromOwner(record, tokenId);
            _addToOwner(record, to, compactId);
        } else {
            // A transfer to oneself changes no list (as OpenZeppelin's); the approval still goes.
            _clearApproval(record, tokenId);
        }
        _tokens[tokenId] = record;
        emit Transfer(from, to, tokenId);
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        safeTransferFrom(from, to, tokenId, "");
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        ERC721Utils.checkOnERC721Received(msg.sender, from, to, tokenId, data);
    }

    /// @notice Burns `tokenId`. The caller must own it, be approved for it, or be an operator of
    /// its owner (as OpenZeppelin's ERC721Burnable).
    function burn(uint256 tokenId) public virtual {
        TokenRecord memory record = _tokens[tokenId];
        address owner = _existingOwner(record, tokenId);
        _checkAuthorized(record, owner, msg.sender, tokenId);
        _removeFromOwner(record, tokenId);
        _removeFromAllTokens(record.globalIndex);
        delete _tokens[tokenId];
        emit Transfer(owner, address(0), tokenId);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Mints `tokenId` to `to` and, where `to` is a contract, asks it to accept the token.
    function _safeMint(address to, uint256 tokenId, uint56 compactId) internal {
        _mint(to, tokenId, compactId);
        ERC721Utils.checkOnERC721Received(msg.sender, address(0), to, tokenId, "");
    }

    /// @dev Mints `tokenId`, known by `compactId` in owner lists, to `to`. The caller guarantees
    /// that `tokenId` never existed before and that `compactId` names only it, for ever.
    function _mint(address to, uint256 tokenId, uint56 compactId) internal {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        TokenRecord memory record = _tokens[tokenId];
        if (record.owner != address(0)) revert ERC721InvalidSender(address(0));
        uint256 globalIndex = _totalSupply;
        _allTokens[globalIndex] = tokenId;
        _totalSupply = globalIndex + 1;
        record.globalIndex = uint40(globalIndex);
        _addToOwner(record, to, compactId);
        _tokens[tokenId] = record;
        emit Transfer(address(0), to, tokenId);
    }

    /// @dev The token a compact id names (see {_mint}).
    function _tokenIdOfCompact(uint56 compactId) internal view virtual returns (uint256);

    /// @dev The owner of `tokenId`, or the zero address if it does not exist.
    function _ownerOf(uint256 tokenId) internal view virtual returns (address) {
        return _tokens[tokenId].owner;
    }

    function _requireOwned(uint256 tokenId) internal view returns (address owner) {
        owner = _ownerOf(tokenId);
        if (owner == address(0)) revert ERC721NonexistentToken(tokenId);
    }

    function _existingOwner(
        TokenRecord memory record,
        uint256 tokenId
    ) private pure returns (address) {
        if (record.owner == address(0)) revert ERC721NonexistentToken(tokenId);
        return record.owner;
    }

    function _checkAuthorized(
        TokenRecord memory record,
        address owner,
        address spender,
        uint256 tokenId
    ) private view {
        if (spender == owner || _operatorApprovals[owner][spender]) return;
        if (record.hasApproval && _tokenApprovals[tokenId] == spender) return;
        revert ERC721InsufficientApproval(spender, tokenId);
    }

    /// @dev Takes the token out of its owner's list (swap and pop) and drops its approval;
    /// returns the token's compact id (read from the list itself).
    function _removeFromOwner(
        TokenRecord memory record,
        uint256 tokenId
    ) private returns (uint56 compactId) {
        address owner = record.owner;
        uint256 head = _ownerWords[owner][0];
        uint256 last = (head >> BALANCE_SHIFT) - 1;
        uint256 index = record.ownerIndex;
        compactId = _entryAt(owner, head, index);
        if (index != last) {
            uint56 moved = _entryAt(owner, head, last);
            head = _writeEntry(owner, head, index, moved);
            _tokens[_tokenIdOfCompact(moved)].ownerIndex = uint40(index);
        }
        // The freed lane is cleared where it shares the word being written anyway (so a last
        // token's removal frees the word); a lane in a later word is left stale, unread.
        if (last < INLINE_ENTRIES) head = PackedRefs.write(head, last * ENTRY_BITS, ENTRY_BITS, 0);
        _ownerWords[owner][0] = _withBalance(head, last);
        _clearApproval(record, tokenId);
    }

    /// @dev Drops the token's approval, touching the approval slot only if one is set.
    function _clearApproval(TokenRecord memory record, uint256 tokenId) private {
        if (record.hasApproval) {
            delete _tokenApprovals[tokenId];
            record.hasApproval = false;
        }
    }

    function _addToOwner(TokenRecord memory record, address to, uint56 compactId) private {
        uint256 head = _ownerWords[to][0];
        uint256 index = head >> BALANCE_SHIFT;
        head = _writeEntry(to, head, index, compactId);
        _ownerWords[to][0] = _withBalance(head, index + 1);
        record.owner = to;
        record.ownerIndex = uint40(index);
    }

    /// @dev Takes the entry at `globalIndex` out of the global list (swap and pop); the slot past
    /// the new supply keeps a stale entry.
    function _removeFromAllTokens(uint256 globalIndex) private {
        uint256 lastIndex = _totalSupply - 1;
        if (globalIndex != lastIndex) {
            uint256 lastTokenId = _allTokens[lastIndex];
            _allTokens[globalIndex] = lastTokenId;
            _tokens[lastTokenId].globalIndex = uint40(globalIndex);
        }
        _totalSupply = lastIndex;
    }

    /// @dev Entry `index` of `owner`'s list, whose word 0 is `head`.
    function _entryAt(address owner, uint256 head, uint256 index) private view returns (uint56) {
        if (index < INLINE_ENTRIES) {
            return uint56(PackedRefs.read(head, index * ENTRY_BITS, ENTRY_BITS));
        }
        (uint256 wordIndex, uint256 shift) = PackedRefs.locate(
            index - INLINE_ENTRIES,
            ENTRIES_PER_WORD,
            ENTRY_BITS
        );
        return uint56(PackedRefs.read(_ownerWords[owner][1 + wordIndex], shift, ENTRY_BITS));
    }

    /// @dev Writes entry `index` of `owner`'s list: into `head` (returned, for the caller to
    /// store) for the first three, into its own word for the others.
    function _writeEntry(
        address owner,
        uint256 head,
        uint256 index,
        uint56 compactId
    ) private returns (uint256) {
        if (index < INLINE_ENTRIES) {
            return PackedRefs.write(head, index * ENTRY_BITS, ENTRY_BITS, compactId);
        }
        (uint256 wordIndex, uint256 shift) = PackedRefs.locate(
            index - INLINE_ENTRIES,
            ENTRIES_PER_WORD,
            ENTRY_BITS
        );
        uint256 word = _ownerWords[owner][1 + wordIndex];
        _ownerWords[owner][1 + wordIndex] = PackedRefs.write(word, shift, ENTRY_BITS, compactId);
        return head;
    }

    function _withBalance(uint256 head, uint256 balance) private pure returns (uint256) {
        return (head & ((1 << BALANCE_SHIFT) - 1)) | (balance << BALANCE_SHIFT);
    }
}
