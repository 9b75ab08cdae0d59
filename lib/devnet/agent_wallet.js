// The devnet's AgentAccountV2 system: our NFT, our factory, and agent wallets
// made through them, set up the way an owner would (mint the NFT, create the
// account, authorize the agent key as operator, set spend policies, fund it).
// Every transaction is signed by a native Signer, as in token.js.
import { getAddress, parseEther, parseEventLogs, zeroAddress } from 'viem';

import { AGENT_ACCOUNT_ABI } from '../wallet/agent_account_abi.js';
import { contractArtifact } from './artifacts.js';
import { mintUsdCoin, transact, walletClientFor } from './token.js';

const USDC = 1_000_000n;
const DAY_SECONDS = 86_400n;

/** The agent's USDC limits unless told otherwise: 1 USDC per payment, 5 USDC a day. */
export const DEFAULT_USDC_POLICY = Object.freeze({ perTxLimit: 1n * USDC, periodLimit: 5n * USDC, periodLength: DAY_SECONDS });
/** The agent's ETH limits unless told otherwise: 0.01 ETH per payment, 0.05 ETH a day. */
export const DEFAULT_ETH_POLICY = Object.freeze({
  perTxLimit: parseEther('0.01'),
  periodLimit: parseEther('0.05'),
  periodLength: DAY_SECONDS,
});

/** {abi, bytecode, deployedBytecode} of contracts/AgentNft.sol (its shipped artifact). */
export const agentNftArtifact = () => contractArtifact('AgentNft');
/** {abi, bytecode, deployedBytecode} of contracts/AgentAccountV2.sol, with our additions to the reference ABI. */
export const agentAccountArtifact = () => contractArtifact('AgentAccountV2');
/** {abi, bytecode, deployedBytecode} of contracts/AgentAccountFactoryV2.sol. */
export const agentAccountFactoryArtifact = () => contractArtifact('AgentAccountFactoryV2');

/**
 * The NFT's and the factory's artifacts, for deployAgentWalletSystem. Kept
 * from when they were compiled at run time (on a worker thread); they now
 * ship compiled, so this only reads them.
 * @returns {Promise<{nft: object, factory: object}>}
 */
export async function compileAgentWalletSystem() {
  return { nft: agentNftArtifact(), factory: agentAccountFactoryArtifact() };
}

async function deploy(chain, signer, { abi, bytecode }, name) {
  const hash = await walletClientFor(chain, signer).deployContract({ abi, bytecode });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new Error(`${name} deployment failed (tx ${hash}, status ${receipt.status})`);
  }
  return { address: getAddress(receipt.contractAddress), abi };
}

/**
 * Deploys contracts/AgentNft.sol and contracts/AgentAccountFactoryV2.sol.
 * @param {{chain: object, deployer: object, artifacts?: {nft: object, factory: object}}} options
 *   artifacts: from compileAgentWalletSystem(); read here when absent
 * @returns {Promise<{nft: {address: string, abi: object[]}, factory: {address: string, abi: object[]}}>}
 */
export async function deployAgentWalletSystem({ chain, deployer, artifacts }) {
  const nftArtifact = artifacts?.nft ?? agentNftArtifact();
  const factoryArtifact = artifacts?.factory ?? agentAccountFactoryArtifact();
  const nft = await deploy(chain, deployer, nftArtifact, 'AgentNft');
  const factory = await deploy(chain, deployer, factoryArtifact, 'AgentAccountFactoryV2');
  return { nft, factory };
}

function checkAmount(value, name) {
  if (typeof value !== 'bigint' || value < 0n) {
    throw new TypeError(`createAgentWallet: "${name}" must be a non-negative bigint of base units`);
  }
}

/**
 * Makes an agent wallet as its owner would: mints an NFT to `owner`, creates
 * the account for it, authorizes `operator`, sets the USDC and ETH spend
 * policies, and funds the wallet.
 *
 * @param {object} options
 * @param {object} options.chain      startChain()
 * @param {object} options.system     deployAgentWalletSystem()
 * @param {object} options.owner      Signer: holds the NFT, sends the owner's transactions and the ETH
 * @param {string} [options.operator] the agent's address, authorized as operator
 * @param {object} options.token      deployUsdCoin(): the USDC the policy and funding are for
 * @param {object} [options.tokenOwner] Signer that deployed `token` (its minter); needed when fundUsdc > 0
 * @param {{usdc?: object|null, eth?: object|null}} [options.policies]
 *   {perTxLimit, periodLimit, periodLength} each (bigints); default DEFAULT_USDC_POLICY and
 *   DEFAULT_ETH_POLICY; null leaves that policy unset (every operator payment in it queues)
 * @param {bigint} [options.fundUsdc]  base units minted to the wallet (default 0)
 * @param {bigint} [options.fundEth]   wei sent to the wallet by the owner (default 0)
 * @returns {Promise<{address: string, tokenId: bigint, owner: string, nft: {address: string, abi: object[]}, factory: {address: string, abi: object[]}}>}
 */
export async function createAgentWallet({
  chain, system, owner, operator, token, tokenOwner, policies = {}, fundUsdc = 0n, fundEth = 0n,
}) {
  checkAmount(fundUsdc, 'fundUsdc');
  checkAmount(fundEth, 'fundEth');
  if (fundUsdc > 0n && !tokenOwner) {
    throw new TypeError('createAgentWallet: funding USDC needs "tokenOwner", the Signer that deployed the token (its minter)');
  }
  const usdcPolicy = policies.usdc === undefined ? DEFAULT_USDC_POLICY : policies.usdc;
  const ethPolicy = policies.eth === undefined ? DEFAULT_ETH_POLICY : policies.eth;
  const { nft, factory } = system;

  const minted = await transact(chain, owner, { address: nft.address, abi: nft.abi, functionName: 'mint', args: [owner.address] });
  const [transfer] = parseEventLogs({ abi: nft.abi, eventName: 'Transfer', logs: minted.logs });
  const { tokenId } = transfer.args;

  const created = await transact(chain, owner, {
    address: factory.address, abi: factory.abi, functionName: 'createAccount', args: [nft.address, tokenId],
  });
  const [walletCreated] = parseEventLogs({ abi: factory.abi, eventName: 'WalletCreated', logs: created.logs });
  const address = walletCreated.args.wallet;

  // The minter's transaction and the owner's run side by side: different
  // senders, so their nonces cannot collide.
  const funding = fundUsdc > 0n
    ? mintUsdCoin({ chain, token, owner: tokenOwner, to: address, amount: fundUsdc })
    : Promise.resolve();
  const ownerSteps = (async () => {
    // The production ABI, not the compiled one: no compile on this path, and
    // the tools' own ABI gets used against the contract.
    const call = (functionName, args) => transact(chain, owner, { address, abi: AGENT_ACCOUNT_ABI, functionName, args });
    if (operator !== undefined) await call('setOperator', [operator, true]);
    for (const [key, policy] of [[token.address, usdcPolicy], [zeroAddress, ethPolicy]]) {
      if (policy !== null) await call('setSpendPolicy', [key, policy.perTxLimit, policy.periodLimit, policy.periodLength]);
    }
    if (fundEth > 0n) {
      const hash = await walletClientFor(chain, owner).sendTransaction({ to: address, value: fundEth });
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`funding the agent wallet with ETH reverted (tx ${hash})`);
    }
  })();
  await Promise.all([funding, ownerSteps]);

  return { address, tokenId, owner: owner.address, nft, factory };
}

/**
 * Sends one of the wallet's owner-only functions (approvePending,
 * cancelPending, setSpendPolicy, setOperator, execute, revokeAllOperators)
 * with the owner's key. Resolves to the receipt; a call that would revert
 * rejects with its reason (NotOwner, AlreadyExecuted, ...).
 * @param {{chain: object, owner: object, wallet: string | {address: string}, functionName: string, args?: unknown[], value?: bigint}} options
 */
export async function ownerCall({ chain, owner, wallet, functionName, args = [], value }) {
  const address = typeof wallet === 'string' ? wallet : wallet.address;
  return transact(chain, owner, { address, abi: agentAccountArtifact().abi, functionName, args, value });
}
