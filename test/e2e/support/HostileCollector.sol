// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

interface ISettle {
    function settle(address receiver, address token) external;
}

/// A deposit collector that lies, for BatchSettlement's tests (compiled by
/// the test, never shipped): collectorData = abi.encode(uint256 mode).
/// Mode 0 reports success without moving a token; mode 1 calls back into
/// BatchSettlement (settle) in the middle of the deposit.
contract HostileCollector {
    address private constant BATCH_SETTLEMENT = 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003;

    function collect(address, address token, uint256, bytes32, bytes calldata collectorData) external {
        uint256 mode = abi.decode(collectorData, (uint256));
        if (mode == 1) ISettle(BATCH_SETTLEMENT).settle(address(this), token);
    }
}
