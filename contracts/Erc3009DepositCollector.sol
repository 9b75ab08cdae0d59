// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

interface IReceiveWithAuthorization {
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) external;

    function transfer(address to, uint256 value) external returns (bool);
}

/// The deposit path the official batch-settlement client takes by default
/// (assetTransferMethod "eip3009"): the payer signs an EIP-3009
/// ReceiveWithAuthorization to this collector for the deposit amount, with
/// nonce = keccak256(abi.encode(channelId, salt)); BatchSettlement's deposit
/// calls collect(), which redeems the authorization and forwards the tokens.
///
/// Only BatchSettlement (at the scheme's canonical address) may call it and
/// the tokens only go there: receiveWithAuthorization makes the collector
/// the sole redeemer of the authorization, so a collector anyone could call
/// would let a front-runner take the payer's tokens. The nonce is derived
/// from the channel id BatchSettlement computed, so an authorization funds
/// only the channel it was signed for. No storage, no constructor: it is
/// installed with anvil_setCode.
contract Erc3009DepositCollector {
    address public constant BATCH_SETTLEMENT = 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003;

    error OnlyBatchSettlement();
    error TokenTransferFailed();

    /// collectorData = abi.encode(uint256 validAfter, uint256 validBefore, uint256 salt, bytes signature)
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external
    {
        if (msg.sender != BATCH_SETTLEMENT) revert OnlyBatchSettlement();
        (uint256 validAfter, uint256 validBefore, uint256 salt, bytes memory signature) =
            abi.decode(collectorData, (uint256, uint256, uint256, bytes));
        bytes32 nonce = keccak256(abi.encode(channelId, salt));
        IReceiveWithAuthorization(token).receiveWithAuthorization(
            payer, address(this), amount, validAfter, validBefore, nonce, signature
        );
        (bool ok, bytes memory result) =
            token.call(abi.encodeWithSelector(IReceiveWithAuthorization.transfer.selector, BATCH_SETTLEMENT, amount));
        if (!ok || (result.length != 0 && !abi.decode(result, (bool)))) revert TokenTransferFailed();
    }
}
