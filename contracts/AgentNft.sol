// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The receiver hook of ERC-721: a contract that accepts tokens by
/// safeTransferFrom returns this function's selector.
interface IERC721Receiver {
    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4);
}

/// The NFT whose holder owns an AgentAccountV2 on the local devnet: a minimal,
/// complete ERC-721. Transferring the token transfers the wallet.
///
/// DEVNET ONLY: anyone may mint, so a token proves nothing about who minted it.
/// A production deployment would use a real, access-controlled collection.
contract AgentNft {
    string public constant name = "ClawPay Agent";
    string public constant symbol = "AGENT";

    bytes4 private constant INTERFACE_ERC165 = 0x01ffc9a7;
    bytes4 private constant INTERFACE_ERC721 = 0x80ac58cd;

    /// The id the next mint gets; ids start at 1 so 0 never names a token.
    uint256 public nextTokenId = 1;

    mapping(uint256 => address) private _owners;
    mapping(address => uint256) private _balances;
    mapping(uint256 => address) private _tokenApprovals;
    mapping(address => mapping(address => bool)) private _operatorApprovals;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);

    error NonexistentToken(uint256 tokenId);
    error ZeroAddress();
    error NotOwnerNorApproved(address caller, uint256 tokenId);
    error WrongFrom(address from, uint256 tokenId);
    error UnsafeRecipient(address to);

    // ---------------------------------------------------------------- mint

    function mint(address to) external returns (uint256 tokenId) {
        if (to == address(0)) revert ZeroAddress();
        tokenId = nextTokenId++;
        _owners[tokenId] = to;
        unchecked {
            _balances[to] += 1; // bounded by the number of mints
        }
        emit Transfer(address(0), to, tokenId);
    }

    // ---------------------------------------------------------------- views

    function ownerOf(uint256 tokenId) public view returns (address owner) {
        owner = _owners[tokenId];
        if (owner == address(0)) revert NonexistentToken(tokenId);
    }

    /// ERC-721 makes the zero address an invalid query rather than a 0.
    function balanceOf(address owner) external view returns (uint256) {
        if (owner == address(0)) revert ZeroAddress();
        return _balances[owner];
    }

    function getApproved(uint256 tokenId) external view returns (address) {
        ownerOf(tokenId); // reverts for a token that does not exist
        return _tokenApprovals[tokenId];
    }

    function isApprovedForAll(address owner, address operator) public view returns (bool) {
        return _operatorApprovals[owner][operator];
    }

    /// ERC-165 and ERC-721 only: there is no tokenURI, so no metadata claim.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == INTERFACE_ERC165 || interfaceId == INTERFACE_ERC721;
    }

    // ---------------------------------------------------------------- approvals

    function approve(address approved, uint256 tokenId) external {
        address owner = ownerOf(tokenId);
        if (msg.sender != owner && !isApprovedForAll(owner, msg.sender)) {
            revert NotOwnerNorApproved(msg.sender, tokenId);
        }
        _tokenApprovals[tokenId] = approved;
        emit Approval(owner, approved, tokenId);
    }

    function setApprovalForAll(address operator, bool approved) external {
        if (operator == address(0)) revert ZeroAddress();
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    // ---------------------------------------------------------------- transfers

    function transferFrom(address from, address to, uint256 tokenId) public {
        address owner = ownerOf(tokenId);
        if (owner != from) revert WrongFrom(from, tokenId);
        if (to == address(0)) revert ZeroAddress();
        if (msg.sender != owner && msg.sender != _tokenApprovals[tokenId] && !isApprovedForAll(owner, msg.sender)) {
            revert NotOwnerNorApproved(msg.sender, tokenId);
        }
        // A single-token approval belongs to the current holder; it ends with the transfer.
        delete _tokenApprovals[tokenId];
        unchecked {
            _balances[from] -= 1; // from owns tokenId, so its balance is at least 1
            _balances[to] += 1;
        }
        _owners[tokenId] = to;
        emit Transfer(from, to, tokenId);
    }

    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        safeTransferFrom(from, to, tokenId, "");
    }

    /// Like transferFrom, but a contract recipient must acknowledge the token,
    /// so it does not end up in a contract that cannot move it again.
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        if (to.code.length == 0) return;
        try IERC721Receiver(to).onERC721Received(msg.sender, from, tokenId, data) returns (bytes4 accepted) {
            if (accepted != IERC721Receiver.onERC721Received.selector) revert UnsafeRecipient(to);
        } catch (bytes memory reason) {
            if (reason.length == 0) revert UnsafeRecipient(to);
            assembly {
                revert(add(reason, 0x20), mload(reason))
            }
        }
    }
}
