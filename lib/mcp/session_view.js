// A session record (kind clawpay, channel or siwx) in a tool result.
import { channelBlock } from './channel_view.js';

export { ZERO_ADDRESS } from '../pay/sessions.js';

/** What a session's state is called in text. */
export const STATE_TEXT = Object.freeze({
  active: 'Active', expired: 'Expired', ended: 'Ended', refused: 'Refused by the server',
});

/**
 * sessionBlock(record), its remaining time counted at `seconds()` (Unix
 * seconds), its kind, state and refusal as `sessions` (lib/pay/sessions.js) has them.
 */
export function createSessionView(seconds, sessions) {
  const channelOf = (record) => {
    const channel = sessions.channels?.get(record.channelId);
    return channel ? channelBlock(channel) : null;
  };

  function sessionBlock(record) {
    return {
      sessionId: record.sessionId,
      kind: sessions.kindOf(record),
      state: sessions.stateOf(record),
      refusal: sessions.refusalOf(record),
      label: record.label ?? null,
      endpoint: record.endpoint,
      scope: record.scope,
      callCount: record.callCount,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      ttlSeconds: Math.max(0, record.expiresAt - seconds()),
      lastUsedAt: record.lastUsedAt,
      endedAt: record.endedAt ?? null,
      paymentTxHash: record.paymentTxHash,
      paymentAmount: record.paymentAmount,
      paymentToken: record.paymentToken,
      paymentRecipient: record.paymentRecipient,
      revokeUrl: record.revokeUrl ?? null,
      ...(record.channelId ? { channel: channelOf(record) } : {}),
    };
  }

  return { sessionBlock };
}
