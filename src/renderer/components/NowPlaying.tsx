import { useMemo } from 'react';
import type { RoomTrack } from '../../shared/bridge/contract';
import { mediaUrl } from '../bridge';
import { usePosition } from '../playback/position';
import { useActions, useLibrary, usePlaybackState, useSettings } from '../store';

function formatTime(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The current track, its progress, the transport controls and this device's volume. */
export function NowPlaying() {
  const state = usePlaybackState();
  const { tracks } = useLibrary();
  const settings = useSettings();
  const { playback, settings: settingsActions } = useActions();
  const byId = useMemo(() => new Map<string, RoomTrack>(tracks.map((t) => [t.trackId, t])), [tracks]);
  const trackId = state && state.currentIndex !== null ? (state.queue[state.currentIndex] ?? null) : null;
  const track = trackId ? byId.get(trackId) : undefined;
  const position = usePosition(state);
  const playing = !!state && state.currentIndex !== null && !state.paused;
  const duration = track?.durationSec ?? 0;

  return (
    <section className="panel now-playing" aria-label="Now playing" data-testid="now-playing">
      <div className="cover" aria-hidden="true">
        {track?.hasCover ? <img src={mediaUrl('cover', track.trackId)} alt="" /> : <span className="cover-placeholder">♪</span>}
      </div>
      <div className="np-main">
        <div className="np-title" data-testid="np-title">
          {track ? track.title : trackId ? 'Loading track…' : 'Nothing playing'}
        </div>
        <div className="np-artist muted">{track ? [track.artist, track.album].filter(Boolean).join(' — ') : ''}</div>
        <div className="np-progress">
          <span className="time" data-testid="np-position">
            {formatTime(position)}
          </span>
          <input
            type="range"
            aria-label="Seek"
            min={0}
            max={Math.max(1, Math.floor(duration))}
            step={1}
            value={Math.min(Math.floor(position), Math.floor(duration))}
            disabled={!trackId}
            onChange={(e) => void playback.seek(Number(e.target.value))}
          />
          <span className="time">{formatTime(duration)}</span>
        </div>
        {state?.starting ? <div className="muted" role="status">Waiting for the other speakers…</div> : null}
      </div>
      <div className="transport" role="group" aria-label="Transport">
        <button type="button" aria-label="Previous track" onClick={() => void playback.prev()} disabled={!trackId}>
          ⏮
        </button>
        <button
          type="button"
          className="primary"
          aria-label={playing ? 'Pause' : 'Play'}
          data-testid="play-pause"
          onClick={() => void (playing ? playback.pause() : trackId ? playback.resume() : tracks[0] && playback.play({ index: 0 }))}
        >
          {playing ? '⏸' : '▶'}
        </button>
        <button type="button" aria-label="Next track" onClick={() => void playback.next()} disabled={!trackId}>
          ⏭
        </button>
        <button type="button" aria-label="Stop" onClick={() => void playback.stop()} disabled={!trackId}>
          ⏹
        </button>
        <label className="volume">
          <span className="visually-hidden">Volume</span>
          <input
            type="range"
            aria-label="Volume"
            min={0}
            max={1}
            step={0.01}
            value={settings?.volume ?? 1}
            onChange={(e) => void settingsActions.update({ volume: Number(e.target.value) })}
          />
        </label>
      </div>
    </section>
  );
}
