// A seller process's channel storage, for the cross-process tests of
// FileChannels (test/js/paywall_file_channels.test.js). Run as:
//   node channel_storage_child.js hold <ours|official> <dir> <channelId>
//     updates the channel, and inside the update (the storage's lock held)
//     prints "holding" and spins until killed
//   node channel_storage_child.js increment <ours|official> <dir> <channelId> <count>
//     prints "ready", waits for a line on stdin, then adds 1 to the
//     channel's chargedCumulativeAmount <count> times, one update each, and
//     prints "done"
import { writeSync } from 'node:fs';
import { once } from 'node:events';

import { FileChannelStorage } from '@x402/evm/batch-settlement/server/file-storage';

import { FileChannels } from '../../../lib/paywall/file_channels.js';

const [command, kind, directory, channelId, count] = process.argv.slice(2);
const storage = kind === 'official' ? new FileChannelStorage({ directory }) : new FileChannels({ directory });
const say = (line) => writeSync(1, `${line}\n`);

if (command === 'hold') {
  await storage.updateChannel(channelId, () => {
    say('holding');
    for (;;); // the lock stays held until the kill
  });
} else if (command === 'increment') {
  say('ready');
  process.stdin.setEncoding('utf8');
  await once(process.stdin, 'data');
  for (let i = 0; i < Number(count); i++) {
    // Records of a real one's size, so the log is rewritten (compacted) many times on the way.
    await storage.updateChannel(channelId, (current) => ({
      channelId, chargedCumulativeAmount: String(BigInt(current?.chargedCumulativeAmount ?? '0') + 1n), signature: `0x${'ab'.repeat(65)}`, pad: 'x'.repeat(400),
    }));
  }
  say('done');
  process.exit(0);
} else {
  throw new Error(`unknown command ${command}`);
}
