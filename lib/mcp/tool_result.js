// A tool's result as the MCP SDK takes it: text content, with the same facts
// as structuredContent. Failures are results with isError, never protocol errors.

function text(value) {
  return { type: 'text', text: value };
}

export function ok(textValue, structured) {
  return { content: [text(textValue)], structuredContent: structured };
}

export function failure(textValue, structured) {
  return structured === undefined
    ? { isError: true, content: [text(textValue)] }
    : { isError: true, content: [text(textValue)], structuredContent: structured };
}

export const errorMessage = (error) => (error instanceof Error ? error.message : String(error));
