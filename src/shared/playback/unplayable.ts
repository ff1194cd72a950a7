/**
 * Which speakers said they cannot play which track, and why; the leader skips a track that no
 * speaker can play. Kept per track (a speaker that failed on one file may play the next) and
 * forgotten for members that left.
 */

/** Reports of speakers that cannot play a track: member → reason, per track. */
export class UnplayableBook {
  readonly #byTrack = new Map<string, Map<string, string>>();

  record(memberId: string, trackId: string, reason: string): void {
    const reasons = this.#byTrack.get(trackId) ?? new Map<string, string>();
    reasons.set(memberId, reason);
    this.#byTrack.set(trackId, reasons);
  }

  /** The members that reported `trackId` unplayable, with their reasons. */
  reasons(trackId: string): ReadonlyMap<string, string> {
    return this.#byTrack.get(trackId) ?? new Map();
  }

  has(memberId: string, trackId: string): boolean {
    return this.#byTrack.get(trackId)?.has(memberId) ?? false;
  }

  /** Forgets reports about `trackId` (it is queued anew: a speaker may have been fixed meanwhile). */
  forget(trackId: string): void {
    this.#byTrack.delete(trackId);
  }

  /** Forgets members that are gone. */
  retain(members: readonly string[]): void {
    const keep = new Set(members);
    for (const [trackId, reasons] of this.#byTrack) {
      for (const member of reasons.keys()) if (!keep.has(member)) reasons.delete(member);
      if (reasons.size === 0) this.#byTrack.delete(trackId);
    }
  }
}

/**
 * Why the room should skip `trackId`, or null to play it: skipped when some speaker reported it
 * unplayable and none of the members reported it ready. The reason is the first one given.
 */
export function skipReason(
  book: UnplayableBook,
  trackId: string,
  members: readonly string[],
  isReady: (memberId: string) => boolean,
): string | null {
  const reasons = book.reasons(trackId);
  if (reasons.size === 0 || members.some(isReady)) return null;
  const first = members.find((m) => reasons.has(m));
  return first === undefined ? null : (reasons.get(first) ?? null);
}
