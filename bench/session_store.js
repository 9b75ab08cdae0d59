// Session lookup by URL among 100,000 sessions: the native index vs ClawPay
// 1.1's findSessionForUrl (filter live sessions, then find exact / startsWith
// in insertion order), the code it replaces.
import { SessionStore } from '../lib/index.js';
import { compare } from './harness.js';

const NOW = 1_800_000_000;

function sessions(count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push({
      sessionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      endpoint: `https://api${i % 1000}.example.com/v${Math.floor(i / 1000)}`,
      scope: i % 10 === 0 ? 'exact' : 'prefix', walletAddress: '0x00', createdAt: NOW - 60, expiresAt: NOW + 3600,
      paymentTxHash: '0x', paymentAmount: '10000', paymentToken: '0x', paymentRecipient: '0x', sessionToken: 't',
      signature: '0x', callCount: 0, lastUsedAt: NOW,
    });
  }
  return out;
}

function clawpay11Find(store, url, now) {
  const active = Array.from(store.values()).filter((s) => s.expiresAt > now);
  const exact = active.find((s) => s.scope === 'exact' && s.endpoint === url);
  if (exact) return exact;
  return active.find((s) => s.scope === 'prefix' && url.startsWith(s.endpoint));
}

export async function sessionStoreRows(count = 100_000) {
  const all = sessions(count);
  const cache = new SessionStore();
  const store = new Map();
  for (const s of all) {
    cache.add(s);
    store.set(s.sessionId, s);
  }
  const urls = Array.from({ length: 1024 }, (_, i) => {
    const n = (i * 7919) % count;
    return `https://api${n % 1000}.example.com/v${Math.floor(n / 1000)}/items/${i}?page=2`;
  });
  if (!cache.findForUrl(urls[1], { now: NOW })) throw new Error('bench setup: lookup misses');
  const rows = [{
    name: `findForUrl among ${count.toLocaleString('en')} sessions`,
    candidates: await compare([
      { label: 'native', fn: (i) => cache.findForUrl(urls[i & 1023], { now: NOW }) },
      { label: 'ClawPay 1.1', fn: (i) => clawpay11Find(store, urls[i & 1023], NOW) },
    ], { rounds: 2 }),
  }];
  cache.close();
  return rows;
}
