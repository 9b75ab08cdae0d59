// Errors of the wallet layer: each has a stable `code` the MCP tools map to
// their structured `error` field, and a message that names the problem.

/** An Error with `code` and any extra fields. */
export function walletError(code, message, fields = {}) {
  const error = new Error(message);
  error.code = code;
  Object.assign(error, fields);
  return error;
}
