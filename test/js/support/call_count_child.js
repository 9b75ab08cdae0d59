// Child process for the call-count durability tests: a session journal with
// batched call counts (lib/pay/call_counts.js) and the payer's store, as the
// product opens them, in a process of its own.
//
//   node call_count_child.js MODE SESSIONS RECORDS
//   kill:  adds sessions a and b, counts 5 calls on a and writes them, closes
//          b as refused by the server, counts 7 more on a (not yet written),
//          prints "ready" and waits to be killed
//   exit:  adds session a, counts 9 calls on a and returns, leaving the
//          event loop to end (no close, no flush)
//   process.exit: the same, ending with process.exit(0)
import { RecordStore } from '../../../lib/record_store.js';
import { SessionStore } from '../../../lib/session_store.js';
import { batchCallCounts } from '../../../lib/pay/call_counts.js';
import { createSessionStates } from '../../../lib/pay/session_states.js';
import { NOW, sessionRecord } from './session_record.js';

const [mode, sessionsPath, recordsPath] = process.argv.slice(2);
const cache = batchCallCounts(new SessionStore({ path: sessionsPath }), { flushMs: 3_600_000 });
const store = new RecordStore({ path: recordsPath });
const states = createSessionStates({ store, cache, seconds: () => NOW + 100 });

const a = sessionRecord({ sessionId: 'aaaaaaaa-0000-4000-8000-000000000001', paymentAmount: '250000' });
cache.add(a);
if (mode === 'kill') {
  const b = sessionRecord({ sessionId: 'bbbbbbbb-0000-4000-8000-000000000002', endpoint: 'https://api.example.com/v2' });
  cache.add(b);
  for (let i = 1; i <= 5; i++) cache.recordCall(a.sessionId, { now: NOW + i });
  cache.flush();
  cache.recordCall(b.sessionId, { now: NOW + 6 });
  states.close(b, 'refused', 'the server did not accept the session token');
  for (let i = 1; i <= 7; i++) cache.recordCall(a.sessionId, { now: NOW + 10 + i });
  process.stdout.write('ready\n');
  setInterval(() => {}, 60_000);
} else {
  for (let i = 1; i <= 9; i++) cache.recordCall(a.sessionId, { now: NOW + i });
  if (mode === 'process.exit') process.exit(0);
}
