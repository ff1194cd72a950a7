import { useEffect, useState } from 'react';
import { mediaUrl } from '../bridge';
import { repeatModes, type RepeatMode } from '../../shared/playback/state';
import { useLiveSources } from '../playback/live-sources';
import { useLiveTrouble } from '../playback/live-trouble';
import { usePosition } from '../playback/position';
import { currentSpeakerState } from '../playback/speaker-report';
import { healthLabel, speakerHealth } from '../room/health';
import {
  useActions,
  useCurrentTrack,
  useLibrary,
  usePeerStatus,
  usePlaybackState,
  useSettings,
} from '../store';
import { formatDuration, formatMs } from '../ui/format';
import { Cover } from './Cover';
import { Icon } from './Icons';
import { RangeSlider } from './RangeSlider';

const repeatText: Record<RepeatMode, string> = {
  off: 'Repeat: off',
  all: 'Repeat: all',
  one: 'Repeat: this track',
};
const nextRepeat = (mode: RepeatMode): RepeatMode =>
  repeatModes[(repeatModes.indexOf(mode) + 1) % repeatModes.length] ?? 'off';

/** The player bar: current track and cover, transport, progress with seek, this device's volume, and sync health. */
export function NowPlaying() {
  const state = usePlaybackState();
  const { trackId, track } = useCurrentTrack();
  const { tracks } = useLibrary();
  const settings = useSettings();
  const status = usePeerStatus();
  const { playback, settings: settingsActions, ui } = useActions();
  const position = usePosition(state);
  const [preview, setPreview] = useState<number | null>(null);
  // A live source plays instead of a track (#22): its name shows where the title goes.
  const source = state?.source ?? null;
  const liveTrouble = useLiveTrouble();
  // What the source says is playing (a radio's title), from the room's list of sources.
  const sourceInfo = useLiveSources(!!source).find((s) => s.sourceId === source?.sourceId);
  const sourceTitle = sourceInfo?.title ?? null;
  // Its artist (AirPlay, Spotify), shown before the source's name.
  const sourceArtist = sourceInfo?.artist ?? null;
  // A cover this device's peer could not get (from the source's peer) gives way to the placeholder.
  const [failedCoverId, setFailedCoverId] = useState<string | null>(null);
  const sourceCoverId = sourceInfo?.coverId !== failedCoverId ? sourceInfo?.coverId : undefined;
  const playing = !!state && (state.currentIndex !== null || !!source) && !state.paused;
  const duration = track?.durationSec ?? 0;
  const shownPosition = preview ?? Math.min(position, duration || position);
  const sync = status?.sync ?? null;
  // Judged as the Room view judges every device: by its speaker's output against group time.
  const health = playing ? speakerHealth(status?.output) : 'unknown';
  const volume = settings?.volume ?? 1;
  const muted = settings?.muted ?? false;
  const shuffled = !!state && state.unshuffled !== null;
  const repeat = state?.repeat ?? 'off';

  const togglePlay = () => {
    if (playing) void playback.pause();
    else if (trackId || source) void playback.resume();
    else if (tracks[0]) void playback.play({ trackId: tracks[0].trackId });
  };

  return (
    <section className="player" aria-label="Now playing" data-testid="now-playing">
      <div className="player-track">
        {source && sourceCoverId ? (
          // The source's cover (AirPlay's PICT, Spotify's), from this device's peer; `v` changes with the image.
          <img
            className="cover player-cover"
            width={56}
            height={56}
            alt=""
            src={`${mediaUrl('live-cover', source.sourceId)}?v=${sourceCoverId}`}
            onError={() => setFailedCoverId(sourceCoverId)}
            data-testid="np-live-cover"
          />
        ) : (
          <Cover track={track} size={56} className="player-cover" />
        )}
        <div className="player-text">
          <div className="np-title" data-testid="np-title" title={track?.title}>
            {source
              ? (sourceTitle ?? source.name)
              : track
                ? track.title
                : trackId
                  ? 'Loading track…'
                  : 'Nothing playing'}
          </div>
          <div className="np-artist" data-testid="np-artist">
            {source
              ? `${sourceArtist ? `${sourceArtist} · ` : ''}${sourceTitle ? `${source.name} · ` : ''}Live from ${status?.members.find((m) => m.peerId === source.peerId)?.name ?? 'this device'}${liveTrouble ? ` · ${liveTrouble}` : ''}`
              : status?.playback.liveStopReason && !trackId
                ? status.playback.liveStopReason
                : track
                  ? [track.artist, track.album].filter(Boolean).join(' · ')
                  : trackId
                    ? ''
                    : 'Pick a track in the library'}
          </div>
        </div>
      </div>

      <div className="player-center">
        <div className="transport" role="group" aria-label="Transport">
          <button
            type="button"
            className={`icon-button toggle${shuffled ? ' on' : ''}`}
            aria-label="Shuffle"
            aria-pressed={shuffled}
            aria-keyshortcuts="S"
            title={shuffled ? 'Shuffle is on (S)' : 'Shuffle (S)'}
            data-testid="shuffle"
            onClick={() => void playback.shuffle(!shuffled)}
            disabled={!state || state.queue.length === 0}
          >
            <Icon name="shuffle" size={18} />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Stop"
            onClick={() => void playback.stop()}
            disabled={!trackId}
          >
            <Icon name="stop" size={18} />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Previous track"
            onClick={() => void playback.prev()}
            disabled={!trackId}
          >
            <Icon name="prev" />
          </button>
          <button
            type="button"
            className="play-button"
            aria-label={playing ? 'Pause' : 'Play'}
            aria-keyshortcuts="Space"
            data-testid="play-pause"
            onClick={togglePlay}
            disabled={!trackId && tracks.length === 0}
          >
            <Icon name={playing ? 'pause' : 'play'} size={22} />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Next track"
            onClick={() => void playback.next()}
            disabled={!trackId}
          >
            <Icon name="next" />
          </button>
          <button
            type="button"
            className={`icon-button toggle${repeat === 'off' ? '' : ' on'}`}
            aria-label={repeatText[repeat]}
            aria-pressed={repeat !== 'off'}
            aria-keyshortcuts="R"
            title={`${repeatText[repeat]} (R)`}
            data-testid="repeat"
            data-mode={repeat}
            onClick={() => void playback.repeat(nextRepeat(repeat))}
            disabled={!state}
          >
            <Icon name={repeat === 'one' ? 'repeatOne' : 'repeat'} size={18} />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Keyboard shortcuts"
            onClick={() => ui.setShortcutsOpen(true)}
          >
            <Icon name="keyboard" size={18} />
          </button>
        </div>
        <div className="np-progress">
          <span className="time" data-testid="np-position">
            {formatDuration(shownPosition)}
          </span>
          <RangeSlider
            label="Seek"
            className="seek"
            min={0}
            max={Math.max(1, Math.floor(duration))}
            step={1}
            value={Math.floor(Math.min(position, duration))}
            valueText={(v) => `${formatDuration(v)} of ${formatDuration(duration)}`}
            disabled={!trackId || duration <= 0}
            onPreview={setPreview}
            onCommit={(v) => void playback.seek(v)}
            testId="seek"
          />
          <span className="time" data-testid="np-duration">
            {formatDuration(duration)}
          </span>
        </div>
        {state?.starting ? (
          <div className="player-note" role="status">
            Waiting for the other speakers…
          </div>
        ) : playing ? (
          <SpeakerNote />
        ) : null}
      </div>

      <div className="player-side">
        <span
          className={`sync-badge health-${health}`}
          title={
            sync && playing
              ? `This device is ${formatMs(sync.errorMs)} from group time (bound ${formatMs(sync.boundMs)})`
              : 'Sync is measured while a track plays'
          }
          data-testid="sync-badge"
        >
          <span className="dot" aria-hidden="true" />
          <span className="sync-text">{playing && sync ? formatMs(sync.errorMs) : 'Sync –'}</span>
          <span className="visually-hidden">{`, ${healthLabel[health]}`}</span>
        </span>
        <button
          type="button"
          className="icon-button"
          aria-label={muted ? 'Unmute' : 'Mute'}
          data-testid="mute"
          onClick={() => void settingsActions.update({ muted: !muted })}
        >
          <Icon name={muted || volume === 0 ? 'mute' : 'volume'} />
        </button>
        <RangeSlider
          label="Volume"
          className="volume"
          min={0}
          max={1}
          step={0.01}
          value={volume}
          valueText={(v) => `${Math.round(v * 100)}%`}
          onCommit={(v) => void settingsActions.update({ volume: v })}
          testId="volume"
        />
      </div>
    </section>
  );
}

/** What this device's speaker is doing when it is not simply playing: waiting for data, decoding, or why it cannot play. */
function SpeakerNote() {
  const [reading, setReading] = useState(currentSpeakerState);
  useEffect(() => {
    const timer = setInterval(() => {
      const next = currentSpeakerState();
      setReading((prev) => (prev.state === next.state && prev.detail === next.detail ? prev : next));
    }, 500);
    return () => clearInterval(timer);
  }, []);
  const { state, detail } = reading;
  if (state === 'playing' || state === 'idle' || state === 'needs-click') return null;
  const text =
    state === 'failed'
      ? `This device cannot play this track${detail ? `: ${detail}` : ''}`
      : state === 'decoding'
        ? 'Decoding the whole file before it can play…'
        : `This device is ${detail ?? 'waiting for data'}…`;
  return (
    <div className={`player-note speaker-${state}`} role="status" data-testid="speaker-note">
      {text}
    </div>
  );
}
