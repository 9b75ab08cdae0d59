// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// A minimal smart-contract wallet for BatchSettlement's tests (compiled by
/// the test, never shipped): it approves, by ERC-1271, any digest its owner
/// key signed, as contract wallets do for EIP-712 vouchers and EIP-3009
/// authorizations.
contract Erc1271Wallet {
    address private immutable _owner;

    constructor(address owner) {
        _owner = owner;
    }

    function isValidSignature(bytes32 digest, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return 0xffffffff;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        return ecrecover(digest, v, r, s) == _owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}
