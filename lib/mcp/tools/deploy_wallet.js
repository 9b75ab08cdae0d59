// deploy_wallet: an AgentAccountV2 for an NFT through the factory (CREATE2,
// idempotent). The owner's setup calls are listed, never sent with the agent key.
import { ok } from '../tool_result.js';
import { walletTool } from './wallet_access.js';

export function deployWalletTool(context) {
  async function deploy(w, args) {
    const r = await w.deploy(args);
    let out = r.status === 'deployed' ? 'AgentAccountV2 Deployed\n\n' : 'AgentAccountV2 Already Deployed (nothing sent)\n\n';
    out += `  Wallet:        ${r.address}\n`;
    out += `  NFT:           ${r.nftContract} #${r.tokenId}\n`;
    out += `  Owner:         ${r.owner} (the NFT's holder)\n`;
    out += `  Factory:       ${r.factory}\n`;
    if (r.txHash) out += `  TX Hash:       ${r.txHash}\n`;
    out += `  Agent key:     ${r.agent} (${r.operatorActive ? 'an active operator' : 'not an operator yet'})\n`;
    if (r.nextSteps.length > 0) out += `\nNext steps (owner-only calls are never sent with the agent key):\n${r.nextSteps.map((s) => `  - ${s}`).join('\n')}\n`;
    return ok(out, r);
  }
  return walletTool('deploy_wallet', context, {
    title: 'Deploy an AgentAccountV2 wallet',
    description: 'Deploy an AgentAccountV2 contract wallet owned by an NFT, through the factory (CREATE2: the address is fixed ' +
      'by factory, NFT contract and token id; deploying again returns the existing wallet). The NFT holder owns it; the ' +
      'owner then makes this agent key an operator and sets spend limits (listed as next steps).',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }, deploy);
}
