// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Our own implementation of the Multicall3 interface, for a local chain that
/// lacks the canonical deployment (0xcA11bde05977b3631167028862bE2a173976CA11).
/// The x402 EVM facilitator batches its diagnostic reads through
/// tryAggregate; viem's multicall() and batched eth_call use aggregate3.
/// Without a contract here, those reads fail and the facilitator can only
/// report a generic simulation failure.
///
/// Installed with anvil_setCode, so it must not rely on a constructor or
/// immutables: everything lives in the runtime code.
contract Multicall3 {
    struct Call {
        address target;
        bytes callData;
    }

    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Call3Value {
        address target;
        bool allowFailure;
        uint256 value;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    // ---------------------------------------------------------------- batches

    /// Every call must succeed; returns the block number and raw results.
    function aggregate(Call[] calldata calls) public payable returns (uint256 blockNumber, bytes[] memory returnData) {
        blockNumber = block.number;
        returnData = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool success, bytes memory data) = calls[i].target.call(calls[i].callData);
            if (!success) _fail(data);
            returnData[i] = data;
        }
    }

    /// Calls may fail unless requireSuccess; each result says whether it did.
    function tryAggregate(bool requireSuccess, Call[] calldata calls) public payable returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool success, bytes memory data) = calls[i].target.call(calls[i].callData);
            if (requireSuccess && !success) _fail(data);
            returnData[i] = Result(success, data);
        }
    }

    function tryBlockAndAggregate(bool requireSuccess, Call[] calldata calls)
        public
        payable
        returns (uint256 blockNumber, bytes32 blockHash, Result[] memory returnData)
    {
        blockNumber = block.number;
        blockHash = blockhash(block.number);
        returnData = tryAggregate(requireSuccess, calls);
    }

    function blockAndAggregate(Call[] calldata calls)
        external
        payable
        returns (uint256 blockNumber, bytes32 blockHash, Result[] memory returnData)
    {
        return tryBlockAndAggregate(true, calls);
    }

    /// Per-call failure policy: the form viem uses.
    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            Call3 calldata c = calls[i];
            (bool success, bytes memory data) = c.target.call(c.callData);
            if (!success && !c.allowFailure) _fail(data);
            returnData[i] = Result(success, data);
        }
    }

    /// aggregate3 with ETH attached to each call; msg.value must pay for
    /// exactly all of them, so no ETH is stranded here.
    function aggregate3Value(Call3Value[] calldata calls) external payable returns (Result[] memory returnData) {
        uint256 total = 0;
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            Call3Value calldata c = calls[i];
            total += c.value;
            (bool success, bytes memory data) = c.target.call{value: c.value}(c.callData);
            if (!success && !c.allowFailure) _fail(data);
            returnData[i] = Result(success, data);
        }
        require(msg.value == total, "Multicall3: value mismatch");
    }

    /// A required call failed. Its own revert data is passed through when it
    /// has any, so callers see the real reason (the canonical contract only
    /// says "call failed", which hides it).
    function _fail(bytes memory data) private pure {
        if (data.length > 0) {
            assembly {
                revert(add(data, 0x20), mload(data))
            }
        }
        revert("Multicall3: call failed");
    }

    // ---------------------------------------------------------------- chain state

    function getBlockHash(uint256 blockNumber) external view returns (bytes32) {
        return blockhash(blockNumber);
    }

    function getBlockNumber() external view returns (uint256) {
        return block.number;
    }

    function getCurrentBlockCoinbase() external view returns (address) {
        return block.coinbase;
    }

    /// Named for the pre-merge field; after the merge it is PREVRANDAO.
    function getCurrentBlockDifficulty() external view returns (uint256) {
        return block.prevrandao;
    }

    function getCurrentBlockGasLimit() external view returns (uint256) {
        return block.gaslimit;
    }

    function getCurrentBlockTimestamp() external view returns (uint256) {
        return block.timestamp;
    }

    function getEthBalance(address account) external view returns (uint256) {
        return account.balance;
    }

    function getLastBlockHash() external view returns (bytes32) {
        return blockhash(block.number - 1);
    }

    function getBasefee() external view returns (uint256) {
        return block.basefee;
    }

    function getChainId() external view returns (uint256) {
        return block.chainid;
    }
}
