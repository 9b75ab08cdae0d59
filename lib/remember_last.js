// A pure function of one string with its last answer kept: a session's calls
// ask about the same URL again and again (checked, parsed, split), and each
// such answer is the same for the same text. A call that throws keeps nothing.
export function rememberLast(fn) {
  let known = false;
  let lastKey;
  let lastValue;
  return (key) => {
    if (known && key === lastKey) return lastValue;
    const value = fn(key);
    lastKey = key;
    lastValue = value;
    known = true;
    return value;
  };
}
