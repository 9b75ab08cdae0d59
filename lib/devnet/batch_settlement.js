// The devnet's payment channels for x402's `batch-settlement` scheme: our
// BatchSettlement contract and its ERC-3009 deposit collector, placed at the
// addresses @x402/evm hard-codes, so the official client, server and
// facilitator run against them unchanged.
import { BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS } from '@x402/evm';
import { getAddress } from 'viem';

import { contractArtifact } from './artifacts.js';

export { BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS };

/** {abi, bytecode, deployedBytecode} of contracts/BatchSettlement.sol. */
export const batchSettlementArtifact = () => contractArtifact('BatchSettlement');
/** {abi, bytecode, deployedBytecode} of contracts/Erc3009DepositCollector.sol. */
export const erc3009DepositCollectorArtifact = () => contractArtifact('Erc3009DepositCollector');

/**
 * Puts both contracts' runtime code at the canonical addresses.
 * anvil_setCode rather than a deployment: the canonical addresses come from
 * CREATE2 deployments of the reference bytecode, which we do not ship, and
 * neither contract has constructor state (the EIP-712 domain is computed
 * per call, the reentrancy lock is transient storage).
 * @returns {Promise<{address: `0x${string}`, erc3009Collector: `0x${string}`, abi: object[]}>}
 */
export async function installBatchSettlement(chain) {
  const placed = [
    [BATCH_SETTLEMENT_ADDRESS, batchSettlementArtifact()],
    [ERC3009_DEPOSIT_COLLECTOR_ADDRESS, erc3009DepositCollectorArtifact()],
  ];
  for (const [address, { deployedBytecode }] of placed) {
    await chain.publicClient.request({ method: 'anvil_setCode', params: [address, deployedBytecode] });
    const code = await chain.publicClient.getCode({ address });
    if (code?.toLowerCase() !== deployedBytecode.toLowerCase()) {
      throw new Error(`anvil_setCode did not install the batch-settlement contract at ${address}`);
    }
  }
  return {
    address: getAddress(BATCH_SETTLEMENT_ADDRESS),
    erc3009Collector: getAddress(ERC3009_DEPOSIT_COLLECTOR_ADDRESS),
    abi: batchSettlementArtifact().abi,
  };
}
