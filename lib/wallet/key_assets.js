// The tokens the key wallet deals in, as the chain describes them: the
// configured asset (its on-chain decimals must be the configured ones, since
// the spend limits were read with them), ETH, or any other ERC-20 named.
import { erc20Abi } from 'viem';

import { sameAddress } from '../hashing.js';
import { reading } from './chain_client.js';
import { walletError } from './errors.js';
import { ETH, balanceRead, checkAddress, tokenInfo } from './token_info.js';

/** {assetInfo(), tokenOf(token), balanceOf(info)} for the key at `address`. */
export function createKeyAssets({ config, publicClient, address }) {
  let assetChecked = null;
  /** The configured asset as the chain describes it; its decimals must be the ones the limits were read with. */
  async function assetInfo() {
    assetChecked ??= (async () => {
      const info = await tokenInfo(publicClient, config.asset.address);
      if (info.decimals !== config.asset.decimals) {
        throw walletError('ERR_WALLET_CONFIG',
          `The asset ${info.token} has ${info.decimals} decimals on chain, but CLAWPAY_ASSET_DECIMALS says ${config.asset.decimals}; ` +
          'the spend limits were read with the wrong decimals. Fix the configuration.');
      }
      // The configured symbol names the asset in limits and messages, as elsewhere.
      return Object.freeze({ ...info, symbol: config.asset.symbol ?? info.symbol });
    })();
    try {
      return await assetChecked;
    } catch (error) {
      assetChecked = null;
      throw error;
    }
  }

  async function tokenOf(token) {
    if (token === undefined || token === null || token === '') return ETH;
    const checked = checkAddress(token, 'token');
    if (sameAddress(checked, config.asset.address)) return assetInfo();
    return tokenInfo(publicClient, checked);
  }

  async function balanceOf(info) {
    return reading(balanceRead(info, address), () => (info.token === null
      ? publicClient.getBalance({ address })
      : publicClient.readContract({ address: info.token, abi: erc20Abi, functionName: 'balanceOf', args: [address] })));
  }

  return { assetInfo, tokenOf, balanceOf };
}
