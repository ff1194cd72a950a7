/** Why a playback request failed: the errors `PlaybackCoordinator.request()` rejects with. */

/** The leader refused the command (or it was malformed); `message` says why, for the user. */
export class PlaybackCommandError extends Error {
  override readonly name = 'PlaybackCommandError';
}

/** No leader was known for the whole request timeout. */
export class PlaybackNoLeaderError extends Error {
  override readonly name = 'PlaybackNoLeaderError';
}

/** The leader did not answer within the request timeout. */
export class PlaybackTimeoutError extends Error {
  override readonly name = 'PlaybackTimeoutError';
}

/** The coordinator is not running. */
export class PlaybackNotRunningError extends Error {
  override readonly name = 'PlaybackNotRunningError';
}
