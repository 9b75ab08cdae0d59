#!/usr/bin/env node
// clawpay-mcp: the drop-in replacement for ClawPay MCP 1.1 (lib/mcp/main.js).
// Loaded here rather than imported statically so that a failure to load (the
// native addon, say) is one line on stderr, not a stack trace — and never
// shows a key (lib/secret_text.js is plain JS, so it loads when the rest cannot).
import { safeErrorMessage } from '../lib/secret_text.js';

try {
  const { main } = await import('../lib/mcp/main.js');
  await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`clawpay-mcp: ${safeErrorMessage(error)}\n`);
  process.exit(1);
}
