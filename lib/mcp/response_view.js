// A server's answer in a tool result: its status line, redirects and body.
import { STATUS_CODES } from 'node:http';

import { describeBody, headerOf } from './format.js';

export function responseBlock(response, shown) {
  return {
    status: response.status,
    statusText: STATUS_CODES[response.status] ?? '',
    contentType: shown.contentType,
    bytes: shown.bytes,
    body: shown.text,
    bodyTruncated: shown.truncated,
    bodyBinary: shown.binary,
    bodyIncomplete: shown.incomplete,
  };
}

export const statusLine = (response) => `${response.status}${STATUS_CODES[response.status] ? ` ${STATUS_CODES[response.status]}` : ''}`;

export function responseOf(result) {
  const shown = describeBody(result.body, headerOf(result.headers, 'content-type'), { incomplete: result.truncated === true });
  return { shown, block: responseBlock(result, shown) };
}

export function redirectLines(result, pad) {
  if (!result.redirects?.length) return '';
  return result.redirects.map((hop) => `  Redirect:${pad}${hop.status} ${hop.from} -> ${hop.to}${hop.crossOrigin ? ' (another origin: no credentials sent there)' : ''}\n`).join('');
}
