// clawpay-mcp's upstreams (--upstream NAME=URL, CLAWPAY_UPSTREAMS): each
// connected (upstream_client.js), its tools offered as NAME_TOOL and paid
// through the payer (upstream_tools.js), or called in a clawpay session that
// covers the upstream's URL (its token on the upstream's HTTP requests).
import { mcpSessionFetch } from '../../pay/mcp_session_fetch.js';
import { createPaymentView } from '../payment_view.js';
import { createSessionView } from '../session_view.js';
import { settingsOf } from '../tool_context.js';
import { createUpstream } from './upstream_client.js';
import { createUpstreamTools } from './upstream_tools.js';

export { DEFAULT_UPSTREAM_TIMEOUT_MS, parseUpstreams, upstreamTimeoutOf } from './upstream_list.js';

/**
 * Connects to every upstream in `list` (those that cannot be reached are
 * said on stderr and retried in the background) and returns {tools, close}:
 * `tools.register(server, ownNames)` for the server factory.
 */
export async function startUpstreams({ list, timeoutMs, payer, sessions = null, config, version, log, activity }) {
  let tools = null;
  const upstreams = list.map(({ name, url }) => createUpstream({
    name, url, timeoutMs, version, log, onToolsChanged: () => tools?.refresh(), fetch: mcpSessionFetch(),
  }));
  const { paymentBlock } = createPaymentView(settingsOf(config));
  const sessionBlock = sessions ? createSessionView(sessions.seconds, sessions).sessionBlock : null;
  tools = createUpstreamTools({ upstreams, payer, sessions, sessionBlock, paymentBlock, log, activity });
  await Promise.all(upstreams.map((upstream) => upstream.start()));
  return {
    tools,
    close: () => Promise.all(upstreams.map((upstream) => upstream.close())),
  };
}
