// deploy_wallet: an AgentAccountV2 for an NFT, through the factory's
// createAccount (CREATE2, so the address is known before and the call is
// idempotent). Anyone may deploy a wallet: it belongs to whoever holds the
// NFT. Making the agent key its operator and setting its spend limits are
// owner-only calls, so they are returned as next steps, never sent with the
// agent key.
import { encodeFunctionData, parseEventLogs, zeroAddress } from 'viem';

import { MAX_UINT256 } from '../limits.js';
import { showInput } from '../secret_text.js';
import { AGENT_ACCOUNT_ABI, AGENT_ACCOUNT_FACTORY_ABI, ERC721_OWNER_ABI } from './agent_account_abi.js';
import { walletError } from './errors.js';
import { sendKey } from './send_key.js';
import { checkAddress } from './token_info.js';

const TOKEN_ID = /^[0-9]{1,78}$/;

function parseTokenId(text) {
  const value = typeof text === 'string' ? text.trim() : '';
  if (!TOKEN_ID.test(value) || BigInt(value) > MAX_UINT256) {
    throw walletError('ERR_WALLET_INPUT', `token_id must be the NFT's token id, a non-negative integer such as "1"; got ${showInput(text ?? '', 40)}`);
  }
  return BigInt(value);
}

async function requireCode(publicClient, address, what) {
  const code = await publicClient.getCode({ address });
  if (!code || code === '0x') throw walletError('ERR_WALLET_INPUT', `${what} ${address} has no contract code on this chain`);
}

/**
 * @param {object} options
 * @param {object} options.config   factoryAddress / nftContractAddress defaults, agentAddress
 * @param {{publicClient: object}} options.clients
 * @param {object} options.sender   createTxSender()
 * @param {{token_id: string, factory_address?: string, nft_contract_address?: string}} args
 * @returns {Promise<object>} {status: "deployed"|"exists", address, txHash, factory, nftContract, tokenId, owner, agent, operatorActive, nextSteps}
 */
export async function deployWallet({ config, clients, sender }, args) {
  const { publicClient } = clients;
  const tokenId = parseTokenId(args.token_id);
  const factoryText = args.factory_address ?? config.factoryAddress;
  if (!factoryText) throw walletError('ERR_WALLET_INPUT', 'factory_address is required (or set FACTORY_ADDRESS): the AgentAccountFactoryV2 to deploy with');
  const nftText = args.nft_contract_address ?? config.nftContractAddress;
  if (!nftText) throw walletError('ERR_WALLET_INPUT', 'nft_contract_address is required (or set NFT_CONTRACT_ADDRESS): the NFT contract whose token will own the wallet');
  const factory = checkAddress(factoryText, 'factory_address', { refuseZero: true });
  const nftContract = checkAddress(nftText, 'nft_contract_address', { refuseZero: true });
  await requireCode(publicClient, factory, 'factory_address');
  await requireCode(publicClient, nftContract, 'nft_contract_address');

  let owner;
  try {
    owner = await publicClient.readContract({ address: nftContract, abi: ERC721_OWNER_ABI, functionName: 'ownerOf', args: [tokenId] });
  } catch {
    throw walletError('ERR_WALLET_INPUT', `NFT ${nftContract} has no token ${tokenId} (ownerOf reverted): mint it first; the wallet would have no owner`);
  }
  const readFactory = (functionName) => publicClient.readContract({ address: factory, abi: AGENT_ACCOUNT_FACTORY_ABI, functionName, args: [nftContract, tokenId] });
  const [predicted, existing] = await Promise.all([readFactory('getAddress'), readFactory('wallets')]);

  let status = 'exists';
  let txHash = null;
  let address = existing;
  if (existing === zeroAddress) {
    const data = encodeFunctionData({ abi: AGENT_ACCOUNT_FACTORY_ABI, functionName: 'createAccount', args: [nftContract, tokenId] });
    const key = sendKey(['deploy-wallet', factory, nftContract, tokenId.toString()]);
    const sent = await sender.send({ key, to: factory, data, abi: AGENT_ACCOUNT_FACTORY_ABI, meta: { kind: 'deploy-wallet', factory, nftContract, tokenId: tokenId.toString() } });
    sender.markAnswered(sent.id);
    if (sent.receipt.status !== 'success') throw walletError('ERR_TX_REVERTED', `createAccount reverted on chain (tx ${sent.txHash})`, { txHash: sent.txHash });
    const created = parseEventLogs({ abi: AGENT_ACCOUNT_FACTORY_ABI, eventName: 'WalletCreated', logs: sent.receipt.logs })
      .find((e) => e.address.toLowerCase() === factory.toLowerCase());
    // The factory is idempotent: a wallet another caller created meanwhile
    // gives no event, and is then simply the existing one.
    address = created ? created.args.wallet : await readFactory('wallets');
    status = created ? 'deployed' : 'exists';
    txHash = sent.txHash;
  }
  if (address.toLowerCase() !== predicted.toLowerCase()) {
    throw walletError('ERR_TX_UNEXPECTED', `The factory reports wallet ${address}, but its getAddress says ${predicted}; not using either`);
  }
  await requireCode(publicClient, address, 'The new wallet');
  const operatorActive = await publicClient.readContract({ address, abi: AGENT_ACCOUNT_ABI, functionName: 'isOperatorActive', args: [config.agentAddress] });
  const nextSteps = [];
  if (!operatorActive) nextSteps.push(`the owner (${owner}) calls setOperator(${config.agentAddress}, true) on ${address}, so this agent key may spend within limits`);
  nextSteps.push(`the owner sets limits with setSpendPolicy(token, perTxLimit, periodLimit, periodLength) (address 0 = ETH); without a policy every payment is queued`);
  if (config.walletAddress?.toLowerCase() !== address.toLowerCase()) nextSteps.push(`set AGENT_WALLET_ADDRESS=${address} for clawpay-mcp to use it`);
  return {
    status, address, txHash, factory, nftContract, tokenId: tokenId.toString(), owner, agent: config.agentAddress, operatorActive, nextSteps,
  };
}
