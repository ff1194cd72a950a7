/** Queue reordering by drag and drop: where a dragged row lands, as a `queue:move` request. */

/**
 * The `to` index of a move when the row at `from` is dropped on row `over`, in its upper half
 * (`before`) or lower half. Null when the drop changes nothing.
 */
export function dropIndex(from: number, over: number, before: boolean): number | null {
  // The slot between rows, counted in the list before the dragged row is taken out.
  const slot = before ? over : over + 1;
  const to = slot > from ? slot - 1 : slot;
  return to === from ? null : to;
}

/** The queue after moving one entry, as the leader will apply it (for an optimistic preview). */
export function moved<T>(items: readonly T[], from: number, to: number): T[] {
  if (from < 0 || from >= items.length || to < 0 || to >= items.length) return [...items];
  const next = [...items];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item as T);
  return next;
}
