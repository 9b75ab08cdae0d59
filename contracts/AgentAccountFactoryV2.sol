// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./AgentAccountV2.sol";

/// Deploys one AgentAccountV2 per NFT, at an address fixed by the NFT alone
/// (CREATE2, salt = keccak256(abi.encode(tokenContract, tokenId))), so a
/// wallet's address is known, and can be funded, before it exists.
///
/// Anyone may call createAccount: the wallet belongs to whoever holds the NFT,
/// not to whoever paid for the deployment.
contract AgentAccountFactoryV2 {
    /// tokenContract => tokenId => the wallet deployed for it (0 = none yet).
    mapping(address => mapping(uint256 => address)) public wallets;

    event WalletCreated(
        address indexed wallet, address indexed tokenContract, uint256 indexed tokenId, address deployer
    );

    /// Idempotent: for an NFT that already has a wallet it returns that
    /// wallet, with no event, so callers need not check first.
    function createAccount(address tokenContract, uint256 tokenId) external returns (address) {
        address existing = wallets[tokenContract][tokenId];
        if (existing != address(0)) return existing;
        address wallet = address(new AgentAccountV2{salt: _salt(tokenContract, tokenId)}(tokenContract, tokenId));
        wallets[tokenContract][tokenId] = wallet;
        emit WalletCreated(wallet, tokenContract, tokenId, msg.sender);
        return wallet;
    }

    /// The CREATE2 address of the NFT's wallet, whether deployed or not.
    function getAddress(address tokenContract, uint256 tokenId) external view returns (address) {
        bytes32 initCodeHash =
            keccak256(abi.encodePacked(type(AgentAccountV2).creationCode, abi.encode(tokenContract, tokenId)));
        bytes32 hash = keccak256(abi.encodePacked(bytes1(0xff), address(this), _salt(tokenContract, tokenId), initCodeHash));
        return address(uint160(uint256(hash)));
    }

    function _salt(address tokenContract, uint256 tokenId) private pure returns (bytes32) {
        return keccak256(abi.encode(tokenContract, tokenId));
    }
}
