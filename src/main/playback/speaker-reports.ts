/**
 * What this peer's speaker tells the room about a track: that it has it ready, or that it cannot
 * play it and why. The reports are checked before they are sent, so a bad track id or reason from
 * the renderer becomes a logged warning here instead of a message every peer drops.
 */
import { validatePlaybackMessage, type PlaybackMessageOf } from '../../shared/playback/messages';
import { trackIdValidator } from '../../shared/playback/validate';
import { err, ok, type Result } from '../../shared/result';

/** The ready report for `trackId` at state `version`, or the warning to log when the id is malformed. */
export function readyReport(trackId: string, version: number): Result<PlaybackMessageOf<'playback:ready'>> {
  const checked = trackIdValidator(trackId);
  if (!checked.ok) return err(`not reporting ready for a malformed track id (${checked.error})`);
  return ok({ type: 'playback:ready', trackId, version });
}

/** The report that this speaker cannot play `trackId` (`reason` in plain words), or the warning to log. */
export function unplayableReport(
  trackId: string,
  version: number,
  reason: string,
): Result<PlaybackMessageOf<'playback:unplayable'>> {
  const checked = trackIdValidator(trackId);
  if (!checked.ok) return err(`not reporting an unplayable track with a malformed id (${checked.error})`);
  const message = { type: 'playback:unplayable', trackId, version, reason } as const;
  const valid = validatePlaybackMessage(message);
  if (!valid.ok) return err(`not reporting an unplayable track (${valid.error})`);
  return ok(message);
}
