// The name a person most likely meant: the known name at the smallest edit
// distance (Levenshtein: insertions, deletions, substitutions) from what was
// typed — for "did you mean" in unknown commands and misspelt variables.

/** The Levenshtein distance between two strings. */
export function editDistance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The name in `names` closest to `word` (ties: the first listed), or null
 * when `names` is empty. Case is ignored when measuring.
 * @param {string} word
 * @param {Iterable<string>} names
 */
export function closestName(word, names) {
  let best = null;
  let bestDistance = Infinity;
  const typed = word.toUpperCase();
  for (const name of names) {
    const distance = editDistance(typed, name.toUpperCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}
