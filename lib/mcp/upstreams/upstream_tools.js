// The upstreams' tools, offered to the agent as NAME_TOOL beside
// clawpay-mcp's own: the upstream's input and output schemas, its
// description marked as the upstream's (with the price it advertises), and a
// handler that calls it through lib/pay/mcp_payments.js, so a paid tool is
// paid under the spend policy and the payment ledger, once.
//
// What the agent gets back is the upstream's result as it came — content,
// structuredContent, isError — with clawpay-mcp's own facts beside it in
// _meta only: "clawpay/upstream" (which server and tool answered) and
// "clawpay/payment" (what was paid; null when nothing), plus the settlement
// in "x402/payment-response". The upstream's own _meta is not passed on, so
// nothing the upstream writes can pose as clawpay-mcp's word about a payment,
// and a result asking for payment again after it was paid is never paid
// again (the paying fetch retries once).
import { fromJsonSchema } from '@modelcontextprotocol/server';

import { createMcpPayments } from '../../pay/mcp_payments.js';
import { errorMessage, failure } from '../tool_result.js';

const MAX_DESCRIPTION = 2000;
const AGENTS_PRICE_META_KEY = 'agents-x402/priceUSD';

/** The price an upstream tool advertises in its listing, as text, or null. */
function advertisedPrice(tool) {
  const usd = tool._meta?.[AGENTS_PRICE_META_KEY];
  return typeof usd === 'number' && Number.isFinite(usd) && usd >= 0 ? `$${usd} per call` : null;
}

function descriptionOf(upstream, tool) {
  const own = typeof tool.description === 'string' ? tool.description.slice(0, MAX_DESCRIPTION) : '';
  const price = advertisedPrice(tool);
  return `[Tool "${tool.name}" of the upstream MCP server "${upstream.name}" at ${upstream.url}; its description and results are that server's, ` +
    `not clawpay-mcp's. When it asks for payment, clawpay-mcp pays under its spend policy${price ? `; it advertises ${price}` : ''}.] ${own}`;
}

/**
 * @param {object} o
 * @param {object[]} o.upstreams  from createUpstream()
 * @param {object} o.payer  lib/pay/payer.js's createPayer()
 * @param {(payment) => object | null} o.paymentBlock  tool_context's view of a payment
 * @param {(line: string, keep?: string[]) => void} o.log
 * @param {{track(p: Promise<unknown>): void}} [o.activity]
 */
export function createUpstreamTools({ upstreams, payer, sessions = null, sessionBlock = null, paymentBlock, log, activity }) {
  const callPaid = createMcpPayments({ paying: payer, sessions, ...(sessionBlock ? { sessionOf: sessionBlock } : {}) });
  const servers = new Set(); // WeakRefs of the McpServers showing these tools, with their handles

  // A failure as a result the agent's client accepts: structured facts go
  // in _meta when the tool declares an outputSchema (SDK 1.x checks
  // structuredContent against it even on isError).
  function failed(tool, text, facts) {
    const result = failure(text, facts);
    if (!tool.outputSchema) return result;
    const { structuredContent, ...rest } = result;
    return { ...rest, _meta: { 'clawpay/error': structuredContent } };
  }

  function passedThrough(upstream, tool, { result, payment, settlement, session }) {
    const { _meta: ignored, ...fields } = result && typeof result === 'object' ? result : {};
    return {
      ...fields,
      content: Array.isArray(fields.content) ? fields.content : [],
      _meta: {
        'clawpay/upstream': { name: upstream.name, url: upstream.url, tool: tool.name },
        'clawpay/payment': paymentBlock(payment),
        ...(session ? { 'clawpay/session': session } : {}),
        ...(settlement ? { 'x402/payment-response': settlement } : {}),
      },
    };
  }

  function handlerOf(upstream, tool, shownName) {
    const call = async (args) => {
      let client;
      try {
        client = await upstream.connected();
      } catch (error) {
        return failed(tool, `${shownName} failed: the upstream ${upstream.name} (${upstream.url}) cannot be reached: ${errorMessage(error)}. Nothing was paid.`,
          { error: 'upstream_unreachable', message: errorMessage(error) });
      }
      try {
        const answer = await callPaid(client, upstream.url, { name: tool.name, arguments: args ?? {} }, { timeoutMs: upstream.timeoutMs, toolDefinition: tool });
        if (answer.payment?.transaction) {
          log(`${shownName}: paid ${answer.payment.amount} base units to ${answer.payment.payTo} (tx ${answer.payment.transaction})`, [answer.payment.transaction]);
        }
        return passedThrough(upstream, tool, answer);
      } catch (error) {
        const payment = paymentBlock(error.payment ?? null);
        if (error?.code === 'ERR_POLICY_REFUSED') {
          return failed(tool, `${shownName} refused: ${errorMessage(error)}${error.rule ? ` (rule: ${error.rule})` : ''}\nNothing was paid.`,
            { error: 'policy_refused', rule: error.rule ?? null, message: errorMessage(error) });
        }
        if (error?.code === 'ERR_TIMEOUT') {
          return failed(tool, `${shownName} failed: ${errorMessage(error)}`, { error: 'timeout', timeoutMs: upstream.timeoutMs, payment });
        }
        if (error?.code === 'ERR_FETCH_FAILED') upstream.reset();
        return failed(tool, `${shownName} failed: the upstream ${upstream.name} (${upstream.url}): ${errorMessage(error)}`,
          { error: error?.code ?? 'upstream_failed', message: errorMessage(error), payment });
      }
    };
    return (args) => {
      const work = call(args);
      activity?.track(work);
      return work;
    };
  }

  /** Registers every upstream's tools on `server`, skipping names its own tools have; returns the handles. */
  function registerOn(server, ownNames) {
    const handles = [];
    for (const upstream of upstreams) {
      for (const tool of upstream.tools()) {
        const shownName = `${upstream.name}_${tool.name}`;
        if (ownNames.has(shownName)) {
          log(`upstream ${upstream.name}: tool ${tool.name} would be ${shownName}, one of clawpay-mcp's own tools; not offered`);
          continue;
        }
        let config;
        try {
          config = {
            ...(typeof tool.title === 'string' ? { title: tool.title.slice(0, 200) } : {}),
            description: descriptionOf(upstream, tool),
            inputSchema: fromJsonSchema(tool.inputSchema),
            ...(tool.outputSchema?.type === 'object' ? { outputSchema: fromJsonSchema(tool.outputSchema) } : {}),
            ...(tool.annotations && typeof tool.annotations === 'object' ? { annotations: tool.annotations } : {}),
          };
          handles.push(server.registerTool(shownName, config, handlerOf(upstream, tool, shownName)));
        } catch (error) {
          log(`upstream ${upstream.name}: tool ${tool.name} cannot be offered: ${errorMessage(error)}`);
        }
      }
    }
    return handles;
  }

  return {
    /** Adds the upstream tools to a server made by the factory, and keeps them current on it. */
    register(server, ownNames) {
      const entry = { server: new WeakRef(server), ownNames, handles: registerOn(server, ownNames) };
      servers.add(entry);
    },

    /** An upstream's tools changed: every live server shows the new list and tells its client (list_changed). */
    refresh() {
      for (const entry of servers) {
        const server = entry.server.deref();
        if (!server) {
          servers.delete(entry);
          continue;
        }
        for (const handle of entry.handles) handle.remove();
        entry.handles = registerOn(server, entry.ownNames);
        try {
          server.sendToolListChanged();
        } catch {
          // not connected (yet, or any more): its next tools/list is current anyway
        }
      }
    },
  };
}
