/** A mistake in what the user typed at the REPL, shown as is. */
export class ReplUsageError extends Error {
  override name = 'ReplUsageError';
}
