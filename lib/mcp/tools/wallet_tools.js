// ClawPay 1.1's six AgentAccountV2 wallet tools, listed with their input
// fields but not available in this version: each answers with an error.
import { walletToolInputs } from '../schemas.js';
import { failure } from '../tool_result.js';

const WALLET_TOOL_DESCRIPTIONS = {
  deploy_wallet: 'Deploy a new AgentAccountV2 wallet via the factory contract (CREATE2, owned by an NFT).',
  get_wallet_info: 'Wallet address, balance, spend limits, remaining period allowance and queue depth.',
  send_payment: 'Send ETH or an ERC-20 token from the AgentAccountV2 wallet, within its spend limits.',
  check_spend_limit: "Check whether an amount is within the wallet's autonomous spend limits.",
  queue_approval: 'List, approve or cancel over-limit transactions queued for owner review.',
  get_transaction_history: "The wallet's recent on-chain activity from its event logs.",
};

const notAvailable = (name) => async () => failure(
  `${name} is not available in this version of clawpay-mcp (clawpay-native). The AgentAccountV2 wallet tools ` +
  '(deploy_wallet, get_wallet_info, send_payment, check_spend_limit, queue_approval, get_transaction_history) ' +
  'come in a later release; x402_pay and the x402_session_* tools work.',
  { error: 'not_available', tool: name });

/** The tool `name` as {title, description, inputSchema, handler}. */
export const walletTool = (name) => ({
  title: name,
  description: `${WALLET_TOOL_DESCRIPTIONS[name]} Not available in this version of clawpay-native: answers with an error.`,
  inputSchema: walletToolInputs[name],
  handler: notAvailable(name),
});
