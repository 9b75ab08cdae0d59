#!/usr/bin/env node
// clawpay-mcp: the drop-in replacement for ClawPay MCP 1.1 (work in progress, issue #4).
const { main } = await import('../lib/mcp/main.js').catch((error) => {
  if (error.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('clawpay-mcp: not built yet in this version (issue #4)');
    process.exit(1);
  }
  if (error.code === 'ERR_NATIVE_LOAD') {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
});
await main(process.argv.slice(2));
