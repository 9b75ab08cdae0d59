// The asset payments are made in (CLAWPAY_ASSET_*): USDC on the chains
// ClawPay 1.1 supports, else a token whose EIP-712 domain is given in full.
import { MAX_ASSET_DECIMALS } from '../limits.js';
import { address, shown } from './config_values.js';

/** Assets and endpoints of the chains ClawPay 1.1 supports. */
export const KNOWN_CHAINS = Object.freeze({
  8453: Object.freeze({
    rpcUrl: 'https://mainnet.base.org',
    v1Network: 'base',
    asset: Object.freeze({ address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', name: 'USD Coin', version: '2', decimals: 6, symbol: 'USDC' }),
  }),
  84532: Object.freeze({
    rpcUrl: 'https://sepolia.base.org',
    v1Network: 'base-sepolia',
    asset: Object.freeze({ address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', name: 'USDC', version: '2', decimals: 6, symbol: 'USDC' }),
  }),
});

/** The asset from CLAWPAY_ASSET_*, or the chain's default; each bad variable reported. */
export function readAsset(get, known, chainId, report) {
  const addressText = get('CLAWPAY_ASSET_ADDRESS');
  const fields = ['CLAWPAY_ASSET_NAME', 'CLAWPAY_ASSET_VERSION', 'CLAWPAY_ASSET_DECIMALS'];
  const fallback = { address: null, name: null, version: null, decimals: 6, symbol: null };
  if (addressText === undefined) {
    if (known) {
      const stray = fields.filter((name) => get(name) !== undefined);
      for (const name of stray) {
        report(name, `${name} is set but CLAWPAY_ASSET_ADDRESS is not; set the address too (the default asset's domain is fixed)`);
      }
      return { ...known.asset };
    }
    if (chainId !== null) report('CLAWPAY_ASSET_ADDRESS', `CLAWPAY_ASSET_ADDRESS is required for CHAIN_ID ${chainId} (with _NAME, _VERSION and _DECIMALS)`);
    return fallback;
  }
  const assetAddress = address(addressText, 'CLAWPAY_ASSET_ADDRESS', report);
  const isDefault = known && assetAddress && assetAddress === known.asset.address;
  const value = (name, fallbackValue) => {
    const v = get(name);
    if (v !== undefined) return v;
    if (isDefault) return fallbackValue;
    report(name, `${name} is required with CLAWPAY_ASSET_ADDRESS (the token's EIP-712 domain ${name.endsWith('DECIMALS') ? 'and its decimals' : 'must be its own'})`);
    return null;
  };
  const name = value('CLAWPAY_ASSET_NAME', known?.asset.name);
  const version = value('CLAWPAY_ASSET_VERSION', known?.asset.version);
  const decimalsText = value('CLAWPAY_ASSET_DECIMALS', String(known?.asset.decimals));
  let decimals = 6;
  if (decimalsText !== null) {
    if (!/^[0-9]{1,2}$/.test(decimalsText) || Number(decimalsText) > MAX_ASSET_DECIMALS) {
      report('CLAWPAY_ASSET_DECIMALS', `CLAWPAY_ASSET_DECIMALS must be an integer from 0 to ${MAX_ASSET_DECIMALS}; got ${shown(decimalsText)}`);
    } else {
      decimals = Number(decimalsText);
    }
  }
  const symbol = get('CLAWPAY_ASSET_SYMBOL') ?? (isDefault ? known.asset.symbol : name);
  return { address: assetAddress, name, version, decimals, symbol };
}
