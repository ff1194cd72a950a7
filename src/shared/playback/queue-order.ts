/**
 * Orderings of the play queue: a shuffled order that keeps the current track first, where an index
 * lands after a move, and the window of the library listing that `play {index}` makes the queue.
 */

/** A slice of the library listing around `index`, short enough for one state message. */
export function windowAround(
  order: readonly string[],
  index: number,
  max: number,
): { queue: string[]; index: number } {
  if (order.length <= max) return { queue: [...order], index };
  // Keep a few tracks before the chosen one so "prev" still walks back through the listing.
  const before = Math.floor(max / 10);
  const start = Math.max(0, Math.min(index - before, order.length - max));
  return { queue: order.slice(start, start + max), index: index - start };
}

/**
 * Shuffles `queue` with the track at `first` (the current one) leading and the rest in random
 * order (Fisher–Yates). Returns the new queue and its `unshuffled` map back to the given order.
 */
export function shuffleQueue(
  queue: readonly string[],
  first: number | null,
  random: () => number,
): { queue: string[]; unshuffled: number[] } {
  const rest = [...queue.keys()].filter((i) => i !== first);
  for (let i = rest.length - 1; i > 0; i--) {
    // min(): a random() that returns 1 must not pick past the end.
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [rest[i], rest[j]] = [rest[j] as number, rest[i] as number];
  }
  const order = first === null ? rest : [first, ...rest];
  const unshuffled = new Array<number>(queue.length);
  order.forEach((oldIndex, newIndex) => (unshuffled[oldIndex] = newIndex));
  return { queue: order.map((i) => queue[i] as string), unshuffled };
}

/** Where a queue index lands after moving the track at `from` to `to`. */
export function indexAfterMove(index: number, from: number, to: number): number {
  if (index === from) return to;
  if (from < index && index <= to) return index - 1;
  if (to <= index && index < from) return index + 1;
  return index;
}
