// Whether a process on this machine still runs, for the leases and claims
// that name their holder by pid (the approval queue, the nonce lease, a
// channel's in-flight lease): a holder that is gone holds nothing.

/** Whether process `pid` is alive; EPERM means it is, owned by another user. */
export function processAlive(pid) {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
