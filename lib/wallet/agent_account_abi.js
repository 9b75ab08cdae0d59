// The AgentAccountV2 ABI as ClawPay's wallet tools call it, written by hand
// from shared/agentaccountv2.md (the reference SDK's signatures, output names
// included). Hand-written rather than taken from solc output, so production
// code never needs the compiler; test/e2e/agent_account.test.js checks every
// selector and topic against the doc and against our compiled contracts.
//
// Only the reference ABI is here: our devnet contract's additions
// (owner(), revokeAllOperators(), getPendingData()) are not on every
// deployed AgentAccountV2, so the tools do not rely on them.
import { parseAbi } from 'viem';

export const AGENT_ACCOUNT_ABI = parseAbi([
  'function agentExecute(address to, uint256 value, bytes data) payable returns (bytes)',
  'function agentTransferToken(address token, address to, uint256 amount)',
  'function remainingBudget(address token) view returns (uint256 perTx, uint256 inPeriod)',
  'function spendPolicies(address token) view returns (uint256 perTxLimit, uint256 periodLimit, uint256 periodLength, uint256 periodSpent, uint256 periodStart)',
  'function getPending(uint256 txId) view returns (address to, uint256 value, address token, uint256 amount, uint256 createdAt, bool executed, bool cancelled)',
  'function pendingNonce() view returns (uint256)',
  'function approvePending(uint256 txId)',
  'function cancelPending(uint256 txId)',
  'function tokenContract() view returns (address)',
  'function tokenId() view returns (uint256)',
  'function operatorEpoch() view returns (uint256)',
  'function isOperatorActive(address) view returns (bool)',
  'function setSpendPolicy(address token, uint256 perTxLimit, uint256 periodLimit, uint256 periodLength)',
  'function setOperator(address, bool)',
  'function execute(address, uint256, bytes)',
  'function nonce() view returns (uint256)',
  'function operators(address) view returns (uint256)',
  'event TransactionExecuted(address indexed target, uint256 value, bytes data, address indexed executor)',
  'event TransactionQueued(uint256 indexed txId, address indexed to, uint256 value, address token, uint256 amount)',
  'event TransactionApproved(uint256 indexed txId)',
  'event TransactionCancelled(uint256 indexed txId)',
  'event SpendPolicyUpdated(address indexed token, uint256 perTxLimit, uint256 periodLimit, uint256 periodLength)',
  'event OperatorUpdated(address indexed operator, bool authorized)',
]);

export const AGENT_ACCOUNT_FACTORY_ABI = parseAbi([
  'function createAccount(address tokenContract, uint256 tokenId) returns (address)',
  'function getAddress(address tokenContract, uint256 tokenId) view returns (address)',
  'function wallets(address, uint256) view returns (address)',
  'event WalletCreated(address indexed wallet, address indexed tokenContract, uint256 indexed tokenId, address deployer)',
]);

/** The one ERC-721 read the tools need: who holds the wallet's NFT (its owner). */
export const ERC721_OWNER_ABI = parseAbi([
  'function ownerOf(uint256 tokenId) view returns (address)',
]);

/** get_transaction_history's event_type names, and the account event each one is. */
export const AGENT_ACCOUNT_EVENTS = Object.freeze({
  execution: 'TransactionExecuted',
  queued: 'TransactionQueued',
  approved: 'TransactionApproved',
  cancelled: 'TransactionCancelled',
  policy_update: 'SpendPolicyUpdated',
  operator_update: 'OperatorUpdated',
});
