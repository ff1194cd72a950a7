import type { LiveSourceInfo } from '../../shared/live/sources';
import { useLiveSources } from '../playback/live-sources';
import { useActions, usePlaybackState } from '../store';
import { CaptureControl } from './CaptureControl';
import { Icon } from './Icons';

const stateText: Record<LiveSourceInfo['state'], string> = {
  starting: 'waiting for sound',
  running: 'live',
  stalled: 'no sound',
  failed: 'failed',
};

/** Live sources (line-in, AirPlay, Spotify Connect…) anywhere in the room, each with a Play button. */
export function LiveSources() {
  const sources = useLiveSources();
  const state = usePlaybackState();
  const { playback } = useActions();
  return (
    <section className="live-sources" aria-labelledby="live-title" data-testid="live-sources">
      <h2 id="live-title" className="section-title">
        Live sources
      </h2>
      {sources.length === 0 ? <p className="muted">No live source in the room yet.</p> : null}
      <ul className="live-rows">
        {sources.map((s) => {
          const playing = state?.source?.sourceId === s.sourceId;
          const playable = !(s.local && s.state === 'failed' && s.frames === 0 && s.restarts === 0);
          return (
            <li className="live-row" key={s.sourceId} data-testid="live-source" data-source-id={s.sourceId}>
              <span className="live-name">
                {s.name}
                {s.title ? ` · ${s.title}` : ''}
              </span>
              <span className="live-state" title={s.error ?? undefined}>
                {s.local ? 'this device' : (s.peerName ?? 'another device')} · {stateText[s.state]}
                {s.error ? `: ${s.error}` : ''}
              </span>
              <button
                type="button"
                className="icon-button"
                disabled={playing || !playable}
                aria-label={`Play ${s.name}`}
                onClick={() => void playback.play({ sourceId: s.sourceId })}
              >
                <Icon name="play" />
              </button>
            </li>
          );
        })}
      </ul>
      <CaptureControl />
    </section>
  );
}
